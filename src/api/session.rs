//! Server info, login, logout and `me`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Union, payload::Json};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::HashGate;
use super::errors::Operation;
use super::views::UserView;
use super::{ApiConfig, ApiResult, ApiTags, call, call_hashing};
use crate::model::{LoginToken, User};
use crate::service::{LoginName, Secret, Service, ServiceError};

/// `GET /api/info`.
#[derive(Object)]
pub struct InfoOk {
    /// The Rocket.Chat API version these endpoints follow.
    pub version: String,
    pub success: bool,
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
            return Err(super::to_response(
                ServiceError::LoginFailed,
                Operation::Login,
            ));
        };
        call_hashing(
            &service,
            &gate,
            Operation::Login,
            move |s| s.login(&name, &secret, client.as_deref()),
            logged_in,
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
