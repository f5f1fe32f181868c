//! `users.*` a user calls about itself or to find others: `updateOwnBasicInfo`,
//! `logoutOtherClients`, `removeOtherTokens`, `getStatus`, `presence` and `autocomplete`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{HashGate, call_hashing};
use super::envelope::{ErrorResponse, Failure};
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::users::{UserOk, with_custom_fields};
use super::views::UserView;
use super::{ApiResult, ApiTags, call, call_read};
use crate::api::examples::{TS, USER_ID, user_example};
use crate::model::{User, iso8601};
use crate::service::{OwnBasicInfo, Service};
use serde_json::{Value, json};

/// The fields `users.updateOwnBasicInfo` may change; all optional.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct OwnBasicInfoData {
    /// Needs `Accounts_AllowEmailChange` and `currentPassword`.
    pub email: Option<String>,
    /// Needs `Accounts_AllowRealNameChange`.
    pub name: Option<String>,
    /// Needs `Accounts_AllowUsernameChange`.
    pub username: Option<String>,
    /// At most 120 characters; blank removes it.
    pub nickname: Option<String>,
    /// At most 260 characters after trimming; blank removes it.
    pub bio: Option<String>,
    /// Accepted for compatibility; use users.setStatus.
    pub status_type: Option<String>,
    /// Needs `Accounts_AllowUserStatusMessageChange`.
    pub status_text: Option<String>,
    /// The SHA-256 hex digest of the current password: required for a new email or
    /// password.
    pub current_password: Option<String>,
    /// Needs `Accounts_AllowPasswordChange` and `currentPassword`; ends every other session.
    pub new_password: Option<String>,
}

/// What `users.updateOwnBasicInfo` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct OwnBasicInfoBody {
    pub data: OwnBasicInfoData,
    /// Values of the fields the setting `Accounts_CustomFields` defines, merged into those
    /// the caller holds and checked by its rules; ignored while it is blank (the default).
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl RequestSchema for OwnBasicInfoBody {
    const CLOSED: bool = true;
    const CLOSED_NESTED: &'static [&'static str] = &["OwnBasicInfoData"];
    const NULLABLE: &'static [&'static str] = &["customFields"];
}

/// The preferences `users.setPreferences` may set; every one optional (8.8.1's
/// `isUsersSetPreferencesParamsPOST`).
#[derive(Object, Debug, serde::Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct PreferencesData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_room_notification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_message_notification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_notification_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_notifications: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_notifications: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_on_enter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_sortby: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_view_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme_appearence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_size: Option<String>,
    /// `default`, `always` or `never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also_send_thread_to_channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_mode: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_volume: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications_sound_volume: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voip_ringer_volume: Option<f64>,
    /// Seconds; at least 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_time_limit: Option<f64>,
    /// Accepted for compatibility; rocketlite keeps no time zone.
    #[serde(skip)]
    pub utc_offset: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_emojis: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convert_ascii_emoji: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save_mobile_bandwidth: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collapse_media_by_default: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_image_load: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread_alert: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_auto_away: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_threads_in_main_channel: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_notification_require_interaction: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_usernames: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_roles: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_avatars: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hide_flex_tab: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_show_favorites: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_show_unread: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_display_avatar: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sidebar_group_by_type: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mute_focused_conversations: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_login_detection_email: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_calendar_events: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omnichannel_transcript_email: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(rename = "omnichannelTranscriptPDF")]
    #[serde(rename = "omnichannelTranscriptPDF")]
    pub omnichannel_transcript_pdf: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub omnichannel_hide_conversation_after_closing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_mobile_ringing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions_with_symbol: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desktop_notification_voice_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlights: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_visibility_denied: Option<Vec<String>>,
    /// `{action, label}` items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dont_ask_again_list: Option<Vec<serde_json::Value>>,
    /// `{name, value}` items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features_preview: Option<Vec<serde_json::Value>>,
}

/// What `users.setPreferences` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SetPreferencesBody {
    /// Another user's (needs `edit-other-user-info`); the caller's when absent.
    pub user_id: Option<String>,
    pub data: PreferencesData,
}

