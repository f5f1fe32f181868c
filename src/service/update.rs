//! `users.update`: one transaction for every change to an account, where `active` runs the
//! rules of `users.setActiveStatus` and a role change never removes the last active admin.

use super::active_status::{
    DEACTIVATED, Handover, PlanAction, another_active_admin, check_plan, deactivate, departure,
    reactivate,
};
use super::audit::{Stamp, Subject, changed, user_facts};
use super::caller::has_permission;
use super::custom_fields::{CustomFields, save_custom_fields};
use super::limits;
use super::lookup::{UserRef, find_user};
use super::users::{check_fields_free, check_rename, is_valid_email};
use super::{Caller, Service, ServiceError, ServiceResult, SettingValues};
use crate::model::{Email, Permission, Role, TokenHash, User, UserId, normalize_key};
use crate::store::prelude::*;

/// What `users.update` changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub verified: Option<bool>,
    pub roles: Option<Vec<String>>,
    pub active: Option<bool>,
    /// Trimmed; blank removes it.
    pub bio: Option<String>,
    /// Blank removes it.
    pub nickname: Option<String>,
    /// The status message: trimmed and cut to 120 characters, as users.setStatus does.
    pub status_text: Option<String>,
    /// Values of the `Accounts_CustomFields` fields, merged into those the user holds.
    pub custom_fields: Option<CustomFields>,
}

/// Rocket.Chat's `MAX_BIO_LENGTH`.
const BIO_MAX: usize = 260;
/// Rocket.Chat's `MAX_NICKNAME_LENGTH`.
const NICKNAME_MAX: usize = 120;
/// Rocket.Chat's status-message length; longer ones are cut, not refused.
const STATUS_TEXT_MAX: usize = 120;

/// Which permission a change lacked, for Rocket.Chat's `error-action-not-allowed` wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditRight {
    /// Editing another user (`edit-other-user-info`).
    OtherUser,
    /// Changing roles (`assign-roles`).
    Roles,
    /// Changing another user's password (`edit-other-user-password`).
    Password,
    /// Changing `active` (`edit-other-user-active-status`).
    ActiveStatus,
    /// Giving the role `admin` (`assign-admin-role`).
    AdminRole,
}

impl Service {
    /// Applies `changes` to the user `target` names. Editing another user needs
    /// `edit-other-user-info`; roles need `assign-roles`; another user's password
    /// `edit-other-user-password`; `active` `edit-other-user-active-status`. Username and
    /// email stay unique; a role change may not remove the last active admin; `active: false`
    /// follows setActiveStatus (last admin, last owner unless `confirm_relinquish`, handovers,
    /// tokens). A new password revokes every other token of the user.
    pub fn update_user(
        &self,
        caller: &Caller,
        target: &UserRef,
        changes: UserChanges,
        confirm_relinquish: bool,
        plan_id: Option<&str>,
    ) -> ServiceResult<User> {
        let plan_id = plan_id.map(str::to_string);
        check_fields(&changes, &self.settings())?;
        // Hashed before the transaction: the writer never waits on argon2.
        let hash = changes
            .password
            .as_deref()
            .map(|p| self.hash_new_password(p))
            .transpose()?;
        let now = self.now();
        let settings = self.settings();
        let target = target.clone();
        let token = caller.token.clone();
        self.write_as(caller, move |tx, me| {
            let user = find_user(tx, &target)?.ok_or(ServiceError::UserNotFound)?;
            check_rights(tx, &me, &user, &changes)?;
            let mut updated = user.clone();
            apply_fields(&mut updated, &changes, hash.as_deref());
            check_rename(&user, &updated, &settings)?;
            check_fields_free(tx, &updated)?;
            if user.active
                && user.has_role(Role::Admin)
                && !updated.has_role(Role::Admin)
                && !another_active_admin(tx, &user.id)?
            {
                return Err(ServiceError::LastAdmin);
            }
            let handovers = match changes.active {
                Some(false) => {
                    check_plan(tx, &user, PlanAction::Deactivate, plan_id.as_deref())?;
                    departure(tx, &user, confirm_relinquish)?
                }
                _ => Vec::new(),
            };
            // Every check passed but the custom fields': write.
            let stamp = Stamp::by(&me, now);
            save_custom_fields(
                tx,
                &settings,
                &stamp,
                &user.id,
                changes.custom_fields.as_ref(),
            )?;
            let keep = (me.id == user.id).then_some(&token);
            commit_user_change(tx, &stamp, &user, updated, changes.active, &handovers, keep)
        })
    }
}

/// Writes a checked change of `user` into `updated`: the record and its audit entry, the
/// end of every other session after a new password (but `keep`'s, the caller's own), then
/// the activity change `active` asks for with its `handovers` (from [`departure`]). Shared by
/// users.update and SCIM, so both write exactly the same.
pub(super) fn commit_user_change(
    tx: &dyn Writes,
    stamp: &Stamp,
    user: &User,
    mut updated: User,
    active: Option<bool>,
    handovers: &[Handover],
    keep: Option<&TokenHash>,
) -> ServiceResult<User> {
    if updated != *user {
        updated.updated_at = stamp.now;
        tx.put_user(&updated, Some(user))?;
        let (mut before, mut after) = changed(&user_facts(user), &user_facts(&updated));
        if updated.password_hash != user.password_hash {
            before["password"] = serde_json::json!("(hidden)");
            after["password"] = serde_json::json!("(changed)");
        }
        // An entry says what changed; a change of `updated_at` alone (a SCIM userName kept
        // apart, which its caller audits) says nothing.
        if after.as_object().is_some_and(|a| !a.is_empty()) {
            stamp.record(tx, "user.update", Subject::User(&user.id), before, after)?;
        }
    }
    if updated.password_hash != user.password_hash {
        revoke_other_tokens(tx, &updated.id, keep)?;
    }
    match active {
        Some(false) if updated.active => deactivate(tx, updated, handovers, DEACTIVATED, stamp),
        Some(true) if !updated.active => reactivate(tx, updated, stamp),
        _ => Ok(updated),
    }
}

