//! Permission grants: which roles hold each permission.

use redb::ReadableTable;

use super::tables::PERMISSION_ROLES;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::Permission;

impl<T: OpenTables> Tx<T> {
    /// The roles granted `permission`, or `None` for a permission that does not exist.
    pub fn permission_roles(
        &self,
        permission: Permission,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let table = self.inner.table(PERMISSION_ROLES)?;
        let record = table.get(permission.as_str())?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    /// Every permission with its roles, ordered by permission id.
    pub fn all_permissions(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let table = self.inner.table(PERMISSION_ROLES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (id, roles) = entry?;
            out.push((id.value().to_string(), decode(roles.value())?));
        }
        Ok(out)
    }
}

impl WriteTx {
    /// Sets the roles granted `permission`.
    pub fn put_permission(
        &self,
        permission: Permission,
        roles: &[String],
    ) -> Result<(), StoreError> {
        self.w()
            .open_table(PERMISSION_ROLES)?
            .insert(permission.as_str(), encode(&roles).as_slice())?;
        Ok(())
    }
}
