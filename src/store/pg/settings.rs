//! The settings an administrator changed, in SQL.

use super::*;

impl SettingReads for PgTx<'_> {
    fn stored_settings(&self) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        Ok(self
            .query("SELECT id, value FROM settings ORDER BY id", &[])?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }
}

impl SettingWrites for PgTx<'_> {
    fn put_setting(&self, id: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO settings VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET value = $2",
            &[&id, value],
        )?;
        Ok(())
    }
}
