//! Permission grants (which roles hold each permission) and the role records.
//! (redb)

use super::tables::{PERMISSION_ROLES, ROLEID_ROLE};
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{PermissionRecord, RoleRecord};
use crate::store::{PermissionReads, PermissionWrites};
use redb::ReadableTable;

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
