//! A SCIM client's bearer token: an identity provider provisions users with it.

use serde::{Deserialize, Serialize};

use super::{Millis, UserId};

/// One SCIM token. The secret itself is shown once, when it is created; only its SHA-256
/// is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimToken {
    pub id: String,
    /// What the admin called it (the identity provider, usually).
    pub name: String,
    /// Lowercase hex SHA-256 of the whole secret.
    pub secret_sha256: String,
    pub created_at: Millis,
    pub created_by: UserId,
}
