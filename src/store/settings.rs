//! Settings an administrator changed, by id; a setting not stored has its default.

use redb::ReadableTable;

use super::tables::SETTINGID_VALUE;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};

/// The queries on settings.
pub trait SettingReads {
    /// Every stored value, by id.
    fn stored_settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError>;
}

impl<T: OpenTables> SettingReads for Tx<T> {
    fn stored_settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(SETTINGID_VALUE)?.iter()? {
            let (id, value) = row?;
            out.push((id.value().to_string(), decode(value.value())?));
        }
        Ok(out)
    }
}

/// The changes to settings.
pub trait SettingWrites {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError>;
}

impl SettingWrites for WriteTx<'_> {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.table_mut(SETTINGID_VALUE)?
            .insert(id, encode(value).as_slice())?;
        Ok(())
    }
}
