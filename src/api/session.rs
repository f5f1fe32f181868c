//! Server info, login, logout and `me`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Union, param::Query, payload::Json};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::HashGate;
use super::errors::Operation;
use super::views::UserView;
use super::{ApiResult, ApiTags, call, call_hashing, call_read, client_address, machine, query};
use crate::api::examples::{USER_ID, user_example};
use crate::model::{LoginToken, User};
use crate::service::{LicenceInfo, LoginName, Secret, Service, ServiceError};
use serde_json::{Value, json};

/// `GET /api/info`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct InfoOk {
    /// The Rocket.Chat release whose REST API these endpoints follow: `major.minor`, or the
    /// full version for holders of `view-statistics`.
    pub version: String,
    /// For holders of `view-statistics` only.
    #[oai(skip_serializing_if_is_none)]
    pub info: Option<ServerInfo>,
    /// The oldest desktop and mobile apps the followed release supports.
    pub minimum_client_versions: ClientVersions,
    /// Always empty: rocketlite is not registered with Rocket.Chat's cloud.
    pub cloud_workspace_id: String,
    pub success: bool,
}

/// Rocket.Chat's `minimumClientVersions`.
#[derive(Object)]
pub struct ClientVersions {
    pub desktop: String,
    pub mobile: String,
}

/// The server's own facts, as Rocket.Chat's `Info` object carries them.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct ServerInfo {
    pub version: String,
    pub build: machine::BuildInfo,
    /// Empty: rocketlite has no apps marketplace.
    pub marketplace_api_version: String,
    pub commit: CommitInfo,
}

/// The source revision; rocketlite builds do not record one.
#[derive(Object)]
pub struct CommitInfo {
    #[oai(skip_serializing_if_is_none)]
    pub hash: Option<String>,
}

/// `GET /api/v1/licenses.info`.
#[derive(Object)]
pub struct LicensesInfoOk {
    pub license: LicenceView,
    pub success: bool,
}

/// A community edition without a licence.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LicenceView {
    pub active_modules: Vec<String>,
    pub external_modules: Vec<String>,
    pub prevented_actions: std::collections::BTreeMap<String, bool>,
    /// The default limits, for holders of `view-privileged-setting`; empty for others.
    pub limits: Limits,
    pub tags: Vec<String>,
    pub trial: bool,
    pub has_valid_license: bool,
}

/// licenses.info's query, as `isLicensesInfoProps` reads it.
const LICENSES_INFO: query::QuerySchema = query::QuerySchema {
    params: &[("loadValues", query::Kind::Flag)],
    closed: true,
    coerce_arrays: true,
};

/// Rocket.Chat's licence limits; `-1` is unlimited.
#[derive(Object, Default)]
#[oai(rename_all = "camelCase")]
pub struct Limits {
    #[oai(skip_serializing_if_is_none)]
    pub active_users: Option<Limit>,
    #[oai(skip_serializing_if_is_none)]
    pub guest_users: Option<Limit>,
    #[oai(skip_serializing_if_is_none)]
    pub private_apps: Option<Limit>,
    #[oai(skip_serializing_if_is_none)]
    pub marketplace_apps: Option<Limit>,
    #[oai(skip_serializing_if_is_none)]
    pub monthly_active_contacts: Option<Limit>,
}

/// One limit, with its current value when asked for.
#[derive(Object)]
pub struct Limit {
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<u64>,
    pub max: i64,
}

impl LicenceView {
    fn community(info: &LicenceInfo) -> Self {
        // Guests, apps and livechat contacts: rocketlite has none of them.
        let limit = |max, value: Option<u64>| Some(Limit { value, max });
        let none = info.active_users.map(|_| 0);
        let limits = match info.privileged {
            true => Limits {
                active_users: limit(-1, info.active_users),
                guest_users: limit(-1, none),
                private_apps: limit(3, none),
                marketplace_apps: limit(5, none),
                monthly_active_contacts: limit(-1, none),
            },
            false => Limits::default(),
        };
        let prevented = [
            "activeUsers",
            "guestUsers",
            "roomsPerGuest",
            "privateApps",
            "marketplaceApps",
            "monthlyActiveContacts",
        ];
        LicenceView {
            active_modules: vec![],
            external_modules: vec![],
            prevented_actions: prevented.iter().map(|k| (k.to_string(), false)).collect(),
            limits,
            tags: vec![],
            trial: false,
            has_valid_license: false,
        }
    }
}

