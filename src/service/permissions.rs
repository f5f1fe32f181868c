//! Permissions: who may do what, the one place a role grant is checked.

use super::auth::current_caller;
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{DEFAULT_GRANTS, RoomId, User, is_known_role};
use crate::store::{OpenTables, StoreError, Tx};

/// Whether `user` holds `permission` through a global role or, inside `room`, a room role.
pub(super) fn has_permission<T: OpenTables>(
    tx: &Tx<T>,
    user: &User,
    permission: &str,
    room: Option<&RoomId>,
) -> Result<bool, StoreError> {
    let Some(granted) = tx.permission_roles(permission)? else {
        return Ok(false);
    };
    if user.roles.iter().any(|r| granted.contains(r)) {
        return Ok(true);
    }
    let Some(room) = room else { return Ok(false) };
    let room_roles = tx
        .subscription(room, &user.id)?
        .map(|s| s.roles)
        .unwrap_or_default();
    Ok(room_roles.iter().any(|r| granted.contains(r)))
}

/// `Forbidden` unless `user` holds at least one of `permissions`.
pub(super) fn require_any<T: OpenTables>(
    tx: &Tx<T>,
    user: &User,
    permissions: &[&str],
    room: Option<&RoomId>,
) -> ServiceResult<()> {
    for permission in permissions {
        if has_permission(tx, user, permission, room)? {
            return Ok(());
        }
    }
    Err(ServiceError::Forbidden)
}

impl Service {
    /// Grants the contract's defaults for every permission that has none stored yet; an
    /// operator's change is never overwritten.
    pub fn seed_permissions(&self) -> ServiceResult<usize> {
        self.store.write(|tx| {
            let mut seeded = 0;
            for (permission, roles) in DEFAULT_GRANTS {
                if tx.permission_roles(permission)?.is_none() {
                    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
                    tx.put_permission(permission, &roles)?;
                    seeded += 1;
                }
            }
            Ok(seeded)
        })
    }

    /// Every permission and the roles holding it.
    pub fn list_permissions(&self) -> ServiceResult<Vec<(String, Vec<String>)>> {
        Ok(self.store.read(|tx| tx.all_permissions())?)
    }

    /// Replaces the roles of the named permissions; needs `access-permissions`. Every id and
    /// role is checked before anything is written.
    pub fn update_permissions(
        &self,
        caller: &Caller,
        updates: &[(String, Vec<String>)],
    ) -> ServiceResult<Vec<(String, Vec<String>)>> {
        let (caller, updates) = (caller.clone(), updates.to_vec());
        self.store.write(move |tx| {
            let caller = current_caller(tx, &caller)?;
            require_any(tx, &caller, &["access-permissions"], None)?;
            for (permission, roles) in &updates {
                if tx.permission_roles(permission)?.is_none() {
                    return Err(ServiceError::UnknownPermission(permission.clone()));
                }
                if let Some(role) = roles.iter().find(|r| !is_known_role(r)) {
                    return Err(ServiceError::UnknownRole(role.clone()));
                }
            }
            for (permission, roles) in &updates {
                let mut roles = roles.clone();
                roles.dedup();
                tx.put_permission(permission, &roles)?;
            }
            Ok(tx.all_permissions()?)
        })
    }
}
