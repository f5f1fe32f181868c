//! Permission grants (which roles hold each permission) and the role records.

use redb::ReadableTable;

use super::tables::{PERMISSION_ROLES, ROLEID_ROLE};
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{PermissionRecord, RoleRecord};

/// The queries on permission grants, in either kind of transaction.
pub trait PermissionReads {
    /// The permission `id` (its roles and change time), or `None` if it does not exist.
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError>;

    /// Every permission, ordered by id.
    fn all_permissions(&self) -> Result<Vec<(String, PermissionRecord)>, StoreError>;

    /// The role with this `_id`.
    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError>;

    /// Every stored role, ordered by id.
    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError>;
}

impl<T: OpenTables> PermissionReads for Tx<T> {
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError> {
        let table = self.inner.table(PERMISSION_ROLES)?;
        let record = table.get(id)?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn all_permissions(&self) -> Result<Vec<(String, PermissionRecord)>, StoreError> {
        let table = self.inner.table(PERMISSION_ROLES)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (id, roles) = entry?;
            out.push((id.value().to_string(), decode(roles.value())?));
        }
        Ok(out)
    }

    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError> {
        let table = self.inner.table(ROLEID_ROLE)?;
        let record = table.get(id)?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError> {
        let table = self.inner.table(ROLEID_ROLE)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(decode(entry?.1.value())?);
        }
        Ok(out)
    }
}

/// The changes to permission grants, inside a write transaction.
pub trait PermissionWrites {
    /// Stores the permission `id`.
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError>;

    /// Stores `role` under its id.
    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError>;
}

impl PermissionWrites for WriteTx<'_> {
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError> {
        self.table_mut(PERMISSION_ROLES)?
            .insert(id, encode(record).as_slice())?;
        Ok(())
    }

    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError> {
        self.table_mut(ROLEID_ROLE)?
            .insert(role.id.as_str(), encode(role).as_slice())?;
        Ok(())
    }
}