/// Bounds and formats that need no store, in Rocket.Chat's order.
pub(super) fn check_fields(changes: &UserChanges, settings: &SettingValues) -> ServiceResult<()> {
    if let Some(name) = &changes.name {
        limits::check_len("name", name, limits::DISPLAY_NAME)?;
        if name.contains(['<', '>', '\\', '/']) {
            return Err(ServiceError::InvalidName);
        }
    }
    if let Some(username) = &changes.username {
        limits::check_len("username", username, limits::USERNAME)?;
        if !settings.valid_user_name(username) {
            return Err(ServiceError::InvalidUsername(username.clone()));
        }
    }
    if let Some(email) = &changes.email {
        limits::check_len("email", email, limits::EMAIL)?;
        if !is_valid_email(email) {
            return Err(ServiceError::InvalidEmail(email.clone()));
        }
        super::users::check_email_domain(email, settings)?;
    }
    if let Some(password) = &changes.password {
        limits::check_bytes("data/password", password, limits::PASSWORD)?;
        if password.trim().is_empty() {
            return Err(ServiceError::WeakPassword);
        }
    }
    if changes
        .bio
        .as_deref()
        .is_some_and(|b| b.trim().chars().count() > BIO_MAX)
    {
        return Err(ServiceError::BioTooLong(BIO_MAX));
    }
    if changes
        .nickname
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty() && n.chars().count() > NICKNAME_MAX)
    {
        return Err(ServiceError::NicknameTooLong(NICKNAME_MAX));
    }
    if let Some(roles) = &changes.roles {
        limits::check_count("roles", roles.len(), limits::ROLES)?;
        if let Some(role) = roles.iter().find(|r| Role::parse_global(r).is_none()) {
            return Err(ServiceError::UnknownRole(role.clone()));
        }
    }
    Ok(())
}

/// The permissions each change needs.
fn check_rights(
    tx: &dyn Reads,
    me: &User,
    user: &User,
    changes: &UserChanges,
) -> ServiceResult<()> {
    let itself = me.id == user.id;
    let may = |permission| has_permission(tx, me, permission, None);
    let denied = |right| Err(ServiceError::EditNotAllowed(right));
    if !itself && !may(Permission::EditOtherUserInfo)? {
        return denied(EditRight::OtherUser);
    }
    // Only a real change of roles needs the permission, as Rocket.Chat's isEditingUserRoles.
    let sorted = |roles: &[String]| {
        let mut roles = roles.to_vec();
        roles.sort();
        roles
    };
    let roles_change = changes
        .roles
        .as_ref()
        .is_some_and(|r| sorted(&limits::distinct(r)) != sorted(&user.roles));
    if roles_change && !may(Permission::AssignRoles)? {
        return denied(EditRight::Roles);
    }
    let gains_admin = changes
        .roles
        .as_ref()
        .is_some_and(|r| r.iter().any(|r| r == Role::Admin.as_str()))
        && !user.has_role(Role::Admin);
    if gains_admin && !may(Permission::AssignAdminRole)? {
        return denied(EditRight::AdminRole);
    }
    if changes.password.is_some() && !itself && !may(Permission::EditOtherUserPassword)? {
        return denied(EditRight::Password);
    }
    if changes.active.is_some() && !may(Permission::EditOtherUserActiveStatus)? {
        return denied(EditRight::ActiveStatus);
    }
    Ok(())
}

/// Copies the changed fields into `user`.
pub(super) fn apply_fields(user: &mut User, changes: &UserChanges, hash: Option<&str>) {
    if let Some(username) = &changes.username {
        user.username = username.clone();
    }
    if let Some(email) = &changes.email {
        let same = user
            .emails
            .first()
            .is_some_and(|e| normalize_key(&e.address) == normalize_key(email));
        if !same {
            user.emails = vec![Email {
                address: email.clone(),
                verified: false,
                kind: None,
                primary: None,
            }];
        }
    }
    if let (Some(verified), Some(first)) = (changes.verified, user.emails.first_mut()) {
        first.verified = verified;
    }
    if let Some(name) = &changes.name {
        user.name = name.clone();
    }
    if let Some(roles) = &changes.roles {
        user.roles = limits::distinct(roles);
    }
    if let Some(hash) = hash {
        user.password_hash = Some(hash.to_string());
    }
    let kept = |text: String| Some(text).filter(|t| !t.is_empty());
    let profile = &mut user.profile;
    if let Some(bio) = &changes.bio {
        profile.bio = kept(bio.trim().to_string());
    }
    if let Some(nickname) = &changes.nickname {
        profile.nickname = kept(nickname.clone()).filter(|n| !n.trim().is_empty());
    }
    if let Some(text) = &changes.status_text {
        profile.status_text = kept(text.trim().chars().take(STATUS_TEXT_MAX).collect());
    }
}

/// After a password change: every token of `user` goes, but `keep` (the one the caller used
/// when it changed its own password).
pub(super) fn revoke_other_tokens(
    tx: &dyn Writes,
    user: &UserId,
    keep: Option<&TokenHash>,
) -> Result<(), StoreError> {
    for hash in tx.token_hashes_of(user)? {
        let hash = TokenHash(hash);
        if Some(&hash) != keep {
            tx.remove_token(user, &hash)?;
        }
    }
    Ok(())
}
