//! Rooms, memberships (subscriptions), join order and the owner index.
//! (redb)

use super::codec::{MIGRATION_CHUNK, rewrite_stale};
use super::tables::*;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{NotificationSettings, Role, Room, RoomId, Subscription, UserId, normalize_key};
use crate::store::{RoomReads, RoomWrites};
use redb::{ReadableMultimapTable, ReadableTable};
use std::ops::Bound;

impl<T: OpenTables> RoomReads for Tx<T> {
    fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        let table = self.inner.table(ROOMID_ROOM)?;
        let record = table.get(id.as_str())?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn room_id_by_name(&self, name: &str) -> Result<Option<RoomId>, StoreError> {
        let table = self.inner.table(ROOMNAME_ROOMID)?;
        let found = table
            .get(normalize_key(name).as_str())?
            .map(|v| RoomId(v.value().to_string()));
        Ok(found)
    }

    fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let table = self.inner.table(ROOMID_USERID_SUBSCRIPTION)?;
        let record = table.get((room.as_str(), user.as_str()))?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn member_ids_in_join_order(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        let table = self.inner.table(ROOMID_JOINSEQ_USERID)?;
        let mut out = Vec::new();
        for entry in table.range((room.as_str(), 0)..=(room.as_str(), u64::MAX))? {
            out.push(UserId(entry?.1.value().to_string()));
        }
        Ok(out)
    }

    fn first_member_where(
        &self,
        room: &RoomId,
        accept: &mut dyn FnMut(&UserId) -> Result<bool, StoreError>,
    ) -> Result<Option<UserId>, StoreError> {
        let table = self.inner.table(ROOMID_JOINSEQ_USERID)?;
        for entry in table.range((room.as_str(), 0)..=(room.as_str(), u64::MAX))? {
            let id = UserId(entry?.1.value().to_string());
            if accept(&id)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn owner_ids(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .multimap_values(ROOMID_OWNERID, room.as_str())?
            .into_iter()
            .map(UserId)
            .collect())
    }

    fn room_ids_of(&self, user: &UserId) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .multimap_values(USERID_ROOMID, user.as_str())?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    fn is_owner(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let table = self.inner.multimap(ROOMID_OWNERID)?;
        for value in table.get(room.as_str())? {
            if value?.value() == user.as_str() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn default_room_ids(&self) -> Result<Vec<RoomId>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(DEFAULT_ROOMID)?.iter()? {
            out.push(RoomId(row?.0.value().to_string()));
        }
        Ok(out)
    }

    fn default_channel_seeded(&self) -> Result<bool, StoreError> {
        Ok(self.meta("default_channel")?.is_some())
    }

    fn banned_at(&self, room: &RoomId, user: &UserId) -> Result<Option<i64>, StoreError> {
        let table = self.inner.table(ROOMID_USERID_BANNEDAT)?;
        let found = table
            .get((room.as_str(), user.as_str()))?
            .map(|v| v.value());
        Ok(found)
    }

    fn bans_in(&self, room: &RoomId) -> Result<Vec<(UserId, i64)>, StoreError> {
        let table = self.inner.table(ROOMID_USERID_BANNEDAT)?;
        let mut out = Vec::new();
        for row in table.range((room.as_str(), "")..)? {
            let (key, at) = row?;
            let (r, user) = key.value();
            if r != room.as_str() {
                break;
            }
            out.push((UserId(user.to_string()), at.value()));
        }
        Ok(out)
    }

    fn all_bans(&self) -> Result<Vec<(RoomId, UserId, i64)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(ROOMID_USERID_BANNEDAT)?.iter()? {
            let (key, at) = row?;
            let (room, user) = key.value();
            out.push((
                RoomId(room.to_string()),
                UserId(user.to_string()),
                at.value(),
            ));
        }
        Ok(out)
    }

    fn notifications(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<NotificationSettings>, StoreError> {
        let table = self.inner.table(ROOMID_USERID_NOTIFICATIONS)?;
        let found = table.get((room.as_str(), user.as_str()))?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn all_notifications(&self) -> Result<Vec<(RoomId, UserId, NotificationSettings)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(ROOMID_USERID_NOTIFICATIONS)?.iter()? {
            let (key, value) = row?;
            let (room, user) = key.value();
            out.push((
                RoomId(room.to_string()),
                UserId(user.to_string()),
                decode(value.value())?,
            ));
        }
        Ok(out)
    }

    fn all_rooms(&self) -> Result<Vec<Room>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(ROOMID_ROOM)?.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }
}

impl RoomWrites for WriteTx<'_> {
    fn put_room(&self, room: &Room) -> Result<(), StoreError> {
        let previous = self
            .table_mut(ROOMID_ROOM)?
            .insert(room.id.as_str(), encode(room).as_slice())?
            .map(|old| decode::<Room>(old.value()))
            .transpose()?;
        let mut names = self.table_mut(ROOMNAME_ROOMID)?;
        if let Some(old) =
            previous.filter(|old| normalize_key(&old.name) != normalize_key(&room.name))
        {
            names.remove(normalize_key(&old.name).as_str())?;
        }
        names.insert(normalize_key(&room.name).as_str(), room.id.as_str())?;
        drop(names);
        let mut defaults = self.table_mut(DEFAULT_ROOMID)?;
        match room.default {
            true => defaults.insert(room.id.as_str(), ())?,
            false => defaults.remove(room.id.as_str())?,
        };
        Ok(())
    }

