//! Plain domain types shared by every layer: no I/O, no HTTP, no storage.

mod ids;
mod room;
mod time;
mod user;

pub use ids::{LoginToken, RoomId, TokenHash, UserId, new_id};
pub use room::{Room, RoomKind, Subscription};
pub use time::{Millis, iso8601};
pub use user::{Email, User, normalize_key};

/// Roles that apply to the whole server.
pub const GLOBAL_ROLES: [&str; 4] = ["admin", "user", "bot", "guest"];
/// Roles that apply only inside one room, held through a subscription.
pub const ROOM_ROLES: [&str; 3] = ["owner", "moderator", "leader"];

/// Whether `role` is one of the roles rocketlite knows.
pub fn is_known_role(role: &str) -> bool {
    GLOBAL_ROLES.contains(&role) || ROOM_ROLES.contains(&role)
}

/// The permission grants a fresh server starts with (contract section 4).
pub const DEFAULT_GRANTS: [(&str, &[&str]); 14] = [
    ("edit-other-user-active-status", &["admin"]),
    ("manage-moderation-actions", &["admin"]),
    ("access-permissions", &["admin"]),
    ("create-user", &["admin"]),
    ("view-full-other-user-info", &["admin"]),
    ("view-other-user-channels", &["admin"]),
    ("create-c", &["admin", "user", "bot"]),
    ("create-p", &["admin", "user", "bot"]),
    ("set-owner", &["admin", "owner"]),
    ("add-user-to-joined-room", &["admin", "owner", "moderator"]),
    ("add-user-to-any-c-room", &["admin"]),
    ("add-user-to-any-p-room", &[]),
    ("view-d-room", &["admin", "user", "bot", "guest"]),
    ("view-room-administration", &["admin"]),
];
