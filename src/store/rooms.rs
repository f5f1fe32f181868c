//! Rooms, memberships (subscriptions), join order and the owner index.

use redb::{ReadableMultimapTable, ReadableTable};

use std::collections::HashSet;
use std::ops::Bound;

use super::codec::{MIGRATION_CHUNK, rewrite_stale};
use super::tables::*;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{NotificationSettings, Role, Room, RoomId, Subscription, UserId, normalize_key};

/// The queries on rooms, memberships and owners, in either kind of transaction. The
/// users' are beside them: who is active decides who owns.
pub trait RoomReads: super::UserReads {
    /// The room with this id.
    fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError>;

    /// The id of the room with this name, compared case-insensitively.
    fn room_id_by_name(&self, name: &str) -> Result<Option<RoomId>, StoreError>;

    /// The membership of `user` in `room`.
    fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError>;

    /// Every member of `room`, oldest first.
    fn member_ids_in_join_order(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError>;

    /// The first member of `room` in join order for whom `accept` holds; reads only as far as
    /// that member.
    fn first_member_where(
        &self,
        room: &RoomId,
        accept: &mut dyn FnMut(&UserId) -> Result<bool, StoreError>,
    ) -> Result<Option<UserId>, StoreError>;

    /// Members of `room` holding the room role `owner`, active or not.
    fn owner_ids(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError>;

    /// The rooms `user` is a member of.
    fn room_ids_of(&self, user: &UserId) -> Result<Vec<RoomId>, StoreError>;

    /// Whether `room` has a member in the room-wide multimap of owners.
    fn is_owner(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError>;

    /// The memberships of these `(room, user)` pairs that exist, in the pairs' order. Read
    /// one by one here; an engine may read them all in one query.
    fn subscriptions_of_pairs(
        &self,
        pairs: &[(RoomId, UserId)],
    ) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::with_capacity(pairs.len());
        for (room, user) in pairs {
            out.extend(self.subscription(room, user)?);
        }
        Ok(out)
    }

    /// The memberships of each of `users`, user by user in the slice's order, each user's in
    /// [`RoomReads::room_ids_of`]'s order. Read one by one here; an engine may read them all
    /// in one query.
    fn subscriptions_of_users(&self, users: &[UserId]) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::new();
        for user in users {
            for room in self.room_ids_of(user)? {
                out.extend(self.subscription(&room, user)?);
            }
        }
        Ok(out)
    }

    /// Those of `users` who are members of a room that one of `users` owns (so every owner
    /// among them): the users whose departures may hand rooms to one another. Any other of
    /// `users` leaves without changing a room's owners, whoever else leaves with it.
    fn members_of_rooms_owned_among(
        &self,
        users: &[UserId],
    ) -> Result<HashSet<UserId>, StoreError> {
        let mut owned = HashSet::new();
        let mut rooms_of = Vec::with_capacity(users.len());
        for user in users {
            let rooms = self.room_ids_of(user)?;
            for room in &rooms {
                if self.is_owner(room, user)? {
                    owned.insert(room.clone());
                }
            }
            rooms_of.push(rooms);
        }
        Ok(users
            .iter()
            .zip(rooms_of)
            .filter(|(_, rooms)| rooms.iter().any(|room| owned.contains(room)))
            .map(|(user, _)| user.clone())
            .collect())
    }

    /// Whether the user `id` exists and is active.
    fn is_active(&self, id: &UserId) -> Result<bool, StoreError> {
        Ok(self.user(id)?.is_some_and(|u| u.active))
    }

    /// Whether `room` has an active owner (other than `except`): the rule deactivation,
    /// owner removal and the invariant all protect, written once, here.
    fn has_active_owner(&self, room: &RoomId, except: Option<&UserId>) -> Result<bool, StoreError> {
        for owner in self.owner_ids(room)? {
            if Some(&owner) != except && self.is_active(&owner)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// What deactivating `user` hands over: each room it owns where no other owner is
    /// active, with the earliest-joined active member other than `user` (a room without one
    /// is left out), in [`RoomReads::room_ids_of`]'s order. Walked room by room here; an
    /// engine may answer in one query, which the model tests hold to the same answer.
    fn sole_owned_rooms(&self, user: &UserId) -> Result<Vec<(Room, UserId)>, StoreError> {
        let mut out = Vec::new();
        for room_id in self.room_ids_of(user)? {
            if !self.is_owner(&room_id, user)? || self.has_active_owner(&room_id, Some(user))? {
                continue;
            }
            let successor =
                self.first_member_where(&room_id, &mut |id| Ok(id != user && self.is_active(id)?))?;
            if let (Some(successor), Some(room)) = (successor, self.room(&room_id)?) {
                out.push((room, successor));
            }
        }
        Ok(out)
    }

    /// The default rooms, which every new user joins.
    fn default_room_ids(&self) -> Result<Vec<RoomId>, StoreError>;

    /// Every room, in id order: the room lists read them all and filter.
    fn all_rooms(&self) -> Result<Vec<Room>, StoreError>;

    /// Whether the start-up step that creates the default channel has run on this store.
    fn default_channel_seeded(&self) -> Result<bool, StoreError>;

    /// When `user` was banned from `room`, if it is.
    fn banned_at(&self, room: &RoomId, user: &UserId) -> Result<Option<i64>, StoreError>;

    /// Who is banned from `room`, and when, in user id order.
    fn bans_in(&self, room: &RoomId) -> Result<Vec<(UserId, i64)>, StoreError>;

    /// Every ban, for a copy.
    fn all_bans(&self) -> Result<Vec<(RoomId, UserId, i64)>, StoreError>;

    /// How `user` is notified about `room`, if it changed anything (`rooms.saveNotification`).
    fn notifications(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<NotificationSettings>, StoreError>;

    /// Every member's notification settings, for a copy.
    fn all_notifications(&self) -> Result<Vec<(RoomId, UserId, NotificationSettings)>, StoreError>;
}

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

/// The changes to rooms, memberships and owners, inside a write transaction.
pub trait RoomWrites {
    /// Stores a new or changed room; its name is claimed in the name index and, after a
    /// rename, the old name released.
    fn put_room(&self, room: &Room) -> Result<(), StoreError>;

    /// Removes a room without members: its record, its name and its default mark. The
    /// caller removed every subscription first.
    fn remove_room(&self, room: &Room) -> Result<(), StoreError>;

    /// Stores a membership. A new one (no `previous`) joins the room's join order and the
    /// user's room list; the owner index follows the `owner` role either way.
    fn put_subscription(
        &self,
        sub: &Subscription,
        previous: Option<&Subscription>,
    ) -> Result<(), StoreError>;

    /// Stores changed memberships, each `(new, previous)`, in order. Written one by one
    /// here; an engine may write them all in one statement.
    fn put_subscriptions(
        &self,
        changes: &[(Subscription, Subscription)],
    ) -> Result<(), StoreError> {
        for (sub, previous) in changes {
            self.put_subscription(sub, Some(previous))?;
        }
        Ok(())
    }

    /// Removes a membership: the subscription, its place in join order, the user's room list
    /// and the owner index.
    fn remove_subscription(&self, sub: &Subscription) -> Result<(), StoreError>;

    /// The next place in join order; strictly increasing across the whole store.
    fn next_join_seq(&self) -> Result<u64, StoreError>;

    /// Records that the default-channel step has run, so it never runs again.
    fn mark_default_channel_seeded(&self) -> Result<(), StoreError>;

    /// Bans `user` from `room` from `at` on.
    fn put_ban(&self, room: &RoomId, user: &UserId, at: i64) -> Result<(), StoreError>;

    /// Lifts a ban; none is no error.
    fn remove_ban(&self, room: &RoomId, user: &UserId) -> Result<(), StoreError>;

    /// Lifts every ban of `user` (it is being deleted).
    fn remove_bans_of(&self, user: &UserId) -> Result<(), StoreError>;

    /// Replaces how `user` is notified about `room`.
    fn put_notifications(
        &self,
        room: &RoomId,
        user: &UserId,
        settings: &NotificationSettings,
    ) -> Result<(), StoreError>;
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
