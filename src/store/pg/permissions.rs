//! Permissions and role records, in SQL.

use super::*;

impl PermissionReads for PgTx<'_> {
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError> {
        self.record("SELECT roles FROM permissions WHERE id = $1", &[&id])
    }

    fn all_permissions(&self) -> Result<Vec<(String, PermissionRecord)>, StoreError> {
        self.query("SELECT id, roles FROM permissions ORDER BY id", &[])?
            .iter()
            .map(|row| Ok((row.get(0), from_json(row.get(1))?)))
            .collect()
    }

    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError> {
        self.record("SELECT record FROM roles WHERE id = $1", &[&id])
    }

    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError> {
        self.records("SELECT record FROM roles ORDER BY id", &[])
    }
}

impl PermissionWrites for PgTx<'_> {
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO permissions VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET roles = excluded.roles",
            &[&id, &to_json(record)],
        )?;
        Ok(())
    }

    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO roles VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET record = excluded.record",
            &[&role.id.as_str(), &to_json(role)],
        )?;
        Ok(())
    }
}
