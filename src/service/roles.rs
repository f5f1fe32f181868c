//! The roles family: Rocket.Chat's default roles, who holds them, and the two ways to grant
//! and revoke one. `roles.removeUserFromRole` is one more way out of `admin` and of a room's
//! `owner`, so it keeps the last active admin and each room's last active owner.

use super::active_status::another_active_admin;
use super::audit::{Stamp, Subject};
use super::caller::{has_permission, require_any};
use super::listing::Page;
use super::lookup::{UserRef, find_user};
use super::room_rules::{check_owner_removal, grant_room_role, revoke_room_role};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Millis, Permission, Role, RoleRecord, RoomId, User, normalize_key};
use crate::store::prelude::*;

/// What `roles.update` asks for.
#[derive(Clone, Debug)]
pub struct RoleUpdate {
    pub role_id: String,
    pub name: String,
    pub scope: Option<String>,
    pub description: Option<String>,
    pub mandatory2fa: Option<bool>,
}

/// `roles.addUserToRole`: the user, the role and, for a room role, the room.
#[derive(Clone, Debug)]
pub struct RoleGrant {
    pub user: UserRef,
    pub role_id: Option<String>,
    pub room: Option<RoomId>,
}

/// `roles.removeUserFromRole`: the user by its exact username, the role and, for a room role,
/// the room (`scope`).
#[derive(Clone, Debug)]
pub struct RoleRevoke {
    pub username: String,
    pub role_id: Option<String>,
    pub scope: Option<RoomId>,
}

/// Records a change of `user`'s global roles.
fn record_roles(
    tx: &dyn Writes,
    stamp: &Stamp,
    action: &str,
    before: &User,
    after: &User,
) -> Result<(), StoreError> {
    stamp.record(
        tx,
        action,
        Subject::User(&after.id),
        serde_json::json!({ "roles": before.roles }),
        serde_json::json!({ "roles": after.roles }),
    )
}

/// A known role: its stored record and what rocketlite does with it.
fn known_role(tx: &dyn Reads, id: &str) -> ServiceResult<Option<(RoleRecord, Role)>> {
    Ok(match (tx.role(id)?, Role::parse(id)) {
        (Some(record), Some(role)) => Some((record, role)),
        _ => None,
    })
}

/// Whether `user` holds `role`: a global role on the account; a room role in `room` (in no
/// room when none is named, as Rocket.Chat's query on `rid: undefined` matches nothing).
fn holds(tx: &dyn Reads, user: &User, role: Role, room: Option<&RoomId>) -> ServiceResult<bool> {
    if role.is_global() {
        return Ok(user.has_role(role));
    }
    let Some(room) = room else { return Ok(false) };
    Ok(tx
        .subscription(room, &user.id)?
        .is_some_and(|s| s.has_role(role)))
}

impl Service {
    /// Every role, in the order a fresh Rocket.Chat server lists them.
    pub fn list_roles(&self) -> ServiceResult<Vec<RoleRecord>> {
        self.store.read(|tx| {
            let mut roles = tx.all_roles()?;
            let place = |r: &RoleRecord| Role::ALL.iter().position(|k| k.as_str() == r.id);
            roles.sort_by_key(|r| (place(r).unwrap_or(usize::MAX), r.id.clone()));
            Ok(roles)
        })
    }

    /// `roles.sync`: the roles changed after `since`. Roles are never deleted (the Community
    /// Edition has only protected ones), so nothing is ever removed.
    pub fn roles_updated_since(&self, since: Millis) -> ServiceResult<Vec<RoleRecord>> {
        let mut roles = self.list_roles()?;
        roles.retain(|r| r.updated_at > since);
        Ok(roles)
    }

