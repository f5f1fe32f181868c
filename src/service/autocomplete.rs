//! Look-ups that answer "which one?" while an admin types: `users.autocomplete`,
//! `rooms.autocomplete.*`, `rooms.nameExists` and `rooms.isMember`. Each reads only.

use super::caller::has_permission;
use super::lookup::{RoomRef, UserRef, find_room, find_user};
use super::room_rules::may_see_room;
use super::room_rules::not_archived;
use super::{Caller, Page, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Room, User, normalize_key};

/// How many items an autocomplete answers, as Rocket.Chat's.
const AUTOCOMPLETE_LIMIT: usize = 10;

/// Which rooms `rooms.autocomplete.*` looks in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomScope {
    /// The caller's rooms (`channelAndPrivate`): matched by name.
    Joined,
    /// The rooms the caller owns (`availableForTeams`): matched by name.
    Owned,
    /// Every room (`adminRooms`, for holders of `view-room-administration`): matched by name
    /// or display name.
    All,
}

fn starts_with(text: &str, prefix: &str) -> bool {
    normalize_key(text).starts_with(&normalize_key(prefix.trim()))
}

fn contains(text: &str, part: &str) -> bool {
    normalize_key(text).contains(&normalize_key(part))
}

impl Service {
    /// `users.autocomplete`: up to ten active users whose username or name contains `term`
    /// (ignoring case), but those in `exceptions`, by username. Holders of
    /// `view-outside-room` search everyone; others the members of their own rooms.
    pub fn autocomplete_users(
        &self,
        caller: &Caller,
        term: &str,
        exceptions: &[String],
    ) -> ServiceResult<Vec<User>> {
        self.store.read(|tx| {
            let me = &caller.user;
            let everyone = has_permission(tx, me, Permission::ViewOutsideRoom, None)?;
            let wanted = |u: &User| {
                u.active
                    && (contains(&u.username, term) || contains(&u.name, term))
                    && !exceptions.contains(&u.username)
            };
            let mut found: Vec<User> = if everyone {
                let (users, _) = tx.users_page(0, usize::MAX)?;
                users.into_iter().filter(|u| wanted(u)).collect()
            } else {
                let mut ids = Vec::new();
                for room in tx.room_ids_of(&me.id)? {
                    ids.extend(tx.member_ids_in_join_order(&room)?);
                }
                ids.sort_by(|a, b| a.0.cmp(&b.0));
                ids.dedup();
                let mut users = Vec::new();
                for id in ids {
                    if let Some(user) = tx.user(&id)?
                        && wanted(&user)
                    {
                        users.push(user);
                    }
                }
                users
            };
            found.sort_by(|a, b| a.username.cmp(&b.username));
            found.truncate(AUTOCOMPLETE_LIMIT);
            Ok(found)
        })
    }

    /// `rooms.autocomplete.*`: channels and private groups in `scope` whose name starts
    /// with `name` (ignoring case), by name: a page of them and how many there are.
    pub fn autocomplete_rooms(
        &self,
        caller: &Caller,
        scope: RoomScope,
        name: &str,
        page: Option<Page>,
    ) -> ServiceResult<(Vec<Room>, usize)> {
        self.store.read(|tx| {
            let me = &caller.user;
            let mut rooms = Vec::new();
            match scope {
                RoomScope::All => {
                    if !has_permission(tx, me, Permission::ViewRoomAdministration, None)? {
                        return Err(ServiceError::NotAuthorized);
                    }
                    for room in tx.all_rooms()? {
                        if starts_with(&room.name, name) || starts_with(&room.fname, name) {
                            rooms.push(room);
                        }
                    }
                }
                RoomScope::Joined | RoomScope::Owned => {
                    for id in tx.room_ids_of(&me.id)? {
                        if scope == RoomScope::Owned && !tx.is_owner(&id, &me.id)? {
                            continue;
                        }
                        if let Some(room) = tx.room(&id)?
                            && starts_with(&room.name, name)
                        {
                            rooms.push(room);
                        }
                    }
                }
            }
            rooms.sort_by(|a, b| a.name.cmp(&b.name));
            let total = rooms.len();
            let rooms = match page {
                Some(page) => page.of(rooms),
                None => rooms.into_iter().take(AUTOCOMPLETE_LIMIT).collect(),
            };
            Ok((rooms, total))
        })
    }

    /// `rooms.nameExists`: whether a room has exactly this name, whatever its kind.
    pub fn room_name_exists(&self, name: &str) -> ServiceResult<bool> {
        self.store.read(|tx| {
            Ok(find_room(tx, &RoomRef::Name(name.to_string()))?.is_some_and(|r| r.name == name))
        })
    }

    /// `rooms.isMember`: whether `user` is a member of the room, for a caller who may see
    /// it. An archived room is refused, as Rocket.Chat's `findRoomByIdOrName` does.
    pub fn is_member(
        &self,
        caller: &Caller,
        room: &RoomRef,
        user: &UserRef,
    ) -> ServiceResult<bool> {
        self.store.read(|tx| {
            let room = find_room(tx, room)?.ok_or(ServiceError::RoomNotFound)?;
            not_archived(&room)?;
            let user = find_user(tx, user)?.ok_or(ServiceError::UserNotFound)?;
            if !may_see_room(tx, &caller.user, &room)? {
                return Err(ServiceError::Forbidden);
            }
            Ok(tx.subscription(&room.id, &user.id)?.is_some())
        })
    }
}
