//! Taking a user away, by deactivation (`users.setActiveStatus`, `users.deactivateIdle`) or
//! deletion (`users.delete`), without ever leaving a room without an active owner or the
//! server without an active admin. Every path goes through [`departure`] and [`deactivate`].

use super::audit::{Stamp, Subject};
use super::caller::require_any;
use super::change::{Change, as_caller};
use super::room_rules::{ensure_active_owner, grant_owner, may_see_room, with_room_role};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Permission, Role, Room, RoomId, Subscription, User, UserId};
use crate::store::prelude::*;
use std::collections::HashMap;

/// Either permission lets a caller change another user's active status.
const PERMISSIONS: [Permission; 2] = [
    Permission::EditOtherUserActiveStatus,
    Permission::ManageModerationActions,
];

/// What `users.setActiveStatus` asks for.
#[derive(Clone, Debug)]
pub struct SetActiveStatus {
    pub user_id: UserId,
    pub active: bool,
    pub confirm_relinquish: bool,
    /// A `planId` from `rocketlite.ownershipPlan`: the deactivation must do exactly that.
    pub plan_id: Option<String>,
}

/// What an ownership plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanAction {
    Deactivate,
    Delete,
}

impl PlanAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanAction::Deactivate => "deactivate",
            PlanAction::Delete => "delete",
        }
    }
}

/// What a deactivation or deletion of a user would do now: the rooms that would change
/// hands and to whom, the rooms that would neither block nor change, and whether the
/// last-admin rule would refuse. Its `id` is derived from exactly these facts.
#[derive(Clone, Debug)]
pub struct OwnershipPlan {
    pub user: User,
    pub action: PlanAction,
    pub last_admin: bool,
    /// Each room handed over, with its successor.
    pub handovers: Vec<(Room, User)>,
    /// The user's other rooms.
    pub unchanged: Vec<Room>,
    /// The rooms above whose names the caller may not see (private groups it is not in,
    /// without `view-other-user-channels`), as users.info hides them.
    pub hidden: std::collections::HashSet<RoomId>,
}

