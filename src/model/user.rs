//! A user account as rocketlite stores it.

use serde::{Deserialize, Serialize};

use super::{Millis, UserId};

/// One email address of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub address: String,
    pub verified: bool,
}

/// A user account. `password_hash` is an argon2id PHC string and never leaves the service layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub emails: Vec<Email>,
    pub password_hash: Option<String>,
    pub active: bool,
    /// Global roles (`admin`, `user`, ...); room roles live on subscriptions.
    pub roles: Vec<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The last successful login; left out of the record until there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Millis>,
    /// Why an inactive user is inactive (`deactivated`, `idle_too_long`); none while active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_reason: Option<String>,
}

impl User {
    /// Whether the user holds the global role `role`.
    pub fn has_role(&self, role: super::Role) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }
}

/// Usernames, emails and room names compare case-insensitively; index keys use this form.
pub fn normalize_key(value: &str) -> String {
    value.to_lowercase()
}
