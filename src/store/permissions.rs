//! Permission grants (which roles hold each permission) and the role records.

use redb::ReadableTable;

use super::tables::{PERMISSION_ROLES, ROLEID_ROLE};
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{Permission, RoleRecord};

/// The queries on permission grants, in either kind of transaction.
pub trait PermissionReads {
    /// The roles granted `permission`, or `None` for a permission that does not exist.
    fn permission_roles(&self, permission: Permission) -> Result<Option<Vec<String>>, StoreError>;

    /// Every permission with its roles, ordered by permission id.
    fn all_permissions(&self) -> Result<Vec<(String, Vec<String>)>, StoreError>;

    /// The role with this `_id`.
    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError>;

    /// Every stored role, ordered by id.
    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError>;
}

impl<T: OpenTables> PermissionReads for Tx<T> {
    fn permission_roles(&self, permission: Permission) -> Result<Option<Vec<String>>, StoreError> {
        let table = self.inner.table(PERMISSION_ROLES)?;
        let record = table.get(permission.as_str())?;
        record.map(|bytes| decode(bytes.value())).transpose()
    }

    fn all_permissions(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
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
    /// Sets the roles granted `permission`.
    fn put_permission(&self, permission: Permission, roles: &[String]) -> Result<(), StoreError>;

    /// Stores `role` under its id.
    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError>;
}

impl PermissionWrites for WriteTx<'_> {
    fn put_permission(&self, permission: Permission, roles: &[String]) -> Result<(), StoreError> {
        self.table_mut(PERMISSION_ROLES)?
            .insert(permission.as_str(), encode(&roles.to_vec()).as_slice())?;
        Ok(())
    }

    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError> {
        self.table_mut(ROLEID_ROLE)?
            .insert(role.id.as_str(), encode(role).as_slice())?;
        Ok(())
    }
}
