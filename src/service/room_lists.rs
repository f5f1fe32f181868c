//! The room reads beyond one room: `rooms.adminRooms`, `rooms.get`, `subscriptions.get` and
//! `directory`. Each reads the rooms or users it needs in one read transaction and filters.

use std::cmp::Ordering;

use super::caller::has_permission;
use super::listing::{Page, SortKey, sort_by};
use super::users::{compare_users, is_private_field};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Millis, Permission, Room, RoomKind, Subscription, User, normalize_key};

/// What `rooms.adminRooms` asks for.
#[derive(Clone, Debug, Default)]
pub struct AdminRoomsQuery {
    /// A part of the name or display name, ignoring case.
    pub filter: Option<String>,
    /// Room types to keep (`c`, `p`, ...); none keeps every type.
    pub types: Vec<String>,
    pub page: Page,
    pub sort: Vec<SortKey>,
}

/// What `directory` looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryKind {
    Channels,
    Users,
    Teams,
}

/// What `directory` asks for.
#[derive(Clone, Debug)]
pub struct DirectoryQuery {
    pub kind: DirectoryKind,
    pub text: String,
    /// One sort key at most: `name`, `createdAt`, `usersCount`, and `username`, `email`,
    /// `bio` for users; ascending only when asked (Rocket.Chat's default is descending).
    pub sort: Option<SortKey>,
    pub offset: usize,
    pub limit: usize,
}

/// One answer of `directory`.
#[derive(Clone, Debug)]
pub enum DirectoryEntry {
    Room(Room),
    /// The user, and whether its email addresses may be shown.
    User(User, bool),
}

fn contains(text: &str, part: &str) -> bool {
    text.to_lowercase().contains(&part.to_lowercase())
}

impl Service {
    /// `rooms.adminRooms`: with `view-room-administration`, every room whose name or display
    /// name contains `filter`, of the listed types; sorted default rooms first, then by name.
    pub fn admin_rooms(
        &self,
        caller: &Caller,
        query: &AdminRoomsQuery,
    ) -> ServiceResult<(Vec<Room>, usize)> {
        self.store.read(|tx| {
            if !has_permission(tx, &caller.user, Permission::ViewRoomAdministration, None)? {
                return Err(ServiceError::NotAuthorized);
            }
            let filter = query.filter.as_deref().map(str::trim).unwrap_or("");
            let mut rooms: Vec<Room> = tx
                .all_rooms()?
                .into_iter()
                .filter(|r| {
                    (query.types.is_empty() || query.types.iter().any(|t| t == r.kind.letter()))
                        && (filter.is_empty()
                            || contains(&r.name, filter)
                            || contains(&r.fname, filter))
                })
                .collect();
            let by_default_then_name = |a: &Room, b: &Room| {
                b.default
                    .cmp(&a.default)
                    .then_with(|| normalize_key(&a.name).cmp(&normalize_key(&b.name)))
            };
            sort_by(&mut rooms, &query.sort, compare_rooms, by_default_then_name);
            let total = rooms.len();
            Ok((query.page.of(rooms), total))
        })
    }

    /// `rooms.adminRooms.getRoom`: any room, member or not, for holders of
    /// `view-room-administration`.
    pub fn admin_room(&self, caller: &Caller, rid: &crate::model::RoomId) -> ServiceResult<Room> {
        self.store.read(|tx| {
            if !has_permission(tx, &caller.user, Permission::ViewRoomAdministration, None)? {
                return Err(ServiceError::NotAuthorized);
            }
            tx.room(rid)?.ok_or(ServiceError::RoomNotFound)
        })
    }

    /// `rooms.get`: the caller's rooms, those changed after `since` when given.
    pub fn caller_rooms(&self, caller: &Caller, since: Option<Millis>) -> ServiceResult<Vec<Room>> {
        self.store.read(|tx| {
            let mut out = Vec::new();
            for id in tx.room_ids_of(&caller.user.id)? {
                out.extend(
                    tx.room(&id)?
                        .filter(|r| since.is_none_or(|t| r.updated_at > t)),
                );
            }
            Ok(out)
        })
    }

    /// `subscriptions.get`: the caller's memberships with their rooms, those changed after
    /// `since` when given.
    pub fn caller_subscriptions(
        &self,
        caller: &Caller,
        since: Option<Millis>,
    ) -> ServiceResult<Vec<(Subscription, Room)>> {
        self.store.read(|tx| {
            let mut out = Vec::new();
            for id in tx.room_ids_of(&caller.user.id)? {
                let (Some(sub), Some(room)) =
                    (tx.subscription(&id, &caller.user.id)?, tx.room(&id)?)
                else {
                    continue;
                };
                if since.is_none_or(|t| sub.updated_at > t) {
                    out.push((sub, room));
                }
            }
            Ok(out)
        })
    }

