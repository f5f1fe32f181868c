//! Users, their unique indexes (username, email, global role) and their login tokens.
//! (redb)

use super::codec::{MIGRATION_CHUNK, rewrite_stale};
use super::open::TableSlot;
use super::tables::*;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, decode_leading, encode};
use crate::model::{
    Activity, Millis, PersonalAccessToken, Role, TokenHash, User, UserId, normalize_key,
};
use crate::store::{UserReads, UserWrites};
use redb::{ReadableMultimapTable, ReadableTable, ReadableTableMetadata};
use std::ops::Bound;

impl<T: OpenTables> UserReads for Tx<T> {
    fn user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let table = self.inner.table(USERID_USER)?;
        let record = table.get(id.as_str())?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn user_id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError> {
        self.lookup(USERNAME_USERID, &normalize_key(username))
    }

    fn user_id_by_email(&self, email: &str) -> Result<Option<UserId>, StoreError> {
        self.lookup(EMAIL_USERID, &normalize_key(email))
    }

    fn count_numbered_usernames(&self, base: &str) -> Result<u64, StoreError> {
        let prefix = format!("{}-", normalize_key(base));
        let table = self.inner.table(USERNAME_USERID)?;
        let mut count = 0;
        for row in table.range(prefix.as_str()..)? {
            let (key, _) = row?;
            let Some(rest) = key.value().strip_prefix(prefix.as_str()) else {
                break;
            };
            count += u64::from(rest.starts_with(|c: char| c.is_ascii_digit()));
        }
        Ok(count)
    }

    fn user_id_by_token(&self, hash: &TokenHash) -> Result<Option<UserId>, StoreError> {
        self.lookup(TOKENHASH_USERID, &hash.0)
    }

    fn token_user(&self, hash: &TokenHash) -> Result<Option<(User, i64)>, StoreError> {
        let Some(owner) = self.lookup(TOKENHASH_USERID, &hash.0)? else {
            return Ok(None);
        };
        let issued = match self.inner.table(TOKENHASH_ISSUEDAT)?.get(hash.0.as_str())? {
            Some(issued) => issued.value(),
            None => return Ok(None),
        };
        Ok(self.user(&owner)?.map(|user| (user, issued)))
    }

    fn token_hashes_of(&self, user: &UserId) -> Result<Vec<String>, StoreError> {
        self.multimap_values(USERID_TOKENHASH, user.as_str())
    }

    fn user_ids_with_role(&self, role: Role) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .multimap_values(ROLE_USERID, role.as_str())?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn users_with_role(&self, role: Role) -> Result<Vec<User>, StoreError> {
        self.role_holders_where(role, |_| Ok(true))
    }

    /// Reads each holder's activity first and decodes the whole record only for the idle
    /// ones: most holders are not idle, and their records are the sweep's main cost. (So a
    /// damaged record that still yields its activity fails the sweep only if it is idle.)
    fn idle_users_with_role(&self, role: Role, cutoff: Millis) -> Result<Vec<User>, StoreError> {
        self.role_holders_where(role, |record| {
            Ok(decode_leading::<Activity>(record)?.idle_before(cutoff))
        })
    }

    fn users_page(&self, offset: usize, count: usize) -> Result<(Vec<User>, u64), StoreError> {
        let index = self.inner.table(USERNAME_USERID)?;
        let mut page = Vec::new();
        for entry in index.iter()?.skip(offset).take(count) {
            let id = UserId(entry?.1.value().to_string());
            page.extend(self.user(&id)?);
        }
        let total = self.inner.table(USERID_USER)?.len()?;
        Ok((page, total))
    }

    fn was_deleted(&self, id: &UserId) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .table(DELETED_USERID)?
            .get(id.as_str())?
            .is_some())
    }

    fn count_active_users(&self) -> Result<u64, StoreError> {
        let mut active = 0;
        for row in self.inner.table(USERID_USER)?.iter()? {
            let user: User = decode(row?.1.value())?;
            active += u64::from(user.active);
        }
        Ok(active)
    }

    fn preferences(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let table = self.inner.table(USERID_PREFERENCES)?;
        let found = table.get(user.as_str())?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn custom_fields(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let table = self.inner.table(USERID_CUSTOMFIELDS)?;
        let found = table.get(user.as_str())?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn scim_user_name(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        let table = self.inner.table(USERID_SCIMNAME)?;
        let found = table.get(user.as_str())?.map(|v| v.value().to_string());
        Ok(found)
    }

    fn user_id_by_scim_user_name(&self, name: &str) -> Result<Option<UserId>, StoreError> {
        self.lookup(SCIMNAME_USERID, &normalize_key(name))
    }

    fn scim_user_names(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(USERID_SCIMNAME)?.iter()? {
            let (user, name) = row?;
            out.push((UserId(user.value().to_string()), name.value().to_string()));
        }
        Ok(out)
    }

    fn personal_access_tokens(
        &self,
        user: &UserId,
    ) -> Result<Vec<PersonalAccessToken>, StoreError> {
        let table = self.inner.table(USERID_NAME_PAT)?;
        let mut out = Vec::new();
        for row in table.range((user.as_str(), "")..)? {
            let (key, record) = row?;
            if key.value().0 != user.as_str() {
                break;
            }
            out.push(decode(record.value())?);
        }
        Ok(out)
    }

    fn all_personal_access_tokens(&self) -> Result<Vec<(UserId, PersonalAccessToken)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(USERID_NAME_PAT)?.iter()? {
            let (key, record) = row?;
            out.push((UserId(key.value().0.to_string()), decode(record.value())?));
        }
        Ok(out)
    }
}

