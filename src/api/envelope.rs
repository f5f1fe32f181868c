//! Rocket.Chat's failure envelopes: one schema for every error body, and the responses that
//! carry it.

use poem::{IntoResponse, Response, http::StatusCode};
use poem_openapi::{ApiResponse, Object, payload::Json};
use serde_json::Value;

/// Every error body rocketlite sends: `success` is always false; the other fields appear as
/// the case needs (Rocket.Chat's `Meteor.Error`, `failure()`, 401 and 403 bodies).
#[derive(Object, Clone, Debug, PartialEq)]
#[oai(rename_all = "camelCase")]
pub struct Failure {
    /// Always `false`.
    pub success: bool,
    /// The reason, with the error code in brackets for domain errors; absent in Rocket.Chat's
    /// bare `{"success":false}`.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
    /// The machine-readable error code.
    #[oai(skip_serializing_if_is_none)]
    pub error_type: Option<String>,
    /// Extra facts about a domain error.
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Value>,
    /// `error` on authentication failures.
    #[oai(skip_serializing_if_is_none)]
    pub status: Option<String>,
    /// A human-readable message on authentication failures.
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<String>,
}

/// The contract's 401 text for every "not logged in" case.
pub const NOT_LOGGED_IN: &str = "You must be logged in to do this.";

impl Failure {
    /// `{"success":false,"error":msg}`, Rocket.Chat's `API.v1.failure(msg)`.
    pub fn plain(message: impl Into<String>) -> Self {
        Failure {
            success: false,
            error: Some(message.into()),
            error_type: None,
            details: None,
            status: None,
            message: None,
        }
    }

    /// Rocket.Chat's `API.v1.failure()` with nothing to say: `{"success":false}`.
    pub fn bare() -> Self {
        Failure {
            error: None,
            ..Failure::plain("")
        }
    }

    /// `API.v1.failure(msg, type)`: the type beside the message, not inside it.
    pub fn typed(message: impl Into<String>, error_type: &str) -> Self {
        Failure {
            error_type: Some(error_type.into()),
            ..Failure::plain(message)
        }
    }

    /// A thrown `Meteor.Error(code, reason, details)`: `"reason [code]"`, or `"[code]"`.
    pub fn domain(reason: &str, code: &str, details: Option<Value>) -> Self {
        let error = if reason.is_empty() {
            format!("[{code}]")
        } else {
            format!("{reason} [{code}]")
        };
        Failure {
            details,
            ..Failure::typed(error, code)
        }
    }

    /// A request that fails validation, as every route of Rocket.Chat 8.8.1 words it
    /// (`Meteor.Error('invalid-params', messages)`): a space before the bracket.
    pub fn invalid_params(message: &str) -> Self {
        Failure::typed(format!("{message} [invalid-params]"), "invalid-params")
    }

    /// The body of an authentication failure: `error` and `message` alike, `status: "error"`.
    pub fn auth(error: &str, message: &str) -> Self {
        Failure {
            status: Some("error".into()),
            message: Some(message.into()),
            ..Failure::plain(error)
        }
    }
}

/// The error half of every operation's result.
#[derive(ApiResponse, Debug)]
pub enum ErrorResponse {
    /// Refused: invalid parameters or a domain rule.
    #[oai(status = 400)]
    BadRequest(Json<Failure>),
    /// Not logged in: a header missing, or a token unknown, revoked, of another user or of an
    /// inactive user.
    #[oai(status = 401)]
    Unauthorized(Json<Failure>),
    /// Logged in, but without the permission this operation requires.
    #[oai(status = 403)]
    Forbidden(Json<Failure>),
    /// The room or user is not there for this caller (only where Rocket.Chat answers 404).
    #[oai(status = 404)]
    NotFound(Json<Failure>),
    /// The request body is larger than 1 MiB.
    #[oai(status = 413)]
    PayloadTooLarge(Json<Failure>),
    /// Too many calls of this operation from this address within the rate limiter's window.
    #[oai(status = 429)]
    TooManyRequests(Json<Failure>),
    /// The server failed; the cause is in its log.
    #[oai(status = 500)]
    Internal(Json<Failure>),
    /// The server is holding as many large answers as it may; try again shortly.
    #[oai(status = 503)]
    Busy(Json<Failure>),
}

impl ErrorResponse {
    pub fn bad_request(failure: Failure) -> Self {
        ErrorResponse::BadRequest(Json(failure))
    }

    pub fn invalid_params(message: &str) -> Self {
        Self::bad_request(Failure::invalid_params(message))
    }

    pub fn not_logged_in() -> Self {
        ErrorResponse::Unauthorized(Json(Failure::auth(NOT_LOGGED_IN, NOT_LOGGED_IN)))
    }

    pub fn forbidden() -> Self {
        ErrorResponse::Forbidden(Json(Failure::plain(
            "User does not have the permissions required for this action [error-unauthorized]",
        )))
    }

    pub fn too_large() -> Self {
        ErrorResponse::PayloadTooLarge(Json(Failure::invalid_params(
            "request entity too large: the body may be at most 1 MiB",
        )))
    }
}

impl ErrorResponse {
    /// The JSON body, as sent.
    pub fn body(&self) -> Value {
        use poem_openapi::types::ToJSON;
        let (ErrorResponse::BadRequest(Json(f))
        | ErrorResponse::Unauthorized(Json(f))
        | ErrorResponse::Forbidden(Json(f))
        | ErrorResponse::NotFound(Json(f))
        | ErrorResponse::PayloadTooLarge(Json(f))
        | ErrorResponse::TooManyRequests(Json(f))
        | ErrorResponse::Internal(Json(f))
        | ErrorResponse::Busy(Json(f))) = self;
        f.to_json().unwrap_or_default()
    }

    pub fn internal() -> Self {
        ErrorResponse::Internal(Json(Failure::plain("Internal server error")))
    }

    /// Rocket.Chat's refusal by its rate limiter: no `errorType`, the wait in the text.
    pub fn too_many_requests(wait_seconds: u64) -> Self {
        ErrorResponse::TooManyRequests(Json(Failure::plain(format!(
            "Error, too many requests. Please slow down. You must wait {wait_seconds} seconds \
             before trying this endpoint again. [error-too-many-requests]"
        ))))
    }

    pub fn busy() -> Self {
        ErrorResponse::Busy(Json(Failure::typed(
            "The server is busy sending other large answers; try again shortly",
            "error-server-busy",
        )))
    }
}

/// A bare envelope response with `status`, for errors raised outside any operation (404,
/// parameter parsing, panics).
pub fn envelope(status: StatusCode, failure: Failure) -> Response {
    let mut resp = Json(failure).into_response();
    resp.set_status(status);
    resp
}
