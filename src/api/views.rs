//! The wire shapes of users, rooms, subscriptions and permissions, built from model types.

use poem_openapi::Object;

use crate::model::{
    PermissionRecord, RoleRecord, Room, Subscription, User, iso8601, setting_of_permission,
};
use crate::service::CustomFields;

/// One email address.
#[derive(Object, Clone, Debug)]
pub struct EmailView {
    pub address: String,
    pub verified: bool,
}

/// A user as Rocket.Chat shows it. Never carries a password hash.
#[derive(Object, Clone, Debug)]
pub struct UserView {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: String,
    /// Shown to the user itself and to holders of `view-full-other-user-info`.
    #[oai(skip_serializing_if_is_none)]
    pub emails: Option<Vec<EmailView>>,
    /// `bot` for a holder of the `bot` role (as `rocket.cat`), else `user`.
    #[oai(rename = "type")]
    pub kind: String,
    /// Presence; rocketlite holds no live sessions, so `offline`.
    pub status: String,
    pub active: bool,
    pub roles: Vec<String>,
    #[oai(rename = "createdAt")]
    pub created_at: String,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// The last successful login, shown with the email addresses.
    #[oai(rename = "lastLogin", skip_serializing_if_is_none)]
    pub last_login: Option<String>,
    /// Why an inactive user is inactive (`deactivated`, `idle_too_long`), shown with the email
    /// addresses.
    #[oai(rename = "inactiveReason", skip_serializing_if_is_none)]
    pub inactive_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub bio: Option<String>,
    /// The status message (users.setStatus, users.update).
    #[oai(rename = "statusText", skip_serializing_if_is_none)]
    pub status_text: Option<String>,
    /// Its values of the fields the setting `Accounts_CustomFields` defines, once it has any.
    #[oai(rename = "customFields", skip_serializing_if_is_none)]
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl UserView {
    /// The view of `user`; `full` adds the email addresses.
    pub fn new(user: &User, full: bool) -> Self {
        UserView {
            id: user.id.to_string(),
            username: user.username.clone(),
            name: user.name.clone(),
            emails: full.then(|| {
                user.emails
                    .iter()
                    .map(|e| EmailView {
                        address: e.address.clone(),
                        verified: e.verified,
                    })
                    .collect()
            }),
            kind: user.account_type().into(),
            status: "offline".into(),
            active: user.active,
            roles: user.roles.clone(),
            created_at: iso8601(user.created_at),
            updated_at: iso8601(user.updated_at),
            last_login: user.last_login.filter(|_| full).map(iso8601),
            inactive_reason: user.inactive_reason.clone().filter(|_| full),
            nickname: user.profile.nickname.clone(),
            bio: user.profile.bio.clone(),
            status_text: user.profile.status_text.clone(),
            custom_fields: None,
        }
    }

    /// With the user's custom fields (read apart from the user record).
    pub fn with_custom_fields(self, fields: Option<CustomFields>) -> Self {
        UserView {
            custom_fields: fields.map(|f| f.into_iter().collect()),
            ..self
        }
    }
}

/// A user reference inside rooms and subscriptions.
#[derive(Object, Clone, Debug)]
pub struct UserRef {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
}

/// A room (channel or group).
#[derive(Object, Clone, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomView {
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    pub fname: String,
    /// `c` for a public channel, `p` for a private group.
    pub t: String,
    pub msgs: u64,
    pub users_count: u64,
    /// The creator.
    pub u: UserRef,
    pub custom_fields: std::collections::BTreeMap<String, serde_json::Value>,
    pub ts: String,
    /// Read-only.
    pub ro: bool,
    /// True on a default room, which every new user joins; false once `channels.setDefault`
    /// turned that off; absent on a room never made default.
    #[oai(skip_serializing_if_is_none)]
    pub default: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub announcement: Option<String>,
    /// Present (true) on an archived room.
    #[oai(skip_serializing_if_is_none)]
    pub archived: Option<bool>,
    /// The kinds of system message shown, once set (`rooms.saveRoomSettings`).
    #[oai(rename = "sysMes", skip_serializing_if_is_none)]
    pub sys_mes: Option<Vec<String>>,
    /// Present (true) when `channels.join` needs a code; the code itself is never shown.
    #[oai(skip_serializing_if_is_none)]
    pub join_code_required: Option<bool>,
    /// Usernames muted here (`rooms.muteUser`), once there are any.
    #[oai(skip_serializing_if_is_none)]
    pub muted: Option<Vec<String>>,
    /// Usernames that may speak in this read-only room (`rooms.unmuteUser`).
    #[oai(skip_serializing_if_is_none)]
    pub unmuted: Option<Vec<String>>,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

impl From<&Room> for RoomView {
    fn from(room: &Room) -> Self {
        RoomView {
            id: room.id.to_string(),
            name: room.name.clone(),
            fname: room.fname.clone(),
            t: room.kind.letter().into(),
            msgs: 0,
            users_count: room.users_count,
            u: UserRef {
                id: room.creator_id.to_string(),
                username: room.creator_username.clone(),
                name: None,
            },
            custom_fields: room
                .custom_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ts: iso8601(room.created_at),
            ro: room.read_only,
            default: (room.default || room.default_turned_off).then_some(room.default),
            topic: room.topic.clone(),
            description: room.description.clone(),
            announcement: room.announcement.clone(),
            archived: room.archived.then_some(true),
            sys_mes: room.sys_mes.clone(),
            join_code_required: room.join_code.is_some().then_some(true),
            muted: (!room.muted.is_empty()).then(|| room.muted.clone()),
            unmuted: (!room.unmuted.is_empty()).then(|| room.unmuted.clone()),
            updated_at: iso8601(room.updated_at),
        }
    }
}

/// One membership in users.info's `rooms`.
#[derive(Object, Clone, Debug)]
pub struct UserRoomView {
    /// The subscription's id.
    #[oai(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub name: String,
    pub t: String,
    pub unread: u64,
    /// Room roles held there; left out when none.
    #[oai(skip_serializing_if_is_none)]
    pub roles: Option<Vec<String>>,
}

impl UserRoomView {
    pub fn new(sub: &Subscription, room: &Room) -> Self {
        UserRoomView {
            id: sub.id.clone(),
            rid: room.id.to_string(),
            name: room.name.clone(),
            t: room.kind.letter().into(),
            unread: 0,
            roles: (!sub.roles.is_empty()).then(|| sub.roles.clone()),
        }
    }
}

/// A member's subscription to a room.
#[derive(Object, Clone, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SubscriptionView {
    #[oai(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub u: UserRef,
    pub name: String,
    pub fname: String,
    pub t: String,
    pub open: bool,
    pub alert: bool,
    pub unread: u64,
    pub user_mentions: u64,
    pub group_mentions: u64,
    /// Room roles held here (`owner`, `moderator`, `leader`).
    pub roles: Vec<String>,
    /// True while the user is deactivated or the room is archived.
    pub archived: bool,
    /// Present (true) when the member marked the room a favorite (`rooms.favorite`).
    #[oai(skip_serializing_if_is_none)]
    pub f: Option<bool>,
    pub ts: String,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// What `rooms.saveNotification` set, where it set anything.
    #[oai(flatten)]
    pub notifications: NotificationView,
}

