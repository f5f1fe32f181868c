//! Users, their tokens, preferences, custom fields and SCIM names, in SQL.

use super::*;

impl UserReads for PgTx<'_> {
    /// Outside a transaction, with its custom fields, kept for [`UserReads::custom_fields`]
    /// in this session: a use case that shows a user shows them too, and they cost no
    /// statement of their own.
    fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        // Only outside a transaction: inside a SERIALIZABLE one the join would make every
        // user read conflict with concurrent custom-field changes.
        if self.in_transaction() {
            return self.record("SELECT record FROM users WHERE id = $1", &[&id.as_str()]);
        }
        let rows = self.query(
            "SELECT u.record, f.fields FROM users u
             LEFT JOIN user_custom_fields f ON f.user_id = u.id WHERE u.id = $1",
            &[&id.as_str()],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        self.custom_fields_read
            .borrow_mut()
            .insert(id.to_string(), row.get(1));
        Ok(Some(from_json(row.get(0))?))
    }

    fn user_id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError> {
        let key = normalize_key(username);
        Ok(self
            .text("SELECT id FROM users WHERE username_key = $1", &[&key])?
            .map(UserId))
    }

    fn count_numbered_usernames(&self, base: &str) -> Result<u64, StoreError> {
        // A regular expression with every character of the base quoted: no LIKE wildcard
        // or collation can widen the match.
        let quoted: String = normalize_key(base)
            .chars()
            .map(|c| match c.is_alphanumeric() {
                true => c.to_string(),
                false => format!("\\{c}"),
            })
            .collect();
        let pattern = format!("^{quoted}-[0-9]");
        let rows = self.query(
            "SELECT count(*) FROM users WHERE username_key ~ $1",
            &[&pattern],
        )?;
        Ok(rows.first().map_or(0, |row| row.get::<_, i64>(0)) as u64)
    }

    fn user_id_by_email(&self, email: &str) -> Result<Option<UserId>, StoreError> {
        let key = normalize_key(email);
        Ok(self
            .text(
                "SELECT user_id FROM user_emails WHERE email_key = $1",
                &[&key],
            )?
            .map(UserId))
    }

    fn user_id_by_token(&self, hash: &TokenHash) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .text("SELECT user_id FROM tokens WHERE hash = $1", &[&hash.0])?
            .map(UserId))
    }

    fn token_user(&self, hash: &TokenHash) -> Result<Option<(User, i64)>, StoreError> {
        // With the permissions' version, so that the request's permission checks need no
        // statement of their own (see `permissions`).
        let rows = self.query(
            &format!(
                "SELECT u.record, t.issued_at, {} FROM tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.hash = $1",
                super::permissions::VERSION_COLUMN
            ),
            &[&hash.0],
        )?;
        match rows.first() {
            Some(row) => {
                self.saw_version(row.get(2));
                Ok(Some((from_json(row.get(0))?, row.get(1))))
            }
            None => Ok(None),
        }
    }

    fn token_hashes_of(&self, user: &UserId) -> Result<Vec<String>, StoreError> {
        self.texts(
            "SELECT hash FROM tokens WHERE user_id = $1 ORDER BY hash",
            &[&user.as_str()],
        )
    }

    fn user_ids_with_role(&self, role: Role) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM user_roles WHERE role = $1 ORDER BY user_id",
                &[&role.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn users_with_role(&self, role: Role) -> Result<Vec<User>, StoreError> {
        self.records(
            "SELECT u.record FROM user_roles r JOIN users u ON u.id = r.user_id \
             WHERE r.role = $1 ORDER BY u.id",
            &[&role.as_str()],
        )
    }

    fn idle_users_with_role(&self, role: Role, cutoff: Millis) -> Result<Vec<User>, StoreError> {
        // `Activity::idle_before` in SQL, so that only the candidates leave the database, not
        // every holder of the role (the model tests hold it to the default's answer).
        self.records(
            "SELECT u.record FROM user_roles r JOIN users u ON u.id = r.user_id
             WHERE r.role = $1 AND u.record -> 'active' = 'true'::jsonb
               AND coalesce((u.record ->> 'last_login')::bigint,
                            (u.record ->> 'created_at')::bigint) < $2
             ORDER BY u.id",
            &[&role.as_str(), &cutoff],
        )
    }

    fn users_page(&self, offset: usize, count: usize) -> Result<(Vec<User>, u64), StoreError> {
        let page = self.records(
            "SELECT record FROM users ORDER BY username_key OFFSET $1 LIMIT $2",
            &[&limit(offset), &limit(count)],
        )?;
        let total: i64 = self.query("SELECT count(*) FROM users", &[])?[0].get(0);
        Ok((page, total as u64))
    }

    fn count_active_users(&self) -> Result<u64, StoreError> {
        let rows = self.query(
            "SELECT count(*) FROM users WHERE (record->>'active')::boolean",
            &[],
        )?;
        Ok(rows[0].get::<_, i64>(0) as u64)
    }

    fn was_deleted(&self, id: &UserId) -> Result<bool, StoreError> {
        let rows = self.query("SELECT 1 FROM deleted_users WHERE id = $1", &[&id.as_str()])?;
        Ok(!rows.is_empty())
    }

    fn preferences(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let rows = self.query(
            "SELECT preferences FROM user_preferences WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn custom_fields(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        if let Some(fields) = self.custom_fields_read.borrow().get(user.as_str()) {
            return Ok(fields.clone());
        }
        let rows = self.query(
            "SELECT fields FROM user_custom_fields WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn scim_user_name(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        let rows = self.query(
            "SELECT user_name FROM scim_user_names WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn user_id_by_scim_user_name(&self, name: &str) -> Result<Option<UserId>, StoreError> {
        let rows = self.query(
            "SELECT user_id FROM scim_user_names WHERE name_key = $1",
            &[&normalize_key(name)],
        )?;
        Ok(rows.first().map(|row| UserId(row.get(0))))
    }

    fn personal_access_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<PersonalAccessToken>, StoreError> {
        self.records(
            "SELECT record FROM personal_access_tokens WHERE user_id = $1 ORDER BY name",
            &[&user.as_str()],
        )
    }

    fn all_personal_access_tokens(&self) -> Result<Vec<(UserId, PersonalAccessToken)>, StoreError> {
        let rows = self.query("SELECT user_id, record FROM personal_access_tokens", &[])?;
        rows.iter()
            .map(|row| {
                let token = serde_json::from_value(row.get(1))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((UserId(row.get(0)), token))
            })
            .collect()
    }

    fn scim_user_names(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows = self.query(
            "SELECT user_id, user_name FROM scim_user_names ORDER BY user_id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|row| (UserId(row.get(0)), row.get(1)))
            .collect())
    }
}

impl UserWrites for PgTx<'_> {
    fn put_user(&self, user: &User, previous: Option<&User>) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.execute(
            "INSERT INTO users VALUES ($1, $2, $3) ON CONFLICT (id)
             DO UPDATE SET username_key = excluded.username_key, record = excluded.record",
            &[&id, &normalize_key(&user.username), &to_json(user)],
        )?;
        if previous.is_none_or(|p| p.emails != user.emails) {
            self.execute("DELETE FROM user_emails WHERE user_id = $1", &[&id])?;
            for email in &user.emails {
                self.execute(
                    "INSERT INTO user_emails VALUES ($1, $2) ON CONFLICT (email_key)
                     DO UPDATE SET user_id = excluded.user_id",
                    &[&normalize_key(&email.address), &id],
                )?;
            }
        }
        if previous.is_none_or(|p| p.roles != user.roles) {
            self.execute("DELETE FROM user_roles WHERE user_id = $1", &[&id])?;
            for role in &user.roles {
                self.execute(
                    "INSERT INTO user_roles VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&role.as_str(), &id],
                )?;
            }
        }
        Ok(())
    }

    fn insert_token(
        &self,
        user: &UserId,
        hash: &TokenHash,
        issued_at: i64,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO tokens VALUES ($1, $2, $3)",
            &[&hash.0, &user.as_str(), &issued_at],
        )?;
        Ok(())
    }

    fn remove_token(&self, _user: &UserId, hash: &TokenHash) -> Result<(), StoreError> {
        self.execute("DELETE FROM tokens WHERE hash = $1", &[&hash.0])?;
        Ok(())
    }

    fn remove_user(&self, user: &User, now: i64) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.execute("DELETE FROM users WHERE id = $1", &[&id])?;
        self.execute("DELETE FROM user_emails WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_roles WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_preferences WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM user_custom_fields WHERE user_id = $1", &[&id])?;
        self.custom_fields_read
            .borrow_mut()
            .insert(id.to_string(), None);
        self.execute("DELETE FROM scim_user_names WHERE user_id = $1", &[&id])?;
        self.execute("DELETE FROM room_bans WHERE user_id = $1", &[&id])?;
        self.execute(
            "DELETE FROM personal_access_tokens WHERE user_id = $1",
            &[&id],
        )?;
        self.execute(
            "INSERT INTO deleted_users VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn put_preferences(
        &self,
        user: &UserId,
        preferences: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO user_preferences VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences",
            &[&user.as_str(), preferences],
        )?;
        Ok(())
    }

    fn put_custom_fields(
        &self,
        user: &UserId,
        fields: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO user_custom_fields VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET fields = excluded.fields",
            &[&user.as_str(), fields],
        )?;
        self.custom_fields_read
            .borrow_mut()
            .insert(user.to_string(), Some(fields.clone()));
        Ok(())
    }

    fn put_personal_access_token(
        &self,
        user: &UserId,
        token: &PersonalAccessToken,
    ) -> Result<(), StoreError> {
        let record = serde_json::to_value(token).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.execute(
            "INSERT INTO personal_access_tokens VALUES ($1, $2, $3)
             ON CONFLICT (user_id, name) DO UPDATE SET record = excluded.record",
            &[&user.as_str(), &token.name, &record],
        )?;
        Ok(())
    }

    fn remove_personal_access_token(&self, user: &UserId, name: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM personal_access_tokens WHERE user_id = $1 AND name = $2",
            &[&user.as_str(), &name],
        )?;
        Ok(())
    }

    fn put_scim_user_name(&self, user: &UserId, name: Option<&str>) -> Result<(), StoreError> {
        match name {
            Some(name) => self.execute(
                "INSERT INTO scim_user_names VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE
                 SET user_name = excluded.user_name, name_key = excluded.name_key",
                &[&user.as_str(), &name, &normalize_key(name)],
            )?,
            None => self.execute(
                "DELETE FROM scim_user_names WHERE user_id = $1",
                &[&user.as_str()],
            )?,
        };
        Ok(())
    }

    fn remove_all_tokens(&self, user: &UserId) -> Result<usize, StoreError> {
        let removed = self.execute("DELETE FROM tokens WHERE user_id = $1", &[&user.as_str()])?;
        Ok(removed as usize)
    }

    fn put_users(&self, changes: &[(User, User)]) -> Result<(), StoreError> {
        // A change of activity keeps the name, emails and roles, so no index row moves:
        // one statement writes every such record, sending only the fields that changed.
        let (mut ids, mut patches) = (Vec::new(), Vec::new());
        for (user, previous) in changes {
            let same_keys = user.username == previous.username
                && user.emails == previous.emails
                && user.roles == previous.roles;
            match changed_fields(user, previous).filter(|_| same_keys) {
                Some(patch) => {
                    ids.push(user.id.as_str());
                    patches.push(patch);
                }
                None => self.put_user(user, Some(previous))?,
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        self.execute(
            "UPDATE users u SET record = u.record || c.patch
             FROM unnest($1::text[], $2::jsonb[]) AS c(id, patch) WHERE u.id = c.id",
            &[&ids, &patches],
        )?;
        Ok(())
    }

    fn remove_all_tokens_of(&self, users: &[UserId]) -> Result<(), StoreError> {
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        self.execute("DELETE FROM tokens WHERE user_id = ANY($1)", &[&ids])?;
        Ok(())
    }

    fn remove_tokens_issued_before(&self, cutoff: i64, count: usize) -> Result<usize, StoreError> {
        let removed = self.execute(
            "DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE issued_at < $1
             ORDER BY issued_at, hash LIMIT $2)",
            &[&cutoff, &limit(count)],
        )?;
        Ok(removed as usize)
    }
}
