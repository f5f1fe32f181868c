//! A user account as rocketlite stores it.

use serde::{Deserialize, Serialize};

use super::{Millis, UserId};

/// One email address of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub address: String,
    pub verified: bool,
    /// SCIM's `type` (`work`, `home`, ...), kept for identity providers that address an
    /// address by it; Rocket.Chat's API never shows it.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// SCIM's `primary`, as the identity provider set it; none if it never did.
    #[serde(default)]
    pub primary: Option<bool>,
}

/// A user account. `password_hash` is an argon2id PHC string and never leaves the service layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    // The three fields of `Activity` come first and in its order: the compact codec writes
    // fields in declaration order, so the idle sweep reads them off the front of a record.
    pub active: bool,
    pub created_at: Millis,
    /// The last successful login; none until there is one.
    #[serde(default)]
    pub last_login: Option<Millis>,
    pub id: UserId,
    pub username: String,
    pub name: String,
    pub emails: Vec<Email>,
    pub password_hash: Option<String>,
    /// Global roles (`admin`, `user`, ...); room roles live on subscriptions.
    pub roles: Vec<String>,
    pub updated_at: Millis,
    /// Why an inactive user is inactive (`deactivated`, `idle_too_long`); none while active.
    #[serde(default)]
    pub inactive_reason: Option<String>,
    /// Bio, nickname and status; all unset until users.update or users.setStatus sets one.
    #[serde(default)]
    pub profile: Profile,
    /// The identity provider's id for this user (SCIM `externalId`); none unless one was set.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A personal access token (`users.generatePersonalAccessToken`): a login token that never
/// expires, named by its user. The secret is shown once; `token_hash` is what the tokens
/// table holds for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalAccessToken {
    pub name: String,
    pub token_hash: String,
    pub created_at: Millis,
    /// The secret's last six characters, to tell tokens apart.
    pub last_token_part: String,
    pub bypass_two_factor: bool,
}

/// The issue time recorded for a personal access token's login token: later than any
/// expiry cutoff, so it never expires and the expiry sweep never takes it.
pub const NEVER_EXPIRES: Millis = Millis::MAX;

/// What a user says about itself: set through users.update and users.setStatus.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub nickname: Option<String>,
    /// The status message (`statusText`).
    #[serde(default)]
    pub status_text: Option<String>,
    /// The status chosen with users.setStatus (`statusDefault`): online, away, busy, offline.
    #[serde(default)]
    pub status_default: Option<String>,
    /// When the chosen status lapses back to `online` (users.setStatus `expiresAt`).
    #[serde(default)]
    pub status_expires_at: Option<Millis>,
}

impl Profile {
    /// The chosen status at `now`: `online` unless one was chosen and has not lapsed.
    pub fn chosen_status(&self, now: Millis) -> &str {
        match (&self.status_default, self.status_expires_at) {
            (Some(_), Some(until)) if until <= now => "online",
            (Some(status), _) => status,
            (None, _) => "online",
        }
    }
}

impl User {
    /// A new active account created at `now`, holding `roles`: no address, no password, no
    /// login yet, nothing in its profile. Callers add what they know with struct update.
    pub fn new(id: UserId, username: &str, name: &str, roles: Vec<String>, now: Millis) -> Self {
        User {
            active: true,
            created_at: now,
            last_login: None,
            id,
            username: username.to_string(),
            name: name.to_string(),
            emails: Vec::new(),
            password_hash: None,
            roles,
            updated_at: now,
            inactive_reason: None,
            profile: Profile::default(),
            external_id: None,
        }
    }

    /// Whether the user holds the global role `role`.
    pub fn has_role(&self, role: super::Role) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }

    /// Rocket.Chat's `type`: `bot` for a holder of the `bot` role, else `user`.
    pub fn account_type(&self) -> &'static str {
        match self.has_role(super::Role::Bot) {
            true => "bot",
            false => "user",
        }
    }

    /// The fields that say whether the user is idle.
    pub fn activity(&self) -> Activity {
        Activity {
            active: self.active,
            created_at: self.created_at,
            last_login: self.last_login,
        }
    }
}

/// The fields of a user record that say whether it is idle; a store can read them from a
/// record without decoding the rest (the idle sweep reads every holder of a role).
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Activity {
    pub active: bool,
    pub created_at: Millis,
    #[serde(default)]
    pub last_login: Option<Millis>,
}

impl Activity {
    /// When the user was last seen: its last login, or its creation if it never logged in.
    pub fn last_seen(&self) -> Millis {
        self.last_login.unwrap_or(self.created_at)
    }

    /// Whether the user is active and was last seen before `cutoff`.
    pub fn idle_before(&self, cutoff: Millis) -> bool {
        self.active && self.last_seen() < cutoff
    }
}

/// Usernames, emails and room names compare case-insensitively; index keys use this form.
pub fn normalize_key(value: &str) -> String {
    value.to_lowercase()
}
