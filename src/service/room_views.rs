//! What a member or an admin reads about one room beyond its record: `rooms.roles`,
//! `*.counters`, `*.online`, and the member's own `rooms.open` / `rooms.hide`.

use super::caller::has_permission;
use super::listing::Page;
use super::lookup::{RoomRef, UserRef, find_room, find_user};
use super::room_rules::not_archived;
use super::room_rules::{RoomOwner, may_see_room};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{
    Millis, NotificationSettings, Permission, Role, Room, RoomId, RoomKind, Subscription, User,
    normalize_key,
};
use crate::store::prelude::*;

/// What `channels.counters` and `groups.counters` answer. rocketlite keeps no messages, so
/// the message counts are 0 where Rocket.Chat would count them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomCounters {
    /// Whether the user is a member with the room open in its list.
    pub joined: bool,
    /// Active members; `None` unless joined or an admin asks.
    pub members: Option<u64>,
    pub unreads: Option<u64>,
    pub unreads_from: Option<Millis>,
    pub msgs: Option<u64>,
    pub latest: Option<Millis>,
    pub user_mentions: Option<u64>,
}

/// What `rooms.membersOrderedByRole` asks for.
#[derive(Clone, Debug)]
pub struct MembersByRoleQuery {
    pub page: Page,
    /// A part of the username, name, nickname or bio (Rocket.Chat's `Accounts_SearchFields`).
    pub filter: Option<String>,
    /// Presences to keep; rocketlite's users are all `offline`.
    pub status: Option<Vec<String>>,
    /// `sort.rolePriority: -1`: members first, owners last.
    pub roles_last: bool,
    /// `sort.username: -1`.
    pub username_descending: bool,
}

/// The notification levels `desktopNotifications`, `mobilePushNotifications` and
/// `emailNotifications` take.
const LEVELS: [&str; 4] = ["all", "mentions", "nothing", "default"];

/// Applies one `rooms.saveNotification` entry, as Rocket.Chat's `saveNotificationSettings`:
/// a level of `default` follows the user's own preference (`prefs`) if it has one.
fn apply_notification(
    settings: &mut NotificationSettings,
    key: &str,
    value: &str,
    prefs: &serde_json::Value,
) -> ServiceResult<()> {
    let level = |field: &mut Option<String>, origin: &mut Option<String>, pref: &str| {
        if !LEVELS.contains(&value) {
            return Err(ServiceError::InvalidNotificationValue);
        }
        let own = prefs[pref].as_str().filter(|p| *p != "default");
        (*field, *origin) = match (value, own) {
            ("default", Some(own)) => (Some(own.to_string()), Some("user".into())),
            ("default", None) => (None, None),
            (value, _) => (Some(value.to_string()), Some("subscription".into())),
        };
        Ok(())
    };
    let s = settings;
    match key {
        "desktopNotifications" => level(
            &mut s.desktop_notifications,
            &mut s.desktop_pref_origin,
            "desktopNotifications",
        )?,
        "mobilePushNotifications" => level(
            &mut s.mobile_push_notifications,
            &mut s.mobile_pref_origin,
            "pushNotifications",
        )?,
        "emailNotifications" => level(
            &mut s.email_notifications,
            &mut s.email_pref_origin,
            "emailNotificationMode",
        )?,
        "unreadAlert" => s.unread_alert = Some(value.to_string()),
        "disableNotifications" => s.disable_notifications = Some(value == "1"),
        "hideUnreadStatus" => s.hide_unread_status = Some(value == "1"),
        "hideMentionStatus" => s.hide_mention_status = Some(value == "1"),
        "muteGroupMentions" => s.mute_group_mentions = Some(value == "1"),
        "audioNotificationValue" => {
            s.audio_notification_value = (value != "default").then(|| value.to_string())
        }
        _ => return Err(ServiceError::InvalidNotificationField),
    }
    Ok(())
}

/// Rocket.Chat's `ROOM_ROLE_PRIORITY_MAP`: owners, then leaders, then moderators, then the rest.
fn role_priority(sub: &Subscription) -> u32 {
    if sub.has_role(Role::Owner) {
        0
    } else if sub.has_role(Role::Leader) {
        250
    } else if sub.has_role(Role::Moderator) {
        500
    } else {
        10_000
    }
}

