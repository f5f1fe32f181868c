//! Who is in a room: kick, leave, join (with its code), add-all, and the room roles
//! `moderator` and `leader`. Kick and leave are ways out of a room, so they keep the rule of
//! every way out: a room's last (active) owner cannot go (`room_rules::check_owner_removal`).

use super::audit::{Stamp, Subject};
use super::caller::has_permission;
use super::lookup::{RoomRef, UserRef, find_room};
use super::room_rules::not_archived;
use super::room_rules::{
    check_owner_removal, ensure_active_owner, grant_room_role, join, revoke_room_role,
    room_role_change, target_user, visible_room,
};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Role, Room, RoomKind, User};
use crate::store::prelude::*;

/// The most users one add-all adds, whatever `API_User_Limit` (Rocket.Chat's limit, default
/// 500) says: one transaction stays bounded.
pub const ADD_ALL_MAX: usize = 10_000;

/// Takes `user` out of `room`: its subscription (and with it its room roles) goes, and the
/// room counts one member less. The caller checked [`check_owner_removal`].
pub(super) fn remove_member(
    tx: &dyn Writes,
    room: &Room,
    user: &User,
    stamp: &Stamp,
) -> ServiceResult<Room> {
    let sub = tx
        .subscription(&room.id, &user.id)?
        .ok_or(ServiceError::NotMember)?;
    if sub.has_role(Role::Owner) {
        check_owner_removal(tx, &room.id, user)?;
        // Leaving takes the ownership with it: an ownership change for the trail.
        stamp.record(
            tx,
            "room.owner.remove",
            Subject::Membership(&room.id, &user.id),
            serde_json::json!({ "roles": sub.roles }),
            serde_json::json!({ "member": false }),
        )?;
    }
    tx.remove_subscription(&sub)?;
    let mut room = room.clone();
    room.users_count = room.users_count.saturating_sub(1);
    room.updated_at = stamp.now;
    tx.put_room(&room)?;
    Ok(room)
}