/// A login: a user named by `user` (a username or an email address, or one of
/// `{username}`, `{email}`, `{id}`), `username` or `email`, in that order, with a password or
/// its digest; or `resume` with a live login token, which wins over everything else.
#[derive(Object, Debug)]
pub struct LoginBody {
    pub user: Option<LoginUser>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<LoginPassword>,
    /// A login token to log in with again; it is returned as it is.
    pub resume: Option<String>,
    /// A two-factor code; rocketlite has no two-factor authentication, so it is ignored.
    pub code: Option<String>,
}

// Rocket.Chat hands other login fields to Meteor's handlers; they are ignored here.
impl RequestSchema for LoginBody {
    const CLOSED: bool = false;
}

/// `user` in a login.
#[derive(Union, Debug)]
#[oai(one_of)]
pub enum LoginUser {
    /// A username, or an email address (when it contains `@`).
    Name(String),
    /// Exactly one of `username`, `email`, `id`.
    Query(LoginUserQuery),
}

/// Meteor's user selector.
#[derive(Object, Debug)]
pub struct LoginUserQuery {
    pub username: Option<String>,
    pub email: Option<String>,
    pub id: Option<String>,
}

/// `password` in a login.
#[derive(Union, Debug)]
#[oai(one_of)]
pub enum LoginPassword {
    Plain(String),
    /// The lower-case hex SHA-256 of the password, as Meteor's clients send it.
    Digest(PasswordDigest),
}

/// `{"digest": …, "algorithm": "sha-256"}`.
#[derive(Object, Debug)]
pub struct PasswordDigest {
    pub digest: String,
    /// Only `sha-256`.
    pub algorithm: String,
}

impl LoginBody {
    /// The user and the secret, with Rocket.Chat's precedence; `None` when either is missing
    /// or malformed (which Rocket.Chat answers 401 or 500: always 401 here).
    fn credentials(self) -> Option<(LoginName, Secret)> {
        let name = match (self.user, self.username, self.email) {
            (Some(LoginUser::Name(user)), ..) => LoginName::UsernameOrEmail(user),
            (_, Some(username), _) => LoginName::Username(username),
            (_, None, Some(email)) => LoginName::Email(email),
            (Some(LoginUser::Query(q)), None, None) => match (q.username, q.email, q.id) {
                (Some(username), None, None) => LoginName::Username(username),
                (None, Some(email), None) => LoginName::Email(email),
                (None, None, Some(id)) => LoginName::Id(id),
                _ => return None,
            },
            (None, None, None) => return None,
        };
        let secret = match self.password? {
            LoginPassword::Plain(password) => Secret::Plain(password),
            LoginPassword::Digest(d) if d.algorithm == "sha-256" => Secret::Digest(d.digest),
            LoginPassword::Digest(_) => return None,
        };
        Some((name, secret))
    }
}

/// The token and the user it belongs to.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct LoginData {
    pub user_id: String,
    /// Send it as `X-Auth-Token` with `X-User-Id` on every other call.
    pub auth_token: String,
    pub me: UserView,
}

/// A successful login.
#[derive(Object)]
pub struct LoginOk {
    /// Always `success`.
    pub status: String,
    pub data: LoginData,
    pub success: bool,
}

/// The logout message.
#[derive(Object)]
pub struct LogoutData {
    pub message: String,
}

/// A successful logout.
#[derive(Object)]
pub struct LogoutOk {
    pub status: String,
    pub data: LogoutData,
    pub success: bool,
}

