//! The one extractor for how a request names its room and its users, with Rocket.Chat's
//! precedence (`findChannelByIdOrName`, `findPrivateGroupByIdOrName`, `getUserFromParams`,
//! `getUserListFromParams`). Bodies flatten these structs into their own; query handlers
//! build them from their parameters. A missing name becomes the operation's own refusal
//! through `errors::to_response`.

use poem_openapi::Object;

use super::ErrorResponse;
use super::errors::Operation;
use crate::model::{RoomId, UserId};
use crate::service::{RoomRef, ServiceError, UserRef};

/// `roomId` or `roomName`.
#[derive(Object, Debug, Default, Clone)]
#[oai(rename_all = "camelCase")]
pub struct RoomNames {
    /// The room's `_id`; wins over `roomName` when both are sent.
    pub room_id: Option<String>,
    /// The room's name.
    pub room_name: Option<String>,
}

impl RoomNames {
    pub fn new(room_id: Option<String>, room_name: Option<String>) -> Self {
        RoomNames { room_id, room_name }
    }

    /// The room named: the key that is present decides, `roomId` first, whatever its value
    /// (an empty id names no room). Neither key, or both empty, is a missing parameter.
    pub fn room(self, operation: Operation) -> Result<RoomRef, ErrorResponse> {
        match (self.room_id, self.room_name) {
            (Some(id), Some(name)) if id.is_empty() && name.is_empty() => {
                Err(missing(ServiceError::RoomParamMissing, operation))
            }
            (Some(id), _) => Ok(RoomRef::Id(RoomId(id))),
            (None, Some(name)) => Ok(RoomRef::Name(name)),
            (None, None) => Err(missing(ServiceError::RoomParamMissing, operation)),
        }
    }
}

/// `userId`, `username` or `user`.
#[derive(Object, Debug, Default, Clone)]
#[oai(rename_all = "camelCase")]
pub struct UserNames {
    /// The user's `_id`; wins over the other two.
    pub user_id: Option<String>,
    /// The username, compared case-insensitively; wins over `user`.
    pub username: Option<String>,
    /// A username, as older clients send it.
    pub user: Option<String>,
}

impl UserNames {
    /// The user named: the first of `userId`, `username`, `user` that is not blank.
    pub fn user(self, operation: Operation) -> Result<UserRef, ErrorResponse> {
        let present = |v: &Option<String>| v.as_ref().is_some_and(|s| !s.trim().is_empty());
        if present(&self.user_id) {
            return Ok(UserRef::Id(UserId(self.user_id.unwrap_or_default())));
        }
        match [self.username, self.user].into_iter().find(present) {
            Some(Some(name)) => Ok(UserRef::Username(name)),
            _ => Err(missing(ServiceError::UserParamMissing, operation)),
        }
    }
}

/// The users an invite names: one as [`UserNames`], or lists in `userIds` / `usernames`.
#[derive(Object, Debug, Default, Clone)]
#[oai(rename_all = "camelCase")]
pub struct InviteNames {
    #[oai(flatten)]
    pub one: UserNames,
    /// Several `_id`s; with it (or `userId`) every name is read as an id.
    pub user_ids: Option<Vec<String>>,
    /// Several usernames.
    pub usernames: Option<Vec<String>>,
}

impl InviteNames {
    /// The names, deduplicated, in order: the list first, then the single one. Rocket.Chat
    /// reads them all as ids when `userIds` or `userId` is sent, else all as usernames.
    pub fn users(self, operation: Operation) -> Result<Vec<UserRef>, ErrorResponse> {
        let UserNames {
            user_id,
            username,
            user,
        } = self.one;
        let by_id = self.user_ids.is_some() || user_id.as_ref().is_some_and(|s| !s.is_empty());
        let sole = [user_id, username, user]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty());
        let mut names: Vec<String> = Vec::new();
        for name in self
            .user_ids
            .or(self.usernames)
            .unwrap_or_default()
            .into_iter()
            .chain(sole)
        {
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
        if names.is_empty() {
            return Err(missing(ServiceError::UsersParamMissing, operation));
        }
        Ok(names
            .into_iter()
            .map(|n| match by_id {
                true => UserRef::Id(UserId(n)),
                false => UserRef::Username(n),
            })
            .collect())
    }
}

fn missing(error: ServiceError, operation: Operation) -> ErrorResponse {
    super::to_response(error, operation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::errors::RoomOperation;
    use crate::model::RoomKind;

    const OP: Operation = Operation::Room(RoomOperation::AddOwner, RoomKind::Group);

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn the_present_room_key_decides() {
        let room = |id, name| RoomNames::new(id, name).room(OP).ok();
        assert_eq!(
            room(s("r1"), s("x")),
            Some(RoomRef::Id(RoomId("r1".into())))
        );
        assert_eq!(room(s(""), s("x")), Some(RoomRef::Id(RoomId("".into()))));
        assert_eq!(room(None, s("x")), Some(RoomRef::Name("x".into())));
        assert_eq!(room(None, None), None);
        assert_eq!(room(s(""), s("")), None);
    }

    #[test]
    fn the_first_non_blank_user_key_decides() {
        let user = |user_id, username, user| {
            UserNames {
                user_id,
                username,
                user,
            }
            .user(OP)
            .ok()
        };
        assert_eq!(
            user(s("u1"), s("ada"), None),
            Some(UserRef::Id(UserId("u1".into())))
        );
        assert_eq!(
            user(s(" "), s("ada"), None),
            Some(UserRef::Username("ada".into()))
        );
        assert_eq!(
            user(None, s(""), s("bob")),
            Some(UserRef::Username("bob".into()))
        );
        assert_eq!(user(s(""), s("  "), None), None);
    }

    #[test]
    fn invite_lists_follow_the_id_key() {
        let names = |user_ids: Option<Vec<&str>>, usernames: Option<Vec<&str>>, one| {
            let owned = |v: Option<Vec<&str>>| v.map(|v| v.into_iter().map(String::from).collect());
            InviteNames {
                one,
                user_ids: owned(user_ids),
                usernames: owned(usernames),
            }
            .users(OP)
            .ok()
        };
        let by_name = |n: &str| UserRef::Username(n.into());
        let by_id = |n: &str| UserRef::Id(UserId(n.into()));
        assert_eq!(
            names(None, Some(vec!["a", "b", "a"]), UserNames::default()),
            Some(vec![by_name("a"), by_name("b")])
        );
        let sole_id = UserNames {
            user_id: s("c"),
            ..UserNames::default()
        };
        assert_eq!(
            names(None, Some(vec!["a"]), sole_id),
            Some(vec![by_id("a"), by_id("c")])
        );
        assert_eq!(names(Some(vec![]), None, UserNames::default()), None);
    }
}
