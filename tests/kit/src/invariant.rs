//! The absolute invariant, read from a store: every room with an active member has an active
//! owner. One reading of it for the property tests' harness, the loopback races and the
//! failover test.

use rocketlite::model::{RoomId, UserId};
use rocketlite::store::{Reads, Store, StoreError};

/// Whether `room` has an active member, and whether it has an active owner.
pub fn room_activity(tx: &dyn Reads, room: &RoomId) -> Result<(bool, bool), StoreError> {
    let active = |id: &UserId| tx.user(id).map(|u| u.is_some_and(|u| u.active));
    let mut active_member = false;
    for member in tx.member_ids_in_join_order(room)? {
        active_member |= active(&member)?;
    }
    let mut active_owner = false;
    for owner in tx.owner_ids(room)? {
        active_owner |= active(&owner)?;
    }
    Ok((active_member, active_owner))
}

/// Panics naming the first of `rooms` that has an active member but no active owner.
pub fn assert_rooms_owned(store: &Store, rooms: impl IntoIterator<Item = RoomId> + Send) {
    let rooms: Vec<RoomId> = rooms.into_iter().collect();
    store
        .read(|tx| {
            for room in &rooms {
                let (active_member, active_owner) = room_activity(tx, room)?;
                assert!(
                    !active_member || active_owner,
                    "room {room:?} has an active member but no active owner"
                );
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}
