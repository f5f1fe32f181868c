//! The one table from a refusal to Rocket.Chat's status and body. A `ServiceError` says what
//! went wrong; Rocket.Chat words some refusals differently per method (`User not found` in
//! users.setActiveStatus, `User not found.` in users.info, a domain error in room methods,
//! the method's name in `details`), so each row is keyed by (error, operation). The spec's
//! error examples come from this same table (`api::spec`).

use poem_openapi::payload::Json;
use serde_json::{Value, json};

use super::envelope::{ErrorResponse, Failure};
use crate::model::RoomKind;
use crate::service::{CustomFieldProblem, FailureKind, ParamProblem, ServiceError, TokenChange};

/// The operation a refusal answers, as far as its wording depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Resolving the caller from its headers, before any operation.
    Authenticate,
    Login,
    Logout,
    UsersCreate,
    UsersRegister,
    UsersDelete,
    UsersLogout,
    UsersUpdate,
    UsersDeactivateIdle,
    UsersCreateToken,
    UsersSetStatus,
    UsersGetPresence,
    UsersPresence,
    UsersAutocomplete,
    UsersUpdateOwnBasicInfo,
    /// `users.setPreferences`, `users.getPreferences`.
    UsersSetPreferences,
    /// `users.logoutOtherClients`, `users.removeOtherTokens`.
    UsersOwnSessions,
    UsersInfo,
    UsersList,
    SetActiveStatus,
    Permissions,
    /// `channels.*` or `groups.*`.
    Room(RoomOperation, RoomKind),
    RoomsInfo,
    LicensesInfo,
    SubscriptionsGetOne,
    /// `rooms.leave`, `rooms.favorite`: any kind of room.
    RoomsAny(RoomOperation),
    RoomsAdminRooms,
    RoomsIsMember,
    /// `rooms.open`, `rooms.hide`.
    RoomsOpenHide,
    RoomsRoles,
    RoomsAdminRoomGet,
    /// `rooms.banUser`, `rooms.unbanUser`: plain `Error`s in Rocket.Chat 8.8.1.
    RoomsBan,
    RoomsBannedUsers,
    RoomsSaveNotification,
    /// `rooms.muteUser`, `rooms.unmuteUser`.
    RoomsMute(bool),
    RoomsPrivateRooms,
    RoomsMembersByRole,
    UsersUsernameSuggestion,
    /// `users.*PersonalAccessToken*`.
    UsersPersonalTokens,
    RoomsSaveRoomSettings,
    /// `rooms.autocomplete.*`.
    RoomsAutocomplete,
    /// `rocketlite.audit`.
    Audit,
    /// `rocketlite.ownershipPlan`.
    OwnershipPlan,
    /// `rocketlite.scimTokens.*`.
    ScimTokens,
    RoomsGet,
    SubscriptionsGet,
    Directory,
    RolesList,
    RolesSync,
    RolesUpdate,
    RolesDelete,
    RolesAddUserToRole,
    RolesRemoveUserFromRole,
    RolesGetUsersInRole,
    /// `settings*`.
    Settings,
    /// The SCIM server (an extension): refusals Rocket.Chat words keep their usual words.
    Scim,
}

/// The operations of the room families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomOperation {
    Create,
    Invite,
    AddOwner,
    RemoveOwner,
    AddModerator,
    RemoveModerator,
    AddLeader,
    RemoveLeader,
    Roles,
    Members,
    Kick,
    Leave,
    Join,
    SetJoinCode,
    AddAll,
    Edit,
    Archive,
    Unarchive,
    Delete,
    Close,
    Open,
    Read,
    /// `*.counters`.
    Counters,
    /// `*.online`.
    Online,
}

impl RoomOperation {
    /// The Rocket.Chat method named in `details.method` of its room refusals.
    fn method(self) -> Option<&'static str> {
        use RoomOperation as R;
        match self {
            R::Invite => Some("addUsersToRoom"),
            R::AddOwner => Some("addRoomOwner"),
            R::RemoveOwner => Some("removeRoomOwner"),
            R::AddModerator => Some("addRoomModerator"),
            R::RemoveModerator => Some("removeRoomModerator"),
            R::AddLeader => Some("addRoomLeader"),
            R::RemoveLeader => Some("removeRoomLeader"),
            R::Kick => Some("removeUserFromRoom"),
            R::Leave => Some("leaveRoom"),
            R::Join => Some("joinRoom"),
            R::Delete => Some("eraseRoom"),
            R::Archive => Some("archiveRoom"),
            R::Unarchive => Some("unarchiveRoom"),
            R::Create
            | R::Roles
            | R::Members
            | R::SetJoinCode
            | R::AddAll
            | R::Edit
            | R::Close
            | R::Open
            | R::Read
            | R::Counters
            | R::Online => None,
        }
    }
}

