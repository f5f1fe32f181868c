//! Bulk import for trusted tools (directory syncs, benchmarks): many users or rooms in one
//! transaction. No caller and no permission check: only code linked into the process can
//! call it, never the HTTP layer.

use super::{NewUser, Service, ServiceResult};
use crate::model::{Role, Room, RoomId, RoomKind, User, UserId};

/// A room to import: its creator (first member, owner) and members in join order.
#[derive(Clone, Debug)]
pub struct ImportRoom {
    pub kind: RoomKind,
    pub name: String,
    pub creator: UserId,
    pub members: Vec<UserId>,
}

impl Service {
    /// Creates `users` in one transaction and returns their ids in order. Names must be
    /// valid and unused (checked inside the transaction; nothing is written otherwise).
    pub fn import_users(&self, users: Vec<NewUser>) -> ServiceResult<Vec<UserId>> {
        let records: Vec<User> = users.into_iter().map(|new| self.user_record(new)).collect();
        self.store.write(move |tx| {
            for user in &records {
                super::users::check_fields_free(tx, user)?;
                tx.put_user(user, None)?;
            }
            Ok(records.iter().map(|u| u.id.clone()).collect())
        })
    }

    /// Creates `rooms` in one transaction; each creator becomes the first member and owner.
    pub fn import_rooms(&self, rooms: Vec<ImportRoom>) -> ServiceResult<Vec<RoomId>> {
        let now = self.now();
        let ids: Vec<(RoomId, Vec<String>)> = rooms
            .iter()
            .map(|r| {
                self.with_rng(|rng| {
                    let subs = (0..=r.members.len())
                        .map(|_| crate::model::new_id(rng))
                        .collect();
                    (RoomId::generate(rng), subs)
                })
            })
            .collect();
        let settings = self.settings();
        self.store.write(move |tx| {
            let mut out = Vec::with_capacity(rooms.len());
            for (room, (id, sub_ids)) in rooms.iter().zip(&ids) {
                if !settings.valid_room_name(&room.name) {
                    return Err(super::ServiceError::InvalidRoomName(room.name.clone()));
                }
                if tx.room_id_by_name(&room.name)?.is_some() {
                    return Err(super::ServiceError::DuplicateRoomName(room.name.clone()));
                }
                let creator = tx
                    .user(&room.creator)?
                    .ok_or(super::ServiceError::UserNotFound)?;
                let mut record = Room::new(id.clone(), &room.name, room.kind, &creator, now);
                let mut seen = std::collections::HashSet::new();
                let members = std::iter::once(&room.creator).chain(&room.members);
                for (i, (member, sub_id)) in members.zip(sub_ids).enumerate() {
                    if !seen.insert(member) {
                        continue;
                    }
                    let user = tx.user(member)?.ok_or(super::ServiceError::UserNotFound)?;
                    let roles = if i == 0 {
                        vec![Role::Owner.as_str().into()]
                    } else {
                        vec![]
                    };
                    super::room_rules::join(tx, &mut record, &user, roles, sub_id.clone(), now)?;
                }
                tx.put_room(&record)?;
                // An inactive creator with active members: the invariant hands the room over.
                super::room_rules::ensure_active_owner(tx, id, &super::audit::Stamp::server(now))?;
                out.push(id.clone());
            }
            Ok(out)
        })
    }
}
