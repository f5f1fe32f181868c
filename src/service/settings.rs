//! Settings: Rocket.Chat's administration values that govern what rocketlite does. Stored
//! only where changed, held in memory for the requests that read them on every call, and
//! read back after each change (and every second, so every node sees another's change).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::audit::{Stamp, Subject};
use super::caller::{has_permission, require_any};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{
    Millis, Permission, SETTING_PERMISSION_PREFIX, SETTINGS, SettingDef, SettingType, setting_def,
    setting_groups,
};
use crate::store::prelude::*;

/// Every setting's value now: the stored one where an administrator changed it, else the
/// default.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingValues {
    values: HashMap<&'static str, Value>,
    names: NamePatterns,
}

/// `UTF8_User_Names_Validation` and `UTF8_Channel_Names_Validation`, compiled as Rocket.Chat
/// applies them: the whole name must match (`^(?:pattern)$`).
#[derive(Clone, Debug)]
struct NamePatterns {
    user: regex::Regex,
    room: regex::Regex,
}

impl PartialEq for NamePatterns {
    fn eq(&self, other: &Self) -> bool {
        self.user.as_str() == other.user.as_str() && self.room.as_str() == other.room.as_str()
    }
}

/// The most a compiled name pattern may take: an admin's pattern cannot make the server
/// hold much memory, and the regex engine runs in linear time whatever it is.
const NAME_PATTERN_SIZE: usize = 1 << 20;

/// `pattern` as a whole-name matcher, if it is one.
pub(super) fn name_pattern(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(NAME_PATTERN_SIZE)
        .build()
        .ok()
}

/// Rocket.Chat's default name pattern.
const DEFAULT_NAME_PATTERN: &str = "[0-9a-zA-Z-_.]+";

impl Default for SettingValues {
    fn default() -> Self {
        SettingValues::over(Vec::new())
    }
}

impl SettingValues {
    /// The defaults with `stored` over them; a stored value of another type than its setting
    /// (an older build's) counts as unset.
    fn over(stored: Vec<(String, Value)>) -> Self {
        let mut values: HashMap<&'static str, Value> =
            SETTINGS.iter().map(|d| (d.id, d.default_value())).collect();
        for (id, value) in stored {
            if let Some(def) = setting_def(&id)
                && let Some(value) = def.kind.coerce(&value)
            {
                values.insert(def.id, value);
            }
        }
        let compiled = |id: &str| {
            let pattern = values.get(id).and_then(Value::as_str).unwrap_or_default();
            name_pattern(pattern)
                .or_else(|| name_pattern(DEFAULT_NAME_PATTERN))
                .expect("the default name pattern compiles")
        };
        let names = NamePatterns {
            user: compiled("UTF8_User_Names_Validation"),
            room: compiled("UTF8_Channel_Names_Validation"),
        };
        SettingValues { values, names }
    }

    /// Whether `name` may be a username (`UTF8_User_Names_Validation`).
    pub fn valid_user_name(&self, name: &str) -> bool {
        self.names.user.is_match(name)
    }

    /// Whether `name` may be a room name (`UTF8_Channel_Names_Validation`).
    pub fn valid_room_name(&self, name: &str) -> bool {
        self.names.room.is_match(name)
    }

    /// The value of a setting rocketlite knows (`Null` for any other id).
    pub fn value(&self, id: &str) -> &Value {
        self.values.get(id).unwrap_or(&Value::Null)
    }

    pub fn flag(&self, id: &str) -> bool {
        self.value(id).as_bool().unwrap_or(false)
    }

    pub fn number(&self, id: &str) -> i64 {
        self.value(id).as_i64().unwrap_or(0)
    }

    pub fn text(&self, id: &str) -> &str {
        self.value(id).as_str().unwrap_or("")
    }
}

/// What a settings list asks for.
#[derive(Clone, Debug, Default)]
pub struct SettingsQuery {
    /// Only these ids (`settings.public`'s `_id`).
    pub ids: Option<Vec<String>>,
    /// Add each setting's default (`packageValue`).
    pub include_defaults: bool,
    pub page: super::Page,
    /// By `_id`, descending when true.
    pub descending: bool,
}

/// One item of a settings list: a setting, or (for privileged callers) a group, which has
/// an id only.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingItem {
    pub id: String,
    pub value: Option<Value>,
    pub package_value: Option<Value>,
}

