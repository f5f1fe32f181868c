//! Settings an administrator changed, by id; a setting not stored has its default.

use super::StoreError;

/// The queries on settings.
pub trait SettingReads {
    /// Every stored value, by id.
    fn stored_settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError>;
}

/// The changes to settings.
pub trait SettingWrites {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError>;
}