impl OwnershipPlan {
    /// The plan's id: a SHA-256 over the facts it states, so any change of them changes it.
    pub fn id(&self) -> String {
        use sha2::Digest;
        let mut facts = format!(
            "{}|{}|{}|{}|",
            self.action.as_str(),
            self.user.id,
            self.user.active,
            self.last_admin
        );
        for (room, successor) in &self.handovers {
            facts.push_str(&format!("h:{}>{};", room.id, successor.id));
        }
        for room in &self.unchanged {
            facts.push_str(&format!("u:{};", room.id));
        }
        let digest = sha2::Sha256::digest(facts.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The plan for `user` and `action`, as things stand in this transaction.
pub(super) fn ownership_plan(
    tx: &dyn Reads,
    user: &User,
    action: PlanAction,
) -> Result<OwnershipPlan, StoreError> {
    let last_admin =
        user.active && user.has_role(Role::Admin) && !another_active_admin(tx, &user.id)?;
    let mut plan = OwnershipPlan {
        user: user.clone(),
        action,
        last_admin,
        handovers: Vec::new(),
        unchanged: Vec::new(),
        hidden: Default::default(),
    };
    let handing: Vec<Handover> = match user.active {
        true => handovers(tx, &user.id)?,
        false => Vec::new(),
    };
    for room_id in tx.room_ids_of(&user.id)? {
        let Some(room) = tx.room(&room_id)? else {
            continue;
        };
        match handing.iter().find(|h| h.room.id == room_id) {
            Some(h) => {
                if let Some(successor) = tx.user(&h.successor)? {
                    plan.handovers.push((room, successor));
                }
            }
            None => plan.unchanged.push(room),
        }
    }
    Ok(plan)
}

/// Refuses with `PlanChanged` unless `plan_id` (when given) is the id of the plan for `user`
/// and `action` now: what the admin saw is what happens.
pub(super) fn check_plan(
    tx: &dyn Reads,
    user: &User,
    action: PlanAction,
    plan_id: Option<&str>,
) -> ServiceResult<()> {
    match plan_id {
        Some(id) if ownership_plan(tx, user, action)?.id() != id => Err(ServiceError::PlanChanged),
        _ => Ok(()),
    }
}

/// Why a user is inactive, as Rocket.Chat records it in `inactiveReason`.
pub(super) const DEACTIVATED: &str = "deactivated";
pub(super) const IDLE_TOO_LONG: &str = "idle_too_long";

/// A room the user is the last active owner of, and the member who takes over.
pub(super) struct Handover {
    room: Room,
    successor: UserId,
}

impl Service {
    /// `rocketlite.ownershipPlan`: what deactivating (with `edit-other-user-active-status` or
    /// `manage-moderation-actions`) or deleting (`delete-user`) `user` would do now.
    pub fn plan_ownership(
        &self,
        caller: &Caller,
        user: &UserId,
        action: PlanAction,
    ) -> ServiceResult<OwnershipPlan> {
        self.store.read(|tx| {
            match action {
                PlanAction::Deactivate => require_any(tx, &caller.user, &PERMISSIONS, None)?,
                PlanAction::Delete => {
                    require_any(tx, &caller.user, &[Permission::DeleteUser], None)?
                }
            }
            let user = tx.user(user)?.ok_or(ServiceError::UserNotFound)?;
            let mut plan = ownership_plan(tx, &user, action)?;
            let rooms = plan.handovers.iter().map(|(r, _)| r);
            for room in rooms.chain(&plan.unchanged) {
                if !may_see_room(tx, &caller.user, room)? {
                    plan.hidden.insert(room.id.clone());
                }
            }
            Ok(plan)
        })
    }

    /// Deactivates or reactivates a user. Every check runs before the first write, and all
    /// writes (ownership handovers, token revocation, archiving, the flag) share one
    /// transaction, so concurrent requests serialise and a refusal writes nothing.
    #[tracing::instrument(skip_all, fields(target = %req.user_id, active = req.active))]
    pub fn set_active_status(&self, caller: &Caller, req: &SetActiveStatus) -> ServiceResult<User> {
        self.commit_blocking(self.active_status_change(caller, req))
    }

    /// [`Service::set_active_status`] for an async caller: it waits for the commit without
    /// holding a thread, through the same [`Service::commit`] as SCIM's deactivation.
    #[tracing::instrument(skip_all, fields(target = %req.user_id, active = req.active))]
    pub async fn set_active_status_async(
        &self,
        caller: &Caller,
        req: &SetActiveStatus,
    ) -> ServiceResult<User> {
        self.commit(self.active_status_change(caller, req)).await
    }

    /// The transaction of users.setActiveStatus.
    fn active_status_change(&self, caller: &Caller, req: &SetActiveStatus) -> Change<User> {
        let now = self.now();
        let req = req.clone();
        Change::new(as_caller(caller, move |tx, caller| {
            require_any(tx, &caller, &PERMISSIONS, None)?;
            let user = tx.user(&req.user_id)?.ok_or(ServiceError::UserNotFound)?;
            let stamp = Stamp::by(&caller, now);
            if req.active {
                return reactivate(tx, user, &stamp);
            }
            check_plan(tx, &user, PlanAction::Deactivate, req.plan_id.as_deref())?;
            let handovers = departure(tx, &user, req.confirm_relinquish)?;
            deactivate(tx, user, &handovers, DEACTIVATED, &stamp)
        }))
    }
}

/// The checks before a user goes (deactivated or deleted), in Rocket.Chat's order: never the
/// last active admin; then the rooms it is the last active owner of, which need
/// `confirm_relinquish` and are handed to their earliest-joined active member.
pub(super) fn departure(
    tx: &dyn Reads,
    user: &User,
    confirm_relinquish: bool,
) -> ServiceResult<Vec<Handover>> {
    if !user.active {
        return Ok(Vec::new());
    }
    if user.has_role(Role::Admin) && !another_active_admin(tx, &user.id)? {
        return Err(ServiceError::LastAdmin);
    }
    let handovers = handovers(tx, &user.id)?;
    if !handovers.is_empty() && !confirm_relinquish {
        let names = handovers.iter().map(|h| h.room.fname.clone()).collect();
        return Err(ServiceError::LastOwner(names));
    }
    Ok(handovers)
}

/// Hands the rooms over to their successors.
pub(super) fn hand_over(
    tx: &dyn Writes,
    handovers: &[Handover],
    stamp: &Stamp,
) -> Result<(), StoreError> {
    for handover in handovers {
        grant_owner(tx, &handover.room.id, &handover.successor, stamp)?;
    }
    Ok(())
}

/// The handovers as the audit trail lists them: each room and who took it over.
pub(super) fn handover_facts(handovers: &[Handover]) -> serde_json::Value {
    handovers
        .iter()
        .map(|h| {
            serde_json::json!({
                "roomId": h.room.id,
                "roomName": h.room.name,
                "successorId": h.successor,
            })
        })
        .collect()
}

/// Whether an active admin other than `user` exists.
pub(super) fn another_active_admin(tx: &dyn Reads, user: &UserId) -> Result<bool, StoreError> {
    for id in tx.user_ids_with_role(Role::Admin)? {
        if id != *user && tx.is_active(&id)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The rooms where `user` is an owner, no other active owner remains, and another active
/// member exists to take over: the earliest-joined one. Reads O(k log n) for k rooms.
fn handovers(tx: &dyn Reads, user: &UserId) -> Result<Vec<Handover>, StoreError> {
    Ok(tx
        .sole_owned_rooms(user)?
        .into_iter()
        .map(|(room, successor)| Handover { room, successor })
        .collect())
}

/// Deactivates `user` after [`departure`]: hands its rooms over and archives its
/// subscriptions, revokes its tokens and records why (`reason`).
pub(super) fn deactivate(
    tx: &dyn Writes,
    user: User,
    handovers: &[Handover],
    reason: &str,
    stamp: &Stamp,
) -> ServiceResult<User> {
    deactivate_all(tx, vec![(user, handovers)], reason, stamp)?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a deactivation without its user".into()).into())
}

/// Deactivates each user after its [`departure`], all at once: a statement per table
/// however many users and rooms on PostgreSQL. The departures were all found before any is
/// written, so none may touch another's rooms (one user, or users whose departures hand
/// nothing over). Returns the users as stored, in order.
pub(super) fn deactivate_all(
    tx: &dyn Writes,
    departures: Vec<(User, &[Handover])>,
    reason: &str,
    stamp: &Stamp,
) -> ServiceResult<Vec<User>> {
    if departures.is_empty() {
        return Ok(Vec::new());
    }
    let now = stamp.now;
    let ids: Vec<UserId> = departures.iter().map(|(user, _)| user.id.clone()).collect();
    // Every membership that changes is read at once, then written at once: each user's
    // own, archived, and each successor's, which gains `owner`. Room by room in
    // `room_ids_of` order, a room's handover beside the user's subscription in it, so redb
    // writes each page while it is buffered.
    let mut own: HashMap<UserId, Vec<Subscription>> = HashMap::new();
    for sub in tx.subscriptions_of_users(&ids)? {
        own.entry(sub.user_id.clone()).or_default().push(sub);
    }
    let pairs: Vec<(RoomId, UserId)> = departures
        .iter()
        .flat_map(|(_, handovers)| handovers.iter())
        .map(|h| (h.room.id.clone(), h.successor.clone()))
        .collect();
    let mut successors: HashMap<(RoomId, UserId), Subscription> = tx
        .subscriptions_of_pairs(&pairs)?
        .into_iter()
        .map(|sub| ((sub.room_id.clone(), sub.user_id.clone()), sub))
        .collect();
    let (mut changes, mut entries, mut users) = (Vec::new(), Vec::new(), Vec::new());
    let mut grant = |entries: &mut Vec<_>, handover: &Handover| {
        let key = (handover.room.id.clone(), handover.successor.clone());
        let previous = successors
            .remove(&key)
            .ok_or_else(|| StoreError::Corrupt("member without subscription".into()))?;
        let (sub, entry) = with_room_role(&previous, Role::Owner, stamp);
        entries.push(entry);
        Ok::<_, StoreError>((sub, previous))
    };
    for (user, handovers) in departures {
        if user.active {
            entries.push(stamp.entry(
                "user.deactivate",
                Subject::User(&user.id),
                serde_json::json!({ "active": true }),
                serde_json::json!({
                    "active": false,
                    "inactiveReason": reason,
                    "handovers": handover_facts(handovers),
                }),
            ));
        }
        let mut by_room: HashMap<&RoomId, Vec<&Handover>> = HashMap::new();
        for handover in handovers {
            by_room.entry(&handover.room.id).or_default().push(handover);
        }
        for previous in own.remove(&user.id).unwrap_or_default() {
            for handover in by_room.remove(&previous.room_id).unwrap_or_default() {
                changes.push(grant(&mut entries, handover)?);
            }
            if !previous.user_archived {
                let mut sub = previous.clone();
                sub.user_archived = true;
                sub.updated_at = now;
                changes.push((sub, previous));
            }
        }
        // Handovers of rooms `room_ids_of` did not list (none, while the indexes agree).
        for handover in handovers
            .iter()
            .filter(|h| by_room.contains_key(&h.room.id))
        {
            changes.push(grant(&mut entries, handover)?);
        }
        users.push(user);
    }
    tx.put_subscriptions(&changes)?;
    tx.append_audits(entries)?;
    tx.remove_all_tokens_of(&ids)?;
    let mut changed = Vec::new();
    let users = users
        .into_iter()
        .map(|user| match with_active(&user, false, Some(reason), now) {
            Some(updated) => {
                changed.push((updated.clone(), user));
                updated
            }
            None => user,
        })
        .collect();
    tx.put_users(&changed)?;
    Ok(users)
}

/// Reactivates `user`; a room it is the first active member of again gets it as owner.
pub(super) fn reactivate(tx: &dyn Writes, user: User, stamp: &Stamp) -> ServiceResult<User> {
    let now = stamp.now;
    if !user.active {
        stamp.record(
            tx,
            "user.activate",
            Subject::User(&user.id),
            serde_json::json!({ "active": false, "inactiveReason": user.inactive_reason }),
            serde_json::json!({ "active": true }),
        )?;
    }
    let user = store_active(tx, user, true, None, now)?;
    set_archived(tx, &user.id, false, now)?;
    for room in tx.room_ids_of(&user.id)? {
        ensure_active_owner(tx, &room, stamp)?;
    }
    Ok(user)
}

/// Sets the user's cause of archiving on every subscription of `user`; an archived room's
/// own cause stays as it is.
fn set_archived(
    tx: &dyn Writes,
    user: &UserId,
    archived: bool,
    now: i64,
) -> Result<(), StoreError> {
    for room in tx.room_ids_of(user)? {
        set_user_archived(tx, &room, user, archived, now)?;
    }
    Ok(())
}

/// Sets the user's cause of archiving on its subscription to `room`.
fn set_user_archived(
    tx: &dyn Writes,
    room: &RoomId,
    user: &UserId,
    archived: bool,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(previous) = tx.subscription(room, user)?
        && previous.user_archived != archived
    {
        let mut sub = previous.clone();
        sub.user_archived = archived;
        sub.updated_at = now;
        tx.put_subscription(&sub, Some(&previous))?;
    }
    Ok(())
}

fn store_active(
    tx: &dyn Writes,
    user: User,
    active: bool,
    reason: Option<&str>,
    now: i64,
) -> ServiceResult<User> {
    let Some(updated) = with_active(&user, active, reason, now) else {
        return Ok(user);
    };
    tx.put_user(&updated, Some(&user))?;
    Ok(updated)
}

/// `user` made `active` (with `reason` when not), or `None` when it already is.
fn with_active(user: &User, active: bool, reason: Option<&str>, now: i64) -> Option<User> {
    if user.active == active {
        return None;
    }
    let mut updated = user.clone();
    updated.active = active;
    updated.inactive_reason = reason.map(str::to_string);
    updated.updated_at = now;
    Some(updated)
}
