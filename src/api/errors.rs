//! The one table from service errors to Rocket.Chat's statuses and bodies.

use poem_openapi::payload::Json;
use serde_json::json;

use super::envelope::{ErrorResponse, Failure};
use crate::model::RoomKind;
use crate::service::ServiceError;

/// Maps every refusal to the exact status and body Rocket.Chat sends for it.
pub fn to_response(error: ServiceError) -> ErrorResponse {
    use ServiceError as E;
    let domain = |reason: &str, code: &str, details| {
        ErrorResponse::bad_request(Failure::domain(reason, code, details))
    };
    let method = |m: &str| Some(json!({ "method": m }));
    match error {
        E::Unauthorized => ErrorResponse::not_logged_in(),
        E::Forbidden => ErrorResponse::forbidden(),
        E::InvalidParams(message) => ErrorResponse::invalid_params(&message),
        E::LoginFailed => unauthorized("Unauthorized", "Unauthorized"),
        E::UserNotActivated => unauthorized("error-user-is-not-activated", "User is not activated"),
        E::LoginBlockedForUser => unauthorized(
            "error-login-blocked-for-user",
            "Login has been temporarily blocked For User",
        ),
        E::LoginBlockedForIp => unauthorized(
            "error-login-blocked-for-ip",
            "Login has been temporarily blocked For IP",
        ),
        E::UserNotFound => ErrorResponse::bad_request(Failure::plain("User not found")),
        E::UserInfoNotFound => ErrorResponse::bad_request(Failure::plain("User not found.")),
        E::InvalidUser => domain(
            r#"The required "userId" or "username" param provided does not match any users"#,
            "error-invalid-user",
            None,
        ),
        E::FieldUnavailable(value) => domain(
            &format!("{value} is already in use :("),
            "error-field-unavailable",
            Some(json!({ "method": "insertOrUpdateUser", "field": value })),
        ),
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
        E::LastAdmin => domain(
            "Leaving the app without an active admin is not allowed",
            "error-action-not-allowed",
            Some(json!({ "method": "removeUserFromRole", "action": "Remove_last_admin" })),
        ),
        E::LastOwner(rooms) => domain(
            "",
            "user-last-owner",
            Some(json!({ "shouldChangeOwner": rooms, "shouldBeRemoved": [] })),
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
        E::UnknownRole(_) => {
            ErrorResponse::bad_request(Failure::typed("Invalid role", "error-invalid-role"))
        }
        E::RoomNotFound(kind) => domain(
            &format!(
                r#"The required "roomId" or "roomName" param provided does not match any {}"#,
                match kind {
                    RoomKind::Channel => "channel",
                    RoomKind::Group => "group",
                }
            ),
            "error-room-not-found",
            None,
        ),
        E::UserNotInRoom { method: m } => domain(
            "User is not in this room",
            "error-user-not-in-room",
            method(m),
        ),
        E::InvalidRoom { method: m } => domain("Invalid room", "error-invalid-room", method(m)),
        E::AlreadyOwner { method: m } => domain(
            "User is already an owner",
            "error-user-already-owner",
            method(m),
        ),
        E::NotOwner { method: m } => {
            domain("User is not an owner", "error-user-not-owner", method(m))
        }
        E::RemoveLastOwner { method: m } => domain(
            "This is the last owner. Please set a new owner before removing this one.",
            "error-remove-last-owner",
            method(m),
        ),
        E::NotAllowed { method: m } => domain("Not allowed", "error-not-allowed", method(m)),
        E::Store(cause) => {
            // Logged with its cause; the client learns only that the server failed.
            tracing::error!(error = %cause, "store failure");
            ErrorResponse::internal()
        }
    }
}

fn unauthorized(error: &str, message: &str) -> ErrorResponse {
    ErrorResponse::Unauthorized(Json(Failure::auth(error, message)))
}