impl Service {
    /// Every setting's value now.
    pub fn settings(&self) -> Arc<SettingValues> {
        Arc::clone(&self.settings.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// What lists obey now.
    pub fn count_limits(&self) -> super::CountLimits {
        let settings = self.settings();
        let size = |id| usize::try_from(settings.number(id)).unwrap_or(1).max(1);
        super::CountLimits {
            default: size("API_Default_Count"),
            upper: size("API_Upper_Count_Limit"),
            infinite: settings.flag("API_Allow_Infinite_Count"),
        }
    }

    /// How long a login token lives now, in milliseconds: `Accounts_LoginExpiration` days,
    /// unless the service was built with a fixed lifetime.
    pub(super) fn token_lifetime_ms(&self) -> Millis {
        self.token_lifetime_override.unwrap_or_else(|| {
            self.settings()
                .number("Accounts_LoginExpiration")
                .max(1)
                .saturating_mul(super::DAY_MS)
        })
    }

    /// Whether `users.register` accepts sign-ups now (`Accounts_RegistrationForm` is
    /// `Public`; rocketlite serves no secret sign-up link).
    pub(super) fn registration_open(&self) -> bool {
        self.registration_override
            .unwrap_or_else(|| self.settings().text("Accounts_RegistrationForm") == "Public")
    }

    /// Reads the stored settings again (at start, after a change, and periodically, so a
    /// change made on another node is seen here).
    pub fn reload_settings(&self) -> ServiceResult<()> {
        let stored = self.store.read(|tx| tx.stored_settings())?;
        let values = Arc::new(SettingValues::over(stored));
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = values;
        Ok(())
    }

    /// `settings.public` (no caller: the public settings only) and `settings` (a caller
    /// with `view-privileged-setting` sees every setting and the groups). A page of them by
    /// id, and how many there are.
    pub fn list_settings(
        &self,
        caller: Option<&Caller>,
        query: &SettingsQuery,
    ) -> ServiceResult<(Vec<SettingItem>, usize)> {
        let privileged = match caller {
            Some(caller) => self.store.read(|tx| {
                has_permission(tx, &caller.user, Permission::ViewPrivilegedSetting, None)
            })?,
            None => false,
        };
        let values = self.settings();
        let wanted = |id: &str| {
            query
                .ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|i| i == id))
        };
        let mut items: Vec<SettingItem> = SETTINGS
            .iter()
            .filter(|d| (privileged || d.public) && wanted(d.id))
            .map(|d| SettingItem {
                id: d.id.into(),
                value: Some(values.value(d.id).clone()),
                package_value: query.include_defaults.then(|| d.default_value()),
            })
            .collect();
        if privileged {
            items.extend(
                setting_groups()
                    .into_iter()
                    .filter(|g| wanted(g))
                    .map(|g| SettingItem {
                        id: g.into(),
                        value: None,
                        package_value: None,
                    }),
            );
        }
        items.sort_by(|a, b| a.id.cmp(&b.id));
        if query.descending {
            items.reverse();
        }
        let total = items.len();
        Ok((query.page.of(items), total))
    }

    /// `GET settings/:_id` (`view-privileged-setting`): the setting's value.
    pub fn setting(&self, caller: &Caller, id: &str) -> ServiceResult<Value> {
        self.store
            .read(|tx| require_any(tx, &caller.user, &[Permission::ViewPrivilegedSetting], None))?;
        let def = setting_def(id).ok_or(ServiceError::SettingNotFound)?;
        Ok(self.settings().value(def.id).clone())
    }

    /// `POST settings/:_id` (`edit-privileged-setting`): stores `value`, checked against the
    /// setting's type and bounds, and records the change. The same value again changes and
    /// records nothing.
    pub fn set_setting(&self, caller: &Caller, id: &str, value: &Value) -> ServiceResult<()> {
        let now = self.now();
        let (id, value) = (id.to_string(), value.clone());
        self.write_as(caller, move |tx, me| {
            require_any(tx, &me, &[Permission::EditPrivilegedSetting], None)?;
            let def = setting_def(&id).ok_or(ServiceError::SettingNotFound)?;
            let value = checked_value(def, &value)?;
            Ok::<_, ServiceError>(store_setting(tx, def, value, &Stamp::by(&me, now))?)
        })?;
        self.reload_settings()
    }

