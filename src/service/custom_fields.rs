//! `Accounts_CustomFields`: the extra fields an administrator defines for every account, as a
//! JSON object of field name -> rules (`required`, `type: "select"` with `options`,
//! `minLength`, `maxLength`). users.create, users.update, users.register and
//! users.updateOwnBasicInfo store a user's values of those fields, checked by Rocket.Chat's
//! `validateCustomFields` and in its wording; while the setting is blank, values sent are
//! ignored. Rocket.Chat's `modifyRecordField` (copy a value onto another user field) is not
//! honoured: no field of the account record is writable that way.

use serde_json::{Map, Value, json};

use super::audit::{Stamp, Subject};
use super::{ServiceError, ServiceResult, SettingValues};
use crate::model::UserId;
use crate::store::prelude::*;

/// What a value breaks; `Field ... is required` and its siblings in Rocket.Chat's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomFieldProblem {
    Required,
    NotAnOption,
    /// Longer than `maxLength` (the limit as the setting writes it).
    TooLong(String),
    /// Shorter than `minLength`, but not empty.
    TooShort(String),
}

/// A user's values of the defined fields.
pub type CustomFields = Map<String, Value>;

/// The fields the setting defines, in its order; `None` while it is blank.
fn definitions(settings: &SettingValues) -> ServiceResult<Option<Map<String, Value>>> {
    let text = settings.text("Accounts_CustomFields").trim();
    if text.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str(text) {
        Ok(Value::Object(fields)) => Ok(Some(fields)),
        _ => Err(ServiceError::InvalidCustomFieldJson),
    }
}

/// A value as Rocket.Chat's `trim` sees it: absent and null are empty, other values their text.
fn trimmed(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
    }
}

/// A positive length limit, as JavaScript's truthiness reads `field.maxLength`.
fn limit(rule: &Value, key: &str) -> Option<(usize, String)> {
    let number = rule.get(key)?.as_f64().filter(|n| *n > 0.0)?;
    Some((number as usize, rule.get(key)?.to_string()))
}

/// Refuses values the definitions do not allow, field by field in name order (Rocket.Chat
/// goes in the setting's order, so with several bad fields the first one named may differ).
fn check(definitions: &Map<String, Value>, values: &CustomFields) -> ServiceResult<()> {
    for (name, rule) in definitions {
        let value = values.get(name);
        let text = trimmed(value);
        // JavaScript's `length` counts UTF-16 units.
        let length = text.encode_utf16().count();
        let too_long = limit(rule, "maxLength").filter(|(max, _)| length > *max);
        let too_short = limit(rule, "minLength").filter(|(min, _)| length > 0 && length < *min);
        let problem = if rule.get("required") == Some(&Value::Bool(true)) && text.is_empty() {
            Some(CustomFieldProblem::Required)
        } else if rule.get("type").and_then(Value::as_str) == Some("select")
            && rule
                .get("options")
                .and_then(Value::as_array)
                .is_some_and(|options| !options.contains(value.unwrap_or(&Value::Null)))
        {
            Some(CustomFieldProblem::NotAnOption)
        } else if let Some((_, shown)) = too_long {
            Some(CustomFieldProblem::TooLong(shown))
        } else {
            too_short.map(|(_, shown)| CustomFieldProblem::TooShort(shown))
        };
        if let Some(problem) = problem {
            return Err(ServiceError::CustomField {
                field: name.clone(),
                problem,
            });
        }
    }
    Ok(())
}

/// Checks the values a new account is given (if any were sent, as Rocket.Chat checks them
/// only then); `None` when nothing is to be stored.
pub(super) fn new_custom_fields(
    settings: &SettingValues,
    given: Option<&CustomFields>,
) -> ServiceResult<Option<Value>> {
    let Some(given) = given.cloned() else {
        return Ok(None);
    };
    let Some(definitions) = definitions(settings)? else {
        return Ok(None);
    };
    check(&definitions, &given)?;
    let kept: CustomFields = given
        .into_iter()
        .filter(|(name, _)| definitions.contains_key(name))
        .collect();
    Ok((!kept.is_empty()).then_some(Value::Object(kept)))
}

/// Merges `given` into what `user` holds (a field not sent keeps its value), checks the
/// result, stores and audits it; does nothing while the setting is blank or nothing was sent.
pub(super) fn save_custom_fields(
    tx: &dyn Writes,
    settings: &SettingValues,
    stamp: &Stamp,
    user: &UserId,
    given: Option<&CustomFields>,
) -> ServiceResult<()> {
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Ok(());
    };
    let Some(definitions) = definitions(settings)? else {
        return Ok(());
    };
    let stored = match tx.custom_fields(user)? {
        Some(Value::Object(stored)) => stored,
        _ => Map::new(),
    };
    let mut merged = stored.clone();
    for (name, value) in given {
        if definitions.contains_key(name) {
            merged.insert(name.clone(), value.clone());
        }
    }
    check(&definitions, &merged)?;
    if merged != stored {
        tx.put_custom_fields(user, &Value::Object(merged.clone()))?;
        stamp.record(
            tx,
            "user.update",
            Subject::User(user),
            json!({ "customFields": stored }),
            json!({ "customFields": merged }),
        )?;
    }
    Ok(())
}

/// The values `user` holds, to show with it.
pub(super) fn custom_fields_of(
    tx: &dyn Reads,
    user: &UserId,
) -> ServiceResult<Option<CustomFields>> {
    Ok(match tx.custom_fields(user)? {
        Some(Value::Object(fields)) => Some(fields),
        _ => None,
    })
}
