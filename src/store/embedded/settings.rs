//! Settings an administrator changed, by id; a setting not stored has its default.
//! (redb)

use super::tables::SETTINGID_VALUE;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::store::{SettingReads, SettingWrites};
use redb::ReadableTable;

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

impl SettingWrites for WriteTx<'_> {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.table_mut(SETTINGID_VALUE)?
            .insert(id, encode(value).as_slice())?;
        Ok(())
    }
}