/// The room holders of roles (`owner`, `moderator`, `leader`), inactive ones included, by
/// username.
pub(super) fn role_holders(tx: &dyn Reads, room: &RoomId) -> ServiceResult<Vec<RoomOwner>> {
    let mut out = Vec::new();
    for id in tx.member_ids_in_join_order(room)? {
        let Some(sub) = tx.subscription(room, &id)? else {
            continue;
        };
        if sub.roles.is_empty() {
            continue;
        }
        if let Some(user) = tx.user(&id)? {
            out.push(RoomOwner {
                subscription: sub,
                user,
            });
        }
    }
    out.sort_by_key(|o| normalize_key(&o.user.username));
    Ok(out)
}

impl Service {
    /// `rooms.roles`: the role holders of any room the caller may see. A missing room is
    /// `RoomNotFound`; one the caller may not see, `Forbidden` (Rocket.Chat words them
    /// `error-invalid-room` and `error-invalid-user`).
    pub fn room_roles_by_id(&self, caller: &Caller, rid: &RoomId) -> ServiceResult<Vec<RoomOwner>> {
        self.store.read(|tx| {
            let room = tx.room(rid)?.ok_or(ServiceError::RoomNotFound)?;
            if !may_see_room(tx, &caller.user, &room)? {
                return Err(ServiceError::Forbidden);
            }
            role_holders(tx, &room.id)
        })
    }

    /// `rooms.open`: shows the room in the caller's list again. Like Rocket.Chat's
    /// `openRoom`, it refuses nothing: a room that is not the caller's, or already open,
    /// stays as it is.
    pub fn open_room(&self, caller: &Caller, rid: &RoomId) -> ServiceResult<()> {
        let now = self.now();
        let rid = rid.clone();
        self.write_as(caller, move |tx, me| {
            if let Some(sub) = tx.subscription(&rid, &me.id)?
                && sub.hidden
            {
                let mut updated = sub.clone();
                updated.hidden = false;
                updated.updated_at = now;
                tx.put_subscription(&updated, Some(&sub))?;
            }
            Ok(())
        })
    }

    /// `rooms.saveNotification`: how the caller is notified about a room it is a member of.
    /// Every entry is checked before any is stored, so a refusal changes nothing.
    pub fn save_notifications(
        &self,
        caller: &Caller,
        rid: &RoomId,
        entries: &[(String, String)],
    ) -> ServiceResult<()> {
        let (rid, entries) = (rid.clone(), entries.to_vec());
        self.write_as(caller, move |tx, me| {
            let prefs = tx.preferences(&me.id)?.unwrap_or_default();
            let mut settings = tx.notifications(&rid, &me.id)?.unwrap_or_default();
            let before = settings.clone();
            for (key, value) in &entries {
                apply_notification(&mut settings, key, value, &prefs)?;
            }
            if tx.subscription(&rid, &me.id)?.is_none() {
                return Err(ServiceError::NoSubscription);
            }
            if settings != before {
                tx.put_notifications(&rid, &me.id, &settings)?;
            }
            Ok(())
        })
    }

    /// `rooms.hide`: hides the room from the caller's list. A room the caller may not see is
    /// `Forbidden`; one it is no member of, or has hidden already, `RoomAlreadyHidden`.
    pub fn hide_room(&self, caller: &Caller, rid: &RoomId) -> ServiceResult<()> {
        let now = self.now();
        let rid = rid.clone();
        self.write_as(caller, move |tx, me| {
            let visible = match tx.room(&rid)? {
                Some(room) => may_see_room(tx, &me, &room)?,
                None => false,
            };
            if !visible {
                return Err(ServiceError::Forbidden);
            }
            match tx.subscription(&rid, &me.id)? {
                Some(sub) if !sub.hidden => {
                    let mut updated = sub.clone();
                    updated.hidden = true;
                    updated.updated_at = now;
                    tx.put_subscription(&updated, Some(&sub))?;
                    Ok(())
                }
                _ => Err(ServiceError::RoomAlreadyHidden),
            }
        })
    }

