//! Upper bounds on every string and list a request can store. Rocket.Chat sets none for these
//! (its username and room-name patterns have no length), so these are rocketlite's own,
//! documented in the README: generous for real names, small enough that no request can
//! grow the file or hold the writer for long.

use super::error::ParamProblem;
use super::{ServiceError, ServiceResult};

/// Characters in a username.
pub const USERNAME: usize = 80;
/// Characters in a display name (`name`).
pub const DISPLAY_NAME: usize = 120;
/// Characters in an email address (RFC 5321's path limit).
pub const EMAIL: usize = 254;
/// Bytes in a password; argon2 reads all of it.
pub const PASSWORD: usize = 1024;
/// Characters in a room name.
pub const ROOM_NAME: usize = 80;
/// Email addresses of one user (SCIM may send several).
pub const EMAILS: usize = 16;
/// Characters in an email's SCIM `type` (`work`, `home`, ...).
pub const EMAIL_TYPE: usize = 64;
/// Characters in a SCIM `externalId`.
pub const EXTERNAL_ID: usize = 254;
/// Usernames in one `channels.create` / `groups.create`.
pub const MEMBERS: usize = 1000;
/// Distinct roles on one user or one permission.
pub const ROLES: usize = 32;
/// Kinds of system message one room lists (`rooms.saveRoomSettings`'s `systemMessages`).
pub const SYSTEM_MESSAGE_TYPES: usize = 64;
/// Characters in a personal access token's name.
pub const TOKEN_NAME: usize = 120;
/// Personal access tokens one user holds at once.
pub const PERSONAL_TOKENS: usize = 100;
/// Ids one users.presence call looks up; more are ignored.
pub const PRESENCE_IDS: usize = 1000;

/// `invalid-params` in ajv's words unless `value` has at most `max` characters. The value is
/// never echoed: it may be a megabyte long.
pub(super) fn check_len(field: &str, value: &str, max: usize) -> ServiceResult<()> {
    if value.len() > max && value.chars().count() > max {
        return Err(ServiceError::invalid_param(
            field,
            ParamProblem::LongerThan(max),
        ));
    }
    Ok(())
}

/// `invalid-params` in ajv's words unless `value` has at most `max` bytes (a password: its
/// hash costs by the byte).
pub(super) fn check_bytes(field: &str, value: &str, max: usize) -> ServiceResult<()> {
    if value.len() > max {
        return Err(ServiceError::invalid_param(
            field,
            ParamProblem::MoreBytesThan(max),
        ));
    }
    Ok(())
}

/// `invalid-params` in ajv's words unless `value`'s JSON takes at most `max` bytes.
pub(super) fn check_json_size(
    field: &str,
    value: &impl serde::Serialize,
    max: usize,
) -> ServiceResult<()> {
    if serde_json::to_vec(value).map_or(usize::MAX, |b| b.len()) > max {
        return Err(ServiceError::invalid_param(
            field,
            ParamProblem::LargerThan(max),
        ));
    }
    Ok(())
}

/// `invalid-params` in ajv's words unless a list has at most `max` items.
pub(super) fn check_count(field: &str, count: usize, max: usize) -> ServiceResult<()> {
    if count > max {
        return Err(ServiceError::invalid_param(
            field,
            ParamProblem::MoreItemsThan(max),
        ));
    }
    Ok(())
}

/// Whether `text` has more bytes than `max` characters can take in UTF-8, so no stored value
/// bounded by `max` can equal it: a lookup would be wasted on it.
pub(super) fn beyond_any_stored(text: &str, max: usize) -> bool {
    text.len() > max * 4
}

/// `roles` with duplicates removed, first occurrence kept, so a role is stored once.
pub(super) fn distinct(roles: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(roles.len());
    for role in roles {
        if !out.contains(role) {
            out.push(role.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(check_len("name", &"é".repeat(120), 120).is_ok());
        let err = check_len("name", &"é".repeat(121), 120).unwrap_err();
        assert!(
            matches!(&err, ServiceError::InvalidParam { at, problem: ParamProblem::LongerThan(120) } if at == "name"),
            "{err:?}"
        );
    }

    #[test]
    fn distinct_keeps_the_first_of_each_role_in_order() {
        let roles: Vec<String> = ["user", "admin", "user", "admin", "bot"]
            .map(String::from)
            .to_vec();
        assert_eq!(distinct(&roles), ["user", "admin", "bot"]);
    }
}
