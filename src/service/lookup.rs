//! How a request names a room or a user, and the one place each name is resolved. Requests
//! name things the ways Rocket.Chat accepts (`roomId` or `roomName`; `userId`, `username` or
//! `user`; on users.info also `email` and `importId`); the API picks the variant, the use case
//! resolves it inside its own transaction.

use crate::model::{Room, RoomId, User, UserId};
use crate::store::prelude::*;

/// A room, by id or by name (names compare case-insensitively, as they are unique so).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomRef {
    Id(RoomId),
    Name(String),
}

/// A user, by one of the names Rocket.Chat accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRef {
    Id(UserId),
    /// Compared case-insensitively, as Rocket.Chat's `findOneByUsernameIgnoringCase`.
    Username(String),
    /// users.info's `userId` and `username`: Rocket.Chat matches either against both the id
    /// and the username (`{$or: [{_id}, {username}]}`), the username exactly.
    IdOrUsername(String),
    /// An email address, compared case-insensitively.
    Email(String),
    /// An id from an import; rocketlite imports keep no foreign ids, so it names nobody.
    ImportId(String),
}

impl From<UserId> for UserRef {
    fn from(id: UserId) -> Self {
        UserRef::Id(id)
    }
}

impl From<RoomId> for RoomRef {
    fn from(id: RoomId) -> Self {
        RoomRef::Id(id)
    }
}

/// The room `name` names, if any.
pub(super) fn find_room(tx: &dyn Reads, name: &RoomRef) -> Result<Option<Room>, StoreError> {
    let id = match name {
        RoomRef::Id(id) => Some(id.clone()),
        RoomRef::Name(name) => tx.room_id_by_name(name)?,
    };
    match id {
        Some(id) => tx.room(&id),
        None => Ok(None),
    }
}

/// The user `name` names, if any.
pub(super) fn find_user(tx: &dyn Reads, name: &UserRef) -> Result<Option<User>, StoreError> {
    let id = match name {
        UserRef::Id(id) => Some(id.clone()),
        UserRef::Username(username) => tx.user_id_by_username(username)?,
        UserRef::Email(email) => tx.user_id_by_email(email.trim())?,
        UserRef::ImportId(_) => None,
        UserRef::IdOrUsername(value) => {
            if let Some(user) = tx.user(&UserId(value.clone()))? {
                return Ok(Some(user));
            }
            let by_name = match tx.user_id_by_username(value)? {
                Some(id) => tx.user(&id)?,
                None => None,
            };
            return Ok(by_name.filter(|u| u.username == *value));
        }
    };
    match id {
        Some(id) => tx.user(&id),
        None => Ok(None),
    }
}
