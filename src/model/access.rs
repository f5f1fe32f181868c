//! The access vocabulary: roles and permissions as types, with their Rocket.Chat wire names.
//! A misspelt permission is a compile error; the seeded grants come from this one table.

use serde::{Deserialize, Serialize};

use super::Millis;
use super::permission_catalog::PERMISSION_CATALOG;

/// The roles a fresh server grants the permission `id`, if it defines one by that id.
pub fn default_permission_roles(id: &str) -> Option<&'static [&'static str]> {
    PERMISSION_CATALOG
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, roles)| *roles)
}

/// A permission as stored: the roles granted it and when that last changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredPermission")]
pub struct PermissionRecord {
    pub roles: Vec<String>,
    pub updated_at: Millis,
}

/// What a store may hold: a record, or the bare role list of builds before change times.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredPermission {
    Record {
        roles: Vec<String>,
        updated_at: Millis,
    },
    Roles(Vec<String>),
}

impl From<StoredPermission> for PermissionRecord {
    fn from(stored: StoredPermission) -> Self {
        match stored {
            StoredPermission::Record { roles, updated_at } => {
                PermissionRecord { roles, updated_at }
            }
            StoredPermission::Roles(roles) => PermissionRecord {
                roles,
                updated_at: 0,
            },
        }
    }
}

/// Defines [`Role`] from `Variant = "wire name", global_or_room, "description"` lines.
macro_rules! roles {
    ($($variant:ident = $wire:literal, $scope:ident, $description:literal;)*) => {
        /// A role, global (held by a user) or room (held through a subscription).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role {
            $($variant,)*
        }

        impl Role {
            /// Every role rocketlite knows.
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Role::$variant => $wire,)*
                }
            }

            /// Whether the role applies to the whole server (else only inside one room).
            pub const fn is_global(self) -> bool {
                match self {
                    $(Role::$variant => roles!(@global $scope),)*
                }
            }

            /// The description a fresh Rocket.Chat server gives the role; a non-empty one
            /// makes a global role "public" (`roles.getUsersInPublicRoles`).
            pub const fn default_description(self) -> &'static str {
                match self {
                    $(Role::$variant => $description,)*
                }
            }
        }
    };
    (@global global) => { true };
    (@global room) => { false };
}

// Rocket.Chat's default roles, in the order a fresh server creates them (`upsertPermissions`).
roles! {
    Admin = "admin", global, "Admin";
    Moderator = "moderator", room, "Moderator";
    Leader = "leader", room, "Leader";
    Owner = "owner", room, "Owner";
    User = "user", global, "";
    FederatedExternal = "federated-external", global, "";
    Bot = "bot", global, "";
    App = "app", global, "";
    Guest = "guest", global, "";
    Anonymous = "anonymous", global, "";
    LivechatAgent = "livechat-agent", global, "Livechat Agent";
    LivechatManager = "livechat-manager", global, "Livechat Manager";
}

impl Role {
    /// The role with this wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == name)
    }

    /// Rocket.Chat's name for where the role applies: `Users` or `Subscriptions`.
    pub const fn scope(self) -> &'static str {
        if self.is_global() {
            "Users"
        } else {
            "Subscriptions"
        }
    }

    /// The role with this wire name, if it is a global one.
    pub fn parse_global(name: &str) -> Option<Role> {
        Role::parse(name).filter(|r| r.is_global())
    }
}

/// A role as `roles.list` shows it. Rocket.Chat's Community Edition has only its default
/// roles, all `protected`: they are seeded once per store, and `roles.update` may change a
/// description or `mandatory2fa` but never a name or scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// The `_id`, which is also the name of a default role.
    pub id: String,
    pub name: String,
    /// `Users` (global) or `Subscriptions` (inside a room).
    pub scope: String,
    pub description: String,
    pub protected: bool,
    pub mandatory2fa: bool,
    pub updated_at: Millis,
}

impl RoleRecord {
    /// `role` as a fresh server creates it, at time `now`.
    pub fn default_for(role: Role, now: Millis) -> Self {
        RoleRecord {
            id: role.as_str().into(),
            name: role.as_str().into(),
            scope: role.scope().into(),
            description: role.default_description().into(),
            protected: true,
            mandatory2fa: false,
            updated_at: now,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Defines [`Permission`] from `Variant = "wire name"` lines.
macro_rules! permissions {
    ($($variant:ident = $wire:literal;)*) => {
        /// A permission rocketlite checks.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($variant,)*
        }

        impl Permission {
            /// Every permission rocketlite checks.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The wire name (a permission's `_id`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $wire,)*
                }
            }
        }
    };
}

