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
    /// One of the listed strings.
    Select(&'static [&'static str]),
}

impl SettingType {
    pub const fn as_str(self) -> &'static str {
        match self {
            SettingType::Boolean => "boolean",
            SettingType::Int => "int",
            SettingType::String => "string",
            SettingType::Select(_) => "select",
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
            (SettingType::Select(options), Value::String(s)) => {
                options.contains(&s.as_str()).then(|| value.clone())
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

use SettingType::{Boolean, Int, Select};

/// Accounts_RegistrationForm's choices: anyone may sign up, nobody may, or only through a
/// secret link (which rocketlite does not offer, so it refuses like `Disabled`).
pub const REGISTRATION_FORMS: &[&str] = &["Public", "Disabled", "Secret URL"];

/// The prefix of the settings that hold every user's default preferences; the rest of the
/// id is the preference's key.
pub const DEFAULT_PREFERENCE_PREFIX: &str = "Accounts_Default_User_Preferences_";

/// A default user preference: public, in `Accounts`.
const fn preference(id: &'static str, kind: SettingType, default: &'static str) -> SettingDef {
    setting(id, kind, default, true, "Accounts")
}

/// An `Accounts` setting that lets users change something of their own (all default on).
const fn account_right(id: &'static str) -> SettingDef {
    setting(id, Boolean, "true", true, "Accounts")
}

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
    // Lists (Rocket.Chat's `getPaginationItems`).
    SettingDef {
        min: Some(1),
        ..setting("API_Upper_Count_Limit", Int, "100", true, "General")
    },
    SettingDef {
        min: Some(1),
        ..setting("API_Default_Count", Int, "50", false, "General")
    },
    setting(
        "API_Allow_Infinite_Count",
        Boolean,
        "true",
        false,
        "General",
    ),
    SettingDef {
        min: Some(1),
        ..setting("API_User_Limit", Int, "500", true, "General")
    },
    // Accounts: sign-up, login tokens, what users may change of their own, blocked names.
    setting(
        "Accounts_RegistrationForm",
        Select(REGISTRATION_FORMS),
        "\"Public\"",
        true,
        "Accounts",
    ),
    SettingDef {
        min: Some(1),
        ..setting("Accounts_LoginExpiration", Int, "90", true, "Accounts")
    },
    // The second factor of the personal-access-token routes: the password's digest in
    // X-2FA-Code, as Rocket.Chat's fallback for users without TOTP or email codes.
    setting(
        "Accounts_TwoFactorAuthentication_Enabled",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    // The email domains new addresses may (allowed, when set) or may not (blocked) have,
    // comma-separated.
    setting(
        "Accounts_AllowedDomainsList",
        SettingType::String,
        "\"\"",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_BlockedDomainsList",
        SettingType::String,
        "\"\"",
        false,
        "Accounts",
    ),
    // The patterns usernames and room names must match whole.
    setting(
        "UTF8_User_Names_Validation",
        SettingType::String,
        "\"[0-9a-zA-Z-_.]+\"",
        true,
        "General",
    ),
    setting(
        "UTF8_Channel_Names_Validation",
        SettingType::String,
        "\"[0-9a-zA-Z-_.]+\"",
        true,
        "General",
    ),
    // Blocking of repeated failed logins, per username and per client address.
    setting(
        "Block_Multiple_Failed_Logins_Enabled",
        Boolean,
        "true",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_By_User",
        Boolean,
        "true",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User",
        Int,
        "10",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes",
        Int,
        "5",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_By_Ip",
        Boolean,
        "true",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip",
        Int,
        "50",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes",
        Int,
        "5",
        false,
        "Accounts",
    ),
    setting(
        "Block_Multiple_Failed_Logins_Ip_Whitelist",
        SettingType::String,
        "\"\"",
        false,
        "Accounts",
    ),
    // The password policy. Rocket.Chat 8 turned it on (minimum 14); rocketlite keeps it off
    // by default so an upgrade never starts refusing the passwords scripts already set.
    setting(
        "Accounts_Password_Policy_Enabled",
        Boolean,
        "false",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_MinLength",
        Int,
        "14",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_MaxLength",
        Int,
        "-1",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_ForbidRepeatingCharacters",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_ForbidRepeatingCharactersCount",
        Int,
        "3",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_AtLeastOneLowercase",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_AtLeastOneUppercase",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_AtLeastOneNumber",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    setting(
        "Accounts_Password_Policy_AtLeastOneSpecialCharacter",
        Boolean,
        "true",
        true,
        "Accounts",
    ),
    // Off by default, as in Rocket.Chat: users.deleteOwnAccount is refused until it is on.
    setting(
        "Accounts_AllowDeleteOwnAccount",
        Boolean,
        "false",
        true,
        "Accounts",
    ),
    // The extra fields every account has (a JSON object of field -> rules); blank: none.
    setting(
        "Accounts_CustomFields",
        SettingType::String,
        "\"\"",
        true,
        "Accounts",
    ),
    account_right("Accounts_AllowUserProfileChange"),
    account_right("Accounts_AllowRealNameChange"),
    account_right("Accounts_AllowUsernameChange"),
    account_right("Accounts_AllowEmailChange"),
    account_right("Accounts_AllowPasswordChange"),
    account_right("Accounts_AllowUserStatusMessageChange"),
    setting(
        "Accounts_BlockedUsernameList",
        SettingType::String,
        "\"\"",
        false,
        "Accounts",
    ), // The preferences every user starts with (`/me`'s `settings.preferences`), all public.
    preference(
        "Accounts_Default_User_Preferences_enableAutoAway",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_idleTimeLimit",
        Int,
        "300",
    ),
    preference(
        "Accounts_Default_User_Preferences_desktopNotificationRequireInteraction",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_desktopNotifications",
        Select(&["all", "mentions", "nothing"]),
        "\"all\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_pushNotifications",
        Select(&["all", "mentions", "nothing"]),
        "\"all\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_emailNotificationMode",
        Select(&["nothing", "mentions"]),
        "\"mentions\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_unreadAlert",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_notifyCalendarEvents",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_enableMobileRinging",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_newRoomNotification",
        Select(&["none", "door"]),
        "\"door\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_newMessageNotification",
        Select(&["none", "chime"]),
        "\"chime\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_muteFocusedConversations",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_notificationsSoundVolume",
        Int,
        "100",
    ),
    preference("Accounts_Default_User_Preferences_masterVolume", Int, "100"),
    preference(
        "Accounts_Default_User_Preferences_themeAppearence",
        Select(&["auto", "light", "dark"]),
        "\"auto\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarViewMode",
        Select(&["extended", "medium", "condensed"]),
        "\"medium\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarSortby",
        Select(&["activity", "alphabetical"]),
        "\"activity\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarDisplayAvatar",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarGroupByType",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarShowFavorites",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_sidebarShowUnread",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_displayAvatars",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_hideUsernames",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_hideRoles",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_hideFlexTab",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_sendOnEnter",
        Select(&["normal", "alternative", "desktop"]),
        "\"normal\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_useEmojis",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_convertAsciiEmoji",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_autoImageLoad",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_saveMobileBandwidth",
        Boolean,
        "true",
    ),
    preference(
        "Accounts_Default_User_Preferences_collapseMediaByDefault",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_showThreadsInMainChannel",
        Boolean,
        "false",
    ),
    preference(
        "Accounts_Default_User_Preferences_alsoSendThreadToChannel",
        Select(&["default", "always", "never"]),
        "\"default\"",
    ),
    preference(
        "Accounts_Default_User_Preferences_omnichannelTranscriptEmail",
        Boolean,
        "false",
    ),
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

/// Rocket.Chat keeps one permission per setting and per group, `change-setting-<id>`, for
/// administrators who edit only chosen settings; it grants nothing by default.
pub const SETTING_PERMISSION_PREFIX: &str = "change-setting-";

/// The setting (or group) a `change-setting-<id>` permission is for, and the group it sits in
/// (none for a group).
pub fn setting_of_permission(permission: &str) -> Option<(&'static str, Option<&'static str>)> {
    let id = permission.strip_prefix(SETTING_PERMISSION_PREFIX)?;
    if let Some(def) = setting_def(id) {
        return Some((def.id, Some(def.group)));
    }
    setting_groups()
        .into_iter()
        .find(|g| *g == id)
        .map(|g| (g, None))
}

/// The `change-setting-<id>` permissions of every setting and group.
pub fn setting_permissions() -> Vec<String> {
    SETTINGS
        .iter()
        .map(|d| d.id)
        .chain(setting_groups())
        .map(|id| format!("{SETTING_PERMISSION_PREFIX}{id}"))
        .collect()
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
        let form = Select(REGISTRATION_FORMS);
        assert_eq!(form.coerce(&json!("Disabled")), Some(json!("Disabled")));
        assert_eq!(form.coerce(&json!("disabled")), None);
    }
}
