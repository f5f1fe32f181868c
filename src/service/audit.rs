//! The audit trail: [`record`] is called by each lifecycle change inside its own
//! transaction, so an entry exists exactly when the change does; a refusal or a no-op writes
//! none. Reading it needs `rocketlite-view-audit-trail`.

use serde_json::{Value, json};

use super::caller::require_any;
use super::{Caller, Service, ServiceResult};
use crate::model::{Actor, AuditEntry, Millis, Permission, RoomId, User, UserId};
use crate::store::prelude::*;

/// Who makes a change, and when: every audited change carries one.
#[derive(Clone, Debug)]
pub(super) struct Stamp {
    pub actor: Actor,
    pub now: Millis,
}

impl Stamp {
    /// A change made by `user` at `now`.
    pub(super) fn by(user: &User, now: Millis) -> Self {
        Stamp {
            actor: Actor::User(user.id.clone()),
            now,
        }
    }

    /// A change an identity provider makes through SCIM with the token `token_id`.
    pub(super) fn scim(token_id: &str, now: Millis) -> Self {
        Stamp {
            actor: Actor::Scim(token_id.to_string()),
            now,
        }
    }

    /// A change the server makes by itself at `now` (start-up, imports).
    pub(super) fn server(now: Millis) -> Self {
        Stamp {
            actor: Actor::Server,
            now,
        }
    }

    /// Appends one entry for a change made with this stamp.
    pub(super) fn record(
        &self,
        tx: &dyn Writes,
        action: &str,
        subject: Subject<'_>,
        before: Value,
        after: Value,
    ) -> Result<(), StoreError> {
        tx.append_audit(self.entry(action, subject, before, after))
    }

    /// The entry [`Stamp::record`] appends, for a change that appends many at once
    /// (`append_audits`).
    pub(super) fn entry(
        &self,
        action: &str,
        subject: Subject<'_>,
        before: Value,
        after: Value,
    ) -> AuditEntry {
        let (user_id, room_id) = match subject {
            Subject::User(u) => (Some(u.clone()), None),
            Subject::Room(r) => (None, Some(r.clone())),
            Subject::Membership(r, u) => (Some(u.clone()), Some(r.clone())),
            Subject::Server => (None, None),
        };
        AuditEntry {
            seq: 0,
            at: self.now,
            actor: self.actor.clone(),
            action: action.into(),
            user_id,
            room_id,
            before,
            after,
        }
    }
}

/// What an entry is about.
pub(super) enum Subject<'a> {
    User(&'a UserId),
    Room(&'a RoomId),
    Membership(&'a RoomId, &'a UserId),
    /// Neither a user nor a room (a SCIM token).
    Server,
}

/// Records a new account.
pub(super) fn record_created(
    tx: &dyn Writes,
    stamp: &Stamp,
    user: &User,
) -> Result<(), StoreError> {
    stamp.record(
        tx,
        "user.create",
        Subject::User(&user.id),
        Value::Null,
        user_facts(user),
    )
}

/// The audited fields of a user: everything but the password hash and login times.
pub(super) fn user_facts(user: &User) -> Value {
    json!({
        "username": user.username,
        "name": user.name,
        "emails": user.emails.iter().map(|e| json!({"address": e.address, "verified": e.verified})).collect::<Vec<_>>(),
        "active": user.active,
        "roles": user.roles,
        "inactiveReason": user.inactive_reason,
        "bio": user.profile.bio,
        "nickname": user.profile.nickname,
        "statusText": user.profile.status_text,
    })
}

/// The fields of `after` that differ from `before`, each side alone: what an update changed.
pub(super) fn changed(before: &Value, after: &Value) -> (Value, Value) {
    let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (key, value) in a {
            if b.get(key) != Some(value) {
                old.insert(key.clone(), b.get(key).cloned().unwrap_or(Value::Null));
                new.insert(key.clone(), value.clone());
            }
        }
    }
    (Value::Object(old), Value::Object(new))
}

/// Which entries `rocketlite.audit` lists.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The user an entry is about.
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
}

impl AuditFilter {
    fn matches(&self, e: &AuditEntry) -> bool {
        self.user_id
            .as_deref()
            .is_none_or(|u| e.user_id.as_ref().is_some_and(|id| id.as_str() == u))
            && self
                .actor_id
                .as_deref()
                .is_none_or(|a| e.actor.id() == Some(a))
            && self.action.as_deref().is_none_or(|a| e.action == a)
            && self.since.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at <= t)
    }
}

/// How many entries a listing reads from the store at a time.
pub const AUDIT_BATCH: usize = 1000;

/// What the trail keeps by default: the newest million entries (a few hundred MB).
pub const DEFAULT_AUDIT_MAX_ENTRIES: u64 = 1_000_000;

/// One batch of a listing of the trail: the entries of it that match, newest first, and
/// where the next batch starts (`None`: the trail is exhausted).
#[derive(Debug)]
pub struct AuditBatch {
    pub entries: Vec<AuditEntry>,
    pub next: Option<u64>,
}

impl Service {
    /// `rocketlite.audit`, one batch at a time: the entries matching `filter` among the
    /// [`AUDIT_BATCH`] next older than `before` (from the newest when `None`). A listing is
    /// read batch by batch as its client takes it, so it never holds the whole trail; the
    /// permission is checked for each.
    pub fn audit_batch(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
        before: Option<u64>,
    ) -> ServiceResult<AuditBatch> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::ViewAuditTrail], None)?;
            let batch = tx.audit_newest(before, AUDIT_BATCH)?;
            let next = match batch.len() == AUDIT_BATCH {
                true => batch.last().map(|e| e.seq),
                false => None,
            };
            let entries = batch.into_iter().filter(|e| filter.matches(e)).collect();
            Ok(AuditBatch { entries, next })
        })
    }

    /// Removes up to `limit` entries older than `retention_days` (when set) and beyond the
    /// newest `max_entries` (when set); the server runs it in the background.
    pub fn prune_audit(
        &self,
        retention_days: Option<u32>,
        max_entries: Option<u64>,
        limit: usize,
    ) -> ServiceResult<usize> {
        let cutoff = retention_days.map(|days| self.now() - Millis::from(days) * super::DAY_MS);
        Ok(self.store.write(move |tx| {
            let mut removed = 0;
            if let Some(cutoff) = cutoff {
                removed += tx.prune_audit_before(cutoff, limit)?;
            }
            if let Some(keep) = max_entries {
                removed += tx.prune_audit_beyond(keep, limit - removed)?;
            }
            Ok::<_, StoreError>(removed)
        })?)
    }
}
