//! `users.delete` and `users.deactivateIdle`: the other ways a user goes, through the same
//! rules as `users.setActiveStatus` (`active_status::departure`).

use super::active_status::{
    Handover, IDLE_TOO_LONG, PlanAction, check_plan, deactivate, deactivate_all, departure,
    hand_over, handover_facts,
};
use super::audit::{Stamp, Subject, user_facts};
use super::caller::require_any;
use super::lookup::{UserRef, find_user};
use super::password::{Secret, Verified, hex_sha256, verify_password};
use super::{Caller, DAY_MS, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Role, User, UserId};
use crate::store::prelude::*;

impl Service {
    /// Deletes a user (needs `delete-user`): refused like a deactivation for the last active
    /// admin and, without `confirm_relinquish`, for the last active owner of a room with other
    /// active members; otherwise its rooms are handed over, then its memberships, tokens and
    /// index entries go, the rooms stay, and its id is never given out again.
    pub fn delete_user(
        &self,
        caller: &Caller,
        target: &UserRef,
        confirm_relinquish: bool,
        plan_id: Option<&str>,
    ) -> ServiceResult<()> {
        let now = self.now();
        let target = target.clone();
        let plan_id = plan_id.map(str::to_string);
        self.write_as(caller, move |tx, caller| {
            require_any(tx, &caller, &[Permission::DeleteUser], None)?;
            let user = find_user(tx, &target)?.ok_or(ServiceError::UserNotFound)?;
            check_plan(tx, &user, PlanAction::Delete, plan_id.as_deref())?;
            let handovers = departure(tx, &user, confirm_relinquish)?;
            remove_account(tx, &user, &handovers, &Stamp::by(&caller, now))
        })
    }

    /// `users.deleteOwnAccount`: the caller deletes itself, as users.delete would (the last
    /// active admin stays; rooms it is the last active owner of are refused without
    /// `confirm_relinquish`, else handed over). Needs the setting
    /// `Accounts_AllowDeleteOwnAccount` and `password`, the SHA-256 hex digest of the
    /// caller's password (of its username when it has none).
    pub fn delete_own_account(
        &self,
        caller: &Caller,
        password: &str,
        confirm_relinquish: bool,
    ) -> ServiceResult<()> {
        if !self.settings().flag("Accounts_AllowDeleteOwnAccount") {
            return Err(ServiceError::OwnDeletionNotAllowed);
        }
        let me = &caller.user;
        match &me.password_hash {
            // Checked before the transaction: the writer never waits on argon2.
            Some(hash) => {
                let digest = Secret::Digest(password.to_lowercase());
                if verify_password(&digest, Some(hash)) == Verified::No {
                    return Err(ServiceError::OwnDeletionBadPassword);
                }
            }
            None if password.trim() != hex_sha256(&me.username) => {
                return Err(ServiceError::OwnDeletionBadUsername);
            }
            None => {}
        }
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            let handovers = departure(tx, &me, confirm_relinquish)?;
            remove_account(tx, &me, &handovers, &Stamp::by(&me, now))
        })
    }

    /// Deactivates every active user holding `role` whose last login (or, never logged in,
    /// creation) is more than `days_idle` days ago, oldest first, in one transaction and
    /// through the rules of `users.setActiveStatus` with `confirmRelinquish`: rooms are
    /// handed over, tokens revoked, and the last active admin is skipped. Needs
    /// `edit-other-user-active-status`. Returns how many were deactivated.
    pub fn deactivate_idle(
        &self,
        caller: &Caller,
        days_idle: f64,
        role: &str,
    ) -> ServiceResult<usize> {
        let now = self.now();
        let cutoff = now - (days_idle * DAY_MS as f64) as i64;
        let role = Role::parse_global(role);
        self.write_as(caller, move |tx, caller| {
            require_any(tx, &caller, &[Permission::EditOtherUserActiveStatus], None)?;
            let Some(role) = role else {
                return Ok(0);
            };
            let mut idle: Vec<User> = tx.idle_users_with_role(role, cutoff)?;
            idle.sort_by_key(|u| (u.activity().last_seen(), u.id.clone()));
            let ids: Vec<UserId> = idle.iter().map(|u| u.id.clone()).collect();
            // One by one, in order, the users whose departures may hand rooms to one
            // another, and admins (the last active one stays); every other user changes
            // nothing but itself, so those between two such users leave together.
            let entangled = tx.members_of_rooms_owned_among(&ids)?;
            let stamp = Stamp::by(&caller, now);
            let (mut count, mut together) = (0, Vec::new());
            for user in idle {
                if !user.has_role(Role::Admin) && !entangled.contains(&user.id) {
                    together.push((user, &[][..]));
                    continue;
                }
                count += together.len();
                deactivate_all(tx, std::mem::take(&mut together), IDLE_TOO_LONG, &stamp)?;
                // Earlier deactivations in this batch count: the last active admin stays.
                let handovers = match departure(tx, &user, true) {
                    Err(ServiceError::LastAdmin) => continue,
                    other => other?,
                };
                deactivate(tx, user, &handovers, IDLE_TOO_LONG, &stamp)?;
                count += 1;
            }
            count += together.len();
            deactivate_all(tx, together, IDLE_TOO_LONG, &stamp)?;
            Ok(count)
        })
    }
}

/// Deletes `user` after [`departure`]: records it, hands its rooms over, ends its
/// memberships and sessions and removes the account. Shared by users.delete and SCIM.
pub(super) fn remove_account(
    tx: &dyn Writes,
    user: &User,
    handovers: &[Handover],
    stamp: &Stamp,
) -> ServiceResult<()> {
    let now = stamp.now;
    stamp.record(
        tx,
        "user.delete",
        Subject::User(&user.id),
        user_facts(user),
        serde_json::json!({ "handovers": handover_facts(handovers) }),
    )?;
    hand_over(tx, handovers, stamp)?;
    for room_id in tx.room_ids_of(&user.id)? {
        if let Some(sub) = tx.subscription(&room_id, &user.id)? {
            tx.remove_subscription(&sub)?;
        }
        if let Some(mut room) = tx.room(&room_id)? {
            room.users_count = room.users_count.saturating_sub(1);
            room.updated_at = now;
            tx.put_room(&room)?;
        }
    }
    tx.remove_all_tokens(&user.id)?;
    tx.remove_user(user, now)?;
    Ok(())
}
