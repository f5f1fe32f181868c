//! The rules every room use case shares: who may see a room, archived rooms and bans,
//! joining, and the room roles with the one rule about owners (a room with members keeps an
//! active owner), which every way out of a room asks.

use super::audit::{Stamp, Subject};
use super::caller::has_permission;
use super::lookup::{RoomRef, UserRef, find_room, find_user};
use super::{ServiceError, ServiceResult};
use crate::model::{Permission, Role, Room, RoomId, RoomKind, Subscription, User, UserId};
use crate::store::prelude::*;
use serde_json::json;

/// A member holding room roles, for `channels.roles`.
#[derive(Clone, Debug)]
pub struct RoomOwner {
    pub subscription: Subscription,
    pub user: User,
}

/// Refuses any change of membership in an archived room.
pub(super) fn not_archived(room: &Room) -> ServiceResult<()> {
    match room.archived {
        true => Err(ServiceError::RoomArchived(room.name.clone())),
        false => Ok(()),
    }
}

/// Refuses `user` in `room` if it is banned there: invites and joins ask this.
pub(super) fn not_banned(tx: &dyn Reads, room: &RoomId, user: &User) -> ServiceResult<()> {
    match tx.banned_at(room, &user.id)? {
        Some(_) => Err(ServiceError::UserBanned),
        None => Ok(()),
    }
}

/// The room `name` names, if it is of `kind` (any kind when `None`) and the caller may see
/// it: a private group is visible to its members and to holders of
/// `view-other-user-channels`; to anyone else it does not exist.
pub(super) fn visible_room(
    tx: &dyn Reads,
    caller: &User,
    kind: Option<RoomKind>,
    name: &RoomRef,
) -> ServiceResult<Room> {
    let not_found = ServiceError::RoomNotFound;
    let room = match find_room(tx, name)? {
        Some(room) if kind.is_none_or(|k| k == room.kind) => room,
        _ => return Err(not_found),
    };
    if !may_see_room(tx, caller, &room)? {
        return Err(not_found);
    }
    Ok(room)
}

/// Whether `caller` may see `room`: every channel; a private group only as a member or with
/// `view-other-user-channels`.
pub(super) fn may_see_room(tx: &dyn Reads, caller: &User, room: &Room) -> ServiceResult<bool> {
    Ok(room.kind != RoomKind::Group
        || tx.subscription(&room.id, &caller.id)?.is_some()
        || has_permission(tx, caller, Permission::ViewOtherUserChannels, None)?)
}

/// The user a room operation targets.
pub(super) fn target_user(tx: &dyn Reads, name: &UserRef) -> ServiceResult<User> {
    find_user(tx, name)?.ok_or(ServiceError::UserNotFound)
}

/// Makes `user` the newest member of `room` with `roles`; the caller stores `room` afterwards.
pub(super) fn join(
    tx: &dyn Writes,
    room: &mut Room,
    user: &User,
    roles: Vec<String>,
    id: String,
    now: i64,
) -> Result<(), StoreError> {
    let sub = Subscription {
        id,
        room_id: room.id.clone(),
        user_id: user.id.clone(),
        join_seq: tx.next_join_seq()?,
        roles,
        user_archived: !user.active,
        room_archived: room.archived,
        hidden: false,
        favorite: false,
        created_at: now,
        updated_at: now,
    };
    tx.put_subscription(&sub, None)?;
    room.users_count += 1;
    room.updated_at = now;
    Ok(())
}

/// Makes a new account a member of every default room, newest in each, taking subscription
/// ids from `ids` (generated before the transaction; a room beyond them gets one derived from
/// the room and user ids, which are unique together).
pub(super) fn join_default_rooms(
    tx: &dyn Writes,
    user: &User,
    ids: &[String],
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let now = stamp.now;
    let mut ids = ids.iter().cloned();
    for room_id in tx.default_room_ids()? {
        let Some(mut room) = tx.room(&room_id)? else {
            continue;
        };
        if tx.subscription(&room.id, &user.id)?.is_some() {
            continue;
        }
        let id = ids
            .next()
            .unwrap_or_else(|| format!("{}{}", room.id.as_str(), user.id.as_str()));
        join(tx, &mut room, user, vec![], id, now)?;
        tx.put_room(&room)?;
        ensure_active_owner(tx, &room.id, stamp)?;
    }
    Ok(())
}

