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
    /// A parameter the schema cannot express (both lookups missing, say).
    #[error("invalid params: {0}")]
    InvalidParams(String),
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
    /// users.register by a caller who is logged in.
    #[error("already logged in")]
    AlreadyLoggedIn,
    /// users.update without the permission one of its changes needs.
    #[error("editing not allowed: {0:?}")]
    EditNotAllowed(super::EditRight),
    /// A display name with `<`, `>`, `\` or `/`.
    #[error("invalid name")]
    InvalidName,
    /// A username reserved by Rocket.Chat (`admin`, `all`, ...).
    #[error("blocked username {0}")]
    BlockedUsername(String),
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
    /// The member already holds the room role `owner`.
    #[error("user already owner")]
    AlreadyOwner,
    /// The member does not hold the room role `owner`.
    #[error("user not owner")]
    NotOwner,
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
    /// The store failed; the cause is logged, never shown.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;