    /// `directory`: channels (public ones, and the caller's private groups; `view-c-room`),
    /// users (active ones; `view-outside-room` and `view-d-room`) or teams (rocketlite has
    /// none) whose names contain `text`. `VerifyParameters` is Rocket.Chat's answer to a
    /// sort key the kind does not have, or a permission missing. Returns a page and the
    /// total.
    pub fn directory(
        &self,
        caller: &Caller,
        query: &DirectoryQuery,
    ) -> ServiceResult<(Vec<DirectoryEntry>, usize)> {
        self.store.read(|tx| {
            let me = &caller.user;
            let may = |p| has_permission(tx, me, p, None);
            let sort_field = query.sort.as_ref().map_or("name", |k| k.field.as_str());
            let descending = query.sort.as_ref().is_none_or(|k| k.descending);
            let mut entries = match query.kind {
                DirectoryKind::Teams => Vec::new(),
                DirectoryKind::Channels => {
                    if ![
                        "name",
                        "createdAt",
                        "usersCount",
                        "usernames",
                        "lastMessage",
                    ]
                    .contains(&sort_field)
                        || !may(Permission::ViewCRoom)?
                    {
                        return Err(ServiceError::VerifyParameters);
                    }
                    let mut rooms = Vec::new();
                    for room in tx.all_rooms()? {
                        let visible = room.kind == RoomKind::Channel
                            || tx.subscription(&room.id, &me.id)?.is_some();
                        if visible
                            && (contains(&room.name, &query.text)
                                || contains(&room.fname, &query.text))
                        {
                            rooms.push(room);
                        }
                    }
                    // Rocket.Chat's directory names `ts` `createdAt`; other keys sort by name.
                    let field = match sort_field {
                        "createdAt" => "ts",
                        "usersCount" => "usersCount",
                        _ => "name",
                    };
                    rooms.sort_by(|a, b| {
                        let order = compare_rooms(field, a, b).unwrap_or(Ordering::Equal);
                        if descending { order.reverse() } else { order }
                    });
                    rooms.into_iter().map(DirectoryEntry::Room).collect()
                }
                DirectoryKind::Users => {
                    if ![
                        "name",
                        "createdAt",
                        "usersCount",
                        "username",
                        "email",
                        "bio",
                    ]
                    .contains(&sort_field)
                        || !may(Permission::ViewOutsideRoom)?
                        || !may(Permission::ViewDRoom)?
                    {
                        return Err(ServiceError::VerifyParameters);
                    }
                    let full = may(Permission::ViewFullOtherUserInfo)?;
                    let (users, _) = tx.users_page(0, usize::MAX)?;
                    let mut users: Vec<User> = users
                        .into_iter()
                        .filter(|u| {
                            u.active
                                && (query.text.is_empty()
                                    || contains(&u.username, &query.text)
                                    || contains(&u.name, &query.text)
                                    || u.profile
                                        .nickname
                                        .as_deref()
                                        .is_some_and(|n| contains(n, &query.text))
                                    || u.profile
                                        .bio
                                        .as_deref()
                                        .is_some_and(|b| contains(b, &query.text)))
                        })
                        .collect();
                    // `email` is the first address, for callers who may see it; `usersCount`
                    // and unknown keys sort by name.
                    let field = match sort_field {
                        "createdAt" | "username" | "bio" => sort_field,
                        f if is_private_field(f) && full => "emails",
                        _ => "name",
                    };
                    users.sort_by(|a, b| {
                        let order = match field {
                            "bio" => a.profile.bio.cmp(&b.profile.bio),
                            _ => compare_users(field, a, b).unwrap_or(Ordering::Equal),
                        };
                        if descending { order.reverse() } else { order }
                    });
                    users
                        .into_iter()
                        .map(|u| DirectoryEntry::User(u, full))
                        .collect()
                }
            };
            let total = entries.len();
            entries = entries
                .into_iter()
                .skip(query.offset)
                .take(query.limit)
                .collect();
            Ok((entries, total))
        })
    }
}

/// The room fields a `sort` of `rooms.adminRooms` may name.
pub(super) fn compare_rooms(field: &str, a: &Room, b: &Room) -> Option<Ordering> {
    Some(match field {
        "name" | "fname" => normalize_key(&a.name).cmp(&normalize_key(&b.name)),
        "usersCount" => a.users_count.cmp(&b.users_count),
        "ts" => a.created_at.cmp(&b.created_at),
        "_updatedAt" => a.updated_at.cmp(&b.updated_at),
        "default" => a.default.cmp(&b.default),
        "t" => a.kind.letter().cmp(b.kind.letter()),
        _ => return None,
    })
}