impl RequestSchema for SetPreferencesBody {
    const CLOSED: bool = true;
    const CLOSED_NESTED: &'static [&'static str] = &["PreferencesData"];
}

/// Whose preferences, and all of them now.
#[derive(Object)]
pub struct PreferencesUser {
    #[oai(rename = "_id")]
    pub id: String,
    pub settings: PreferencesSettings,
}

/// A user's `settings`: its preferences.
#[derive(Object)]
pub struct PreferencesSettings {
    pub preferences: std::collections::BTreeMap<String, serde_json::Value>,
}

/// What `users.setPreferences` answers.
#[derive(Object)]
pub struct SetPreferencesOk {
    pub user: PreferencesUser,
    pub success: bool,
}

/// What `users.getPreferences` answers.
#[derive(Object)]
pub struct PreferencesOk {
    pub preferences: std::collections::BTreeMap<String, serde_json::Value>,
    pub success: bool,
}

/// What `users.logoutOtherClients` answers: the token kept and when it expires.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct OtherClientsOk {
    pub token: String,
    pub token_expires: String,
    pub success: bool,
}

/// What `users.getStatus` answers; the caller's own adds `connectionStatus`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct StatusOk {
    #[oai(rename = "_id")]
    pub id: String,
    #[oai(skip_serializing_if_is_none)]
    pub connection_status: Option<String>,
    /// Always `offline`: rocketlite holds no live sessions.
    pub status: String,
    pub success: bool,
}

/// One user of `users.presence`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PresenceUser {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: String,
    pub status: String,
    #[oai(skip_serializing_if_is_none)]
    pub status_text: Option<String>,
}

/// What `users.presence` answers: `full` when the list is every user not offline.
#[derive(Object)]
pub struct PresencesOk {
    pub users: Vec<PresenceUser>,
    pub full: bool,
    pub success: bool,
}

/// One user `users.autocomplete` found.
#[derive(Object)]
pub struct AutocompleteUser {
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    pub username: String,
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    pub status: String,
}

/// What `users.autocomplete` answers.
#[derive(Object)]
pub struct AutocompleteUsersOk {
    pub items: Vec<AutocompleteUser>,
    pub success: bool,
}

/// What `users.checkUsernameAvailability` answers.
#[derive(Object)]
pub struct AvailableOk {
    pub result: bool,
    pub success: bool,
}

/// What `users.deleteOwnAccount` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeleteOwnAccountBody {
    /// The SHA-256 hex digest of the caller's password (of its username if it has none).
    pub password: String,
    /// Hand the rooms the caller is the last active owner of to their earliest-joined
    /// active member, instead of refusing.
    pub confirm_relinquish: Option<bool>,
}

impl RequestSchema for DeleteOwnAccountBody {
    const CLOSED: bool = true;
}

/// What `users.getUsernameSuggestion` answers.
#[derive(Object)]
pub struct SuggestionOk {
    pub result: String,
    pub success: bool,
}

/// users.checkUsernameAvailability's query.
const USERS_CHECK_USERNAME: QuerySchema = QuerySchema {
    params: &[("username", Kind::Text)],
    closed: true,
    coerce_arrays: false,
};

