//! The access vocabulary: roles and permissions as types, with their Rocket.Chat wire names.
//! A misspelt permission is a compile error; the seeded grants come from this one table.

/// Defines [`Role`] from `Variant = "wire name", global_or_room` lines.
macro_rules! roles {
    ($($variant:ident = $wire:literal, $scope:ident;)*) => {
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
        }
    };
    (@global global) => { true };
    (@global room) => { false };
}

roles! {
    Admin = "admin", global;
    User = "user", global;
    Bot = "bot", global;
    Guest = "guest", global;
    Owner = "owner", room;
    Moderator = "moderator", room;
    Leader = "leader", room;
}

impl Role {
    /// The role with this wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.as_str() == name)
    }

    /// The role with this wire name, if it is a global one.
    pub fn parse_global(name: &str) -> Option<Role> {
        Role::parse(name).filter(|r| r.is_global())
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
    ViewRoomAdministration = "view-room-administration" => [Admin];
    ViewStatistics = "view-statistics" => [Admin];
    ViewPrivilegedSetting = "view-privileged-setting" => [Admin];
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