impl<T: OpenTables> Tx<T> {
    /// The holders of `role` whose stored record `keep` accepts, decoded, in id order.
    fn role_holders_where(
        &self,
        role: Role,
        mut keep: impl FnMut(&[u8]) -> Result<bool, StoreError>,
    ) -> Result<Vec<User>, StoreError> {
        let (holders, records) = (
            self.inner.multimap(ROLE_USERID)?,
            self.inner.table(USERID_USER)?,
        );
        let mut out = Vec::new();
        for id in holders.get(role.as_str())? {
            if let Some(record) = records.get(id?.value())?
                && keep(record.value())?
            {
                out.push(decode(record.value())?);
            }
        }
        Ok(out)
    }

    fn lookup<D: TableSlot<K = &'static str, V = &'static str>>(
        &self,
        table: D,
        key: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let table = self.inner.table(table)?;
        let found = table.get(key)?.map(|v| UserId(v.value().to_string()));
        Ok(found)
    }
}

impl UserWrites for WriteTx<'_> {
    fn put_user(&self, user: &User, previous: Option<&User>) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.table_mut(USERID_USER)?
            .insert(id, encode(user).as_slice())?;

        // Indexes are rewritten only when what they index changed: a status toggle touches
        // the record alone.
        if previous.is_none_or(|p| p.username != user.username) {
            let mut usernames = self.table_mut(USERNAME_USERID)?;
            if let Some(old) = previous {
                usernames.remove(normalize_key(&old.username).as_str())?;
            }
            usernames.insert(normalize_key(&user.username).as_str(), id)?;
        }
        if previous.is_none_or(|p| p.emails != user.emails) {
            let mut emails = self.table_mut(EMAIL_USERID)?;
            for old in previous.iter().flat_map(|p| &p.emails) {
                emails.remove(normalize_key(&old.address).as_str())?;
            }
            for email in &user.emails {
                emails.insert(normalize_key(&email.address).as_str(), id)?;
            }
        }
        if previous.is_none_or(|p| p.roles != user.roles) {
            let mut roles = self.multimap_mut(ROLE_USERID)?;
            for old in previous.iter().flat_map(|p| &p.roles) {
                roles.remove(old.as_str(), id)?;
            }
            for role in &user.roles {
                roles.insert(role.as_str(), id)?;
            }
        }
        Ok(())
    }

    fn remove_user(&self, user: &User, now: i64) -> Result<(), StoreError> {
        let id = user.id.as_str();
        self.table_mut(USERID_USER)?.remove(id)?;
        self.table_mut(USERNAME_USERID)?
            .remove(normalize_key(&user.username).as_str())?;
        let mut emails = self.table_mut(EMAIL_USERID)?;
        for email in &user.emails {
            emails.remove(normalize_key(&email.address).as_str())?;
        }
        let mut roles = self.multimap_mut(ROLE_USERID)?;
        for role in &user.roles {
            roles.remove(role.as_str(), id)?;
        }
        self.table_mut(USERID_PREFERENCES)?.remove(id)?;
        self.table_mut(USERID_CUSTOMFIELDS)?.remove(id)?;
        self.put_scim_user_name(&user.id, None)?;
        crate::store::RoomWrites::remove_bans_of(self, &user.id)?;
        for token in self.personal_access_tokens(&user.id)? {
            self.remove_personal_access_token(&user.id, &token.name)?;
        }
        self.table_mut(DELETED_USERID)?.insert(id, now)?;
        Ok(())
    }

    fn put_personal_access_token(
        &self,
        user: &UserId,
        token: &PersonalAccessToken,
    ) -> Result<(), StoreError> {
        self.table_mut(USERID_NAME_PAT)?.insert(
            (user.as_str(), token.name.as_str()),
            encode(token).as_slice(),
        )?;
        Ok(())
    }

    fn remove_personal_access_token(&self, user: &UserId, name: &str) -> Result<(), StoreError> {
        self.table_mut(USERID_NAME_PAT)?
            .remove((user.as_str(), name))?;
        Ok(())
    }

    fn put_scim_user_name(&self, user: &UserId, name: Option<&str>) -> Result<(), StoreError> {
        let mut names = self.table_mut(USERID_SCIMNAME)?;
        let old = names.remove(user.as_str())?.map(|v| v.value().to_string());
        let mut index = self.table_mut(SCIMNAME_USERID)?;
        if let Some(old) = old {
            index.remove(normalize_key(&old).as_str())?;
        }
        if let Some(name) = name {
            names.insert(user.as_str(), name)?;
            index.insert(normalize_key(name).as_str(), user.as_str())?;
        }
        Ok(())
    }

    fn put_preferences(
        &self,
        user: &UserId,
        preferences: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.table_mut(USERID_PREFERENCES)?
            .insert(user.as_str(), encode(preferences).as_slice())?;
        Ok(())
    }

    fn put_custom_fields(
        &self,
        user: &UserId,
        fields: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.table_mut(USERID_CUSTOMFIELDS)?
            .insert(user.as_str(), encode(fields).as_slice())?;
        Ok(())
    }

    fn insert_token(
        &self,
        user: &UserId,
        hash: &TokenHash,
        issued_at: i64,
    ) -> Result<(), StoreError> {
        self.table_mut(TOKENHASH_USERID)?
            .insert(hash.0.as_str(), user.as_str())?;
        self.multimap_mut(USERID_TOKENHASH)?
            .insert(user.as_str(), hash.0.as_str())?;
        self.table_mut(TOKENHASH_ISSUEDAT)?
            .insert(hash.0.as_str(), issued_at)?;
        self.table_mut(ISSUEDAT_TOKENHASH_USERID)?
            .insert((issued_at, hash.0.as_str()), user.as_str())?;
        Ok(())
    }

    fn remove_token(&self, user: &UserId, hash: &TokenHash) -> Result<(), StoreError> {
        self.table_mut(TOKENHASH_USERID)?.remove(hash.0.as_str())?;
        self.multimap_mut(USERID_TOKENHASH)?
            .remove(user.as_str(), hash.0.as_str())?;
        let issued = {
            let mut times = self.table_mut(TOKENHASH_ISSUEDAT)?;
            let removed = times.remove(hash.0.as_str())?;
            removed.map(|v| v.value())
        };
        if let Some(issued) = issued {
            self.table_mut(ISSUEDAT_TOKENHASH_USERID)?
                .remove((issued, hash.0.as_str()))?;
        }
        Ok(())
    }

    fn remove_all_tokens(&self, user: &UserId) -> Result<usize, StoreError> {
        let hashes = self.token_hashes_of(user)?;
        for hash in &hashes {
            self.remove_token(user, &TokenHash(hash.clone()))?;
        }
        Ok(hashes.len())
    }

    fn remove_tokens_issued_before(&self, cutoff: i64, limit: usize) -> Result<usize, StoreError> {
        let expired: Vec<(UserId, TokenHash)> = {
            let table = self.inner.table(ISSUEDAT_TOKENHASH_USERID)?;
            let mut out = Vec::new();
            for row in table.range((i64::MIN, "")..(cutoff, ""))?.take(limit) {
                let (key, user) = row?;
                out.push((
                    UserId(user.value().to_string()),
                    TokenHash(key.value().1.to_string()),
                ));
            }
            out
        };
        for (user, hash) in &expired {
            self.remove_token(user, hash)?;
        }
        Ok(expired.len())
    }
}

