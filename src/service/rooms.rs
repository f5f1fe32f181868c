//! Rooms: creation, invites, owners, reads of one room and the room lists (the rules they
//! share with the other room use cases are in `room_rules.rs`).

use super::audit::Stamp;
use super::caller::{has_permission, require_any};
use super::limits;
use super::listing::{Page, SortKey, sort_by};
use super::lookup::{RoomRef, UserRef, find_user};
use super::room_rules::{
    RoomOwner, check_owner_removal, ensure_active_owner, grant_owner, join, not_archived,
    not_banned, record_room_created, revoke_room_role, room_role_change, visible_room,
};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{
    NotificationSettings, Permission, Role, Room, RoomId, RoomKind, Subscription, User,
    normalize_key,
};

/// What `channels.create` / `groups.create` ask for.
#[derive(Clone, Debug)]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    /// Usernames to add after the creator, in this order; unknown ones are skipped.
    pub members: Vec<String>,
    pub read_only: bool,
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// Which rooms a room list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomListScope {
    /// `channels.list`: every channel, or the joined ones without `view-c-room`.
    Visible,
    /// `channels.list.joined`, `groups.list`: the caller's.
    Joined,
    /// `groups.listAll`: every one (`view-room-administration`).
    All,
}

/// Orders rooms by `sort` (default `{name: 1}`), names compared case-insensitively.
fn sort_rooms(rooms: &mut [Room], sort: &[SortKey]) {
    let by_name = |a: &Room, b: &Room| normalize_key(&a.name).cmp(&normalize_key(&b.name));
    sort_by(rooms, sort, super::room_lists::compare_rooms, by_name);
}

/// A member of a room, for `channels.members`.
pub type RoomMember = User;

/// The presence every user has: rocketlite does not track who is online.
const PRESENCE: &str = "offline";

/// What `channels.members` / `groups.members` ask for.
#[derive(Clone, Debug, Default)]
pub struct MemberListQuery {
    pub page: Page,
    pub sort: Vec<SortKey>,
    /// A part of the username or name.
    pub filter: Option<String>,
    /// Presences to keep (`online`, `away`, `busy`, `offline`).
    pub status: Option<Vec<String>>,
}

impl Service {
    /// Creates a room; the creator becomes its first member and owner, then `members` join in
    /// the order given. Needs `create-c` or `create-p`.
    pub fn create_room(&self, caller: &Caller, new: NewRoom) -> ServiceResult<Room> {
        let permission = match new.kind {
            RoomKind::Channel => Permission::CreateC,
            RoomKind::Group => Permission::CreateP,
        };
        let now = self.now();
        let (room_id, ids) = self.with_rng(|rng| {
            let ids: Vec<String> = (0..=new.members.len())
                .map(|_| crate::model::new_id(rng))
                .collect();
            (RoomId::generate(rng), ids)
        });
        let settings = self.settings();
        self.write_as(caller, move |tx, creator| {
            require_any(tx, &creator, &[permission], None)?;
            limits::check_len("name", &new.name, limits::ROOM_NAME)?;
            limits::check_count("members", new.members.len(), limits::MEMBERS)?;
            if !settings.valid_room_name(&new.name) {
                return Err(ServiceError::InvalidRoomName(new.name.clone()));
            }
            super::room_settings::check_custom_fields(&new.custom_fields)?;
            if tx.room_id_by_name(&new.name)?.is_some() {
                return Err(ServiceError::DuplicateRoomName(new.name.clone()));
            }
            let mut members = vec![creator.clone()];
            for username in &new.members {
                if limits::beyond_any_stored(username, limits::USERNAME) {
                    continue;
                }
                let Some(id) = tx.user_id_by_username(username)? else {
                    continue;
                };
                if members.iter().all(|m| m.id != id) {
                    members.extend(tx.user(&id)?);
                }
            }
            let mut room = Room {
                read_only: new.read_only,
                custom_fields: new.custom_fields.clone(),
                ..Room::new(room_id.clone(), &new.name, new.kind, &creator, now)
            };
            for (i, member) in members.iter().enumerate() {
                let roles = if i == 0 {
                    vec![Role::Owner.as_str().to_string()]
                } else {
                    vec![]
                };
                join(tx, &mut room, member, roles, ids[i].clone(), now)?;
            }
            tx.put_room(&room)?;
            record_room_created(tx, &Stamp::by(&creator, now), &room, &creator)?;
            Ok(room)
        })
    }