permissions! {
    EditOtherUserActiveStatus = "edit-other-user-active-status";
    ManageModerationActions = "manage-moderation-actions";
    AccessPermissions = "access-permissions";
    CreateUser = "create-user";
    DeleteUser = "delete-user";
    EditOtherUserInfo = "edit-other-user-info";
    EditOtherUserPassword = "edit-other-user-password";
    AssignRoles = "assign-roles";
    AssignAdminRole = "assign-admin-role";
    UserGenerateAccessToken = "user-generate-access-token";
    CreatePersonalAccessTokens = "create-personal-access-tokens";
    LogoutOtherUser = "logout-other-user";
    ViewFullOtherUserInfo = "view-full-other-user-info";
    ViewOtherUserChannels = "view-other-user-channels";
    CreateC = "create-c";
    CreateP = "create-p";
    SetOwner = "set-owner";
    AddUserToJoinedRoom = "add-user-to-joined-room";
    AddUserToAnyCRoom = "add-user-to-any-c-room";
    AddUserToAnyPRoom = "add-user-to-any-p-room";
    ViewDRoom = "view-d-room";
    ViewCRoom = "view-c-room";
    ViewJoinedRoom = "view-joined-room";
    LeaveC = "leave-c";
    LeaveP = "leave-p";
    JoinWithoutJoinCode = "join-without-join-code";
    RemoveUser = "remove-user";
    BanUser = "ban-user";
    MuteUser = "mute-user";
    AddAllToRoom = "add-all-to-room";
    SetModerator = "set-moderator";
    SetLeader = "set-leader";
    EditRoom = "edit-room";
    ArchiveRoom = "archive-room";
    UnarchiveRoom = "unarchive-room";
    DeleteC = "delete-c";
    DeleteP = "delete-p";
    ViewOutsideRoom = "view-outside-room";
    ViewRoomAdministration = "view-room-administration";
    ViewStatistics = "view-statistics";
    ViewPrivilegedSetting = "view-privileged-setting";
    EditPrivilegedSetting = "edit-privileged-setting";
    ManageSelectedSettings = "manage-selected-settings";
    ApiBypassRateLimit = "api-bypass-rate-limit";
    // rocketlite's own, for its extensions.
    ViewAuditTrail = "rocketlite-view-audit-trail";
    ManageScimTokens = "rocketlite-manage-scim-tokens";
}

impl Permission {
    /// The roles a fresh server grants it to, from [`PERMISSION_CATALOG`].
    pub fn default_roles(self) -> &'static [&'static str] {
        default_permission_roles(self.as_str()).unwrap_or(&[])
    }

    /// The permission with this wire name.
    pub fn parse(name: &str) -> Option<Permission> {
        Permission::ALL.iter().copied().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_unique() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        let mut names: Vec<_> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
        assert_eq!(Permission::parse("set_owner"), None);
        assert_eq!(Role::parse_global("owner"), None);
        assert_eq!(Role::parse_global("bot"), Some(Role::Bot));
    }

    #[test]
    fn every_checked_permission_is_in_the_catalog_once() {
        let mut ids: Vec<_> = PERMISSION_CATALOG.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PERMISSION_CATALOG.len());
        for p in Permission::ALL {
            assert!(default_permission_roles(p.as_str()).is_some(), "{p}");
        }
        assert_eq!(
            Permission::CreateC.default_roles(),
            ["admin", "user", "federated-external", "bot", "app"]
        );
    }

    #[test]
    fn a_stored_bare_role_list_reads_as_a_record() {
        let old: PermissionRecord = serde_json::from_str(r#"["admin"]"#).unwrap();
        assert_eq!(
            old,
            PermissionRecord {
                roles: vec!["admin".into()],
                updated_at: 0
            }
        );
        let record = PermissionRecord {
            roles: vec![],
            updated_at: 5,
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(
            serde_json::from_str::<PermissionRecord>(&text).unwrap(),
            record
        );
    }
}
