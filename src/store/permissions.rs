//! Permission grants (which roles hold each permission) and the role records.

use super::StoreError;
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

/// The changes to permission grants, inside a write transaction.
pub trait PermissionWrites {
    /// Stores the permission `id`.
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError>;

    /// Stores `role` under its id.
    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError>;
}
