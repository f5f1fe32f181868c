//! What the `users.*` operations take and answer, and the queries they read.

use super::*;

/// What `users.create` takes. Rocket.Chat's other optional fields are accepted and ignored.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateUserBody {
    pub email: String,
    pub name: String,
    pub password: String,
    pub username: String,
    /// Defaults to true.
    pub active: Option<bool>,
    /// Global roles; defaults to `["user"]`.
    pub roles: Option<Vec<String>>,
    /// Whether the email address counts as verified; defaults to false.
    pub verified: Option<bool>,
    /// Join every default room (`GENERAL`); defaults to true.
    pub join_default_channels: Option<bool>,
    /// Accepted for compatibility; ignored.
    pub require_password_change: Option<bool>,
    /// Accepted for compatibility; rocketlite sends no email.
    pub send_welcome_email: Option<bool>,
    /// Accepted for compatibility; ignored.
    pub set_random_password: Option<bool>,
    /// Accepted for compatibility; ignored.
    pub nickname: Option<String>,
    /// Accepted for compatibility; ignored.
    pub bio: Option<String>,
    /// Accepted for compatibility; ignored.
    pub status_text: Option<String>,
    /// Values of the fields the setting `Accounts_CustomFields` defines, checked by its
    /// rules; ignored while it is blank (the default).
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// Accepted for compatibility; ignored.
    pub fields: Option<String>,
    /// Accepted for compatibility; rocketlite has no telephony.
    pub free_switch_extension: Option<String>,
    /// Accepted for compatibility; ignored.
    pub phones: Option<Vec<serde_json::Value>>,
}

impl RequestSchema for CreateUserBody {
    const CLOSED: bool = true;
}

/// What `users.register` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RegisterBody {
    pub username: String,
    pub email: String,
    /// The password.
    pub pass: String,
    /// The display name; Rocket.Chat's sign-up requires it although its schema does not.
    pub name: Option<String>,
    /// Rocket.Chat's secret sign-up URL token; rocketlite's sign-up is public or off.
    pub secret: Option<String>,
    /// Why the user asks to join, for manual approval; rocketlite approves at once.
    pub reason: Option<String>,
    /// Values of the fields the setting `Accounts_CustomFields` defines, checked by its
    /// rules; ignored while it is blank (the default).
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl RequestSchema for RegisterBody {
    const CLOSED: bool = true;
    const NULLABLE: &'static [&'static str] = &["customFields"];
}

/// The new account, as Rocket.Chat shows it to an anonymous caller.
#[derive(Object)]
pub struct RegisteredUser {
    #[oai(rename = "_id")]
    pub id: String,
    #[oai(rename = "type")]
    pub kind: String,
    pub status: String,
    pub active: bool,
    pub name: String,
    pub username: String,
}

/// A successful sign-up.
#[derive(Object)]
pub struct RegisterOk {
    pub user: RegisteredUser,
    pub success: bool,
}

/// The fields `users.update` may change; all optional.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UpdateData {
    pub email: Option<String>,
    pub name: Option<String>,
    /// Another user's password needs `edit-other-user-password`; a new password revokes the
    /// user's other login tokens.
    pub password: Option<String>,
    pub username: Option<String>,
    /// Needs `edit-other-user-active-status`; `false` follows users.setActiveStatus.
    pub active: Option<bool>,
    /// Global roles; a change needs `assign-roles` and may not remove the last active admin.
    pub roles: Option<Vec<String>>,
    /// Whether the email address counts as verified.
    pub verified: Option<bool>,
    /// At most 260 characters after trimming; blank removes it.
    pub bio: Option<String>,
    /// At most 120 characters; blank removes it.
    pub nickname: Option<String>,
    /// The status message; trimmed and cut to 120 characters.
    pub status_text: Option<String>,
    /// Accepted for compatibility; ignored, as Rocket.Chat's saveUser ignores it (use
    /// users.setStatus).
    pub status: Option<String>,
    /// Accepted for compatibility; ignored.
    pub require_password_change: Option<bool>,
    /// Accepted for compatibility; ignored.
    pub set_random_password: Option<bool>,
    /// Accepted for compatibility; rocketlite sends no email.
    pub send_welcome_email: Option<bool>,
    /// Accepted for compatibility; rocketlite has no telephony.
    pub free_switch_extension: Option<String>,
    /// Values of the fields the setting `Accounts_CustomFields` defines, merged into those
    /// the user holds and checked by its rules; ignored while it is blank (the default).
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// What `users.update` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UpdateUserBody {
    /// The `_id` of the user to change.
    #[oai(validator(min_length = 1))]
    pub user_id: String,
    pub data: UpdateData,
    /// With `data.active: false`: hand the rooms the user is the last active owner of to
    /// their earliest-joined active member instead of refusing.
    pub confirm_relinquish: Option<bool>,
    /// Extension (not in Rocket.Chat): a `planId` from `rocketlite.ownershipPlan`; refused
    /// with `error-plan-changed`, changing nothing, unless the change would do exactly that.
    pub plan_id: Option<String>,
}

