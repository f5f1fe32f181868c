//! SCIM tokens, in SQL.

use super::*;

impl ScimReads for PgTx<'_> {
    fn scim_token(&self, id: &str) -> Result<Option<ScimToken>, StoreError> {
        self.record("SELECT record FROM scim_tokens WHERE id = $1", &[&id])
    }

    fn scim_tokens(&self) -> Result<Vec<ScimToken>, StoreError> {
        self.records("SELECT record FROM scim_tokens ORDER BY id", &[])
    }
}

impl ScimWrites for PgTx<'_> {
    fn put_scim_token(&self, token: &ScimToken) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO scim_tokens VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET record = excluded.record",
            &[&token.id.as_str(), &to_json(token)],
        )?;
        Ok(())
    }

    fn remove_scim_token(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM scim_tokens WHERE id = $1", &[&id])? > 0)
    }
}