    /// Bulk `POST settings`: every change in one transaction, as Rocket.Chat's
    /// `saveSettingsBulk`: each value checked against its type first, then the caller must
    /// hold `edit-privileged-setting`, or `manage-selected-settings` and each setting's
    /// `change-setting-<id>` (else `SettingsNotAllowed` naming the others). An id rocketlite
    /// does not serve changes nothing, as an unknown id in Rocket.Chat.
    pub fn set_settings(&self, caller: &Caller, changes: &[(String, Value)]) -> ServiceResult<()> {
        let mut known = Vec::new();
        for (id, value) in changes {
            if let Some(def) = setting_def(id) {
                known.push((def, checked_value(def, value)?));
            }
        }
        let ids: Vec<String> = changes.iter().map(|(id, _)| id.clone()).collect();
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            if !has_permission(tx, &me, Permission::EditPrivilegedSetting, None)? {
                let selected = has_permission(tx, &me, Permission::ManageSelectedSettings, None)?;
                let mut refused = Vec::new();
                for id in &ids {
                    let own = format!("{SETTING_PERMISSION_PREFIX}{id}");
                    let granted = tx.permission(&own)?.map(|p| p.roles).unwrap_or_default();
                    if !selected || !me.roles.iter().any(|r| granted.contains(r)) {
                        refused.push(id.clone());
                    }
                }
                if !refused.is_empty() {
                    return Err(ServiceError::SettingsNotAllowed(refused));
                }
            }
            let stamp = Stamp::by(&me, now);
            for (def, value) in &known {
                store_setting(tx, def, value.clone(), &stamp)?;
            }
            Ok::<_, ServiceError>(())
        })?;
        self.reload_settings()
    }

    /// Rocket.Chat's `OVERWRITE_SETTING_<id>=<value>` at start: each known setting is set to
    /// its value (read as the setting's type) and recorded as the server's change; a value
    /// that is not of its type stops the start. Returns the ids it did not know.
    pub fn overwrite_settings(&self, pairs: &[(String, String)]) -> ServiceResult<Vec<String>> {
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for (id, raw) in pairs {
            match setting_def(id) {
                Some(def) => known.push((def, checked_value(def, &Value::String(raw.clone()))?)),
                None => unknown.push(id.clone()),
            }
        }
        let now = self.now();
        self.store.write(move |tx| {
            for (def, value) in &known {
                store_setting(tx, def, value.clone(), &Stamp::server(now))?;
            }
            Ok::<_, ServiceError>(())
        })?;
        self.reload_settings()?;
        Ok(unknown)
    }
}

/// `value` as `def`'s type within its bounds, or the refusal Rocket.Chat words for it.
fn checked_value(def: &SettingDef, value: &Value) -> ServiceResult<Value> {
    let value = def
        .kind
        .coerce(value)
        .ok_or_else(|| ServiceError::InvalidSettingValue {
            id: def.id.into(),
            problem: format!("must be a {}", def.kind.as_str()),
        })?;
    if def.id.ends_with("_Names_Validation")
        && name_pattern(value.as_str().unwrap_or_default()).is_none()
    {
        return Err(ServiceError::InvalidSettingValue {
            id: def.id.into(),
            problem: "must be a regular expression".into(),
        });
    }
    if let (SettingType::Int, Some(min)) = (def.kind, def.min)
        && value.as_i64().is_some_and(|n| n < min)
    {
        return Err(ServiceError::InvalidSettingValue {
            id: def.id.into(),
            problem: format!("must be greater than or equal to {min}"),
        });
    }
    Ok(value)
}

/// Stores a checked value and records the change; the value it has already changes nothing.
fn store_setting(
    tx: &dyn Writes,
    def: &SettingDef,
    value: Value,
    stamp: &Stamp,
) -> Result<(), StoreError> {
    let stored: HashMap<String, Value> = tx.stored_settings()?.into_iter().collect();
    let before = stored
        .get(def.id)
        .cloned()
        .unwrap_or_else(|| def.default_value());
    if before == value && stored.contains_key(def.id) {
        return Ok(());
    }
    tx.put_setting(def.id, &value)?;
    if before != value {
        stamp.record(
            tx,
            "setting.update",
            Subject::Server,
            json!({"setting": def.id, "value": before}),
            json!({"setting": def.id, "value": value}),
        )?;
    }
    Ok(())
}