    /// Adds the named users to the room, newest last, in the order given; inviting a member
    /// again changes nothing, and names that match nobody are skipped (as in Rocket.Chat). A
    /// member needs `add-user-to-joined-room`, anyone else `add-user-to-any-c-room` / `-p-room`.
    pub fn invite(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        users: &[UserRef],
    ) -> ServiceResult<Room> {
        limits::check_count("users", users.len(), limits::MEMBERS)?;
        let now = self.now();
        let sub_ids: Vec<String> =
            self.with_rng(|rng| users.iter().map(|_| crate::model::new_id(rng)).collect());
        let (room, users) = (room.clone(), users.to_vec());
        self.write_as(caller, move |tx, caller| {
            let mut room = visible_room(tx, &caller, Some(kind), &room)?;
            not_archived(&room)?;
            let caller_is_member = tx.subscription(&room.id, &caller.id)?.is_some();
            let permission = match (caller_is_member, kind) {
                (true, _) => Permission::AddUserToJoinedRoom,
                (false, RoomKind::Channel) => Permission::AddUserToAnyCRoom,
                (false, RoomKind::Group) => Permission::AddUserToAnyPRoom,
            };
            if !has_permission(tx, &caller, permission, Some(&room.id))? {
                return Err(ServiceError::NotAllowed);
            }
            let mut found: Vec<User> = Vec::new();
            for name in &users {
                if let Some(user) = find_user(tx, name)?
                    && found.iter().all(|f| f.id != user.id)
                {
                    found.push(user);
                }
            }
            if found.is_empty() {
                return Err(ServiceError::EmptyInviteList);
            }
            for user in &found {
                not_banned(tx, &room.id, user)?;
            }
            let mut joined = false;
            for (user, sub_id) in found.iter().zip(&sub_ids) {
                if tx.subscription(&room.id, &user.id)?.is_none() {
                    join(tx, &mut room, user, vec![], sub_id.clone(), now)?;
                    joined = true;
                }
            }
            if joined {
                tx.put_room(&room)?;
                ensure_active_owner(tx, &room.id, &Stamp::by(&caller, now))?;
            }
            Ok(room)
        })
    }