impl RequestSchema for UpdateUserBody {
    const CLOSED: bool = true;
    const CLOSED_NESTED: &'static [&'static str] = &["UpdateData"];
}

/// What `users.logout` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct LogoutUserBody {
    /// Whose sessions to end; the caller's when absent. Another user's need
    /// `logout-other-user`.
    pub user_id: Option<String>,
}

impl RequestSchema for LogoutUserBody {
    const CLOSED: bool = false;
}

/// What `users.createToken` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateTokenBody {
    /// The user to log in; another user's token needs `user-generate-access-token`.
    #[oai(validator(min_length = 1))]
    pub user_id: String,
    /// The server's `CREATE_TOKENS_FOR_USERS_SECRET`.
    #[oai(validator(min_length = 1))]
    pub secret: String,
}

impl RequestSchema for CreateTokenBody {
    const CLOSED: bool = true;
}

/// A new login token.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct TokenData {
    pub user_id: String,
    pub auth_token: String,
}

/// What `users.createToken` answers.
#[derive(Object)]
pub struct CreateTokenOk {
    pub data: TokenData,
    pub success: bool,
}

/// What `users.setStatus` takes: `status`, `message` or both.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetStatusBody {
    /// `online`, `away`, `busy` or `offline` (the invisible status).
    pub status: Option<String>,
    /// The status message: trimmed and cut to 120 characters.
    pub message: Option<String>,
    /// An ISO-8601 date in the future, when the status lapses back to `online`.
    pub expires_at: Option<String>,
    /// Another user (needs `edit-other-user-info`); the caller when none is named.
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub user: Option<String>,
}

impl RequestSchema for SetStatusBody {
    const CLOSED: bool = true;
}

/// What `users.getPresence` answers; the caller's own adds `connectionStatus` and
/// `lastLogin`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PresenceOk {
    /// Always `offline`: rocketlite holds no live sessions.
    pub presence: String,
    #[oai(skip_serializing_if_is_none)]
    pub connection_status: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub last_login: Option<String>,
    pub success: bool,
}

/// users.getPresence's query (`isUsersGetPresenceParamsGET`).
pub(super) const USERS_GET_PRESENCE: QuerySchema = QuerySchema {
    params: &[
        ("userId", Kind::Text),
        ("username", Kind::Text),
        ("user", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// The logout message.
#[derive(Object)]
pub struct MessageOk {
    pub message: String,
    pub success: bool,
}

/// What `users.delete` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeleteUserBody {
    #[oai(flatten)]
    pub user: UserNames,
    /// Required when the user is the last active owner of a room with other active members:
    /// the earliest-joined of them then becomes its owner.
    pub confirm_relinquish: Option<bool>,
    /// Extension (not in Rocket.Chat): a `planId` from `rocketlite.ownershipPlan`; refused
    /// with `error-plan-changed`, changing nothing, unless the change would do exactly that.
    pub plan_id: Option<String>,
}

impl RequestSchema for DeleteUserBody {
    const CLOSED: bool = true;
}

/// What `users.deactivateIdle` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeactivateIdleBody {
    /// Deactivate users whose last login (or creation, if they never logged in) is more than
    /// this many days ago.
    #[oai(validator(minimum(value = "0")))]
    pub days_idle: f64,
    /// Only users holding this global role; defaults to `user`.
    pub role: Option<String>,
}

impl RequestSchema for DeactivateIdleBody {
    const CLOSED: bool = true;
}

/// How many users were deactivated.
#[derive(Object)]
pub struct CountOk {
    pub count: u64,
    pub success: bool,
}

/// What `users.setActiveStatus` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetActiveStatusBody {
    /// The `_id` of the user to change.
    pub user_id: String,
    /// `false` deactivates, `true` reactivates.
    pub active_status: bool,
    /// If activeStatus=false & confirmRelinquish=true and the user is the last active owner
    /// of a room, the room's earliest-joined active member becomes its owner. Without it,
    /// deactivating such a user is refused with `user-last-owner`
    /// (`rocketlite.ownershipPlan` previews what it would do).
    pub confirm_relinquish: Option<bool>,
    /// Extension (not in Rocket.Chat): a `planId` from `rocketlite.ownershipPlan`; refused
    /// with `error-plan-changed`, changing nothing, unless the change would do exactly that.
    pub plan_id: Option<String>,
}

