//! The audit trail: one append-only entry per lifecycle change, written in the transaction
//! of the change itself.

use serde::{Deserialize, Serialize};

use super::{Millis, RoomId, UserId};

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "camelCase")]
pub enum Actor {
    /// A logged-in user (or, for a sign-up, the new user itself).
    User(UserId),
    /// The server itself, at start-up (the bootstrap admin, the default channel).
    Server,
    /// An identity provider through SCIM, with the id of the token it used.
    Scim(String),
}

impl Actor {
    /// The actor's id: a user's id, or the id of the SCIM token; none for the server.
    pub fn id(&self) -> Option<&str> {
        match self {
            Actor::User(id) => Some(id.as_str()),
            Actor::Scim(token) => Some(token),
            Actor::Server => None,
        }
    }
}

/// One recorded change. `before` and `after` hold the fields that changed (never a password
/// hash); a deactivation's `after` also lists the rooms handed over and to whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Place in the trail; strictly increasing.
    pub seq: u64,
    pub at: Millis,
    pub actor: Actor,
    /// `user.create`, `user.update`, `user.activate`, `user.deactivate`, `user.delete`,
    /// `user.role.add`, `user.role.remove`, `user.logout` (another user's sessions ended),
    /// `user.token.create`, `room.create`, `room.owner.add`, `room.owner.remove`,
    /// `room.role.add`, `room.role.remove`, `room.delete`, `permission.update`,
    /// `scim.token.create`, `scim.token.revoke`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<RoomId>,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}
