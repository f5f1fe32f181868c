//! Plain domain types shared by every layer: no I/O, no HTTP, no storage.

mod access;
mod audit;
mod ids;
mod permission_catalog;
mod room;
mod scim;
mod settings;
mod time;
mod user;

pub use access::{Permission, PermissionRecord, Role, RoleRecord, default_permission_roles};
pub use audit::{Actor, AuditEntry};
pub use ids::{LoginToken, RoomId, TokenHash, UserId, new_id};
pub use permission_catalog::PERMISSION_CATALOG;
pub use room::{NotificationSettings, Room, RoomKind, Subscription};
pub use scim::ScimToken;
pub use settings::{
    DEFAULT_PREFERENCE_PREFIX, SETTING_PERMISSION_PREFIX, SETTINGS, SettingDef, SettingType,
    default_settings, setting_def, setting_groups, setting_of_permission, setting_permissions,
};
pub use time::{Millis, is_iso8601, iso8601, parse_iso8601};
pub use user::{Activity, Email, NEVER_EXPIRES, PersonalAccessToken, Profile, User, normalize_key};