/// The caller's own account.
#[derive(Object)]
pub struct MeOk {
    #[oai(flatten)]
    pub user: UserView,
    /// The caller's preferences: every default with what it saved over it.
    pub settings: super::own_account::PreferencesSettings,
    pub success: bool,
}

/// Server information and sessions.
#[derive(Default)]
pub struct SessionApi;

#[OpenApi]
impl SessionApi {
    /// Server information
    ///
    /// The Rocket.Chat release whose REST API rocketlite follows, as `major.minor`. With the
    /// headers of a user holding `view-statistics`, the full version and `info` about the
    /// running server; bad or missing headers are no error here.
    #[oai(
        path = "/api/info",
        method = "get",
        operation_id = "info",
        tag = "ApiTags::Info"
    )]
    async fn info(&self, request: &Request, service: Data<&Arc<Service>>) -> Json<InfoOk> {
        let full = super::auth::optional_caller(request)
            .is_some_and(|caller| service.may_view_statistics(&caller));
        let release = crate::RC_API_VERSION;
        Json(InfoOk {
            version: match full {
                true => release.to_string(),
                false => release.splitn(3, '.').take(2).collect::<Vec<_>>().join("."),
            },
            info: full.then(|| ServerInfo {
                version: release.into(),
                build: machine::build_info(),
                marketplace_api_version: String::new(),
                commit: CommitInfo { hash: None },
            }),
            minimum_client_versions: ClientVersions {
                desktop: crate::RC_MINIMUM_DESKTOP.into(),
                mobile: crate::RC_MINIMUM_MOBILE.into(),
            },
            cloud_workspace_id: String::new(),
            success: true,
        })
    }

    /// Licence information
    ///
    /// rocketlite is a community edition without a licence: no modules, nothing prevented,
    /// and Rocket.Chat's default limits, shown to holders of `view-privileged-setting`
    /// (with the current values when `loadValues=true`).
    #[oai(
        path = "/api/v1/licenses.info",
        method = "get",
        operation_id = "licensesInfo",
        tag = "ApiTags::Info"
    )]
    async fn licenses_info(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        /// With `view-privileged-setting`: the current value beside each limit.
        #[oai(name = "loadValues")]
        load_values: Query<Option<bool>>,
    ) -> ApiResult<LicensesInfoOk> {
        let _ = load_values; // documents the parameter; the value comes from the checked query
        let q = query::check(request, &LICENSES_INFO)?;
        let caller = auth.0;
        let load_values = q.flag("loadValues").unwrap_or(false);
        call_read(
            &service,
            Operation::LicensesInfo,
            move |s| s.licence_info(&caller, load_values),
            |info| LicensesInfoOk {
                license: LicenceView::community(&info),
                success: true,
            },
        )
    }

    /// Log in
    ///
    /// Checks the password and returns a new login token. An unknown user and a wrong password
    /// get the same 401, so nobody can probe which usernames exist; a deactivated user with the
    /// right password gets `error-user-is-not-activated`.
    #[oai(
        path = "/api/v1/login",
        method = "post",
        operation_id = "login",
        tag = "ApiTags::Authentication"
    )]
    async fn login(
        &self,
        request: &Request,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<LoginBody>,
    ) -> ApiResult<LoginOk> {
        let client = client_address(request);
        let mut body = body.0;
        let logged_in = |(user, token): (User, LoginToken)| LoginOk {
            status: "success".into(),
            data: LoginData {
                user_id: user.id.to_string(),
                auth_token: token.expose().to_string(),
                me: UserView::new(&user, true),
            },
            success: true,
        };
        if let Some(resume) = body.resume.take() {
            let token = LoginToken::from_client(resume);
            return call(
                &service,
                Operation::Login,
                move |s| s.resume(token),
                logged_in,
            )
            .await;
        }
        let Some((name, secret)) = body.credentials() else {
            failed_login(request, None, client.as_deref());
            return Err(super::to_response(
                ServiceError::LoginFailed,
                Operation::Login,
            ));
        };
        let who = name.text().to_string();
        let address = client.clone();
        let outcome = call_hashing(
            &service,
            &gate,
            Operation::Login,
            move |s| s.login(&name, &secret, address.as_deref()),
            logged_in,
        )
        .await;
        if outcome.is_err() {
            failed_login(request, Some(&who), client.as_deref());
        }
        outcome
    }

    /// Log out
    ///
    /// Revokes the login token used for this request; other tokens of the user stay valid.
    #[oai(
        path = "/api/v1/logout",
        method = "post",
        operation_id = "logout",
        tag = "ApiTags::Authentication"
    )]
    async fn logout(&self, auth: Auth, service: Data<&Arc<Service>>) -> ApiResult<LogoutOk> {
        let caller = auth.0;
        call(
            &service,
            Operation::Logout,
            move |s| s.logout(&caller),
            |()| LogoutOk {
                status: "success".into(),
                data: LogoutData {
                    message: "You've been logged out!".into(),
                },
                success: true,
            },
        )
        .await
    }

    /// The caller
    ///
    /// The authenticated user's own account, with its email addresses and roles.
    #[oai(
        path = "/api/v1/me",
        method = "get",
        operation_id = "me",
        tag = "ApiTags::Authentication"
    )]
    async fn me(&self, auth: Auth, service: Data<&Arc<Service>>) -> ApiResult<MeOk> {
        let caller = auth.0;
        super::call_read(
            &service,
            Operation::UsersSetPreferences,
            |s| {
                let preferences = s.effective_preferences(&caller)?;
                Ok((preferences, s.custom_fields(&caller.user.id)?))
            },
            |(preferences, fields)| MeOk {
                user: UserView::new(&caller.user, true).with_custom_fields(fields),
                settings: super::own_account::PreferencesSettings {
                    preferences: preferences.into_iter().collect(),
                },
                success: true,
            },
        )
    }
}