/// users.getStatus's query (`isUsersGetStatusParamsGET`).
const USERS_GET_STATUS: QuerySchema = QuerySchema {
    params: &[
        ("userId", Kind::Text),
        ("username", Kind::Text),
        ("user", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// users.presence's query (`isUsersPresenceParamsGET`).
const USERS_PRESENCE: QuerySchema = QuerySchema {
    params: &[("from", Kind::Text), ("ids", Kind::List)],
    closed: true,
    coerce_arrays: true,
};

/// users.autocomplete's query (`isUsersAutocompleteProps`).
const USERS_AUTOCOMPLETE: QuerySchema = QuerySchema {
    params: &[("selector", Kind::Text)],
    closed: true,
    coerce_arrays: false,
};

/// What `users.autocomplete`'s `selector` holds.
#[derive(serde::Deserialize)]
struct UserSelector {
    #[serde(default)]
    term: String,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    conditions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A `selector` parsed as JSON, or Rocket.Chat's 400 for one that is not.
pub(super) fn selector<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, ErrorResponse> {
    serde_json::from_str(raw)
        .map_err(|e| ErrorResponse::bad_request(Failure::plain(format!("Invalid selector: {e}"))))
}

/// The caller's own account and its view of other users.
#[derive(Default)]
pub struct OwnAccountApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl OwnAccountApi {
    /// Change one's own profile
    ///
    /// The caller's name, username, email, nickname, bio, status message or password, as
    /// the `Accounts_Allow*Change` settings allow; a new email or password needs
    /// `currentPassword` (the SHA-256 hex digest of the current one).
    #[oai(
        path = "/users.updateOwnBasicInfo",
        method = "post",
        operation_id = "usersUpdateOwnBasicInfo"
    )]
    async fn update_own_basic_info(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<OwnBasicInfoBody>,
    ) -> ApiResult<UserOk> {
        let caller = auth.0;
        let (d, custom_fields) = (body.0.data, body.0.custom_fields);
        let info = OwnBasicInfo {
            name: d.name,
            username: d.username,
            email: d.email,
            nickname: d.nickname,
            bio: d.bio,
            status_text: d.status_text,
            current_password: d.current_password,
            new_password: d.new_password,
            custom_fields: custom_fields.map(|f| f.into_iter().collect()),
        };
        call_hashing(
            &service,
            &gate,
            Operation::UsersUpdateOwnBasicInfo,
            move |s| with_custom_fields(s, s.update_own_basic_info(&caller, info)),
            |(user, fields)| UserOk {
                user: UserView::new(&user, true).with_custom_fields(fields),
                success: true,
            },
        )
        .await
    }

    /// Delete one's own account
    ///
    /// Needs the setting `Accounts_AllowDeleteOwnAccount` (off by default) and `password`,
    /// the SHA-256 hex digest of the caller's password. Then as `users.delete`: refused for
    /// the last active admin, and for the last active owner of a room with other active
    /// members unless `confirmRelinquish` is true.
    #[oai(
        path = "/users.deleteOwnAccount",
        method = "post",
        operation_id = "usersDeleteOwnAccount"
    )]
    async fn delete_own_account(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<DeleteOwnAccountBody>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        let b = body.0;
        let confirm = b.confirm_relinquish.unwrap_or(false);
        call_hashing(
            &service,
            &gate,
            Operation::UsersDelete,
            move |s| s.delete_own_account(&caller, &b.password, confirm),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Save preferences
    ///
    /// Merges `data` into the caller's saved preferences (another user's with
    /// `edit-other-user-info`); `idleTimeLimit` is at least 60.
    #[oai(
        path = "/users.setPreferences",
        method = "post",
        operation_id = "usersSetPreferences"
    )]
    async fn set_preferences(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<SetPreferencesBody>,
    ) -> ApiResult<SetPreferencesOk> {
        let b = body.0;
        if b.data
            .also_send_thread_to_channel
            .as_deref()
            .is_some_and(|v| !["default", "always", "never"].contains(&v))
        {
            return Err(super::invalid_params(
                "/data/alsoSendThreadToChannel must be equal to one of the allowed values",
            ));
        }
        let data = match serde_json::to_value(&b.data) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let caller = auth.0;
        let user_id = b.user_id;
        call(
            &service,
            Operation::UsersSetPreferences,
            move |s| s.set_preferences(&caller, user_id.as_deref(), data),
            |(id, preferences)| SetPreferencesOk {
                user: PreferencesUser {
                    id: id.to_string(),
                    settings: PreferencesSettings {
                        preferences: preferences.into_iter().collect(),
                    },
                },
                success: true,
            },
        )
        .await
    }

    /// Get one's saved preferences
    ///
    /// What the caller saved with users.setPreferences (no defaults; `/me` merges them in).
    #[oai(
        path = "/users.getPreferences",
        method = "get",
        operation_id = "usersGetPreferences"
    )]
    async fn get_preferences(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
    ) -> ApiResult<PreferencesOk> {
        let caller = auth.0;
        call_read(
            &service,
            Operation::UsersSetPreferences,
            |s| s.saved_preferences(&caller),
            |preferences| PreferencesOk {
                preferences: preferences.into_iter().collect(),
                success: true,
            },
        )
    }

    /// End one's other sessions
    ///
    /// Revokes every login token of the caller but the one it calls with, and answers that
    /// token and when it expires.
    #[oai(
        path = "/users.logoutOtherClients",
        method = "post",
        operation_id = "usersLogoutOtherClients"
    )]
    async fn logout_other_clients(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
    ) -> ApiResult<OtherClientsOk> {
        let token = request
            .header("x-auth-token")
            .unwrap_or_default()
            .to_string();
        let caller = auth.0;
        call(
            &service,
            Operation::UsersOwnSessions,
            move |s| s.end_other_sessions(&caller),
            |expires| OtherClientsOk {
                token,
                token_expires: iso8601(expires),
                success: true,
            },
        )
        .await
    }

    /// Remove one's other login tokens
    ///
    /// Revokes every login token of the caller but the one it calls with.
    #[oai(
        path = "/users.removeOtherTokens",
        method = "post",
        operation_id = "usersRemoveOtherTokens"
    )]
    async fn remove_other_tokens(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        call(
            &service,
            Operation::UsersOwnSessions,
            move |s| s.end_other_sessions(&caller),
            |_| SuccessOk { success: true },
        )
        .await
    }

    /// Whether a username is free
    ///
    /// `true` for the caller's own name and for a name nobody holds (in any case); a
    /// blocked name is refused (`error-blocked-username`).
    #[oai(
        path = "/users.checkUsernameAvailability",
        method = "get",
        operation_id = "usersCheckUsernameAvailability"
    )]
    async fn check_username_availability(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        username: Query<Option<String>>,
    ) -> ApiResult<AvailableOk> {
        let _ = username; // documented; read from the checked query
        let q = query::check(request, &USERS_CHECK_USERNAME)?;
        let Some(username) = q.text("username") else {
            return Err(super::invalid_params(
                "must have required property 'username'",
            ));
        };
        let caller = auth.0;
        call_read(
            &service,
            Operation::UsersGetPresence,
            |s| s.username_available(&caller, &username),
            |result| AvailableOk {
                result,
                success: true,
            },
        )
    }

    /// Suggest a free username
    ///
    /// The first free one of the caller's slugged name, first initial + last name, first
    /// name + last initial and its verified addresses' local parts, else the first with a
    /// number, as Rocket.Chat's `generateUsernameSuggestion`.
    #[oai(
        path = "/users.getUsernameSuggestion",
        method = "get",
        operation_id = "usersGetUsernameSuggestion"
    )]
    async fn username_suggestion(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
    ) -> ApiResult<SuggestionOk> {
        let caller = auth.0;
        call_read(
            &service,
            Operation::UsersUsernameSuggestion,
            |s| s.username_suggestion(&caller),
            |result| SuggestionOk {
                result,
                success: true,
            },
        )
    }

    /// Get a user's status
    ///
    /// The status of `userId`, `username` or `user` (the caller when none is given); the
    /// caller's own adds `connectionStatus`. rocketlite holds no live sessions, so both are
    /// `offline`.
    #[oai(
        path = "/users.getStatus",
        method = "get",
        operation_id = "usersGetStatus"
    )]
    async fn get_status(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
        user: Query<Option<String>>,
    ) -> ApiResult<StatusOk> {
        let _ = (user_id, username, user); // documented; read from the checked query
        let q = query::check(request, &USERS_GET_STATUS)?;
        let caller = auth.0;
        let (id, name, user) = (q.text("userId"), q.text("username"), q.text("user"));
        call_read(
            &service,
            Operation::UsersGetPresence,
            |s| s.presence(&caller, id.as_deref(), name.as_deref(), user.as_deref()),
            |p| StatusOk {
                id: p.id.to_string(),
                connection_status: p.own.map(|(c, _)| c),
                status: p.presence,
                success: true,
            },
        )
    }

    /// List presences
    ///
    /// The users `ids` names, or (without ids) every user not offline: with no live
    /// sessions, nobody (`full: true`).
    #[oai(
        path = "/users.presence",
        method = "get",
        operation_id = "usersPresence"
    )]
    async fn presence(
        &self,
        request: &Request,
        _auth: Auth,
        service: Data<&Arc<Service>>,
        /// Only users changed since this date; rocketlite changes no presence.
        from: Query<Option<String>>,
        /// User ids, comma-separated or repeated.
        ids: Query<Option<Vec<String>>>,
    ) -> ApiResult<PresencesOk> {
        let _ = (from, ids); // documented; read from the checked query
        let q = query::check(request, &USERS_PRESENCE)?;
        let ids: Option<Vec<String>> = q.list("ids").map(|ids| {
            ids.iter()
                .flat_map(|i| i.split(','))
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty())
                .collect()
        });
        call_read(
            &service,
            Operation::UsersPresence,
            |s| s.presences(ids.as_deref()),
            |(users, full)| PresencesOk {
                users: users.iter().map(presence_user).collect(),
                full,
                success: true,
            },
        )
    }

    /// Find users by a part of their name
    ///
    /// `selector` is JSON `{"term": "...", "exceptions": ["username", ...]}`: up to ten active
    /// users whose username or name contains the term, by username. Without
    /// `view-outside-room`, only members of the caller's rooms.
    #[oai(
        path = "/users.autocomplete",
        method = "get",
        operation_id = "usersAutocomplete"
    )]
    async fn autocomplete(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        selector: Query<Option<String>>,
    ) -> ApiResult<AutocompleteUsersOk> {
        let _ = selector; // documented; read from the checked query
        let q = query::check(request, &USERS_AUTOCOMPLETE)?;
        let Some(raw) = q.text("selector") else {
            return Err(super::invalid_params(
                "must have required property 'selector'",
            ));
        };
        let selector: UserSelector = self::selector(&raw)?;
        // Mongo conditions cannot be honoured here: any is an invalid query, as a
        // condition on a field Rocket.Chat does not allow.
        if selector.conditions.is_some_and(|c| !c.is_empty()) {
            return Err(ErrorResponse::bad_request(Failure::bare()));
        }
        let caller = auth.0;
        call_read(
            &service,
            Operation::UsersAutocomplete,
            |s| s.autocomplete_users(&caller, &selector.term, &selector.exceptions),
            |users| AutocompleteUsersOk {
                items: users
                    .iter()
                    .map(|u| AutocompleteUser {
                        id: u.id.to_string(),
                        name: u.name.clone(),
                        username: u.username.clone(),
                        nickname: u.profile.nickname.clone(),
                        status: "offline".into(),
                    })
                    .collect(),
                success: true,
            },
        )
    }
}