/// A member's notification settings for a room; each present once set.
#[derive(Object, Clone, Debug, Default)]
#[oai(rename_all = "camelCase")]
pub struct NotificationView {
    #[oai(skip_serializing_if_is_none)]
    pub desktop_notifications: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub mobile_push_notifications: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub email_notifications: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub desktop_pref_origin: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub mobile_pref_origin: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub email_pref_origin: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub unread_alert: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub disable_notifications: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub hide_unread_status: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub hide_mention_status: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub mute_group_mentions: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub audio_notification_value: Option<String>,
}

impl From<crate::model::NotificationSettings> for NotificationView {
    fn from(n: crate::model::NotificationSettings) -> Self {
        NotificationView {
            desktop_notifications: n.desktop_notifications,
            mobile_push_notifications: n.mobile_push_notifications,
            email_notifications: n.email_notifications,
            desktop_pref_origin: n.desktop_pref_origin,
            mobile_pref_origin: n.mobile_pref_origin,
            email_pref_origin: n.email_pref_origin,
            unread_alert: n.unread_alert,
            disable_notifications: n.disable_notifications,
            hide_unread_status: n.hide_unread_status,
            hide_mention_status: n.hide_mention_status,
            mute_group_mentions: n.mute_group_mentions,
            audio_notification_value: n.audio_notification_value,
        }
    }
}

