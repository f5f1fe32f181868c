//! Status and presence: `users.setStatus` and `users.getPresence`. rocketlite keeps no
//! realtime connections, so every presence is `offline`, as Rocket.Chat 8.8's presence engine
//! computes it for a person without a live session; the chosen status and the status message
//! are stored and shown.

use super::caller::has_permission;
use super::lookup::{UserRef, find_user};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Millis, Permission, User, UserId, parse_iso8601};

/// Rocket.Chat cuts status messages to this many characters, silently.
const STATUS_TEXT_MAX: usize = 120;

/// What `users.setStatus` asks for. `user_id`, `username` and `user` name another user (or,
/// when they name the caller or are all absent, the caller itself).
#[derive(Clone, Debug, Default)]
pub struct StatusChange {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub user: Option<String>,
    /// `online`, `away`, `busy` or `offline` (the invisible status).
    pub status: Option<String>,
    pub message: Option<String>,
    pub expires_at: Option<String>,
}

/// What `users.getPresence` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    /// Whose presence it is.
    pub id: UserId,
    pub presence: String,
    /// Only when the caller asks about itself: its connection status and last login.
    pub own: Option<(String, Option<Millis>)>,
}

/// The statuses a user may choose; `offline` is the invisible one.
const CHOSEN_STATUSES: [&str; 4] = ["online", "away", "offline", "busy"];

/// Every presence: nobody holds a live session.
const PRESENCE: &str = "offline";

/// Rocket.Chat's `isUserFromParams`: no name at all, or a name that is the caller's (the
/// username compared exactly).
fn names_caller(
    me: &User,
    user_id: Option<&str>,
    username: Option<&str>,
    user: Option<&str>,
) -> bool {
    (user_id.is_none() && username.is_none() && user.is_none())
        || user_id == Some(me.id.as_str())
        || username == Some(me.username.as_str())
        || user == Some(me.username.as_str())
}

/// Rocket.Chat's `getUserFromParams`: `userId`, then `username`, then `user`, each only when
/// it is not blank.
fn user_from_params(
    user_id: Option<&str>,
    username: Option<&str>,
    user: Option<&str>,
) -> ServiceResult<UserRef> {
    let present = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(id) = present(user_id) {
        return Ok(UserRef::Id(UserId(id)));
    }
    present(username)
        .or_else(|| present(user))
        .map(UserRef::Username)
        .ok_or(ServiceError::UserParamMissing)
}

impl Service {
    /// `users.setStatus`: sets the caller's (or, with `edit-other-user-info`, another user's)
    /// chosen status and status message. A message is trimmed and cut to 120 characters; a
    /// new `online` without a message clears the message; `expiresAt` must be a future
    /// date, after which the chosen status lapses to `online`.
    pub fn set_status(&self, caller: &Caller, change: StatusChange) -> ServiceResult<()> {
        if change.status.is_none() && change.message.is_none() {
            return Err(ServiceError::StatusMatchError);
        }
        if change
            .status
            .as_deref()
            .is_some_and(|s| !CHOSEN_STATUSES.contains(&s))
        {
            return Err(ServiceError::InvalidStatus);
        }
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            let (id, name, user) = (
                change.user_id.as_deref(),
                change.username.as_deref(),
                change.user.as_deref(),
            );
            let target = if names_caller(&me, id, name, user) {
                me
            } else if has_permission(tx, &me, Permission::EditOtherUserInfo, None)? {
                let name = user_from_params(id, name, user)?;
                find_user(tx, &name)?.ok_or(ServiceError::UserNotFound)?
            } else {
                return Err(ServiceError::Forbidden);
            };
            let expires_at = match change.expires_at.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(text) => {
                    let at = parse_iso8601(text).ok_or(ServiceError::InvalidExpiry)?;
                    if at <= now {
                        return Err(ServiceError::PastExpiry);
                    }
                    Some(at)
                }
            };
            let mut updated = target.clone();
            let profile = &mut updated.profile;
            // A message-only change keeps the chosen status.
            let status = change
                .status
                .clone()
                .unwrap_or_else(|| profile.chosen_status(now).to_string());
            match change.message.as_deref() {
                Some(message) => {
                    let text: String = message.trim().chars().take(STATUS_TEXT_MAX).collect();
                    profile.status_text = Some(text).filter(|t| !t.is_empty());
                }
                None if status == "online" => profile.status_text = None,
                None => {}
            }
            profile.status_default = Some(status);
            profile.status_expires_at = expires_at;
            if updated != target {
                updated.updated_at = now;
                tx.put_user(&updated, Some(&target))?;
            }
            Ok(())
        })
    }

    /// `users.getPresence`: the presence of the user named (the caller when none is, or
    /// when the name is the caller's); the caller's own adds its connection status and last
    /// login.
    pub fn presence(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
        username: Option<&str>,
        user: Option<&str>,
    ) -> ServiceResult<Presence> {
        self.store.read(|tx| {
            let me = &caller.user;
            if names_caller(me, user_id, username, user) {
                return Ok(Presence {
                    id: me.id.clone(),
                    presence: PRESENCE.into(),
                    own: Some((PRESENCE.into(), me.last_login)),
                });
            }
            let name = user_from_params(user_id, username, user)?;
            let found = find_user(tx, &name)?.ok_or(ServiceError::UserNotFound)?;
            Ok(Presence {
                id: found.id,
                presence: PRESENCE.into(),
                own: None,
            })
        })
    }

    /// `users.presence`: the users `ids` names (those that exist), or, without ids, the
    /// users not offline, which with no live sessions is nobody. The flag says whether the
    /// list is every such user (`full`).
    pub fn presences(&self, ids: Option<&[String]>) -> ServiceResult<(Vec<User>, bool)> {
        let Some(ids) = ids else {
            return Ok((Vec::new(), true));
        };
        self.store.read(|tx| {
            let mut users = Vec::new();
            for id in ids.iter().take(super::limits::PRESENCE_IDS) {
                if let Some(user) = tx.user(&UserId(id.clone()))? {
                    users.push(user);
                }
            }
            Ok((users, false))
        })
    }
}
