//! Permissions: who may do what, the one place a role grant is checked.

use super::audit::{Stamp, Subject};
use super::auth::current_caller;
use super::limits;
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Role, RoleRecord, RoomId, User};
use crate::store::prelude::*;
use serde_json::json;

/// Whether `user` holds `permission` through a global role or, inside `room`, a room role.
pub(super) fn has_permission(
    tx: &dyn Reads,
    user: &User,
    permission: Permission,
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
pub(super) fn require_any(
    tx: &dyn Reads,
    user: &User,
    permissions: &[Permission],
    room: Option<&RoomId>,
) -> ServiceResult<()> {
    for &permission in permissions {
        if has_permission(tx, user, permission, room)? {
            return Ok(());
        }
    }
    Err(ServiceError::Forbidden)
}

impl Service {
    /// Grants the contract's defaults for every permission that has none stored yet, and
    /// stores every default role not stored yet; an operator's change is never overwritten.
    /// Returns how many records it wrote.
    pub fn seed_permissions(&self) -> ServiceResult<usize> {
        let now = self.now();
        self.store.write(move |tx| {
            let mut seeded = 0;
            for &role in Role::ALL {
                if tx.role(role.as_str())?.is_none() {
                    tx.put_role(&RoleRecord::default_for(role, now))?;
                    seeded += 1;
                }
            }
            for &permission in Permission::ALL {
                if tx.permission_roles(permission)?.is_none() {
                    let roles: Vec<String> = permission
                        .default_roles()
                        .iter()
                        .map(|r| r.as_str().to_string())
                        .collect();
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
        let now = self.now();
        self.store.write(move |tx| {
            let caller = current_caller(tx, &caller)?;
            require_any(tx, &caller, &[MANAGE], None)?;
            let mut parsed = Vec::with_capacity(updates.len());
            for (name, roles) in &updates {
                limits::check_count("roles", limits::distinct(roles).len(), limits::ROLES)?;
                let permission = Permission::parse(name)
                    .filter(|&p| matches!(tx.permission_roles(p), Ok(Some(_))))
                    .ok_or_else(|| ServiceError::UnknownPermission(name.clone()))?;
                if let Some(role) = roles.iter().find(|r| Role::parse(r).is_none()) {
                    return Err(ServiceError::UnknownRole(role.clone()));
                }
                parsed.push((permission, limits::distinct(roles)));
            }
            let managers = parsed.iter().rev().find(|(p, _)| *p == MANAGE);
            if let Some((_, roles)) = managers
                && !any_active_holder(tx, roles)?
            {
                return Err(ServiceError::PermissionLockout);
            }
            let stamp = Stamp::by(&caller, now);
            for (permission, roles) in &parsed {
                let before = tx.permission_roles(*permission)?.unwrap_or_default();
                if &before == roles {
                    continue; // a no-op records nothing
                }
                tx.put_permission(*permission, roles)?;
                stamp.record(
                    tx,
                    "permission.update",
                    Subject::Server,
                    json!({"permission": permission.as_str(), "roles": before}),
                    json!({"permission": permission.as_str(), "roles": roles}),
                )?;
            }
            Ok(tx.all_permissions()?)
        })
    }

    /// Grants `access-permissions` to `admin` again: the way back for an operator when no
    /// active user can manage permissions any more (say, its only holder was deactivated).
    /// The last-admin guard keeps an active admin, so this always restores one manager.
    /// Returns whether anything changed.
    pub fn restore_permission_manager(&self) -> ServiceResult<bool> {
        self.store.write(|tx| {
            let mut roles = tx.permission_roles(MANAGE)?.unwrap_or_default();
            if roles.iter().any(|r| r == Role::Admin.as_str()) {
                return Ok(false);
            }
            roles.push(Role::Admin.as_str().into());
            tx.put_permission(MANAGE, &roles)?;
            Ok(true)
        })
    }
}

/// The permission that changes permissions: someone active must keep it.
const MANAGE: Permission = Permission::AccessPermissions;

/// Whether an active user holds one of the global `roles`.
fn any_active_holder(tx: &dyn Reads, roles: &[String]) -> Result<bool, StoreError> {
    for role in roles.iter().filter_map(|r| Role::parse_global(r)) {
        for id in tx.user_ids_with_role(role)? {
            if tx.user(&id)?.is_some_and(|u| u.active) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
