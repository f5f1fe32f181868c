//! Rocket.Chat's settings that govern something rocketlite does: their ids, types, defaults
//! and whether anyone may read them (`public`). This table is the one list; the stored
//! values are only those an administrator changed.

use serde_json::Value;

/// A setting's type, as Rocket.Chat names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingType {
    Boolean,
    Int,
    String,
}

impl SettingType {
    pub const fn as_str(self) -> &'static str {
        match self {
            SettingType::Boolean => "boolean",
            SettingType::Int => "int",
            SettingType::String => "string",
        }
    }

    /// `value` as this type, reading the forms a form body or an environment variable sends
    /// (`"true"`, `"10"`); `None` if it is not one.
    pub fn coerce(self, value: &Value) -> Option<Value> {
        match (self, value) {
            (SettingType::Boolean, Value::Bool(_)) | (SettingType::String, Value::String(_)) => {
                Some(value.clone())
            }
            (SettingType::Int, Value::Number(n)) => n.as_i64().map(Value::from),
            (SettingType::Boolean, Value::String(s)) => match s.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            (SettingType::Int, Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            (SettingType::String, Value::Number(_) | Value::Bool(_)) => {
                Some(Value::String(value.to_string()))
            }
            _ => None,
        }
    }
}

/// One setting rocketlite knows.
#[derive(Clone, Copy, Debug)]
pub struct SettingDef {
    pub id: &'static str,
    pub kind: SettingType,
    /// The value of a fresh server (Rocket.Chat's `packageValue`), as JSON.
    pub default: &'static str,
    /// Readable without a login (`settings.public`) and by every logged-in user.
    pub public: bool,
    /// The group it is shown under in Rocket.Chat's administration.
    pub group: &'static str,
    /// Lower and upper bounds of an `int`, where Rocket.Chat checks them.
    pub min: Option<i64>,
}

impl SettingDef {
    /// The default as a JSON value.
    pub fn default_value(&self) -> Value {
        serde_json::from_str(self.default).unwrap_or(Value::Null)
    }
}

const fn setting(
    id: &'static str,
    kind: SettingType,
    default: &'static str,
    public: bool,
    group: &'static str,
) -> SettingDef {
    SettingDef {
        id,
        kind,
        default,
        public,
        group,
        min: None,
    }
}

use SettingType::{Boolean, Int};

/// Every setting rocketlite serves, by id.
pub const SETTINGS: &[SettingDef] = &[
    // The REST API's rate limiter (Rocket.Chat's `rate.ts`), none of them public.
    setting(
        "API_Enable_Rate_Limiter",
        Boolean,
        "true",
        false,
        "Rate Limiter",
    ),
    setting(
        "API_Enable_Rate_Limiter_Dev",
        Boolean,
        "true",
        false,
        "Rate Limiter",
    ),
    SettingDef {
        min: Some(1),
        ..setting(
            "API_Enable_Rate_Limiter_Limit_Calls_Default",
            Int,
            "10",
            false,
            "Rate Limiter",
        )
    },
    SettingDef {
        min: Some(1),
        ..setting(
            "API_Enable_Rate_Limiter_Limit_Time_Default",
            Int,
            "60000",
            false,
            "Rate Limiter",
        )
    },
    SettingDef {
        min: Some(1),
        ..setting(
            "Rate_Limiter_Limit_RegisterUser",
            Int,
            "1",
            false,
            "Rate Limiter",
        )
    },
];

/// The groups the settings are shown under, each once, in the order of [`SETTINGS`].
pub fn setting_groups() -> Vec<&'static str> {
    let mut groups: Vec<&'static str> = Vec::new();
    for def in SETTINGS {
        if !groups.contains(&def.group) {
            groups.push(def.group);
        }
    }
    groups
}

/// The setting with this id.
pub fn setting_def(id: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|d| d.id == id)
}

/// The value a fresh server has for every setting.
pub fn default_settings() -> Vec<(&'static str, Value)> {
    SETTINGS.iter().map(|d| (d.id, d.default_value())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_default_is_of_its_type() {
        for def in SETTINGS {
            let value = def.default_value();
            assert_eq!(def.kind.coerce(&value), Some(value.clone()), "{}", def.id);
        }
    }

    #[test]
    fn coercion_reads_forms_and_environment_variables() {
        assert_eq!(Boolean.coerce(&json!("false")), Some(json!(false)));
        assert_eq!(Boolean.coerce(&json!("no")), None);
        assert_eq!(Int.coerce(&json!(" 12 ")), Some(json!(12)));
        assert_eq!(Int.coerce(&json!(1.5)), None);
        assert_eq!(SettingType::String.coerce(&json!(5)), Some(json!("5")));
    }
}
