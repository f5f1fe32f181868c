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
    /// Set while the user is deactivated.
    pub archived: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Subscription {
    /// Whether the member holds the room role `role` here.
    pub fn has_role(&self, role: super::Role) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }
}
