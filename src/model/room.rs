//! Rooms (public channels and private groups) and the memberships in them.

use serde::{Deserialize, Serialize};

use super::{Millis, RoomId, UserId};

/// Public channel (`c`) or private group (`p`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoomKind {
    Channel,
    Group,
}

impl RoomKind {
    /// Rocket.Chat's one-letter room type.
    pub fn letter(self) -> &'static str {
        match self {
            RoomKind::Channel => "c",
            RoomKind::Group => "p",
        }
    }
}

/// A room. Members, owners and join order live in their own tables, not here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub fname: String,
    pub kind: RoomKind,
    pub creator_id: UserId,
    pub creator_username: String,
    pub read_only: bool,
    pub users_count: u64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// A default room: every new user joins it. Left out of the record when false, so
    /// rooms stored before it existed read the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// `channels.setDefault` turned `default` off: Rocket.Chat then shows `default: false`
    /// where a room never made default has no such key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_turned_off: bool,
    /// Settings changed by `*.setTopic` and the like; all left out of the record while unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// Archived (`*.archive`): its membership is frozen and every subscription archived.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// The code `channels.join` asks for (`channels.setJoinCode`), as Rocket.Chat keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_code: Option<String>,
    /// The kinds of system message shown (`sysMes`), once `rooms.saveRoomSettings` set them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys_mes: Option<Vec<String>>,
    /// Usernames `rooms.muteUser` muted; in a read-only room everyone not in `unmuted` is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub muted: Vec<String>,
    /// Usernames `rooms.unmuteUser` let speak in a read-only room.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmuted: Vec<String>,
}

impl Room {
    /// A new room named `name`, created by `creator` at `now`: no members yet, nothing set.
    pub fn new(id: RoomId, name: &str, kind: RoomKind, creator: &super::User, now: Millis) -> Self {
        Room {
            id,
            name: name.to_string(),
            fname: name.to_string(),
            kind,
            creator_id: creator.id.clone(),
            creator_username: creator.username.clone(),
            read_only: false,
            users_count: 0,
            created_at: now,
            updated_at: now,
            default: false,
            default_turned_off: false,
            topic: None,
            description: None,
            announcement: None,
            custom_fields: Default::default(),
            archived: false,
            join_code: None,
            sys_mes: None,
            muted: Vec::new(),
            unmuted: Vec::new(),
        }
    }

    /// Mutes `username` as Rocket.Chat does: listed in `muted`, and in a read-only room
    /// also no longer in `unmuted`.
    pub fn mute(&mut self, username: &str) {
        self.unmuted.retain(|u| u != username);
        if !self.read_only && !self.muted.iter().any(|u| u == username) {
            self.muted.push(username.to_string());
        }
    }

    /// Unmutes `username`: out of `muted`, and in a read-only room listed in `unmuted`.
    pub fn unmute(&mut self, username: &str) {
        self.muted.retain(|u| u != username);
        if self.read_only && !self.unmuted.iter().any(|u| u == username) {
            self.unmuted.push(username.to_string());
        }
    }
}

/// How a member is notified about a room (`rooms.saveNotification`); unset fields follow the
/// member's own preferences. Kept apart from the compact subscription record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_notifications: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_push_notifications: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_notifications: Option<String>,
    /// Where `desktopNotifications` came from: `subscription` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_pref_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_pref_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_pref_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_alert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_notifications: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_unread_status: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_mention_status: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute_group_mentions: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_notification_value: Option<String>,
}

/// A user's membership of a room: join order, room roles and whether it is archived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub room_id: RoomId,
    pub user_id: UserId,
    /// Position in the room's join order; smaller joined earlier.
    pub join_seq: u64,
    /// Room-scoped roles: `owner`, `moderator`, `leader`.
    pub roles: Vec<String>,
    /// Set while the user is deactivated. One of the two causes of an archived
    /// subscription, stored apart so that neither cause undoes the other.
    #[serde(rename = "archived")]
    pub user_archived: bool,
    /// Set while the room is archived: the other cause.
    #[serde(default)]
    pub room_archived: bool,
    /// The member hid the room from its list (`*.close`; Rocket.Chat's `open: false`).
    #[serde(default)]
    pub hidden: bool,
    /// The member marked the room a favorite (`rooms.favorite`; Rocket.Chat's `f`).
    #[serde(default)]
    pub favorite: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Subscription {
    /// Whether the membership is archived, for either cause.
    pub fn archived(&self) -> bool {
        self.user_archived || self.room_archived
    }

    /// Whether the member holds the room role `role` here.
    pub fn has_role(&self, role: super::Role) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }
}