fn presence_user(user: &User) -> PresenceUser {
    PresenceUser {
        id: user.id.to_string(),
        username: user.username.clone(),
        name: user.name.clone(),
        status: "offline".into(),
        status_text: user.profile.status_text.clone(),
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "usersDeleteOwnAccount" => json!({"success": true}),
        "usersGetUsernameSuggestion" => json!({"result": "ada.lovelace", "success": true}),
        "usersUpdateOwnBasicInfo" => json!({"user": user_example("ada", true), "success": true}),
        "usersLogoutOtherClients" => {
            json!({"token": "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "tokenExpires": TS, "success": true})
        }
        "usersRemoveOtherTokens" => json!({"success": true}),
        "usersCheckUsernameAvailability" => json!({"result": true, "success": true}),
        "usersSetPreferences" => {
            json!({"user": {"_id": USER_ID, "settings": {"preferences": {"sidebarViewMode": "condensed"}}}, "success": true})
        }
        "usersGetPreferences" => {
            json!({"preferences": {"sidebarViewMode": "condensed"}, "success": true})
        }
        "usersGetStatus" => {
            json!({"_id": USER_ID, "connectionStatus": "offline", "status": "offline", "success": true})
        }
        "usersPresence" => json!({"users": [], "full": true, "success": true}),
        "usersAutocomplete" => {
            json!({"items": [{"_id": USER_ID, "name": "Ada Lovelace", "username": "ada", "status": "offline"}], "success": true})
        }
        _ => return None,
    })
}
