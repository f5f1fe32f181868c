//! Rooms, memberships (subscriptions), join order and the owner index.

use redb::{ReadableMultimapTable, ReadableTable};

use super::tables::*;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{Role, Room, RoomId, Subscription, UserId, normalize_key};

impl<T: OpenTables> Tx<T> {
    /// The room with this id.
    pub fn room(&self, id: &RoomId) -> Result<Option<Room>, StoreError> {
        let table = self.inner.table(ROOMID_ROOM)?;
        let record = table.get(id.as_str())?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    /// The id of the room with this name, compared case-insensitively.
    pub fn room_id_by_name(&self, name: &str) -> Result<Option<RoomId>, StoreError> {
        let table = self.inner.table(ROOMNAME_ROOMID)?;
        let found = table
            .get(normalize_key(name).as_str())?
            .map(|v| RoomId(v.value().to_string()));
        Ok(found)
    }

    /// The membership of `user` in `room`.
    pub fn subscription(
        &self,
        room: &RoomId,
        user: &UserId,
    ) -> Result<Option<Subscription>, StoreError> {
        let table = self.inner.table(ROOMID_USERID_SUBSCRIPTION)?;
        let record = table.get((room.as_str(), user.as_str()))?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    /// Every member of `room`, oldest first.
    pub fn member_ids_in_join_order(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        let table = self.inner.table(ROOMID_JOINSEQ_USERID)?;
        let mut out = Vec::new();
        for entry in table.range((room.as_str(), 0)..=(room.as_str(), u64::MAX))? {
            out.push(UserId(entry?.1.value().to_string()));
        }
        Ok(out)
    }

    /// The first member of `room` in join order for whom `accept` holds; reads only as far as
    /// that member.
    pub fn first_member_where(
        &self,
        room: &RoomId,
        mut accept: impl FnMut(&UserId) -> Result<bool, StoreError>,
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

    /// Members of `room` holding the room role `owner`, active or not.
    pub fn owner_ids(&self, room: &RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(self
            .multimap_values(ROOMID_OWNERID, room.as_str())?
            .into_iter()
            .map(UserId)
            .collect())
    }

    /// The rooms `user` is a member of.
    pub fn room_ids_of(&self, user: &UserId) -> Result<Vec<RoomId>, StoreError> {
        Ok(self
            .multimap_values(USERID_ROOMID, user.as_str())?
            .into_iter()
            .map(RoomId)
            .collect())
    }

    /// Whether `room` has a member in the room-wide multimap of owners.
    pub fn is_owner(&self, room: &RoomId, user: &UserId) -> Result<bool, StoreError> {
        let table = self.inner.multimap(ROOMID_OWNERID)?;
        for value in table.get(room.as_str())? {
            if value?.value() == user.as_str() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl WriteTx {
    /// Stores a new or changed room; a new room's name is claimed in the name index.
    pub fn put_room(&self, room: &Room) -> Result<(), StoreError> {
        self.w()
            .open_table(ROOMID_ROOM)?
            .insert(room.id.as_str(), encode(room).as_slice())?;
        self.w()
            .open_table(ROOMNAME_ROOMID)?
            .insert(normalize_key(&room.name).as_str(), room.id.as_str())?;
        Ok(())
    }

    /// Stores a membership. A new one (no `previous`) joins the room's join order and the
    /// user's room list; the owner index follows the `owner` role either way.
    pub fn put_subscription(
        &self,
        sub: &Subscription,
        previous: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        let (room, user) = (sub.room_id.as_str(), sub.user_id.as_str());
        self.w()
            .open_table(ROOMID_USERID_SUBSCRIPTION)?
            .insert((room, user), encode(sub).as_slice())?;
        if previous.is_none() {
            self.w()
                .open_table(ROOMID_JOINSEQ_USERID)?
                .insert((room, sub.join_seq), user)?;
            self.w()
                .open_multimap_table(USERID_ROOMID)?
                .insert(user, room)?;
        }
        // The owner index changes only when the `owner` role does (archiving leaves it alone).
        let is_owner = sub.has_role(Role::Owner);
        if previous.is_none_or(|p| p.has_role(Role::Owner) != is_owner) {
            let mut owners = self.w().open_multimap_table(ROOMID_OWNERID)?;
            if is_owner {
                owners.insert(room, user)?;
            } else {
                owners.remove(room, user)?;
            }
        }
        Ok(())
    }

    /// The next place in join order; strictly increasing across the whole store.
    pub fn next_join_seq(&self) -> Result<u64, StoreError> {
        let next = self.meta("join_seq")?.unwrap_or(0) + 1;
        self.set_meta("join_seq", next)?;
        Ok(next)
    }
}