    fn put_subscription(
        &self,
        sub: &Subscription,
        previous: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        let (room, user) = (sub.room_id.as_str(), sub.user_id.as_str());
        self.table_mut(ROOMID_USERID_SUBSCRIPTION)?
            .insert((room, user), encode(sub).as_slice())?;
        if previous.is_none() {
            self.table_mut(ROOMID_JOINSEQ_USERID)?
                .insert((room, sub.join_seq), user)?;
            self.multimap_mut(USERID_ROOMID)?.insert(user, room)?;
        }
        // The owner index changes only when the `owner` role does (archiving leaves it alone).
        let is_owner = sub.has_role(Role::Owner);
        if previous.is_none_or(|p| p.has_role(Role::Owner) != is_owner) {
            let mut owners = self.multimap_mut(ROOMID_OWNERID)?;
            if is_owner {
                owners.insert(room, user)?;
            } else {
                owners.remove(room, user)?;
            }
        }
        Ok(())
    }

    fn next_join_seq(&self) -> Result<u64, StoreError> {
        let next = self.meta("join_seq")?.unwrap_or(0) + 1;
        self.set_meta("join_seq", next)?;
        Ok(next)
    }

    fn remove_subscription(&self, sub: &Subscription) -> Result<(), StoreError> {
        let (room, user) = (sub.room_id.as_str(), sub.user_id.as_str());
        self.table_mut(ROOMID_USERID_SUBSCRIPTION)?
            .remove((room, user))?;
        self.table_mut(ROOMID_JOINSEQ_USERID)?
            .remove((room, sub.join_seq))?;
        self.multimap_mut(USERID_ROOMID)?.remove(user, room)?;
        self.multimap_mut(ROOMID_OWNERID)?.remove(room, user)?;
        self.table_mut(ROOMID_USERID_NOTIFICATIONS)?
            .remove((room, user))?;
        Ok(())
    }

    fn put_notifications(
        &self,
        room: &RoomId,
        user: &UserId,
        settings: &NotificationSettings,
    ) -> Result<(), StoreError> {
        self.table_mut(ROOMID_USERID_NOTIFICATIONS)?
            .insert((room.as_str(), user.as_str()), encode(settings).as_slice())?;
        Ok(())
    }

    fn remove_room(&self, room: &Room) -> Result<(), StoreError> {
        self.table_mut(ROOMID_ROOM)?.remove(room.id.as_str())?;
        self.table_mut(ROOMNAME_ROOMID)?
            .remove(normalize_key(&room.name).as_str())?;
        self.table_mut(DEFAULT_ROOMID)?.remove(room.id.as_str())?;
        for (user, _) in self.bans_in(&room.id)? {
            self.remove_ban(&room.id, &user)?;
        }
        Ok(())
    }

    fn mark_default_channel_seeded(&self) -> Result<(), StoreError> {
        self.set_meta("default_channel", 1)
    }

    fn put_ban(&self, room: &RoomId, user: &UserId, at: i64) -> Result<(), StoreError> {
        self.table_mut(ROOMID_USERID_BANNEDAT)?
            .insert((room.as_str(), user.as_str()), at)?;
        self.multimap_mut(USERID_BANNEDROOMID)?
            .insert(user.as_str(), room.as_str())?;
        Ok(())
    }

    fn remove_ban(&self, room: &RoomId, user: &UserId) -> Result<(), StoreError> {
        self.table_mut(ROOMID_USERID_BANNEDAT)?
            .remove((room.as_str(), user.as_str()))?;
        self.multimap_mut(USERID_BANNEDROOMID)?
            .remove(user.as_str(), room.as_str())?;
        Ok(())
    }

    fn remove_bans_of(&self, user: &UserId) -> Result<(), StoreError> {
        let rooms = self.multimap_values(USERID_BANNEDROOMID, user.as_str())?;
        for room in rooms {
            self.remove_ban(&RoomId(room), user)?;
        }
        Ok(())
    }
}

/// Schema 3 -> 4: subscription records move from JSON to the compact format.
pub(super) fn migrate_subscriptions_to_compact(tx: &WriteTx) -> Result<(), StoreError> {
    rewrite_stale::<(String, String), Subscription>(
        |after| {
            let table = tx.table_mut(ROOMID_USERID_SUBSCRIPTION)?;
            let rows = match after {
                None => table.range::<(&str, &str)>(..)?,
                Some((room, user)) => table.range::<(&str, &str)>((
                    Bound::Excluded((room.as_str(), user.as_str())),
                    Bound::Unbounded,
                ))?,
            };
            rows.take(MIGRATION_CHUNK)
                .map(|row| {
                    let (key, bytes) = row?;
                    let (room, user) = key.value();
                    Ok(((room.to_string(), user.to_string()), bytes.value().to_vec()))
                })
                .collect()
        },
        |(room, user), bytes| {
            tx.table_mut(ROOMID_USERID_SUBSCRIPTION)?
                .insert((room.as_str(), user.as_str()), bytes)?;
            Ok(())
        },
    )
}
