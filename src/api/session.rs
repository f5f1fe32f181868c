//! Server info, login, logout and `me`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::HashGate;
use super::errors::Operation;
use super::views::UserView;
use super::{ApiConfig, ApiResult, ApiTags, call, call_hashing};
use crate::service::{LoginName, Service, ServiceError};

/// `GET /api/info`.
#[derive(Object)]
pub struct InfoOk {
    /// The Rocket.Chat API version these endpoints follow.
    pub version: String,
    pub success: bool,
}

/// Login by `user` (username or email), `username` or `email`, with a password.
#[derive(Object, Debug)]
pub struct LoginBody {
    /// A username or an email address.
    pub user: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: String,
}

// Rocket.Chat's login accepts more fields (`code`, `totp`, `resume`); they are ignored.
impl RequestSchema for LoginBody {
    const CLOSED: bool = false;
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
    pub success: bool,
}

/// Server information and sessions.
pub struct SessionApi;

#[OpenApi]
impl SessionApi {
    /// Server information
    ///
    /// The version of the Rocket.Chat API this server speaks. Needs no authentication.
    #[oai(
        path = "/api/info",
        method = "get",
        operation_id = "info",
        tag = "ApiTags::Info"
    )]
    async fn info(&self) -> Json<InfoOk> {
        Json(InfoOk {
            version: crate::RC_API_VERSION.into(),
            success: true,
        })
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
        let body = body.0;
        let name = match (body.user, body.username, body.email) {
            (Some(user), _, _) => LoginName::UsernameOrEmail(user),
            (None, Some(username), _) => LoginName::Username(username),
            (None, None, Some(email)) => LoginName::Email(email),
            (None, None, None) => {
                return Err(super::to_response(
                    ServiceError::InvalidParams("must have required property 'user'".into()),
                    Operation::Login,
                ));
            }
        };
        let password = body.password;
        call_hashing(
            &service,
            &gate,
            Operation::Login,
            move |s| s.login(&name, &password, client.as_deref()),
            |(user, token)| LoginOk {
                status: "success".into(),
                data: LoginData {
                    user_id: user.id.to_string(),
                    auth_token: token.expose().to_string(),
                    me: UserView::new(&user, true),
                },
                success: true,
            },
        )
        .await
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
    async fn me(&self, auth: Auth) -> ApiResult<MeOk> {
        Ok(Json(MeOk {
            user: UserView::new(&auth.0.user, true),
            success: true,
        }))
    }
}

/// The client's address for the login limits: the socket's peer or, behind
/// `trusted_proxies` proxies, the `X-Forwarded-For` entry that many places from the right
/// (the address the outermost trusted proxy saw; entries left of it are the client's own
/// words). A shorter header than that falls back to the peer.
fn client_address(request: &Request) -> Option<String> {
    let hops = request.data::<ApiConfig>().map_or(0, |c| c.trusted_proxies);
    let peer = || {
        request
            .remote_addr()
            .as_socket_addr()
            .map(|a| a.ip().to_string())
    };
    if hops == 0 {
        return peer();
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("X-Forwarded-For")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    match forwarded.len().checked_sub(hops) {
        Some(i) if !forwarded[i].is_empty() => Some(forwarded[i].chars().take(64).collect()),
        _ => peer(),
    }
}
