//! The caller: who a request is, as it stands inside the use case's transaction, and what it
//! may do. Every use case's first lines come from here, the one place a token, an account's
//! activity and a role grant are checked.

use super::{ServiceError, ServiceResult};
use crate::model::{Permission, PermissionRecord, RoomId, TokenHash, User};
use crate::store::prelude::*;

/// The authenticated user of a request, and the token it used. `user` is the record as it
/// was when the request was authenticated: reads may use it, but a write use case decides on
/// [`current_caller`], re-read inside its own transaction.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub token: TokenHash,
}

/// The caller as it stands in this transaction: its token still names it and its record is
/// active. Every write use case starts here, so a request authenticated before a deactivation
/// or a logout that committed first is refused instead of acting on a stale copy.
pub(super) fn current_caller(tx: &dyn Reads, caller: &Caller) -> ServiceResult<User> {
    // The token and its holder in one read (one statement on PostgreSQL).
    match tx.token_user(&caller.token)? {
        Some((user, _)) if user.id == caller.user.id && user.active => Ok(user),
        _ => Err(ServiceError::Unauthorized),
    }
}

/// Whether `user` holds `permission` through a global role or, inside `room`, a room role.
pub(super) fn has_permission(
    tx: &dyn Reads,
    user: &User,
    permission: Permission,
    room: Option<&RoomId>,
) -> Result<bool, StoreError> {
    let Some(PermissionRecord { roles: granted, .. }) = tx.permission(permission.as_str())? else {
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
