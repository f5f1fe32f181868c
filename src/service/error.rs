//! Every way a use case can refuse or fail. The API maps each variant to Rocket.Chat's envelope
//! in one place (`api::errors`).

use crate::store::StoreError;

/// Why a use case did not happen. A refusal is returned before the first write, so it leaves
/// the store unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No valid `X-User-Id`/`X-Auth-Token` pair for an active user.
    #[error("not logged in")]
    Unauthorized,
    /// Logged in, but without the permission the operation needs.
    #[error("permission denied")]
    Forbidden,
    /// A parameter past a bound the schema states, or missing: `at` is where it is in the
    /// request (`data/password`), and the API words it as Rocket.Chat's ajv does.
    #[error("invalid param {at}: {problem:?}")]
    InvalidParam { at: String, problem: ParamProblem },
    /// Wrong username or password, alike on purpose.
    #[error("login failed")]
    LoginFailed,
    /// Right password, but the account is deactivated.
    #[error("user is not activated")]
    UserNotActivated,
    /// The user the request names does not exist.
    #[error("user not found")]
    UserNotFound,
    /// Username or email already taken; carries the taken value.
    #[error("{0} is already in use")]
    FieldUnavailable(String),
    /// users.create without a name, username or password (`Name`, `Username`, `Password`).
    #[error("the field {0} is required")]
    FieldRequired(&'static str),
    /// users.register while sign-up is turned off.
    #[error("registration is disabled")]
    RegistrationDisabled,
    /// users.update without the permission one of its changes needs.
    #[error("editing not allowed: {0:?}")]
    EditNotAllowed(super::EditRight),
    /// users.checkUsernameAvailability of an empty name.
    #[error("invalid username")]
    InvalidUsernameEmpty,
    /// users.checkUsernameAvailability while `Accounts_AllowUsernameChange` is off.
    #[error("username changes not allowed")]
    UsernameChangeNotAllowed,
    /// users.setStatus with a status other than online, away, offline and busy.
    #[error("invalid status")]
    InvalidStatus,
    /// users.setPreferences with an `idleTimeLimit` under 60 seconds.
    #[error("invalid idleTimeLimit")]
    InvalidIdleTimeLimit,
    /// users.getPreferences by a user who saved none.
    #[error("no preferences saved")]
    PreferencesNotSet,
    /// users.updateOwnBasicInfo while `Accounts_AllowUserProfileChange` is off.
    #[error("profile changes not allowed")]
    ProfileChangeNotAllowed,
    /// users.updateOwnBasicInfo of something its `Accounts_Allow*Change` setting turned off.
    #[error("editing one's own {0:?} not allowed")]
    OwnEditNotAllowed(super::OwnEdit),
    /// A new email or password of one's own without the current password.
    #[error("the current password is required")]
    PasswordConfirmationRequired,
    /// A new email or password of one's own with a wrong current password.
    #[error("the current password is wrong")]
    PasswordConfirmationInvalid,
    /// A new password of one's own that is the current one.
    #[error("the new password is the current one")]
    PasswordSameAsCurrent,
    /// A display name with `<`, `>`, `\` or `/`.
    #[error("invalid name")]
    InvalidName,
    /// A username reserved by Rocket.Chat (`admin`, `all`, ...).
    #[error("blocked username {0}")]
    BlockedUsername(String),
    /// A rename to one of Rocket.Chat's system names (`admin`, `administrator`, `system`,
    /// `user`): its `saveUserIdentity` refuses without saying why.
    #[error("could not save the user identity")]
    CouldNotSaveIdentity,
    /// A setting rocketlite does not have.
    #[error("no such setting")]
    SettingNotFound,
    /// A setting's new value is not of its type, or outside its bounds.
    #[error("invalid value for setting {id}: {problem}")]
    InvalidSettingValue { id: String, problem: String },
    /// `directory` with a sort key its kind lacks, or without a permission it needs.
    #[error("verify the parameters")]
    VerifyParameters,
    /// users.register with a username already in use.
    #[error("username {0} taken")]
    UsernameTaken(String),
    /// users.register with an email address already in use.
    #[error("email {0} taken")]
    EmailTaken(String),
    /// A password the policy refuses (an empty one, always).
    #[error("weak password")]
    WeakPassword,
    /// A username outside the allowed pattern.
    #[error("invalid username {0}")]
    InvalidUsername(String),
    /// An email address that is not one.
    #[error("invalid email {0}")]
    InvalidEmail(String),
    /// A room name outside the allowed pattern.
    #[error("invalid room name {0}")]
    InvalidRoomName(String),
    /// Deactivating the last active admin.
    #[error("last active admin")]
    LastAdmin,
    /// Deactivating the last active owner of these rooms without `confirmRelinquish`.
    #[error("last owner of {0:?}")]
    LastOwner(Vec<String>),
    /// permissions.update named a permission that does not exist.
    #[error("unknown permission {0}")]
    UnknownPermission(String),
    /// permissions.update would leave no active user holding `access-permissions`.
    #[error("no active user could manage permissions any more")]
    PermissionLockout,
    /// permissions.update named a role that does not exist.
    #[error("unknown role {0}")]
    UnknownRole(String),
    /// No such room of the asked kind, or a private group the caller may not see.
    #[error("room not found")]
    RoomNotFound,
    /// Neither `roomId` nor `roomName` named a room.
    #[error("no room named")]
    RoomParamMissing,
    /// None of `userId`, `username`, `user` named a user.
    #[error("no user named")]
    UserParamMissing,
    /// An invite named no user at all.
    #[error("no users named")]
    UsersParamMissing,
    /// A `sort` parameter that is not a JSON object of `1` / `-1`; carries it as sent.
    #[error("invalid sort {0}")]
    InvalidSort(String),
    /// A date parameter that is not a date; carries the parameter's name.
    #[error("invalid date in {0}")]
    InvalidDate(&'static str),
    /// An invite whose names match no user.
    #[error("no user to invite")]
    EmptyInviteList,
    /// A room name already used by another room.
    #[error("duplicate room name {0}")]
    DuplicateRoomName(String),
    /// The user a room operation targets is not a member of the room.
    #[error("user not in room")]
    NotMember,
    /// The member already holds this room role.
    #[error("user already {0}")]
    RoomRoleHeld(crate::model::Role),
    /// The member does not hold this room role.
    #[error("user not {0}")]
    RoomRoleMissing(crate::model::Role),
    /// The room (named) is archived: its membership and settings are frozen.
    #[error("room {0} is archived")]
    RoomArchived(String),
    /// channels.unarchive of a room (named) that is not archived.
    #[error("room {0} is not archived")]
    RoomNotArchived(String),
    /// channels.join of a room with a code, without one.
    #[error("join code required")]
    JoinCodeRequired,
    /// channels.join with the wrong code.
    #[error("join code invalid")]
    JoinCodeInvalid,
    /// A body parameter a room route checks by hand is missing or blank.
    #[error("body parameter {0} required")]
    BodyParamRequired(&'static str),
    /// A room setting without `edit-room`.
    #[error("editing room not allowed")]
    EditRoomNotAllowed,
    /// *.addAll without `add-all-to-room`.
    #[error("add all forbidden")]
    AddAllForbidden,
    /// *.addAll would add more users than it may at once.
    #[error("user limit exceeded")]
    UserLimitExceeded,
    /// A room setting changed to the value it has (its name in Rocket.Chat's message).
    #[error("{0} unchanged")]
    Unchanged(&'static str),
    /// *.setType to a type that is neither `c` nor `p`.
    #[error("invalid room type {0}")]
    InvalidRoomType(String),
    /// *.setType without the create permission of the new kind.
    #[error("changing the room type not allowed")]
    ChangeTypeNotAllowed(crate::model::RoomKind),
    /// channels.setDefault without `view-room-administration`.
    #[error("viewing room administration not allowed")]
    ViewRoomAdministrationNotAllowed,
    /// *.close / *.open by a caller who is not a member of the room (named).
    #[error("caller not in room {name}")]
    CallerNotInRoom { name: String, closing: bool },
    /// *.close of a closed room, *.open of an open one (named).
    #[error("room {name} already open or closed")]
    AlreadyOpenOrClosed { name: String, closed: bool },
    /// users.deleteOwnAccount while `Accounts_AllowDeleteOwnAccount` is off.
    #[error("deleting one's own account not allowed")]
    OwnDeletionNotAllowed,
    /// users.deleteOwnAccount with a digest that is not the password's.
    #[error("invalid password")]
    OwnDeletionBadPassword,
    /// users.deleteOwnAccount, without a password, with a digest not of the username.
    #[error("invalid username")]
    OwnDeletionBadUsername,
    /// Bulk `POST settings` of settings the caller may not change (their ids).
    #[error("editing settings not allowed")]
    SettingsNotAllowed(Vec<String>),
    /// An address outside `Accounts_AllowedDomainsList`.
    #[error("email domain not allowed")]
    EmailDomainNotAllowed,
    /// `Accounts_CustomFields` is not a JSON object.
    #[error("invalid JSON for custom fields")]
    InvalidCustomFieldJson,
    /// A custom field's value the `Accounts_CustomFields` rules refuse.
    #[error("custom field {field} refused: {problem:?}")]
    CustomField {
        field: String,
        problem: super::custom_fields::CustomFieldProblem,
    },
    /// An address in `Accounts_BlockedDomainsList`.
    #[error("email domain blocked")]
    EmailDomainBlocked,
    /// A new password the `Accounts_Password_Policy_*` settings refuse: each (error, message).
    #[error("the password does not meet the password policy")]
    PasswordPolicy(Vec<(&'static str, &'static str)>),
    /// users.generatePersonalAccessToken by a user holding this many already.
    #[error("too many personal access tokens")]
    TooManyTokens(usize),
    /// A personal-access-token change without `create-personal-access-tokens`.
    #[error("not authorized to change personal access tokens")]
    TokenNotAuthorized(super::TokenChange),
    /// users.generatePersonalAccessToken of a name the caller holds.
    #[error("a token with this name already exists")]
    TokenExists(super::TokenChange),
    /// A regeneration or removal of a token the caller does not hold.
    #[error("token does not exist")]
    TokenMissing(super::TokenChange),
    /// rooms.saveNotification of a key it does not know.
    #[error("invalid notification settings field")]
    InvalidNotificationField,
    /// rooms.saveNotification of a level other than all, mentions, nothing, default.
    #[error("invalid notification settings value")]
    InvalidNotificationValue,
    /// An invite of a user banned from the room.
    #[error("user banned from the room")]
    UserBanned,
    /// rooms.banUser of a user banned already.
    #[error("user already banned")]
    AlreadyBanned,
    /// rooms.unbanUser of a member.
    #[error("user not banned")]
    NotBanned,
    /// rooms.unbanUser of a user neither banned nor a member.
    #[error("no ban and no membership")]
    NoBanNorMembership,
    /// rooms.hide of a room the caller is no member of, or has hidden already.
    #[error("room already hidden")]
    RoomAlreadyHidden,
    /// rooms.favorite by a caller who is not a member.
    #[error("no subscription")]
    NoSubscription,
    /// Removing this owner would leave the room without an (active) owner.
    #[error("last owner of the room")]
    LastRoomOwner,
    /// A room operation the caller's global and room roles do not allow.
    #[error("not allowed")]
    NotAllowed,
    /// Too many failed logins for this username recently.
    #[error("login blocked for user")]
    LoginBlockedForUser,
    /// Too many failed logins from this address recently.
    #[error("login blocked for ip")]
    LoginBlockedForIp,
    /// users.update with a bio longer than this many characters.
    #[error("bio too long")]
    BioTooLong(usize),
    /// users.update with a nickname longer than this many characters.
    #[error("nickname too long")]
    NicknameTooLong(usize),
    /// roles.addUserToRole / removeUserFromRole without `roleId`.
    #[error("no role id")]
    RolePropertiesMissing,
    /// No role with that id.
    #[error("role not found")]
    RoleNotFound,
    /// roles.getUsersInRole with an empty `role`.
    #[error("no role named")]
    RoleParamMissing,
    /// The user already holds the role (in that room, for a room role).
    #[error("user already in role")]
    AlreadyInRole,
    /// The user does not hold the role.
    #[error("user not in role")]
    NotInRole,
    /// A roles operation without `access-permissions`, refused inside its method.
    #[error("accessing permissions is not allowed")]
    AccessPermissionsDenied,
    /// A change only Rocket.Chat's Enterprise Edition makes (custom roles).
    #[error("enterprise feature")]
    EnterpriseOnly,
    /// Renaming, re-scoping or deleting a protected (default) role.
    #[error("role is protected")]
    RoleProtected,
    /// users.createToken with a wrong secret, or for another user without the permission.
    #[error("not authorized")]
    NotAuthorized,
    /// users.setStatus with neither `status` nor `message`.
    #[error("neither status nor message")]
    StatusMatchError,
    /// users.setStatus `expiresAt` that is not a date.
    #[error("invalid expiresAt")]
    InvalidExpiry,
    /// users.setStatus `expiresAt` that is not in the future.
    #[error("expiresAt in the past")]
    PastExpiry,
    /// A `planId` no longer matches what the deactivation or deletion would do.
    #[error("the ownership plan changed")]
    PlanChanged,
    /// SCIM may not change an admin's username, addresses or password, nor delete one.
    #[error("SCIM may not change an admin's credentials")]
    ScimAdminProtected,
    /// rocketlite.scimTokens.revoke of a token that does not exist.
    #[error("SCIM token not found")]
    ScimTokenNotFound,
    /// The store failed; the cause is logged, never shown.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// What is wrong with a parameter (see [`ServiceError::InvalidParam`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamProblem {
    /// It is missing or blank.
    Required,
    /// It is blank where a value is needed (a SCIM `displayName`).
    Empty,
    /// It has more characters than this.
    LongerThan(usize),
    /// It has more bytes than this.
    MoreBytesThan(usize),
    /// Its JSON takes more bytes than this.
    LargerThan(usize),
    /// It has more items than this.
    MoreItemsThan(usize),
}

impl ServiceError {
    /// `problem` with the parameter at `at`.
    pub fn invalid_param(at: &str, problem: ParamProblem) -> Self {
        ServiceError::InvalidParam {
            at: at.to_string(),
            problem,
        }
    }
}
