//! Each user's preferences: `users.setPreferences`, `users.getPreferences`, and `/me`'s
//! `settings.preferences` (the `Accounts_Default_User_Preferences_*` settings under what the
//! user saved).

use serde_json::{Map, Value};

use super::caller::has_permission;
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{DEFAULT_PREFERENCE_PREFIX, Permission, SETTINGS, UserId};

/// Rocket.Chat's smallest `idleTimeLimit`, in seconds.
const IDLE_TIME_LIMIT_MIN: f64 = 60.0;

/// Bytes of one user's saved preferences; Rocket.Chat sets none, but nothing may grow the
/// store without bound.
const PREFERENCES_MAX: usize = 16 * 1024;

impl Service {
    /// `users.setPreferences`: merges `data` (keys checked by the caller's schema) into the
    /// preferences of the caller, or of `user_id` with `edit-other-user-info`. Returns whose
    /// they are and all of them now.
    pub fn set_preferences(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
        data: Map<String, Value>,
    ) -> ServiceResult<(UserId, Map<String, Value>)> {
        if data
            .get("idleTimeLimit")
            .and_then(Value::as_f64)
            .is_some_and(|limit| limit < IDLE_TIME_LIMIT_MIN)
        {
            return Err(ServiceError::InvalidIdleTimeLimit);
        }
        let target = user_id
            .filter(|id| !id.is_empty())
            .map(|id| UserId(id.into()));
        self.write_as(caller, move |tx, me| {
            let user = match &target {
                Some(id) if *id != me.id => {
                    if !has_permission(tx, &me, Permission::EditOtherUserInfo, None)? {
                        return Err(ServiceError::EditNotAllowed(super::EditRight::OtherUser));
                    }
                    tx.user(id)?.ok_or(ServiceError::UserNotFound)?
                }
                _ => me,
            };
            let mut preferences = match tx.preferences(&user.id)? {
                Some(Value::Object(saved)) => saved,
                _ => Map::new(),
            };
            for (key, value) in &data {
                // Rocket.Chat's older names for the email modes.
                let value = match (key.as_str(), value.as_str()) {
                    ("emailNotificationMode", Some("all")) => Value::from("mentions"),
                    ("emailNotificationMode", Some("disabled")) => Value::from("nothing"),
                    _ => value.clone(),
                };
                preferences.insert(key.clone(), value);
            }
            let stored = Value::Object(preferences.clone());
            super::limits::check_json_size("data", &stored, PREFERENCES_MAX)?;
            tx.put_preferences(&user.id, &stored)?;
            Ok((user.id, preferences))
        })
    }

    /// `users.getPreferences`: what the caller saved; refused while it saved nothing.
    pub fn saved_preferences(&self, caller: &Caller) -> ServiceResult<Map<String, Value>> {
        match self.store.read(|tx| tx.preferences(&caller.user.id))? {
            Some(Value::Object(saved)) => Ok(saved),
            _ => Err(ServiceError::PreferencesNotSet),
        }
    }

    /// `/me`'s preferences: every default preference, with what the caller saved over it.
    pub fn effective_preferences(&self, caller: &Caller) -> ServiceResult<Map<String, Value>> {
        let settings = self.settings();
        let mut preferences: Map<String, Value> = SETTINGS
            .iter()
            .filter_map(|def| {
                let key = def.id.strip_prefix(DEFAULT_PREFERENCE_PREFIX)?;
                Some((key.to_string(), settings.value(def.id).clone()))
            })
            .collect();
        if let Some(Value::Object(saved)) = self.store.read(|tx| tx.preferences(&caller.user.id))? {
            preferences.extend(saved);
        }
        Ok(preferences)
    }
}