impl Service {
    /// `*.kick`: the caller holds `remove-user` here (admins, owners, moderators); the target
    /// is a member; never the room's last (active) owner.
    pub fn kick(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        user: &UserRef,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let (room, user) = (room.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let room = visible_room(tx, &me, Some(kind), &room)?;
            not_archived(&room)?;
            let user = target_user(tx, &user)?;
            if !has_permission(tx, &me, Permission::RemoveUser, Some(&room.id))? {
                return Err(ServiceError::NotAllowed);
            }
            remove_member(tx, &room, &user, &Stamp::by(&me, now))
        })
    }

    /// `*.leave` and `rooms.leave` (`kind: None`): the caller leaves, with `leave-c` /
    /// `leave-p`; never as the room's last (active) owner.
    pub fn leave(
        &self,
        caller: &Caller,
        kind: Option<RoomKind>,
        room: &RoomRef,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            let room = visible_room(tx, &me, kind, &room)?;
            not_archived(&room)?;
            let permission = match room.kind {
                RoomKind::Channel => Permission::LeaveC,
                RoomKind::Group => Permission::LeaveP,
            };
            if !has_permission(tx, &me, permission, None)? {
                return Err(ServiceError::NotAllowed);
            }
            remove_member(tx, &room, &me, &Stamp::by(&me, now))
        })
    }

    /// `channels.join`: with `view-c-room`, and the room's code unless the caller holds
    /// `join-without-join-code`; a member joining again changes nothing.
    pub fn join_channel(
        &self,
        caller: &Caller,
        room: &RoomRef,
        code: Option<&str>,
    ) -> ServiceResult<Room> {
        self.join_room(caller, Some(RoomKind::Channel), room, code)
    }

    /// `rooms.join` (of `kind`, or any with `None`): a channel as `channels.join`; a private
    /// group only by its members, for whom nothing changes (nobody joins a group uninvited).
    pub fn join_room(
        &self,
        caller: &Caller,
        kind: Option<RoomKind>,
        room: &RoomRef,
        code: Option<&str>,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let sub_id = self.with_rng(crate::model::new_id);
        let (room, code) = (room.clone(), code.map(str::to_string));
        self.write_as(caller, move |tx, me| {
            let mut room = match kind {
                Some(kind) => visible_room(tx, &me, Some(kind), &room)?,
                None => find_room(tx, &room)?.ok_or(ServiceError::RoomNotFound)?,
            };
            not_archived(&room)?;
            if room.kind == RoomKind::Group {
                return match tx.subscription(&room.id, &me.id)? {
                    Some(_) => Ok(room),
                    None => Err(ServiceError::NotAllowed),
                };
            }
            if !has_permission(tx, &me, Permission::ViewCRoom, None)? {
                return Err(ServiceError::NotAllowed);
            }
            // A banned user cannot see the room to join it (Rocket.Chat's canAccessRoom).
            if tx.banned_at(&room.id, &me.id)?.is_some() {
                return Err(ServiceError::NotAllowed);
            }
            if let Some(expected) = &room.join_code
                && !has_permission(tx, &me, Permission::JoinWithoutJoinCode, None)?
            {
                match code.as_deref().filter(|c| !c.is_empty()) {
                    None => return Err(ServiceError::JoinCodeRequired),
                    Some(given) if given != expected => return Err(ServiceError::JoinCodeInvalid),
                    Some(_) => {}
                }
            }
            if tx.subscription(&room.id, &me.id)?.is_none() {
                join(tx, &mut room, &me, vec![], sub_id.clone(), now)?;
                tx.put_room(&room)?;
                ensure_active_owner(tx, &room.id, &Stamp::by(&me, now))?;
            }
            Ok(room)
        })
    }

    /// `channels.setJoinCode`: with `edit-room` here, the code `channels.join` asks for.
    pub fn set_join_code(
        &self,
        caller: &Caller,
        room: &RoomRef,
        code: &str,
    ) -> ServiceResult<Room> {
        if code.trim().is_empty() {
            return Err(ServiceError::BodyParamRequired("joinCode"));
        }
        super::limits::check_len("joinCode", code, super::limits::ROOM_NAME)?;
        let now = self.now();
        let (room, code) = (room.clone(), code.to_string());
        self.write_as(caller, move |tx, me| {
            let mut room = visible_room(tx, &me, Some(RoomKind::Channel), &room)?;
            not_archived(&room)?;
            if !has_permission(tx, &me, Permission::EditRoom, Some(&room.id))? {
                return Err(ServiceError::EditRoomNotAllowed);
            }
            room.join_code = Some(code.clone());
            room.updated_at = now;
            tx.put_room(&room)?;
            Ok(room)
        })
    }

    /// `*.addAll`: with `add-all-to-room`, every user not yet a member joins, in creation
    /// order (only active ones with `active_only`); at most `API_User_Limit` at once.
    pub fn add_all(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        active_only: bool,
    ) -> ServiceResult<Room> {
        let now = self.now();
        let limit = usize::try_from(self.settings().number("API_User_Limit"))
            .unwrap_or(1)
            .clamp(1, ADD_ALL_MAX);
        let ids: Vec<String> =
            self.with_rng(|rng| (0..limit).map(|_| crate::model::new_id(rng)).collect());
        let room = room.clone();
        self.write_as(caller, move |tx, me| {
            if !has_permission(tx, &me, Permission::AddAllToRoom, None)? {
                return Err(ServiceError::AddAllForbidden);
            }
            let mut room = visible_room(tx, &me, Some(kind), &room)?;
            not_archived(&room)?;
            let (mut users, _) = tx.users_page(0, usize::MAX)?;
            users.sort_by_key(|u| (u.created_at, u.id.clone()));
            let mut newcomers = Vec::new();
            for user in users {
                if (!active_only || user.active)
                    && tx.subscription(&room.id, &user.id)?.is_none()
                    && tx.banned_at(&room.id, &user.id)?.is_none()
                {
                    newcomers.push(user);
                }
            }
            if newcomers.len() > limit {
                return Err(ServiceError::UserLimitExceeded);
            }
            for (user, id) in newcomers.iter().zip(&ids) {
                join(tx, &mut room, user, vec![], id.clone(), now)?;
            }
            if !newcomers.is_empty() {
                tx.put_room(&room)?;
                ensure_active_owner(tx, &room.id, &Stamp::by(&me, now))?;
            }
            Ok(room)
        })
    }

    /// `*.addModerator` / `*.removeModerator` / `*.addLeader` / `*.removeLeader`: the room
    /// roles that carry no ownership, with `set-moderator` / `set-leader` here; the target
    /// must be a member.
    pub fn set_room_role(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        user: &UserRef,
        role: Role,
        grant: bool,
    ) -> ServiceResult<()> {
        let permission = match role {
            Role::Moderator => Permission::SetModerator,
            Role::Leader => Permission::SetLeader,
            _ => return Err(ServiceError::UnknownRole(role.to_string())),
        };
        let now = self.now();
        let (room, user) = (room.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let (room, user, sub) = room_role_change(tx, &me, kind, &room, &user, permission)?;
            let stamp = Stamp::by(&me, now);
            match (grant, sub.has_role(role)) {
                (true, true) => Err(ServiceError::RoomRoleHeld(role)),
                (false, false) => Err(ServiceError::RoomRoleMissing(role)),
                (true, false) => Ok(grant_room_role(tx, &room.id, &user.id, role, &stamp)?),
                (false, true) => Ok(revoke_room_role(tx, &sub, role, &stamp)?),
            }
        })
    }
}