/// "channel" or "private group", as Rocket.Chat's room messages name the kind.
fn kind_noun(kind: RoomKind) -> &'static str {
    match kind {
        RoomKind::Channel => "channel",
        RoomKind::Group => "private group",
    }
}

/// A parameter's problem as Rocket.Chat's ajv validation words it.
fn ajv_words(at: &str, problem: ParamProblem) -> String {
    use ParamProblem as P;
    match problem {
        P::Required => format!("must have required property '{at}'"),
        P::Empty => format!("{at} must not be empty"),
        P::LongerThan(max) => format!("/{at} must NOT have more than {max} characters"),
        P::MoreBytesThan(max) => format!("/{at} must NOT have more than {max} bytes"),
        P::LargerThan(max) => format!("/{at} must NOT be larger than {max} bytes"),
        P::MoreItemsThan(max) => format!("/{at} must NOT have more than {max} items"),
    }
}

/// Maps every refusal to the exact status and body Rocket.Chat sends for it in `operation`.
pub fn to_response(error: ServiceError, operation: Operation) -> ErrorResponse {
    use Operation as Op;
    use ServiceError as E;
    let domain = |reason: &str, code: &str, details| {
        ErrorResponse::bad_request(Failure::domain(reason, code, details))
    };
    let plain = |message: &str| ErrorResponse::bad_request(Failure::plain(message));
    let room_op = match operation {
        Op::Room(op, _) | Op::RoomsAny(op) => Some(op),
        _ => None,
    };
    let room_method = || {
        room_op
            .and_then(RoomOperation::method)
            .map(|m| json!({ "method": m }))
    };
    // The kind a room message names; `rooms.*` word theirs as channels.
    let kind = match operation {
        Op::Room(_, kind) => Some(kind),
        _ => None,
    };
    let noun = kind.map_or("channel", kind_noun);
    match error {
        E::Unauthorized => ErrorResponse::not_logged_in(),
        // users.setStatus refuses another user with API.v1.forbidden()'s own body.
        E::Forbidden if operation == Op::UsersSetStatus => {
            ErrorResponse::Forbidden(Json(Failure::plain("unauthorized")))
        }
        E::Forbidden
            if matches!(
                operation,
                Op::RoomsIsMember | Op::Room(RoomOperation::Counters, _)
            ) =>
        {
            ErrorResponse::Forbidden(Json(Failure::plain("unauthorized")))
        }
        // rooms.hide answers API.v1.unauthorized(): 401 with this body.
        E::Forbidden if operation == Op::RoomsOpenHide => {
            ErrorResponse::Unauthorized(Json(Failure::plain("unauthorized")))
        }
        E::Forbidden if operation == Op::RoomsMembersByRole => ErrorResponse::NotFound(Json(
            Failure::plain(r#"The required "roomId" or "roomName" param provided does not match any room"#),
        )),
        E::Forbidden if operation == Op::RoomsRoles => domain(
            "Invalid user",
            "error-invalid-user",
            Some(json!({ "method": "getRoomRoles" })),
        ),
        E::Forbidden if matches!(operation, Op::Room(RoomOperation::Online, _)) => {
            domain("Not Allowed", "error-not-allowed", None)
        }
        E::RoomAlreadyHidden => plain("error-room-already-hidden"),
        E::Forbidden if operation == Op::RoomsBannedUsers => {
            ErrorResponse::Unauthorized(Json(Failure::plain("unauthorized")))
        }
        E::RoomNotFound | E::NotAllowed if operation == Op::RoomsBan => plain("Not allowed"),
        E::UserNotFound if operation == Op::RoomsBan => domain(
            r#"The required "userId" or "username" param provided does not match any users"#,
            "error-invalid-user",
            None,
        ),
        E::NotMember if operation == Op::RoomsBan => plain("User is not in this room"),
        E::LastRoomOwner if operation == Op::RoomsBan => {
            plain("You are the last owner. Please set new owner before banning the user.")
        }
        E::AlreadyBanned => plain("User is already banned from this room"),
        E::UserNotFound if matches!(operation, Op::RoomsMute(_)) => domain(
            r#"The required "userId" or "username" param provided does not match any users"#,
            "error-invalid-user",
            None,
        ),
        E::NotAllowed | E::RoomNotFound | E::NotMember if matches!(operation, Op::RoomsMute(_)) => {
            let method = match operation {
                Op::RoomsMute(true) => "muteUserInRoom",
                _ => "unmuteUserInRoom",
            };
            let details = Some(json!({ "method": method }));
            match error {
                E::NotAllowed => domain("Not allowed", "error-not-allowed", details),
                E::RoomNotFound => domain("Invalid room", "error-invalid-room", details),
                _ => domain("User is not in this room", "error-user-not-in-room", details),
            }
        }
        E::NotBanned => plain("error-user-not-banned"),
        E::NoBanNorMembership => plain("error-invalid-subscription"),
        E::UserBanned => domain(
            "User is banned from this room",
            "error-user-is-banned",
            Some(json!({ "method": "addUsersToRoom" })),
        ),
        E::Forbidden => ErrorResponse::forbidden(),
        E::InvalidParam { at, problem } => ErrorResponse::invalid_params(&ajv_words(&at, problem)),
        E::LoginFailed => unauthorized("Unauthorized", "Unauthorized"),
        E::UserNotActivated if operation == Op::UsersCreateToken => {
            domain("User is not activated", "error-user-is-not-activated", None)
        }
        E::UserNotActivated => unauthorized("error-user-is-not-activated", "User is not activated"),
        E::LoginBlockedForUser => unauthorized(
            "error-login-blocked-for-user",
            "Login has been temporarily blocked For User",
        ),
        E::LoginBlockedForIp => unauthorized(
            "error-login-blocked-for-ip",
            "Login has been temporarily blocked For IP",
        ),
        E::EditNotAllowed(_) if operation == Op::UsersSetPreferences => domain(
            "Editing user is not allowed",
            "error-action-not-allowed",
            None,
        ),
        E::UserNotFound if operation == Op::UsersSetPreferences => domain(
            r#"The optional "userId" param provided does not match any users"#,
            "error-invalid-user",
            None,
        ),
        E::UserNotFound if operation == Op::UsersLogout => {
            domain("Invalid user id", "error-invalid-user-id", None)
        }
        E::UserNotFound if operation == Op::RoomsIsMember => plain("error-user-not-found"),
        E::UserNotFound => match operation {
            Op::UsersInfo => ErrorResponse::bad_request(Failure::plain("User not found.")),
            Op::RolesRemoveUserFromRole => domain(
                "There is no user with this username",
                "error-invalid-user",
                None,
            ),
            Op::Room(..)
            | Op::UsersDelete
            | Op::UsersCreateToken
            | Op::UsersSetStatus
            | Op::UsersGetPresence
            | Op::RolesAddUserToRole => domain(
                r#"The required "userId" or "username" param provided does not match any users"#,
                "error-invalid-user",
                None,
            ),
            _ => ErrorResponse::bad_request(Failure::plain("User not found")),
        },
        E::FieldUnavailable(value) => domain(
            &format!("{value} is already in use :("),
            "error-field-unavailable",
            Some(json!({ "method": "insertOrUpdateUser", "field": value })),
        ),
        E::RegistrationDisabled => domain(
            "User registration is disabled",
            "error-user-registration-disabled",
            Some(json!({ "method": "registerUser" })),
        ),
        E::EditNotAllowed(right) => {
            use crate::service::EditRight as R;
            let (reason, action) = match right {
                R::OtherUser => ("Editing user is not allowed", "Editing_user"),
                R::Roles => ("Assign roles is not allowed", "Assign_role"),
                R::Password => ("Edit user password is not allowed", "Update_user"),
                R::ActiveStatus => ("Edit user active status is not allowed", "Update_user"),
                R::AdminRole => ("Assigning admin is not allowed", "Assign_admin"),
            };
            let method = match operation {
                Op::RolesAddUserToRole => "authorization:addUserToRole",
                _ => "insertOrUpdateUser",
            };
            domain(
                reason,
                "error-action-not-allowed",
                Some(json!({ "method": method, "action": action })),
            )
        }
        E::InvalidUsernameEmpty => domain(
            "Invalid username",
            "error-invalid-username",
            Some(json!({ "method": "setUsername" })),
        ),
        E::UsernameChangeNotAllowed => domain(
            "Not allowed",
            "error-not-allowed",
            Some(json!({ "method": "setUsername" })),
        ),
        E::InvalidStatus => domain(
            "Valid status types include online, away, offline, and busy.",
            "error-invalid-status",
            Some(json!({ "method": "users.setStatus" })),
        ),
        E::InvalidIdleTimeLimit => domain(
            "Invalid idleTimeLimit",
            "invalid-idle-time-limit-value",
            None,
        ),
        E::PreferencesNotSet => plain(
            "FAILED TO RETRIEVE USER PREFERENCES BECAUSE THEY HAVEN'T BEEN SET UP BY THE USER YET",
        ),
        E::ProfileChangeNotAllowed => domain(
            "Not allowed",
            "error-not-allowed",
            Some(json!({ "method": "saveUserProfile" })),
        ),
        E::OwnEditNotAllowed(edit) => {
            use crate::service::OwnEdit as O;
            let reason = match edit {
                O::Username => "Edit username is not allowed",
                O::StatusText => "Edit user status is not allowed",
                O::RealName => "Edit user real name is not allowed",
                O::Email => "Edit user email is not allowed",
                O::Password => "Edit user password is not allowed",
            };
            domain(
                reason,
                "error-action-not-allowed",
                Some(json!({ "method": "insertOrUpdateUser", "action": "Update_user" })),
            )
        }
        // Rocket.Chat asks the current password as a second factor of the method `password`.
        E::PasswordConfirmationRequired => domain(
            "TOTP Required",
            "totp-required",
            Some(json!({ "method": "password", "codeGenerated": false, "availableMethods": ["password"] })),
        ),
        E::PasswordConfirmationInvalid => domain(
            "TOTP Invalid",
            "totp-invalid",
            Some(json!({ "method": "password" })),
        ),
        E::PasswordSameAsCurrent => domain(
            "Entered password same as current password",
            "error-password-same-as-current",
            Some(json!({ "method": "saveUserProfile" })),
        ),
        E::BioTooLong(max) => domain(
            &format!("Bio size exceeds {max} characters"),
            "error-bio-size-exceeded",
            Some(json!({ "method": "saveUserProfile" })),
        ),
        E::NicknameTooLong(max) => domain(
            &format!("Nickname size exceeds {max} characters"),
            "error-nickname-size-exceeded",
            Some(json!({ "method": "saveUserProfile" })),
        ),
        E::RolePropertiesMissing => plain("error-invalid-role-properties"),
        // roles.addUserToRole passes its two strings to failure() code first.
        E::RoleNotFound if operation == Op::RolesAddUserToRole => ErrorResponse::bad_request(
            Failure::typed("error-role-not-found", "Role not found"),
        ),
        E::RoleNotFound if operation == Op::RolesGetUsersInRole => {
            domain("", "error-invalid-roleId", None)
        }
        E::RoleNotFound => domain("This role does not exist", "error-invalid-roleId", None),
        E::RoleParamMissing => domain(
            r#"Query param "role" is required"#,
            "error-param-not-provided",
            None,
        ),
        E::AlreadyInRole => domain("User already in role", "error-user-already-in-role", None),
        E::NotInRole => domain("User is not in this role", "error-user-not-in-role", None),
        E::AccessPermissionsDenied => domain(
            "Accessing permissions is not allowed",
            "error-action-not-allowed",
            (operation == Op::RolesAddUserToRole).then(|| {
                json!({ "method": "authorization:addUserToRole", "action": "Accessing_permissions" })
            }),
        ),
        E::EnterpriseOnly => domain(
            "This is an enterprise feature",
            "error-action-not-allowed",
            None,
        ),
        E::RoleProtected if operation == Op::RolesDelete => domain(
            "Cannot delete a protected role",
            "error-role-protected",
            None,
        ),
        E::RoleProtected => domain("Role is protected", "error-role-protected", None),
        // findAdminRooms throws a plain Error: no errorType, and 400, not 403.
        E::NotAuthorized
            if matches!(
                operation,
                Op::RoomsAdminRooms | Op::RoomsAutocomplete | Op::RoomsAdminRoomGet
            ) =>
        {
            plain("error-not-authorized")
        }
        E::NotAuthorized if operation == Op::RoomsPrivateRooms => ErrorResponse::forbidden(),
        E::NotAuthorized => domain("Not authorized", "error-not-authorized", room_method()),
        E::StatusMatchError => {
            plain("Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation")
        }
        E::InvalidExpiry => domain(
            "Invalid expiresAt date string",
            "error-invalid-date",
            Some(json!({ "method": "users.setStatus" })),
        ),
        E::PastExpiry => domain(
            "expiresAt must be a future date",
            "error-invalid-date",
            Some(json!({ "method": "users.setStatus" })),
        ),
        E::InvalidName => plain("Name contains invalid characters"),
        E::InvalidUsername(_) if operation == Op::UsersRegister => {
            plain("The username provided is not valid")
        }
        E::BlockedUsername(name) => domain(
            &format!("{name} is blocked and can't be used!"),
            "error-blocked-username",
            Some(json!({ "method": "checkUsernameAvailability", "field": name })),
        ),
        E::CouldNotSaveIdentity => domain(
            "Could not save user identity",
            "error-could-not-save-identity",
            Some(json!({ "method": "saveUser" })),
        ),
        E::VerifyParameters => plain("Please verify the parameters"),
        E::SettingNotFound => ErrorResponse::bad_request(Failure::bare()),
        E::OwnDeletionNotAllowed => domain("Not allowed", "error-not-allowed", None),
        E::OwnDeletionBadPassword => domain(
            "Invalid password",
            "error-invalid-password",
            Some(json!({ "method": "deleteUserOwnAccount" })),
        ),
        E::OwnDeletionBadUsername => domain(
            "Invalid username",
            "error-invalid-username",
            Some(json!({ "method": "deleteUserOwnAccount" })),
        ),
        E::SettingsNotAllowed(ids) => domain(
            "Editing settings is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "saveSettings", "settingIds": ids })),
        ),
        E::InvalidSettingValue { id, problem } => domain(
            &format!("Value for setting {id} {problem}"),
            "error-invalid-setting-value",
            Some(json!({ "method": "saveSettings" })),
        ),
        E::UsernameTaken(_) => plain("Username is already in use"),
        E::EmailTaken(_) => plain("Email already exists"),
        E::WeakPassword => domain(
            "The password provided does not meet the server's password policy.",
            "error-password-policy-not-met",
            None,
        ),
        // registerUser's Meteor check() wording for a missing field.
        E::FieldRequired(field) if operation == Op::UsersRegister => plain(&format!(
            "Match error: Expected string, got undefined in field {field}"
        )),
        E::FieldRequired(field) => domain(
            &format!("The field {field} is required"),
            "error-the-field-is-required",
            Some(json!({ "method": "insertOrUpdateUser", "field": field })),
        ),
        E::InvalidUsername(input) => domain(
            &format!("{input} is not a valid username"),
            "error-input-is-not-a-valid-field",
            Some(json!({ "method": "insertOrUpdateUser", "input": input, "field": "Username" })),
        ),
        E::InvalidEmail(email) => domain(
            &format!("Invalid email {email}"),
            "error-invalid-email",
            Some(json!({ "function": "RocketChat.validateEmailDomain", "email": email })),
        ),
        E::InvalidRoomName(name) => domain(
            &format!("{name} is not a valid room name."),
            "error-invalid-room-name",
            Some(json!({ "function": "RocketChat.getValidRoomName", "channel_name": name })),
        ),
        E::DuplicateRoomName(name) => domain(
            &format!("A channel with name '{name}' exists"),
            "error-duplicate-channel-name",
            Some(json!({ "function": "RocketChat.getValidRoomName", "channel_name": name })),
        ),
        E::LastAdmin if operation == Op::RolesRemoveUserFromRole => domain(
            "You need to have at least one admin",
            "error-admin-required",
            None,
        ),
        E::LastAdmin if operation == Op::UsersDelete => domain(
            "Leaving the app without an admin is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "deleteUser", "action": "Remove_last_admin" })),
        ),
        E::LastAdmin => domain(
            "Leaving the app without an active admin is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "removeUserFromRole", "action": "Remove_last_admin" })),
        ),
        E::LastOwner(rooms) => domain(
            "",
            "user-last-owner",
            Some(json!({
                "shouldChangeOwner": rooms,
                "shouldBeRemoved": [],
                "resolution": LAST_OWNER_RESOLUTION,
            })),
        ),
        E::UnknownPermission(_) => ErrorResponse::bad_request(Failure::typed(
            "Invalid permission",
            "error-invalid-permission",
        )),
        E::PermissionLockout => domain(
            "Leaving the app without an active user who can manage permissions is not allowed",
            "error-action-not-allowed",
            Some(
                json!({ "method": "permissions.update", "action": "Remove_last_permission_manager" }),
            ),
        ),
        E::UnknownRole(_) if matches!(operation, Op::UsersCreate | Op::UsersUpdate) => domain(
            "The field Roles consist invalid role id",
            "error-action-not-allowed",
            Some(json!({ "method": "insertOrUpdateUser", "action": "Assign_role" })),
        ),
        E::UnknownRole(_) => {
            ErrorResponse::bad_request(Failure::typed("Invalid role", "error-invalid-role"))
        }
        // The rooms.* routes that call the Meteor method directly word a missing room so.
        E::RoomNotFound
            if matches!(
                operation,
                Op::RoomsAny(RoomOperation::Delete | RoomOperation::Archive | RoomOperation::Unarchive)
            ) =>
        {
            domain("Invalid room", "error-invalid-room", room_method())
        }
        // findAdminRoom's failure('not-allowed', 'Not Allowed'), its arguments swapped.
        E::RoomNotFound if operation == Op::RoomsAdminRoomGet => ErrorResponse::bad_request(
            Failure::typed("not-allowed", "Not Allowed"),
        ),
        E::RoomNotFound if operation == Op::RoomsRoles => domain(
            "Invalid room",
            "error-invalid-room",
            Some(json!({ "method": "getRoomRoles" })),
        ),
        E::RoomNotFound if matches!(operation, Op::Room(RoomOperation::Online, _)) => {
            plain(match kind {
                Some(RoomKind::Group) => "Group does not exists",
                _ => "Channel does not exists",
            })
        }
        E::RoomNotFound if operation == Op::RoomsSaveRoomSettings => domain(
            "Invalid room",
            "error-invalid-room",
            Some(json!({ "method": "saveRoomSettings" })),
        ),
        E::RoomNotFound => domain(
            &format!(
                r#"The required "roomId" or "roomName" param provided does not match any {}"#,
                match operation {
                    Op::Room(_, RoomKind::Group) => "group",
                    _ => "channel",
                }
            ),
            "error-room-not-found",
            None,
        ),
        // subscriptions.get words it as a leftover from another route, code and text.
        E::InvalidDate(_) if operation == Op::SubscriptionsGet => domain(
            r#"The "lastUpdate" query parameter must be a valid date."#,
            "error-roomId-param-invalid",
            None,
        ),
        E::InvalidDate(param) if operation == Op::RolesSync => domain(
            &format!("{param} must be a valid date string"),
            "error-invalid-param",
            None,
        ),
        E::InvalidDate(param) => domain(
            &format!(r#"The "{param}" query parameter must be a valid date."#),
            &format!("error-{param}-param-invalid"),
            None,
        ),
        E::InvalidSort(raw) => domain(
            &format!("Invalid sort parameter provided: \"{raw}\""),
            "error-invalid-sort",
            Some(json!({ "helperMethod": "parseJsonQuery" })),
        ),
        // Channels have no "missing" refusal: no name finds no channel.
        E::RoomParamMissing if matches!(operation, Op::Room(_, RoomKind::Channel)) => {
            to_response(E::RoomNotFound, operation)
        }
        E::RoomParamMissing => domain(
            r#"The parameter "roomId" or "roomName" is required"#,
            match operation {
                Op::RoomsInfo => "error-roomid-param-not-provided",
                _ => "error-room-param-not-provided",
            },
            None,
        ),
        E::UserParamMissing => domain(
            r#"The required "userId" or "username" param was not provided"#,
            "error-user-param-not-provided",
            None,
        ),
        E::UsersParamMissing => domain(
            r#"Please provide "userId" or "username" or "userIds" or "usernames" as param"#,
            "error-users-params-not-provided",
            None,
        ),
        // channels.invite passes its two strings to failure() the wrong way round.
        E::EmptyInviteList if matches!(operation, Op::Room(_, RoomKind::Channel)) => {
            ErrorResponse::bad_request(Failure::typed(
                "invalid-user-invite-list",
                "Cannot invite if no users are provided",
            ))
        }
        E::EmptyInviteList => domain(
            "Cannot invite if no valid users are provided",
            "error-empty-invite-list",
            None,
        ),
        // Rocket.Chat's removeRoomOwner answers a non-member as an invalid room.
        E::NotMember if matches!(operation, Op::Room(RoomOperation::RemoveOwner, _)) => {
            domain("Invalid room", "error-invalid-room", room_method())
        }
        E::NotMember if matches!(room_op, Some(RoomOperation::Leave)) => domain(
            "You are not in this room",
            "error-user-not-in-room",
            room_method(),
        ),
        // Rocket.Chat's removeRoomModerator answers a non-member as an invalid room too.
        E::NotMember if matches!(room_op, Some(RoomOperation::RemoveModerator)) => {
            domain("Invalid room", "error-invalid-room", room_method())
        }
        E::NotMember => domain(
            "User is not in this room",
            "error-user-not-in-room",
            room_method(),
        ),
        E::RoomRoleHeld(role) => {
            let (article, code) = match role {
                crate::model::Role::Owner => ("an owner", "error-user-already-owner"),
                crate::model::Role::Moderator => ("a moderator", "error-user-already-moderator"),
                _ => ("a leader", "error-user-already-leader"),
            };
            domain(&format!("User is already {article}"), code, room_method())
        }
        E::RoomRoleMissing(role) => {
            let (article, code) = match role {
                crate::model::Role::Owner => ("an owner", "error-user-not-owner"),
                crate::model::Role::Moderator => ("a moderator", "error-user-not-moderator"),
                _ => ("a leader", "error-user-not-leader"),
            };
            domain(&format!("User is not {article}"), code, room_method())
        }
        // Kick and leave refuse the last owner as Rocket.Chat's leaveRoom does.
        E::LastRoomOwner if matches!(room_op, Some(RoomOperation::Kick | RoomOperation::Leave)) => {
            domain(
                "You are the last owner. Please set new owner before leaving the room.",
                "error-you-are-last-owner",
                room_method(),
            )
        }
        E::RoomArchived(name) => domain(
            &format!("The {noun}, {name}, is archived"),
            "error-room-archived",
            None,
        ),
        E::RoomNotArchived(name) => plain(&format!("The {noun}, {name}, is not archived")),
        E::JoinCodeRequired => domain("Code required", "error-code-required", room_method()),
        E::JoinCodeInvalid => domain("Invalid code", "error-code-invalid", room_method()),
        E::BodyParamRequired("customFields") => {
            plain(r#"The bodyParam "customFields" is required with a type like object."#)
        }
        // channels.setDefault passes its two strings to failure() with the codes swapped.
        E::BodyParamRequired("default") => ErrorResponse::bad_request(Failure::typed(
            r#"The bodyParam "default" is required"#,
            "error-channels-setdefault-is-same",
        )),
        E::BodyParamRequired(param) => plain(&format!(r#"The bodyParam "{param}" is required"#)),
        E::EditRoomNotAllowed => domain(
            "Editing room is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "saveRoomSettings", "action": "Editing_room" })),
        ),
        E::ViewRoomAdministrationNotAllowed => domain(
            "Viewing room administration is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "saveRoomSettings", "action": "Viewing_room_administration" })),
        ),
        E::ChangeTypeNotAllowed(to) => domain(
            match to {
                RoomKind::Channel => "Changing a private group to a public channel is not allowed",
                RoomKind::Group => "Changing a public channel to a private room is not allowed",
            },
            "error-action-not-allowed",
            Some(json!({ "method": "saveRoomSettings", "action": "Change_Room_Type" })),
        ),
        E::InvalidRoomType(t) => domain(
            "error-invalid-room-type",
            "error-invalid-room-type",
            Some(json!({ "function": "RocketChat.saveRoomType", "type": t })),
        ),
        E::Unchanged("default setting") => ErrorResponse::bad_request(Failure::typed(
            "The channel default setting is the same as what it would be changed to.",
            "error-channels-setdefault-missing-default-param",
        )),
        E::Unchanged("name") => plain(&format!(
            "The {noun} name is the same as what it would be renamed to."
        )),
        E::Unchanged(what) => plain(&format!(
            "The {noun} {what} is the same as what it would be changed to."
        )),
        // Rocket.Chat's addAllToRoom throws a 403 Meteor error: its errorType is a number there.
        E::AddAllForbidden => domain(
            "Access to Method Forbidden",
            "403",
            Some(json!({ "method": "addAllToRoom" })),
        ),
        E::UserLimitExceeded => domain(
            "User Limit Exceeded",
            "error-user-limit-exceeded",
            Some(json!({ "method": "addAllToRoom" })),
        ),
        E::CallerNotInRoom { name, .. } if kind == Some(RoomKind::Group) => {
            plain(&format!("The private group, {name}, is already closed to the sender"))
        }
        E::CallerNotInRoom { name, closing } => plain(&match closing {
            true => format!(r#"The user/callee is not in the channel "{name}."#),
            false => format!(r#"The user/callee is not in the channel "{name}"."#),
        }),
        E::AlreadyOpenOrClosed { name, closed } => plain(&match (closed, noun) {
            (true, _) => format!("The {noun}, {name}, is already closed to the sender"),
            (false, "channel") => format!("The channel, {name}, is already open to the sender"),
            (false, _) => format!("The {noun}, {name}, is already open for the sender"),
        }),
        E::PlanChanged => domain(
            "The ownership plan changed: ask rocketlite.ownershipPlan again",
            "error-plan-changed",
            None,
        ),
        E::ScimAdminProtected => domain(
            "SCIM may not change an admin's username, addresses or password, nor delete one",
            "error-not-allowed",
            None,
        ),
        E::ScimTokenNotFound => domain("SCIM token not found", "error-invalid-token", None),
        E::NoSubscription if operation == Op::RoomsSaveNotification => domain(
            "Invalid subscription",
            "error-invalid-subscription",
            Some(json!({ "method": "saveNotificationSettings" })),
        ),
        E::EmailDomainNotAllowed => domain(
            "The email domain is not allowed",
            "error-invalid-domain",
            Some(json!({ "function": "RocketChat.validateEmailDomain" })),
        ),
        E::InvalidCustomFieldJson => domain(
            "Invalid JSON for Custom Fields",
            "error-invalid-customfield-json",
            None,
        ),
        E::CustomField { field, problem } => domain(
            &match problem {
                CustomFieldProblem::Required => format!("Field {field} is required"),
                CustomFieldProblem::NotAnOption => format!("Value for field {field} is invalid"),
                CustomFieldProblem::TooLong(max) => format!("Max length of field {field} {max}"),
                CustomFieldProblem::TooShort(min) => format!("Min length of field {field} {min}"),
            },
            "error-user-registration-custom-field",
            Some(json!({ "method": "registerUser" })),
        ),
        E::EmailDomainBlocked => domain(
            "The email domain is blacklisted",
            "error-email-domain-blacklisted",
            Some(json!({ "function": "RocketChat.validateEmailDomain" })),
        ),
        E::PasswordPolicy(reasons) => domain(
            "The password provided does not meet the server's password policy.",
            "error-password-policy-not-met",
            Some(Value::Array(
                reasons
                    .iter()
                    .map(|(error, message)| json!({ "error": error, "message": message }))
                    .collect(),
            )),
        ),
        E::TokenNotAuthorized(change) => domain(
            "Not Authorized",
            "not-authorized",
            Some(json!({ "method": change.method() })),
        ),
        E::TooManyTokens(max) => domain(
            &format!("A user holds at most {max} personal access tokens"),
            "error-too-many-tokens",
            Some(json!({ "method": TokenChange::Generate.method() })),
        ),
        E::TokenExists(change) => domain(
            "A token with this name already exists",
            "error-token-already-exists",
            Some(json!({ "method": change.method() })),
        ),
        E::TokenMissing(change) => domain(
            "Token does not exist",
            "error-token-does-not-exists",
            Some(json!({ "method": change.method() })),
        ),
        E::InvalidNotificationField => domain(
            "Invalid settings field",
            "error-invalid-settings",
            Some(json!({ "method": "saveNotificationSettings" })),
        ),
        E::InvalidNotificationValue => domain(
            "Invalid settings value",
            "error-invalid-settings",
            Some(json!({ "method": "saveNotificationSettings" })),
        ),
        E::NoSubscription => domain(
            "You must be part of a room to favorite it",
            "error-invalid-subscription",
            Some(json!({ "method": "toggleFavorite" })),
        ),
        E::LastRoomOwner => domain(
            "This is the last owner. Please set a new owner before removing this one.",
            "error-remove-last-owner",
            room_method(),
        ),
        E::NotAllowed => domain("Not allowed", "error-not-allowed", room_method()),
        // PostgreSQL: retries ran out, or the database is away. Nothing was written.
        E::Store(cause) => match cause.kind() {
            FailureKind::Contended => ErrorResponse::Internal(Json(Failure::plain(
                "Too many concurrent changes to the same data: nothing was written, try again",
            ))),
            FailureKind::Unavailable => {
                tracing::error!(error = %cause, "database unavailable");
                ErrorResponse::Internal(Json(Failure::plain(
                    "The database is unavailable: nothing was written, try again",
                )))
            }
            FailureKind::OutcomeUnknown => {
                tracing::error!(error = %cause, "database connection lost while committing");
                ErrorResponse::Internal(Json(Failure::plain(
                    "The database connection was lost while committing: the change may have \
                     been written; read it back before trying again",
                )))
            }
            FailureKind::Internal => {
                // Logged with its cause; the client learns only that the server failed.
                tracing::error!(error = %cause, "store failure");
                ErrorResponse::internal()
            }
        },
    }
}

/// The body `error` gets in `operation`, for the spec's examples.
/// The way forward rocketlite adds to a `user-last-owner` refusal (Rocket.Chat says none).
pub const LAST_OWNER_RESOLUTION: &str = "Send confirmRelinquish=true to make each room's \
     earliest-joined active member its owner; GET /api/v1/rocketlite.ownershipPlan shows who \
     that is, and its planId binds the change to what it showed.";

pub fn example(error: ServiceError, operation: Operation) -> Value {
    to_response(error, operation).body()
}

fn unauthorized(error: &str, message: &str) -> ErrorResponse {
    ErrorResponse::Unauthorized(Json(Failure::auth(error, message)))
}