impl SubscriptionView {
    pub fn new(sub: &Subscription, room: &Room, user: &User) -> Self {
        SubscriptionView {
            id: sub.id.clone(),
            rid: room.id.to_string(),
            u: UserRef {
                id: user.id.to_string(),
                username: user.username.clone(),
                name: Some(user.name.clone()),
            },
            name: room.name.clone(),
            fname: room.fname.clone(),
            t: room.kind.letter().into(),
            open: !sub.hidden,
            alert: false,
            unread: 0,
            user_mentions: 0,
            group_mentions: 0,
            roles: sub.roles.clone(),
            archived: sub.archived(),
            f: sub.favorite.then_some(true),
            ts: iso8601(sub.created_at),
            updated_at: iso8601(sub.updated_at),
            notifications: NotificationView::default(),
        }
    }
}

/// A room-role holder, as `channels.roles` lists it.
#[derive(Object, Clone, Debug)]
pub struct RoomRoleView {
    #[oai(rename = "_id")]
    pub id: String,
    pub rid: String,
    pub u: UserRef,
    pub roles: Vec<String>,
}

/// A permission and the roles granted it.
#[derive(Object, Clone, Debug)]
pub struct PermissionView {
    #[oai(rename = "_id")]
    pub id: String,
    pub roles: Vec<String>,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// `settings` for a setting's own permission (`change-setting-<id>`).
    #[oai(skip_serializing_if_is_none)]
    pub level: Option<String>,
    /// The setting or group a setting's permission is for.
    #[oai(rename = "settingId", skip_serializing_if_is_none)]
    pub setting_id: Option<String>,
    /// The group of that setting.
    #[oai(skip_serializing_if_is_none)]
    pub group: Option<String>,
    /// The permission of that group.
    #[oai(rename = "groupPermissionId", skip_serializing_if_is_none)]
    pub group_permission_id: Option<String>,
}

impl PermissionView {
    pub fn new(id: String, record: PermissionRecord) -> Self {
        let setting = setting_of_permission(&id);
        PermissionView {
            roles: record.roles,
            updated_at: iso8601(record.updated_at),
            level: setting.map(|_| "settings".into()),
            setting_id: setting.map(|(s, _)| s.into()),
            group: setting.and_then(|(_, g)| g).map(Into::into),
            group_permission_id: setting
                .and_then(|(_, g)| g)
                .map(|g| format!("change-setting-{g}")),
            id,
        }
    }

    pub fn list(permissions: Vec<(String, PermissionRecord)>) -> Vec<Self> {
        permissions
            .into_iter()
            .map(|(id, record)| PermissionView::new(id, record))
            .collect()
    }
}

/// A role as Rocket.Chat's `IRole`.
#[derive(Object, Clone, Debug)]
pub struct RoleView {
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    /// `Users` (global) or `Subscriptions` (inside a room).
    pub scope: String,
    pub description: String,
    pub protected: bool,
    pub mandatory2fa: bool,
    /// Left out by roles.list, as Rocket.Chat projects it away there.
    #[oai(rename = "_updatedAt", skip_serializing_if_is_none)]
    pub updated_at: Option<String>,
}

impl RoleView {
    /// The view of `role`; `with_time` adds `_updatedAt`.
    pub fn new(role: &RoleRecord, with_time: bool) -> Self {
        RoleView {
            id: role.id.clone(),
            name: role.name.clone(),
            scope: role.scope.clone(),
            description: role.description.clone(),
            protected: role.protected,
            mandatory2fa: role.mandatory2fa,
            updated_at: with_time.then(|| iso8601(role.updated_at)),
        }
    }
}
