//! Moderation of a room's members. `rooms.banUser`, `rooms.unbanUser` and
//! `rooms.bannedUsers`: a ban takes a member out of a room as a kick does (never the room's
//! last active owner) and keeps it out: invites and joins refuse it until it is unbanned,
//! which lets it be invited again but adds nothing. `rooms.muteUser` / `rooms.unmuteUser`:
//! the room's muted list, as Rocket.Chat keeps it.

use super::audit::{Stamp, Subject};
use super::caller::has_permission;
use super::listing::Page;
use super::lookup::{UserRef, find_user};
use super::membership::remove_member;
use super::room_rules::may_see_room;
use super::room_rules::not_archived;
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Room, RoomId, User};
use crate::store::prelude::*;

/// The room a ban operation names, if it exists and the caller may see it, not archived,
/// with the caller holding `ban-user` there (admins, owners, moderators).
fn ban_room(tx: &dyn Reads, me: &User, rid: &RoomId) -> ServiceResult<Room> {
    let room = match tx.room(rid)? {
        Some(room) if may_see_room(tx, me, &room)? => room,
        _ => return Err(ServiceError::RoomNotFound),
    };
    not_archived(&room)?;
    if !has_permission(tx, me, Permission::BanUser, Some(&room.id))? {
        return Err(ServiceError::NotAllowed);
    }
    Ok(room)
}

impl Service {
    /// `rooms.banUser`: the member leaves the room (its room roles with it) and stays out.
    /// Refused for a non-member, one banned already, and the room's last (active) owner.
    pub fn ban_user(&self, caller: &Caller, rid: &RoomId, user: &UserRef) -> ServiceResult<()> {
        self.change_ban(caller, rid, user, true)
    }

    /// `rooms.unbanUser`: lifts the ban; the user may be invited or join again, and is not
    /// added by it. A member is `NotBanned`; a user never in the room `NoBanNorMembership`.
    pub fn unban_user(&self, caller: &Caller, rid: &RoomId, user: &UserRef) -> ServiceResult<()> {
        self.change_ban(caller, rid, user, false)
    }

    fn change_ban(
        &self,
        caller: &Caller,
        rid: &RoomId,
        user: &UserRef,
        ban: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let (rid, user) = (rid.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let room = ban_room(tx, &me, &rid)?;
            let user = find_user(tx, &user)?.ok_or(ServiceError::UserNotFound)?;
            let banned = tx.banned_at(&room.id, &user.id)?.is_some();
            let stamp = Stamp::by(&me, now);
            let subject = Subject::Membership(&room.id, &user.id);
            let record = serde_json::json!({ "banned": true });
            match (ban, banned) {
                (true, true) => Err(ServiceError::AlreadyBanned),
                (true, false) => {
                    remove_member(tx, &room, &user, &stamp)?;
                    tx.put_ban(&room.id, &user.id, now)?;
                    let none = serde_json::Value::Null;
                    Ok(stamp.record(tx, "room.ban", subject, none, record)?)
                }
                (false, true) => {
                    tx.remove_ban(&room.id, &user.id)?;
                    let none = serde_json::Value::Null;
                    Ok(stamp.record(tx, "room.unban", subject, record, none)?)
                }
                (false, false) => Err(match tx.subscription(&room.id, &user.id)? {
                    Some(_) => ServiceError::NotBanned,
                    None => ServiceError::NoBanNorMembership,
                }),
            }
        })
    }

    /// `rooms.muteUser` (`mute: true`) and `rooms.unmuteUser`: with `mute-user` in the room
    /// (admins, owners, moderators), a member's name goes on or off the room's muted list
    /// (in a read-only room, off or on the list of those who may speak). Repeating it
    /// changes nothing.
    pub fn set_muted(
        &self,
        caller: &Caller,
        rid: &RoomId,
        user: &UserRef,
        mute: bool,
    ) -> ServiceResult<()> {
        let now = self.now();
        let (rid, user) = (rid.clone(), user.clone());
        self.write_as(caller, move |tx, me| {
            let user = find_user(tx, &user)?.ok_or(ServiceError::UserNotFound)?;
            if !has_permission(tx, &me, Permission::MuteUser, Some(&rid))? {
                return Err(ServiceError::NotAllowed);
            }
            let room = tx.room(&rid)?.ok_or(ServiceError::RoomNotFound)?;
            not_archived(&room)?;
            if tx.subscription(&room.id, &user.id)?.is_none() {
                return Err(ServiceError::NotMember);
            }
            let mut updated = room.clone();
            match mute {
                true => updated.mute(&user.username),
                false => updated.unmute(&user.username),
            }
            if updated == room {
                return Ok(());
            }
            updated.updated_at = now;
            tx.put_room(&updated)?;
            Stamp::by(&me, now).record(
                tx,
                if mute { "room.mute" } else { "room.unmute" },
                Subject::Membership(&room.id, &user.id),
                serde_json::json!({ "muted": room.muted, "unmuted": room.unmuted }),
                serde_json::json!({ "muted": updated.muted, "unmuted": updated.unmuted }),
            )?;
            Ok(())
        })
    }

    /// `rooms.bannedUsers`: who is banned from a room the caller may see (no permission
    /// needed), oldest ban first, and how many are.
    pub fn banned_users(
        &self,
        caller: &Caller,
        rid: &RoomId,
        page: Page,
    ) -> ServiceResult<(Vec<User>, usize)> {
        self.store.read(|tx| {
            let visible = match tx.room(rid)? {
                Some(room) => may_see_room(tx, &caller.user, &room)?,
                None => false,
            };
            if !visible {
                return Err(ServiceError::Forbidden);
            }
            let mut bans = tx.bans_in(rid)?;
            bans.sort_by_key(|(user, at)| (*at, user.clone()));
            let total = bans.len();
            let mut users = Vec::new();
            for (id, _) in page.of(bans) {
                users.extend(tx.user(&id)?);
            }
            Ok((users, total))
        })
    }
}
