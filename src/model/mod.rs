//! Plain domain types shared by every layer: no I/O, no HTTP, no storage.

mod access;
mod audit;
mod ids;
mod room;
mod scim;
mod settings;
mod time;
mod user;

pub use access::{Permission, Role, RoleRecord};
pub use audit::{Actor, AuditEntry};
pub use ids::{LoginToken, RoomId, TokenHash, UserId, new_id};
pub use room::{Room, RoomKind, Subscription};
pub use scim::ScimToken;
pub use settings::{
    SETTINGS, SettingDef, SettingType, default_settings, setting_def, setting_groups,
};
pub use time::{Millis, is_iso8601, iso8601, parse_iso8601};
pub use user::{Activity, Email, Profile, User, normalize_key};