    /// Gives `user_id` the room role `owner`; needs `set-owner` globally or in this room.
    pub fn add_owner(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        user: &UserRef,
    ) -> ServiceResult<()> {
        let now = self.now();
        let (room, user) = (room.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let (room, user, sub) =
                room_role_change(tx, &me, kind, &room, &user, Permission::SetOwner)?;
            if sub.has_role(Role::Owner) {
                return Err(ServiceError::RoomRoleHeld(Role::Owner));
            }
            Ok(grant_owner(tx, &room.id, &user.id, &Stamp::by(&me, now))?)
        })
    }

    /// Takes the room role `owner` from `user_id`; needs `set-owner`. Refused when no owner
    /// would remain, and (deliberately stricter than Rocket.Chat) when an active owner would
    /// leave only inactive ones behind.
    pub fn remove_owner(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        user: &UserRef,
    ) -> ServiceResult<()> {
        let now = self.now();
        let (room, user) = (room.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let (room, user, sub) =
                room_role_change(tx, &me, kind, &room, &user, Permission::SetOwner)?;
            if !sub.has_role(Role::Owner) {
                return Err(ServiceError::RoomRoleMissing(Role::Owner));
            }
            check_owner_removal(tx, &room.id, &user)?;
            Ok(revoke_room_role(
                tx,
                &sub,
                Role::Owner,
                &Stamp::by(&me, now),
            )?)
        })
    }

    /// `*.info`: the room, if it is of `kind` and the caller may see it.
    pub fn room_of_kind(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
    ) -> ServiceResult<Room> {
        self.store
            .read(|tx| visible_room(tx, &caller.user, Some(kind), room))
    }

    /// `*.moderators`: the members holding `role`, in join order; an archived room is
    /// refused, as Rocket.Chat does.
    pub fn room_role_holders(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        role: Role,
    ) -> ServiceResult<Vec<User>> {
        self.store.read(|tx| {
            let room = visible_room(tx, &caller.user, Some(kind), room)?;
            not_archived(&room)?;
            let mut out = Vec::new();
            for id in tx.member_ids_in_join_order(&room.id)? {
                if tx
                    .subscription(&room.id, &id)?
                    .is_some_and(|s| s.has_role(role))
                {
                    out.extend(tx.user(&id)?);
                }
            }
            Ok(out)
        })
    }

    /// The room lists, by name: `channels.list` (every channel with `view-c-room`, else
    /// the joined ones with `view-joined-room`), `channels.list.joined` and `groups.list`
    /// (the caller's), `groups.listAll` (`view-room-administration`); `only` keeps the room
    /// with that id (`channels.list?_id=`).
    pub fn list_rooms(
        &self,
        caller: &Caller,
        kind: RoomKind,
        scope: RoomListScope,
        only: Option<&RoomId>,
        page: Page,
        sort: &[SortKey],
    ) -> ServiceResult<(Vec<Room>, usize)> {
        self.store.read(|tx| {
            let me = &caller.user;
            let joined_only = match scope {
                RoomListScope::Visible => {
                    if has_permission(tx, me, Permission::ViewCRoom, None)? {
                        false
                    } else if has_permission(tx, me, Permission::ViewJoinedRoom, None)? {
                        true
                    } else {
                        return Err(ServiceError::Forbidden);
                    }
                }
                RoomListScope::Joined => true,
                RoomListScope::All => {
                    require_any(tx, me, &[Permission::ViewRoomAdministration], None)?;
                    false
                }
            };
            let mut rooms = Vec::new();
            for room in tx.all_rooms()? {
                if room.kind == kind
                    && only.is_none_or(|id| *id == room.id)
                    && (!joined_only || tx.subscription(&room.id, &me.id)?.is_some())
                {
                    rooms.push(room);
                }
            }
            sort_rooms(&mut rooms, sort);
            let total = rooms.len();
            Ok((page.of(rooms), total))
        })
    }

    /// Members holding room roles, inactive ones included, sorted by username.
    pub fn room_roles(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
    ) -> ServiceResult<Vec<RoomOwner>> {
        self.store.read(|tx| {
            let room = visible_room(tx, &caller.user, Some(kind), room)?;
            super::room_views::role_holders(tx, &room.id)
        })
    }

    /// One page of the room's active members, and how many match. `filter` keeps those whose
    /// username or name contains it (ignoring case); `status` keeps those whose presence is
    /// listed (rocketlite tracks none, so everyone is `offline`). Only a `username` sort key
    /// counts, as in Rocket.Chat.
    pub fn room_members(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        query: &MemberListQuery,
    ) -> ServiceResult<(Vec<RoomMember>, usize)> {
        self.store.read(|tx| {
            let room = visible_room(tx, &caller.user, Some(kind), room)?;
            let filter = query.filter.as_deref().map(str::to_lowercase);
            let matches = |u: &User| {
                filter.as_deref().is_none_or(|f| {
                    u.username.to_lowercase().contains(f) || u.name.to_lowercase().contains(f)
                }) && query
                    .status
                    .as_ref()
                    .is_none_or(|listed| listed.iter().any(|s| s == PRESENCE))
            };
            let mut members = Vec::new();
            for id in tx.member_ids_in_join_order(&room.id)? {
                members.extend(tx.user(&id)?.filter(|u| u.active && matches(u)));
            }
            let by_username =
                |a: &User, b: &User| normalize_key(&a.username).cmp(&normalize_key(&b.username));
            let compare = |field: &str, a: &User, b: &User| match field {
                "username" => Some(by_username(a, b)),
                _ => None,
            };
            sort_by(&mut members, &query.sort, compare, by_username);
            let total = members.len();
            Ok((query.page.of(members), total))
        })
    }

    /// The room, if the caller may see it.
    pub fn room_info(&self, caller: &Caller, room: &RoomRef) -> ServiceResult<Room> {
        self.store
            .read(|tx| visible_room(tx, &caller.user, None, room))
    }

    /// The caller's own membership of the room, with the room and its notification
    /// settings, or `None`.
    pub fn own_subscription(
        &self,
        caller: &Caller,
        room_id: &RoomId,
    ) -> ServiceResult<Option<(Subscription, Room, NotificationSettings)>> {
        self.store.read(|tx| {
            let (Some(sub), Some(room)) = (
                tx.subscription(room_id, &caller.user.id)?,
                tx.room(room_id)?,
            ) else {
                return Ok(None);
            };
            let notifications = tx.notifications(room_id, &caller.user.id)?;
            Ok(Some((sub, room, notifications.unwrap_or_default())))
        })
    }
}
