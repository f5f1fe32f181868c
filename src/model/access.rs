//! The access vocabulary: roles and permissions as types, with their Rocket.Chat wire names.
//! A misspelt permission is a compile error; the seeded grants come from this one table.

use serde::{Deserialize, Serialize};

use super::Millis;

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

/// Defines [`Permission`] from `Variant = "wire name" => [default roles]` lines.
macro_rules! permissions {
    ($($variant:ident = $wire:literal => [$($role:ident),*];)*) => {
        /// A permission rocketlite checks.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($variant,)*
        }

        impl Permission {
            /// Every permission, in the order of the contract's table.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The wire name (a permission's `_id`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $wire,)*
                }
            }

            /// The roles a fresh server grants it to (contract section 4).
            pub const fn default_roles(self) -> &'static [Role] {
                match self {
                    $(Permission::$variant => &[$(Role::$role),*],)*
                }
            }
        }
    };
}

permissions! {
    EditOtherUserActiveStatus = "edit-other-user-active-status" => [Admin];
    ManageModerationActions = "manage-moderation-actions" => [Admin];
    AccessPermissions = "access-permissions" => [Admin];
    CreateUser = "create-user" => [Admin];
    DeleteUser = "delete-user" => [Admin];
    EditOtherUserInfo = "edit-other-user-info" => [Admin];
    EditOtherUserPassword = "edit-other-user-password" => [Admin];
    AssignRoles = "assign-roles" => [Admin];
    AssignAdminRole = "assign-admin-role" => [Admin];
    UserGenerateAccessToken = "user-generate-access-token" => [Admin];
    LogoutOtherUser = "logout-other-user" => [Admin];
    ViewFullOtherUserInfo = "view-full-other-user-info" => [Admin];
    ViewOtherUserChannels = "view-other-user-channels" => [Admin];
    CreateC = "create-c" => [Admin, User, Bot];
    CreateP = "create-p" => [Admin, User, Bot];
    SetOwner = "set-owner" => [Admin, Owner];
    AddUserToJoinedRoom = "add-user-to-joined-room" => [Admin, Owner, Moderator];
    AddUserToAnyCRoom = "add-user-to-any-c-room" => [Admin];
    AddUserToAnyPRoom = "add-user-to-any-p-room" => [];
    ViewDRoom = "view-d-room" => [Admin, User, Bot, Guest];
    ViewCRoom = "view-c-room" => [Admin, User, Bot, App, Anonymous];
    ViewJoinedRoom = "view-joined-room" => [Guest, Bot, App, Anonymous];
    LeaveC = "leave-c" => [Admin, User, Bot, Anonymous, App];
    LeaveP = "leave-p" => [Admin, User, Bot, Anonymous, App];
    JoinWithoutJoinCode = "join-without-join-code" => [Admin, Bot, App];
    RemoveUser = "remove-user" => [Admin, Owner, Moderator];
    AddAllToRoom = "add-all-to-room" => [Admin];
    SetModerator = "set-moderator" => [Admin, Owner];
    SetLeader = "set-leader" => [Admin, Owner];
    EditRoom = "edit-room" => [Admin, Owner, Moderator];
    ArchiveRoom = "archive-room" => [Admin, Owner];
    UnarchiveRoom = "unarchive-room" => [Admin];
    DeleteC = "delete-c" => [Admin, Owner];
    DeleteP = "delete-p" => [Admin, Owner];
    ViewOutsideRoom = "view-outside-room" => [Admin, Owner, Moderator, User];
    // rocketlite's own, for its extensions.
    ViewAuditTrail = "rocketlite-view-audit-trail" => [Admin];
    ManageScimTokens = "rocketlite-manage-scim-tokens" => [Admin];
    ViewRoomAdministration = "view-room-administration" => [Admin];
    ViewStatistics = "view-statistics" => [Admin];
    ViewPrivilegedSetting = "view-privileged-setting" => [Admin];
    EditPrivilegedSetting = "edit-privileged-setting" => [Admin];
    ManageSelectedSettings = "manage-selected-settings" => [Admin];
    ApiBypassRateLimit = "api-bypass-rate-limit" => [Admin, Bot, App];
}

impl Permission {
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
}
