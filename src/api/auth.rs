//! `Auth`: the caller, resolved from the `X-User-Id` and `X-Auth-Token` headers together.
//! Both are declared as apiKey security schemes; the spec writer makes them required jointly.

use std::sync::Arc;

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use super::envelope::ErrorResponse;
use super::errors::{Operation, to_response};
use super::rate_limit::ResolvedCaller;
use crate::model::{LoginToken, UserId};
use crate::service::{Caller, Service};

/// Security scheme names in the spec.
pub const USER_ID_SCHEME: &str = "UserId";
pub const AUTH_TOKEN_SCHEME: &str = "AuthToken";

/// The authenticated caller of an operation.
pub struct Auth(pub Caller);

/// The caller a request's headers name, for the operations that need no login but answer
/// differently to one (`/api/info`, `users.register`); `None` for missing or bad headers.
pub fn optional_caller(request: &Request) -> Option<Caller> {
    if let Some(ResolvedCaller(caller)) = request.extensions().get::<ResolvedCaller>() {
        return Some(caller.clone());
    }
    let header = |name: &str| request.headers().get(name)?.to_str().ok();
    let (user_id, token) = (header("X-User-Id")?, header("X-Auth-Token")?);
    let service = request.data::<Arc<Service>>()?;
    service
        .authenticate(
            &UserId(user_id.to_string()),
            LoginToken::from_client(token.to_string()),
        )
        .ok()
}

impl<'a> ApiExtractor<'a> for Auth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        for (name, header, description) in [
            (
                USER_ID_SCHEME,
                "X-User-Id",
                "The `userId` returned by login.",
            ),
            (
                AUTH_TOKEN_SCHEME,
                "X-Auth-Token",
                "The `authToken` returned by login.",
            ),
        ] {
            registry.create_security_scheme(
                name,
                MetaSecurityScheme {
                    ty: "apiKey",
                    description: Some(description),
                    name: Some(header),
                    key_in: Some("header"),
                    scheme: None,
                    bearer_format: None,
                    flows: None,
                    openid_connect_url: None,
                },
            );
        }
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![USER_ID_SCHEME, AUTH_TOKEN_SCHEME]
    }

    async fn from_request(
        request: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        // The rate limiter resolved it already: one read per request, not two.
        if let Some(ResolvedCaller(caller)) = request.extensions().get::<ResolvedCaller>() {
            return Ok(Auth(caller.clone()));
        }
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (Some(user_id), Some(token)) = (header("X-User-Id"), header("X-Auth-Token")) else {
            return Err(ErrorResponse::not_logged_in().into());
        };
        let service = request
            .data::<Arc<Service>>()
            .expect("the app installs the service");
        // A read, run in place like every read (see `api::call_read`).
        let token = LoginToken::from_client(token);
        service
            .authenticate(&UserId(user_id), token)
            .map(Auth)
            .map_err(|e| to_response(e, Operation::Authenticate).into())
    }
}
