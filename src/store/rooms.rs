//! Rooms, memberships (subscriptions), join order and the owner index.

use super::StoreError;
use crate::model::{NotificationSettings, Room, RoomId, Subscription, UserId};
use std::collections::HashSet;

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