    /// `channels.counters` / `groups.counters`: the caller's (or, for holders of
    /// `view-room-administration`, `user`'s) counters in a room of `kind`. Asking for
    /// another user without that permission is `Forbidden`: channels check it before
    /// finding the room, groups after, as Rocket.Chat does.
    pub fn room_counters(
        &self,
        caller: &Caller,
        kind: RoomKind,
        room: &RoomRef,
        user: Option<&UserRef>,
    ) -> ServiceResult<RoomCounters> {
        self.store.read(|tx| {
            let access =
                has_permission(tx, &caller.user, Permission::ViewRoomAdministration, None)?;
            let refuse_other = user.is_some() && !access;
            if refuse_other && kind == RoomKind::Channel {
                return Err(ServiceError::Forbidden);
            }
            let room = match find_room(tx, room)? {
                Some(room) if room.kind == kind => room,
                _ => return Err(ServiceError::RoomNotFound),
            };
            not_archived(&room)?;
            if refuse_other {
                return Err(ServiceError::Forbidden);
            }
            let user_id = match user {
                Some(user) => find_user(tx, user)?.ok_or(ServiceError::UserNotFound)?.id,
                None => caller.user.id.clone(),
            };
            let sub = tx.subscription(&room.id, &user_id)?.filter(|s| !s.hidden);
            let joined = sub.is_some();
            let (members, msgs, latest) = match access || joined {
                true => (
                    Some(active_members(tx, &room)?),
                    Some(0),
                    Some(room.updated_at),
                ),
                false => (None, None, None),
            };
            Ok(RoomCounters {
                joined,
                members,
                unreads: sub.as_ref().map(|_| 0),
                unreads_from: sub.as_ref().map(|s| s.created_at),
                msgs,
                latest,
                user_mentions: sub.as_ref().map(|_| 0),
            })
        })
    }

    /// `rooms.membersOrderedByRole`: the active members of a room of either kind, archived or
    /// not, owners first, then leaders, moderators and the rest, each tier by username. A room
    /// the caller may not see is `Forbidden` (Rocket.Chat answers it 404).
    pub fn members_by_role(
        &self,
        caller: &Caller,
        room: &RoomRef,
        query: &MembersByRoleQuery,
    ) -> ServiceResult<(Vec<(User, Subscription)>, usize)> {
        self.store.read(|tx| {
            let room = find_room(tx, room)?.ok_or(ServiceError::RoomNotFound)?;
            if !may_see_room(tx, &caller.user, &room)? {
                return Err(ServiceError::Forbidden);
            }
            let filter = query.filter.as_deref().map(str::to_lowercase);
            let found = |text: &str, f: &str| text.to_lowercase().contains(f);
            let matches = |u: &User| {
                filter.as_deref().is_none_or(|f| {
                    found(&u.username, f)
                        || found(&u.name, f)
                        || u.profile.nickname.as_deref().is_some_and(|n| found(n, f))
                        || u.profile.bio.as_deref().is_some_and(|b| found(b, f))
                }) && query
                    .status
                    .as_ref()
                    .is_none_or(|listed| listed.iter().any(|s| s == "offline"))
            };
            let mut members = Vec::new();
            for id in tx.member_ids_in_join_order(&room.id)? {
                if let (Some(user), Some(sub)) = (tx.user(&id)?, tx.subscription(&room.id, &id)?)
                    && user.active
                    && matches(&user)
                {
                    members.push((user, sub));
                }
            }
            members.sort_by(|(a, sa), (b, sb)| {
                let tier = role_priority(sa).cmp(&role_priority(sb));
                let name = normalize_key(&a.username).cmp(&normalize_key(&b.username));
                let tier = if query.roles_last {
                    tier.reverse()
                } else {
                    tier
                };
                let name = if query.username_descending {
                    name.reverse()
                } else {
                    name
                };
                tier.then(name)
            });
            let total = members.len();
            Ok((query.page.of(members), total))
        })
    }

    /// `channels.online` / `groups.online`: the room's members who are online, for a caller
    /// who may see it. rocketlite keeps no live sessions, so that is nobody, as in a
    /// Rocket.Chat whose users are all offline.
    pub fn online_members(
        &self,
        caller: &Caller,
        kind: RoomKind,
        rid: &RoomId,
    ) -> ServiceResult<Vec<crate::model::User>> {
        self.store.read(|tx| {
            let room = match tx.room(rid)? {
                Some(room) if room.kind == kind => room,
                _ => return Err(ServiceError::RoomNotFound),
            };
            if !may_see_room(tx, &caller.user, &room)? {
                return Err(ServiceError::Forbidden);
            }
            Ok(Vec::new())
        })
    }
}

/// How many members of `room` are active (Rocket.Chat's `countActiveUsersInNonDMRoom`).
fn active_members(tx: &dyn Reads, room: &Room) -> ServiceResult<u64> {
    let mut active = 0;
    for id in tx.member_ids_in_join_order(&room.id)? {
        if tx.user(&id)?.is_some_and(|u| u.active) {
            active += 1;
        }
    }
    Ok(active)
}
