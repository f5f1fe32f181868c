//! Rooms, memberships, owners and bans, in SQL: the wide reads and writes of a
//! deactivation as one statement each.

use super::*;

impl RoomReads for PgTx<'_> {
    fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        self.record("SELECT record FROM rooms WHERE id = $1", &[&id.as_str()])
    }

    fn room_id_by_name(&self, name: &str) -> Result<Option<RoomId>, StoreError> {
        let key = normalize_key(name);
        Ok(self
            .text("SELECT id FROM rooms WHERE name_key = $1", &[&key])?
            .map(RoomId))
    }

    fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.record(
            "SELECT record FROM subscriptions WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
    }

    fn member_ids_in_join_order(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM subscriptions WHERE room_id = $1 ORDER BY join_seq",
                &[&room.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn first_member_where(
        &self,
        room: &RoomId,
        accept: &mut dyn FnMut(&UserId) -> Result<bool, StoreError>,
    ) -> Result<Option<UserId>, StoreError> {
        for id in self.member_ids_in_join_order(room)? {
            if accept(&id)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn owner_ids(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .texts(
                "SELECT user_id FROM subscriptions WHERE room_id = $1 AND is_owner
                 ORDER BY user_id",
                &[&room.as_str()],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn room_ids_of(&self, user: &UserId) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .texts(
                "SELECT room_id FROM subscriptions WHERE user_id = $1 ORDER BY room_id",
                &[&user.as_str()],
            )?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    fn is_owner(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let rows = self.query(
            "SELECT 1 FROM subscriptions WHERE room_id = $1 AND user_id = $2 AND is_owner",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(!rows.is_empty())
    }

    fn subscriptions_of_pairs(
        &self,
        pairs: &[(RoomId, UserId)],
    ) -> Result<Vec<Subscription>, StoreError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let (rooms, users): (Vec<&str>, Vec<&str>) =
            pairs.iter().map(|(r, u)| (r.as_str(), u.as_str())).unzip();
        self.records(
            "SELECT s.record FROM unnest($1::text[], $2::text[]) WITH ORDINALITY
               AS p(room_id, user_id, n)
             JOIN subscriptions s USING (room_id, user_id) ORDER BY p.n",
            &[&rooms, &users],
        )
    }

    fn subscriptions_of_users(&self, users: &[UserId]) -> Result<Vec<Subscription>, StoreError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        self.records(
            "SELECT s.record FROM unnest($1::text[]) WITH ORDINALITY AS p(user_id, n)
             JOIN subscriptions s USING (user_id) ORDER BY p.n, s.room_id",
            &[&ids],
        )
    }

    fn members_of_rooms_owned_among(
        &self,
        users: &[UserId],
    ) -> Result<HashSet<UserId>, StoreError> {
        if users.is_empty() {
            return Ok(HashSet::new());
        }
        let ids: Vec<&str> = users.iter().map(UserId::as_str).collect();
        Ok(self
            .texts(
                "SELECT DISTINCT m.user_id FROM subscriptions m
                 WHERE m.user_id = ANY($1) AND m.room_id IN (
                   SELECT o.room_id FROM subscriptions o WHERE o.is_owner AND o.user_id = ANY($1))",
                &[&ids],
            )?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn sole_owned_rooms(&self, user: &UserId) -> Result<Vec<(Room, UserId)>, StoreError> {
        // Most users own nothing: that answer costs one index probe.
        let owned = self.texts(
            "SELECT room_id FROM subscriptions WHERE user_id = $1 AND is_owner ORDER BY room_id",
            &[&user.as_str()],
        )?;
        if owned.is_empty() {
            return Ok(Vec::new());
        }
        // The rule of the default, as one query over the rooms owned: those without
        // another active owner, each with its earliest-joined active member but `user`.
        // Driven by the array, so even a generic plan walks those rooms alone.
        let rows = self.query(
            "SELECT r.record, m.user_id FROM unnest($2::text[]) WITH ORDINALITY AS w(room_id, n)
             JOIN rooms r ON r.id = w.room_id
             CROSS JOIN LATERAL (
               SELECT m.user_id FROM subscriptions m JOIN users mu ON mu.id = m.user_id
               WHERE m.room_id = w.room_id AND m.user_id <> $1
                 AND mu.record -> 'active' = 'true'::jsonb
               ORDER BY m.join_seq LIMIT 1) m
             WHERE NOT EXISTS (
               SELECT 1 FROM subscriptions o JOIN users ou ON ou.id = o.user_id
               WHERE o.room_id = w.room_id AND o.is_owner AND o.user_id <> $1
                 AND ou.record -> 'active' = 'true'::jsonb)
             ORDER BY w.n",
            &[&user.as_str(), &owned],
        )?;
        rows.iter()
            .map(|row| Ok((from_json(row.get(0))?, UserId(row.get(1)))))
            .collect()
    }

    fn default_room_ids(&self) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .texts("SELECT id FROM rooms WHERE is_default ORDER BY id", &[])?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    fn all_rooms(&self) -> Result<Vec<Room>, StoreError> {
        self.records("SELECT record FROM rooms ORDER BY id", &[])
    }

    fn default_channel_seeded(&self) -> Result<bool, StoreError> {
        Ok(self.meta("default_channel")?.is_some())
    }

    fn banned_at(&self, room: &RoomId, user: &UserId) -> Result<Option<i64>, StoreError> {
        let rows = self.query(
            "SELECT banned_at FROM room_bans WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    fn bans_in(&self, room: &RoomId) -> Result<Vec<(UserId, i64)>, StoreError> {
        let rows = self.query(
            "SELECT user_id, banned_at FROM room_bans WHERE room_id = $1 ORDER BY user_id",
            &[&room.as_str()],
        )?;
        Ok(rows
            .iter()
            .map(|row| (UserId(row.get(0)), row.get(1)))
            .collect())
    }

    fn all_bans(&self) -> Result<Vec<(RoomId, UserId, i64)>, StoreError> {
        let rows = self.query("SELECT room_id, user_id, banned_at FROM room_bans", &[])?;
        Ok(rows
            .iter()
            .map(|row| (RoomId(row.get(0)), UserId(row.get(1)), row.get(2)))
            .collect())
    }

    fn notifications(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<NotificationSettings>, StoreError> {
        self.record(
            "SELECT settings FROM subscription_notifications WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )
    }

    fn all_notifications(&self) -> Result<Vec<(RoomId, UserId, NotificationSettings)>, StoreError> {
        let rows = self.query(
            "SELECT room_id, user_id, settings FROM subscription_notifications",
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let settings = serde_json::from_value(row.get(2))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok((RoomId(row.get(0)), UserId(row.get(1)), settings))
            })
            .collect()
    }
}

impl RoomWrites for PgTx<'_> {
    fn put_room(&self, room: &Room) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO rooms VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET
             name_key = excluded.name_key, is_default = excluded.is_default,
             record = excluded.record",
            &[
                &room.id.as_str(),
                &normalize_key(&room.name),
                &room.default,
                &to_json(room),
            ],
        )?;
        Ok(())
    }

    fn remove_room(&self, room: &Room) -> Result<(), StoreError> {
        self.execute("DELETE FROM rooms WHERE id = $1", &[&room.id.as_str()])?;
        self.execute(
            "DELETE FROM room_bans WHERE room_id = $1",
            &[&room.id.as_str()],
        )?;
        Ok(())
    }

    fn put_subscription(
        &self,
        sub: &Subscription,
        _previous: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO subscriptions VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (room_id, user_id) DO UPDATE SET
             is_owner = excluded.is_owner, record = excluded.record",
            &[
                &sub.room_id.as_str(),
                &sub.user_id.as_str(),
                &(sub.join_seq as i64),
                &sub.has_role(Role::Owner),
                &to_json(sub),
            ],
        )?;
        Ok(())
    }

    fn put_subscriptions(
        &self,
        changes: &[(Subscription, Subscription)],
    ) -> Result<(), StoreError> {
        // Changes of existing memberships only (join order stays): one statement for all.
        if changes.is_empty() {
            return Ok(());
        }
        // Only the fields that changed travel and are parsed ([`changed_fields`]).
        let mut rooms = Vec::with_capacity(changes.len());
        let mut users = Vec::with_capacity(changes.len());
        let mut owners = Vec::with_capacity(changes.len());
        let mut patches = Vec::with_capacity(changes.len());
        for (sub, previous) in changes {
            let Some(patch) = changed_fields(sub, previous) else {
                self.put_subscription(sub, Some(previous))?;
                continue;
            };
            rooms.push(sub.room_id.as_str());
            users.push(sub.user_id.as_str());
            owners.push(sub.has_role(Role::Owner));
            patches.push(patch);
        }
        if rooms.is_empty() {
            return Ok(());
        }
        self.execute(
            "UPDATE subscriptions s SET is_owner = c.is_owner, record = s.record || c.patch
             FROM unnest($1::text[], $2::text[], $3::bool[], $4::jsonb[])
               AS c(room_id, user_id, is_owner, patch)
             WHERE s.room_id = c.room_id AND s.user_id = c.user_id",
            &[&rooms, &users, &owners, &patches],
        )?;
        Ok(())
    }

    fn remove_subscription(&self, sub: &Subscription) -> Result<(), StoreError> {
        let key: [&(dyn postgres::types::ToSql + Sync); 2] =
            [&sub.room_id.as_str(), &sub.user_id.as_str()];
        self.execute(
            "DELETE FROM subscriptions WHERE room_id = $1 AND user_id = $2",
            &key,
        )?;
        self.execute(
            "DELETE FROM subscription_notifications WHERE room_id = $1 AND user_id = $2",
            &key,
        )?;
        Ok(())
    }

    fn put_notifications(
        &self,
        room: &RoomId,
        user: &UserId,
        settings: &NotificationSettings,
    ) -> Result<(), StoreError> {
        let json =
            serde_json::to_value(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.execute(
            "INSERT INTO subscription_notifications VALUES ($1, $2, $3)
             ON CONFLICT (room_id, user_id) DO UPDATE SET settings = excluded.settings",
            &[&room.as_str(), &user.as_str(), &json],
        )?;
        Ok(())
    }

    fn next_join_seq(&self) -> Result<u64, StoreError> {
        self.next_in("join_seq")
    }

    fn mark_default_channel_seeded(&self) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO meta VALUES ('default_channel', 1) ON CONFLICT (name) DO NOTHING",
            &[],
        )?;
        Ok(())
    }

    fn put_ban(&self, room: &RoomId, user: &UserId, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO room_bans VALUES ($1, $2, $3)
             ON CONFLICT (room_id, user_id) DO UPDATE SET banned_at = excluded.banned_at",
            &[&room.as_str(), &user.as_str(), &at],
        )?;
        Ok(())
    }

    fn remove_ban(&self, room: &RoomId, user: &UserId) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2",
            &[&room.as_str(), &user.as_str()],
        )?;
        Ok(())
    }

    fn remove_bans_of(&self, user: &UserId) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM room_bans WHERE user_id = $1",
            &[&user.as_str()],
        )?;
        Ok(())
    }
}
