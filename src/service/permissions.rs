//! Permissions: the catalog seeded, listed and changed (the grant itself is checked in
//! `caller.rs`).

use super::audit::{Stamp, Subject};
use super::caller::require_any;
use super::limits;
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{
    Millis, PERMISSION_CATALOG, Permission, PermissionRecord, Role, RoleRecord, setting_permissions,
};
use crate::store::prelude::*;
use serde_json::json;

impl Service {
    /// Stores every permission Rocket.Chat defines ([`PERMISSION_CATALOG`]) and every default
    /// role not stored yet, with their default grants; an operator's change is never
    /// overwritten. Returns how many records it wrote.
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
            let defaults = PERMISSION_CATALOG
                .iter()
                .map(|(id, roles)| {
                    (
                        id.to_string(),
                        roles.iter().map(|r| r.to_string()).collect(),
                    )
                })
                .chain(setting_permissions().into_iter().map(|id| (id, Vec::new())));
            for (id, roles) in defaults {
                if tx.permission(&id)?.is_none() {
                    tx.put_permission(
                        &id,
                        &PermissionRecord {
                            roles,
                            updated_at: now,
                        },
                    )?;
                    seeded += 1;
                }
            }
            Ok(seeded)
        })
    }

    /// Every permission and the roles holding it; with `changed_after`, only those changed
    /// since.
    pub fn list_permissions(
        &self,
        changed_after: Option<Millis>,
    ) -> ServiceResult<Vec<(String, PermissionRecord)>> {
        let mut all = self.store.read(|tx| tx.all_permissions())?;
        if let Some(after) = changed_after {
            all.retain(|(_, p)| p.updated_at > after);
        }
        Ok(all)
    }

    /// Replaces the roles of the named permissions; needs `access-permissions`. Every id and
    /// role is checked before anything is written.
    pub fn update_permissions(
        &self,
        caller: &Caller,
        updates: &[(String, Vec<String>)],
    ) -> ServiceResult<Vec<(String, PermissionRecord)>> {
        let updates = updates.to_vec();
        let now = self.now();
        self.write_as(caller, move |tx, caller| {
            require_any(tx, &caller, &[MANAGE], None)?;
            let mut parsed: Vec<(&str, Vec<String>)> = Vec::with_capacity(updates.len());
            for (id, roles) in &updates {
                limits::check_count("roles", limits::distinct(roles).len(), limits::ROLES)?;
                // Named twice counts as unknown, as Rocket.Chat's count of matches has it.
                if tx.permission(id)?.is_none() || parsed.iter().any(|(p, _)| p == id) {
                    return Err(ServiceError::UnknownPermission(id.clone()));
                }
                for role in roles {
                    if tx.role(role)?.is_none() {
                        return Err(ServiceError::UnknownRole(role.clone()));
                    }
                }
                parsed.push((id, limits::distinct(roles)));
            }
            let managers = parsed.iter().find(|(p, _)| *p == MANAGE.as_str());
            if let Some((_, roles)) = managers
                && !any_active_holder(tx, roles)?
            {
                return Err(ServiceError::PermissionLockout);
            }
            let stamp = Stamp::by(&caller, now);
            for (id, roles) in &parsed {
                let before = tx.permission(id)?.map(|p| p.roles).unwrap_or_default();
                if &before == roles {
                    continue; // a no-op records nothing
                }
                let record = PermissionRecord {
                    roles: roles.clone(),
                    updated_at: now,
                };
                tx.put_permission(id, &record)?;
                stamp.record(
                    tx,
                    "permission.update",
                    Subject::Server,
                    json!({"permission": id, "roles": before}),
                    json!({"permission": id, "roles": roles}),
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
        let now = self.now();
        self.store.write(move |tx| {
            let mut roles = tx
                .permission(MANAGE.as_str())?
                .map(|p| p.roles)
                .unwrap_or_default();
            if roles.iter().any(|r| r == Role::Admin.as_str()) {
                return Ok(false);
            }
            roles.push(Role::Admin.as_str().into());
            tx.put_permission(
                MANAGE.as_str(),
                &PermissionRecord {
                    roles,
                    updated_at: now,
                },
            )?;
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