/// Every failed login, for the operator and fail2ban: the name tried (quoted and escaped, so
/// it cannot forge a line) and the client address; counted in the metrics.
fn failed_login(request: &Request, username: Option<&str>, client: Option<&str>) {
    let username: String = username.unwrap_or("").chars().take(128).collect();
    tracing::warn!(
        target: "rocketlite::auth",
        username = ?username,
        client = client.unwrap_or("-"),
        "failed login"
    );
    if let Some(metrics) = request.data::<Arc<super::metrics::Metrics>>() {
        metrics.login_failed();
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "info" => {
            json!({"version": "8.8", "minimumClientVersions": {"desktop": crate::RC_MINIMUM_DESKTOP, "mobile": crate::RC_MINIMUM_MOBILE}, "cloudWorkspaceId": "", "success": true})
        }
        "licensesInfo" => {
            json!({"license": {"activeModules": [], "externalModules": [], "preventedActions": {"activeUsers": false, "guestUsers": false, "roomsPerGuest": false, "privateApps": false, "marketplaceApps": false, "monthlyActiveContacts": false}, "limits": {"activeUsers": {"max": -1}, "guestUsers": {"max": -1}, "privateApps": {"max": 3}, "marketplaceApps": {"max": 5}, "monthlyActiveContacts": {"max": -1}}, "tags": [], "trial": false, "hasValidLicense": false}, "success": true})
        }
        "login" => {
            json!({"status": "success", "data": {"userId": USER_ID, "authToken": "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq", "me": user_example("ada", true)}, "success": true})
        }
        "logout" => {
            json!({"status": "success", "data": {"message": "You've been logged out!"}, "success": true})
        }
        "me" => {
            let mut me = user_example("ada", true);
            me["settings"] =
                json!({"preferences": {"sidebarViewMode": "medium", "idleTimeLimit": 300}});
            me["success"] = json!(true);
            me
        }
        _ => return None,
    })
}