    /// `roles.update` as the Community Edition answers it: needs `access-permissions`; only a
    /// protected (default) role, and only its description and `mandatory2fa`: its name and
    /// scope must stay as they are (an absent scope means `Users`).
    pub fn update_role(&self, caller: &Caller, update: RoleUpdate) -> ServiceResult<RoleRecord> {
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            if !has_permission(tx, &me, Permission::AccessPermissions, None)? {
                return Err(ServiceError::AccessPermissionsDenied);
            }
            let role = match tx.role(&update.role_id)? {
                Some(role) if role.protected => role,
                _ => return Err(ServiceError::EnterpriseOnly),
            };
            let scope = update.scope.as_deref().unwrap_or("Users");
            if update.name != role.name || scope != role.scope {
                return Err(ServiceError::RoleProtected);
            }
            let mut updated = role.clone();
            updated.description = update.description.clone().unwrap_or_default();
            if let Some(mandatory2fa) = update.mandatory2fa {
                updated.mandatory2fa = mandatory2fa;
            }
            if updated != role {
                updated.updated_at = now;
                tx.put_role(&updated)?;
            }
            Ok(updated)
        })
    }

    /// `roles.delete`: needs `access-permissions`; the role must exist (by id or name) and not
    /// be protected. Every role of the Community Edition is, so this always refuses.
    pub fn delete_role(&self, caller: &Caller, role_id: &str) -> ServiceResult<()> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::AccessPermissions], None)?;
            let role = match tx.role(role_id)? {
                Some(role) => role,
                None => tx
                    .all_roles()?
                    .into_iter()
                    .find(|r| r.name == role_id)
                    .ok_or(ServiceError::RoleNotFound)?,
            };
            if role.protected {
                return Err(ServiceError::RoleProtected);
            }
            // Unreachable while every role is protected; a custom role would be deleted here.
            Err(ServiceError::EnterpriseOnly)
        })
    }

    /// `roles.addUserToRole`, in Rocket.Chat's order: the user, the role id given, the role
    /// known, not held yet, then the caller's `access-permissions` (and `assign-admin-role`
    /// for `admin`). A room role is granted on the membership in `room`; without a room, or
    /// to a non-member, it changes nothing, as in Rocket.Chat.
    pub fn add_user_to_role(&self, caller: &Caller, grant: RoleGrant) -> ServiceResult<RoleRecord> {
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            let mut user = find_user(tx, &grant.user)?.ok_or(ServiceError::UserNotFound)?;
            let role_id = grant
                .role_id
                .clone()
                .ok_or(ServiceError::RolePropertiesMissing)?;
            let (record, role) = known_role(tx, &role_id)?.ok_or(ServiceError::RoleNotFound)?;
            if holds(tx, &user, role, grant.room.as_ref())? {
                return Err(ServiceError::AlreadyInRole);
            }
            if !has_permission(tx, &me, Permission::AccessPermissions, None)? {
                return Err(ServiceError::AccessPermissionsDenied);
            }
            if role == Role::Admin && !has_permission(tx, &me, Permission::AssignAdminRole, None)? {
                return Err(ServiceError::EditNotAllowed(super::EditRight::AdminRole));
            }
            let stamp = Stamp::by(&me, now);
            if role.is_global() {
                let previous = user.clone();
                user.roles.push(role.as_str().into());
                user.updated_at = now;
                tx.put_user(&user, Some(&previous))?;
                record_roles(tx, &stamp, "user.role.add", &previous, &user)?;
            } else if let Some(room) = &grant.room
                && tx.subscription(room, &user.id)?.is_some()
            {
                grant_room_role(tx, room, &user.id, role, &stamp)?;
            }
            Ok(record)
        })
    }

    /// `roles.removeUserFromRole`: needs `access-permissions` (checked by the caller's
    /// route); then the role id given, the user by exact username, the role known and held.
    /// Never takes `admin` from the last active admin, nor `owner` from a room's last
    /// (active) owner: the same rules as every other way out.
    pub fn remove_user_from_role(
        &self,
        caller: &Caller,
        revoke: RoleRevoke,
    ) -> ServiceResult<RoleRecord> {
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            require_any(tx, &me, &[Permission::AccessPermissions], None)?;
            let role_id = revoke
                .role_id
                .clone()
                .ok_or(ServiceError::RolePropertiesMissing)?;
            let mut user = find_user(tx, &UserRef::Username(revoke.username.clone()))?
                .filter(|u| u.username == revoke.username)
                .ok_or(ServiceError::UserNotFound)?;
            let (record, role) = known_role(tx, &role_id)?.ok_or(ServiceError::RoleNotFound)?;
            let room = revoke.scope.as_ref();
            if !holds(tx, &user, role, room)? {
                return Err(ServiceError::NotInRole);
            }
            if role.is_global() {
                if role == Role::Admin && user.active && !another_active_admin(tx, &user.id)? {
                    return Err(ServiceError::LastAdmin);
                }
                let previous = user.clone();
                user.roles.retain(|r| r != role.as_str());
                user.updated_at = now;
                tx.put_user(&user, Some(&previous))?;
                record_roles(
                    tx,
                    &Stamp::by(&me, now),
                    "user.role.remove",
                    &previous,
                    &user,
                )?;
            } else if let Some(room) = room {
                if role == Role::Owner {
                    check_owner_removal(tx, room, &user)?;
                }
                let sub = tx
                    .subscription(room, &user.id)?
                    .ok_or_else(|| StoreError::Corrupt("role holder without membership".into()))?;
                revoke_room_role(tx, &sub, role, &Stamp::by(&me, now))?;
            }
            Ok(record)
        })
    }

    /// `roles.getUsersInRole`: needs `access-permissions`, and `view-other-user-channels` to
    /// name a room. Holders of a global role, or of a room role in `room` (in any room when
    /// none is named), inactive ones included, sorted by username; and their total.
    pub fn users_in_role(
        &self,
        caller: &Caller,
        role_id: &str,
        room: Option<&RoomId>,
        page: Page,
    ) -> ServiceResult<(Vec<User>, usize)> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::AccessPermissions], None)?;
            if role_id.is_empty() {
                return Err(ServiceError::RoleParamMissing);
            }
            if room.is_some()
                && !has_permission(tx, &caller.user, Permission::ViewOtherUserChannels, None)?
            {
                return Err(ServiceError::NotAllowed);
            }
            let (_, role) = known_role(tx, role_id)?.ok_or(ServiceError::RoleNotFound)?;
            let mut users = Vec::new();
            if role.is_global() {
                users = tx.users_with_role(role)?;
            } else if let Some(room) = room {
                for id in tx.member_ids_in_join_order(room)? {
                    if let Some(user) = tx.user(&id)?
                        && holds(tx, &user, role, Some(room))?
                    {
                        users.push(user);
                    }
                }
            } else {
                // A room role in any room: an admin's rare question, answered by one pass
                // over the memberships.
                let (all, _) = tx.users_page(0, usize::MAX)?;
                for user in all {
                    let mut held = false;
                    for room in tx.room_ids_of(&user.id)? {
                        held = held || holds(tx, &user, role, Some(&room))?;
                    }
                    if held {
                        users.push(user);
                    }
                }
            }
            users.sort_by_key(|u| normalize_key(&u.username));
            let total = users.len();
            Ok((page.of(users), total))
        })
    }

    /// `roles.getUsersInPublicRoles`: holders of the public roles (global ones with a
    /// description), sorted by username, each with the public roles it holds.
    pub fn users_in_public_roles(&self) -> ServiceResult<Vec<(User, Vec<String>)>> {
        self.store.read(|tx| {
            let public: Vec<Role> = tx
                .all_roles()?
                .into_iter()
                .filter(|r| r.scope == "Users" && !r.description.is_empty())
                .filter_map(|r| Role::parse_global(&r.id))
                .collect();
            let mut ids = Vec::new();
            for &role in &public {
                ids.extend(tx.user_ids_with_role(role)?);
            }
            ids.sort();
            ids.dedup();
            let mut out = Vec::new();
            for id in ids {
                if let Some(user) = tx.user(&id)? {
                    let roles = user
                        .roles
                        .iter()
                        .filter(|r| public.iter().any(|p| p.as_str() == r.as_str()))
                        .cloned()
                        .collect();
                    out.push((user, roles));
                }
            }
            out.sort_by_key(|(u, _)| normalize_key(&u.username));
            Ok(out)
        })
    }
}