/// Schema 1 -> 2: tokens gain an issue time. Those issued before the upgrade count from it,
/// so an upgrade never logs anybody out.
pub(super) fn migrate_token_times(tx: &WriteTx) -> Result<(), StoreError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let tokens: Vec<(String, String)> = {
        let table = tx.inner.table(TOKENHASH_USERID)?;
        let mut out = Vec::new();
        for row in table.iter()? {
            let (hash, user) = row?;
            out.push((hash.value().to_string(), user.value().to_string()));
        }
        out
    };
    for (hash, user) in tokens {
        tx.insert_token(&UserId(user), &TokenHash(hash), now)?;
    }
    Ok(())
}

/// Schema 3 -> 4: user records move from JSON to the compact format.
pub(super) fn migrate_users_to_compact(tx: &WriteTx) -> Result<(), StoreError> {
    rewrite_stale::<String, User>(
        |after| {
            let table = tx.table_mut(USERID_USER)?;
            let rows = match after {
                None => table.range::<&str>(..)?,
                Some(key) => {
                    table.range::<&str>((Bound::Excluded(key.as_str()), Bound::Unbounded))?
                }
            };
            rows.take(MIGRATION_CHUNK)
                .map(|row| {
                    let (key, bytes) = row?;
                    Ok((key.value().to_string(), bytes.value().to_vec()))
                })
                .collect()
        },
        |key, bytes| {
            tx.table_mut(USERID_USER)?.insert(key.as_str(), bytes)?;
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::model::{Email, LoginToken, Role, User, UserId};
    use crate::store::Store;
    use crate::store::prelude::*;

    fn user(id: &str, name: &str, roles: &[&str]) -> User {
        User {
            id: UserId(id.into()),
            username: name.into(),
            name: name.into(),
            emails: vec![Email {
                address: format!("{name}@Example.org"),
                verified: false,
                kind: None,
                primary: None,
            }],
            password_hash: None,
            active: true,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            created_at: 0,
            updated_at: 0,
            last_login: None,
            inactive_reason: None,
            profile: Default::default(),
            external_id: None,
        }
    }

    #[test]
    fn indexes_follow_renames_and_role_changes() {
        let store = Store::in_memory().unwrap();
        let old = user("u1", "Ada", &["admin"]);
        let first = old.clone();
        store.write(move |tx| tx.put_user(&first, None)).unwrap();
        let mut new = old.clone();
        new.username = "Grace".into();
        new.emails[0].address = "grace@example.org".into();
        new.roles = vec!["user".into()];
        let (renamed, previous) = (new.clone(), old.clone());
        store
            .write(move |tx| tx.put_user(&renamed, Some(&previous)))
            .unwrap();
        store
            .read(|tx| {
                assert_eq!(tx.user_id_by_username("ada")?, None);
                assert_eq!(tx.user_id_by_username("GRACE")?, Some(new.id.clone()));
                assert_eq!(tx.user_id_by_email("ada@example.org")?, None);
                assert_eq!(
                    tx.user_id_by_email("Grace@example.org")?,
                    Some(new.id.clone())
                );
                assert!(tx.user_ids_with_role(Role::Admin)?.is_empty());
                assert_eq!(tx.user_ids_with_role(Role::User)?, vec![new.id.clone()]);
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }

    #[test]
    fn idle_holders_are_the_active_ones_last_seen_before_the_cutoff() {
        let store = Store::in_memory().unwrap();
        let mut users = Vec::new();
        for (i, (active, created, login)) in [
            (true, 10, None),     // never logged in, created before: idle
            (true, 10, Some(30)), // logged in after the cutoff
            (true, 30, None),     // created after
            (false, 10, None),    // inactive already
            (true, 10, Some(19)), // last login before: idle
            (true, 10, Some(20)), // at the cutoff: not before it
        ]
        .into_iter()
        .enumerate()
        {
            let mut u = user(&format!("u{i}"), &format!("n{i}"), &["guest"]);
            (u.active, u.created_at, u.last_login) = (active, created, login);
            users.push(u);
        }
        users.push(user("u9", "admin", &["admin"]));
        let stored = users.clone();
        store
            .write(move |tx| stored.iter().try_for_each(|u| tx.put_user(u, None)))
            .unwrap();
        let idle = store
            .read(|tx| tx.idle_users_with_role(Role::Guest, 20))
            .unwrap();
        let ids: Vec<&str> = idle.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["u0", "u4"]);
        assert_eq!(idle[1], users[4], "whole records");
    }

    #[test]
    fn revoking_all_tokens_clears_both_indexes() {
        let store = Store::in_memory().unwrap();
        let u = user("u1", "ada", &[]);
        let (a, b) = (
            LoginToken::from_client("a".into()),
            LoginToken::from_client("b".into()),
        );
        let (user, ta, tb) = (u.clone(), a.clone(), b.clone());
        store
            .write(move |tx| {
                tx.put_user(&user, None)?;
                tx.insert_token(&user.id, &ta.hash(), 1)?;
                tx.insert_token(&user.id, &tb.hash(), 2)
            })
            .unwrap();
        let id = u.id.clone();
        assert_eq!(store.write(move |tx| tx.remove_all_tokens(&id)).unwrap(), 2);
        let dump = store.dump().unwrap();
        assert!(!dump.iter().any(|r| r.contains(&a.hash().0)), "{dump:?}");
        store
            .read(|tx| {
                assert_eq!(tx.user_id_by_token(&a.hash())?, None);
                assert_eq!(tx.user_id_by_token(&b.hash())?, None);
                assert!(tx.token_hashes_of(&u.id)?.is_empty());
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
}