impl RequestSchema for SetActiveStatusBody {
    const CLOSED: bool = true;
}

/// users.info's user: the user, and its memberships when asked for.
#[derive(Object)]
pub struct UserInfoView {
    #[oai(flatten)]
    pub user: UserView,
    /// With `includeUserRooms=true`, for the user itself and holders of
    /// `view-other-user-channels`.
    #[oai(skip_serializing_if_is_none)]
    pub rooms: Option<Vec<UserRoomView>>,
}

/// The found user.
#[derive(Object)]
pub struct UserInfoOk {
    pub user: UserInfoView,
    pub success: bool,
}

/// The identifiers of users.info; exactly one is sent (Rocket.Chat's `anyOf`, one branch
/// per identifier, each allowing only itself, `includeUserRooms` and `fields`).
pub(super) const IDENTIFIERS: [&str; 5] = [
    "userId",
    "username",
    "importId",
    "email",
    "freeSwitchExtension",
];

/// users.info's query, as `isUsersInfoParamsGetProps` reads it.
pub(super) const USERS_INFO: QuerySchema = QuerySchema {
    params: &[
        ("userId", Kind::Text),
        ("username", Kind::Text),
        ("importId", Kind::Text),
        ("email", Kind::Text),
        ("freeSwitchExtension", Kind::Text),
        ("includeUserRooms", Kind::Text),
        ("fields", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// Refuses what the `anyOf` refuses, with ajv's messages: no identifier, or two of them.
pub(super) fn check_one_identifier(query: &Checked) -> Result<(), ErrorResponse> {
    let mut messages = Vec::new();
    for identifier in IDENTIFIERS {
        if !query.has(identifier) {
            messages.push(format!("must have required property '{identifier}'"));
        } else if IDENTIFIERS
            .iter()
            .any(|other| *other != identifier && query.has(other))
        {
            messages.push("must NOT have additional properties".into());
        } else {
            return Ok(());
        }
    }
    messages.push("must match a schema in anyOf".into());
    Err(invalid_params(&messages.join("\n ")))
}

/// users.listByStatus's query, as `isUsersListStatusProps` reads it.
pub(super) const USERS_LIST_BY_STATUS: QuerySchema = QuerySchema {
    params: &[
        ("status", Kind::OneOf(&["active", "deactivated"])),
        ("hasLoggedIn", Kind::Flag),
        ("type", Kind::Text),
        ("roles", Kind::List),
        ("searchTerm", Kind::Text),
        ("sort", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
        (
            "inactiveReason",
            Kind::ListOf(&["deactivated", "pending_approval", "idle_too_long"]),
        ),
    ],
    closed: true,
    coerce_arrays: true,
};

/// users.list's query, as `isUsersListParamsGET` reads it.
pub(super) const USERS_LIST: QuerySchema = QuerySchema {
    params: &[
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("fields", Kind::Text),
        ("query", Kind::Text),
        ("email", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// A user, wrapped.
#[derive(Object)]
pub struct UserOk {
    pub user: UserView,
    pub success: bool,
}

/// One page of users.
#[derive(Object)]
pub struct UsersPageOk {
    pub users: Vec<UserView>,
    /// How many users this page holds.
    pub count: u64,
    pub offset: u64,
    /// How many users exist.
    pub total: u64,
    pub success: bool,
}

/// The view of one page of users (users.list, users.listByStatus).
pub(super) fn users_page(
    page: Page,
) -> impl FnOnce((Vec<crate::model::User>, u64, bool)) -> UsersPageOk {
    move |(users, total, full)| UsersPageOk {
        count: users.len() as u64,
        users: users.iter().map(|u| UserView::new(u, full)).collect(),
        offset: page.offset as u64,
        total,
        success: true,
    }
}

/// The changed user's id and status.
#[derive(Object)]
pub struct ActiveStatusView {
    #[oai(rename = "_id")]
    pub id: String,
    pub active: bool,
}

/// A successful status change.
#[derive(Object)]
pub struct SetActiveStatusOk {
    pub user: ActiveStatusView,
    pub success: bool,
}