/// The room invariant, restored where an operation may have broken it: a room with an active
/// member but no active owner makes its earliest-joined active member an owner. Operations
/// that give a room a new active member (reactivation, invite) end with it, in their own
/// transaction.
pub(super) fn ensure_active_owner(
    tx: &dyn Writes,
    room: &RoomId,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    if tx.has_active_owner(room, None)? {
        return Ok(());
    }
    match tx.first_member_where(room, &mut |id| tx.is_active(id))? {
        Some(first) => grant_owner(tx, room, &first, stamp),
        None => Ok(()),
    }
}

/// Gives the member `user` the room role `owner` (the caller checked it lacks it).
pub(super) fn grant_owner(
    tx: &dyn Writes,
    room: &RoomId,
    user: &UserId,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    grant_room_role(tx, room, user, Role::Owner, stamp)
}

/// Records a new room and its first owner, who created it (or, for the default channel, the
/// admin the server gave it to).
pub(super) fn record_room_created(
    tx: &dyn Writes,
    stamp: &Stamp,
    room: &Room,
    owner: &User,
) -> Result<(), StoreError> {
    stamp.record(
        tx,
        "room.create",
        Subject::Membership(&room.id, &owner.id),
        serde_json::Value::Null,
        json!({"name": room.name, "t": room.kind.letter(), "owner": owner.username}),
    )
}

/// The audit action of gaining or losing a room role: ownership has its own.
fn room_role_action(role: Role, add: bool) -> &'static str {
    match (role, add) {
        (Role::Owner, true) => "room.owner.add",
        (Role::Owner, false) => "room.owner.remove",
        (_, true) => "room.role.add",
        (_, false) => "room.role.remove",
    }
}

/// Gives the member `user` the room role `role` (the caller checked it lacks it).
pub(super) fn grant_room_role(
    tx: &dyn Writes,
    room: &RoomId,
    user: &UserId,
    role: Role,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let previous = tx
        .subscription(room, user)?
        .ok_or_else(|| StoreError::Corrupt("member without subscription".into()))?;
    let (sub, entry) = with_room_role(&previous, role, stamp);
    tx.put_subscription(&sub, Some(&previous))?;
    tx.append_audit(entry)
}

/// The membership `previous` with the room role `role` added, and the audit entry that says
/// so; written by the caller (one at a time, or many at once).
pub(super) fn with_room_role(
    previous: &Subscription,
    role: Role,
    stamp: &Stamp,
) -> (Subscription, crate::model::AuditEntry) {
    let mut sub = previous.clone();
    sub.roles.push(role.as_str().into());
    sub.updated_at = stamp.now;
    let entry = stamp.entry(
        room_role_action(role, true),
        Subject::Membership(&sub.room_id, &sub.user_id),
        json!({ "roles": previous.roles }),
        json!({ "roles": sub.roles }),
    );
    (sub, entry)
}

/// Whether `user` may stop owning `room`: refused when no owner would remain, and
/// (deliberately stricter than Rocket.Chat) when an active owner would leave only inactive
/// ones behind. Every way an owner stops owning without leaving goes through here.
pub(super) fn check_owner_removal(tx: &dyn Reads, room: &RoomId, user: &User) -> ServiceResult<()> {
    let other_owner = tx.owner_ids(room)?.iter().any(|id| *id != user.id);
    if !other_owner || (user.active && !tx.has_active_owner(room, Some(&user.id))?) {
        return Err(ServiceError::LastRoomOwner);
    }
    Ok(())
}

/// Takes the room role `role` from the membership `sub` (the caller checked it holds it).
pub(super) fn revoke_room_role(
    tx: &dyn Writes,
    sub: &Subscription,
    role: Role,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let mut updated = sub.clone();
    updated.roles.retain(|r| r != role.as_str());
    updated.updated_at = stamp.now;
    tx.put_subscription(&updated, Some(sub))?;
    stamp.record(
        tx,
        room_role_action(role, false),
        Subject::Membership(&sub.room_id, &sub.user_id),
        json!({ "roles": sub.roles }),
        json!({ "roles": updated.roles }),
    )
}

/// The checks every change of a member's room role shares (owner, moderator, leader), in
/// Rocket.Chat's order: the caller may see the room, the target exists, the caller holds
/// `permission` here, the target is a member.
pub(super) fn room_role_change(
    tx: &dyn Reads,
    me: &User,
    kind: RoomKind,
    room: &RoomRef,
    user: &UserRef,
    permission: Permission,
) -> ServiceResult<(Room, User, Subscription)> {
    let room = visible_room(tx, me, Some(kind), room)?;
    let user = target_user(tx, user)?;
    if !has_permission(tx, me, permission, Some(&room.id))? {
        return Err(ServiceError::NotAllowed);
    }
    let sub = tx
        .subscription(&room.id, &user.id)?
        .ok_or(ServiceError::NotMember)?;
    Ok((room, user, sub))
}
