//! Moving a whole database between engines (`rocketlite copy`): every row read in one
//! snapshot of the source, written in one transaction of the target. The same [`Snapshot`]
//! read back from the target is the check that nothing was lost or changed on the way.
//!
//! What each engine adds for this is small: the few "everything" queries the use cases never
//! need ([`Export`]) and the writes that keep stored sequence numbers ([`Import`]). Every other
//! row goes through the ordinary [`Writes`] methods, so the target's indexes are the ones its
//! own engine builds.

use redb::{ReadableTable, ReadableTableMetadata};

use super::tables::{
    DELETED_USERID, ISSUEDAT_TOKENHASH_USERID, ROOMID_USERID_SUBSCRIPTION, SEQ_AUDIT, USERID_USER,
};
use super::{OpenTables, Reads, StoreError, Tx, WriteTx, Writes, decode, encode};
use crate::model::{
    AuditEntry, RoleRecord, Room, ScimToken, Subscription, TokenHash, User, UserId,
};

/// One login token row: hash, owner, issue time (ms).
pub type TokenRow = (String, UserId, i64);

/// The counters that hand out places in order: the last join sequence and audit sequence
/// given out (0 when none was), and whether the start-up step creating `#general` has run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub join_seq: u64,
    pub audit_seq: u64,
    pub default_channel_seeded: bool,
}

/// Every row a store holds, in a form neither engine owns, each list in key order.
/// Two snapshots are equal exactly when the two stores hold the same data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub counters: Counters,
    pub users: Vec<User>,
    pub tokens: Vec<TokenRow>,
    pub deleted_users: Vec<(UserId, i64)>,
    pub permissions: Vec<(String, Vec<String>)>,
    pub roles: Vec<RoleRecord>,
    pub rooms: Vec<Room>,
    pub subscriptions: Vec<Subscription>,
    pub audit: Vec<AuditEntry>,
    pub scim_tokens: Vec<ScimToken>,
    pub settings: Vec<(String, serde_json::Value)>,
}

impl Snapshot {
    /// No row in any table. The sequence counters do not count: PostgreSQL advances its
    /// sequences even for a transaction that rolled back, so a failed copy leaves them moved.
    pub fn is_empty(&self) -> bool {
        let Snapshot {
            counters,
            users,
            tokens,
            deleted_users,
            permissions,
            roles,
            rooms,
            subscriptions,
            audit,
            scim_tokens,
            settings,
        } = self;
        !counters.default_channel_seeded
            && users.is_empty()
            && tokens.is_empty()
            && deleted_users.is_empty()
            && permissions.is_empty()
            && roles.is_empty()
            && rooms.is_empty()
            && subscriptions.is_empty()
            && audit.is_empty()
            && scim_tokens.is_empty()
            && settings.is_empty()
    }

    /// Rows per table, for the operator: `users 12, tokens 3, …`.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("users", self.users.len()),
            ("tokens", self.tokens.len()),
            ("deleted users", self.deleted_users.len()),
            ("permissions", self.permissions.len()),
            ("roles", self.roles.len()),
            ("rooms", self.rooms.len()),
            ("subscriptions", self.subscriptions.len()),
            ("audit entries", self.audit.len()),
            ("SCIM tokens", self.scim_tokens.len()),
            ("settings", self.settings.len()),
        ]
    }
}

/// The reads only a copy needs: every row of the tables the use cases reach by key alone.
pub trait Export: Reads {
    fn all_users(&self) -> Result<Vec<User>, StoreError>;
    fn all_tokens(&self) -> Result<Vec<TokenRow>, StoreError>;
    fn all_deleted_users(&self) -> Result<Vec<(UserId, i64)>, StoreError>;
    fn all_subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;
    fn counters(&self) -> Result<Counters, StoreError>;
}

/// The writes only a copy needs: rows whose place in a sequence must be kept as it was.
pub trait Import: Writes + Export {
    fn restore_deleted_user(&self, id: &UserId, deleted_at: i64) -> Result<(), StoreError>;
    /// Stores `entry` under its own `seq` (an ordinary append would give it the next one).
    fn restore_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    fn restore_counters(&self, counters: &Counters) -> Result<(), StoreError>;
}

/// Reads everything `tx` sees, each list sorted by its key (engines order text differently).
pub fn take(tx: &dyn Export) -> Result<Snapshot, StoreError> {
    let mut snapshot = Snapshot {
        counters: tx.counters()?,
        users: tx.all_users()?,
        tokens: tx.all_tokens()?,
        deleted_users: tx.all_deleted_users()?,
        permissions: tx.all_permissions()?,
        roles: tx.all_roles()?,
        rooms: tx.all_rooms()?,
        subscriptions: tx.all_subscriptions()?,
        audit: tx.audit_entries()?,
        scim_tokens: tx.scim_tokens()?,
        settings: tx.stored_settings()?,
    };
    snapshot.users.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.tokens.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.deleted_users.sort();
    snapshot.permissions.sort();
    snapshot.roles.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.rooms.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot
        .subscriptions
        .sort_by(|a, b| (&a.room_id, &a.user_id).cmp(&(&b.room_id, &b.user_id)));
    snapshot.audit.sort_by_key(|entry| entry.seq);
    snapshot.scim_tokens.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.settings.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(snapshot)
}

/// Writes `snapshot` into `tx`, which must hold nothing yet.
pub fn load(tx: &dyn Import, snapshot: &Snapshot) -> Result<(), StoreError> {
    if !take(tx)?.is_empty() {
        return Err(StoreError::NotEmpty);
    }
    for (id, roles) in &snapshot.permissions {
        let permission = crate::model::Permission::parse(id)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown permission {id}")))?;
        tx.put_permission(permission, roles)?;
    }
    for role in &snapshot.roles {
        tx.put_role(role)?;
    }
    for user in &snapshot.users {
        tx.put_user(user, None)?;
    }
    for (id, deleted_at) in &snapshot.deleted_users {
        tx.restore_deleted_user(id, *deleted_at)?;
    }
    for (hash, user, issued_at) in &snapshot.tokens {
        tx.insert_token(user, &TokenHash(hash.clone()), *issued_at)?;
    }
    for room in &snapshot.rooms {
        tx.put_room(room)?;
    }
    for sub in &snapshot.subscriptions {
        tx.put_subscription(sub, None)?;
    }
    for entry in &snapshot.audit {
        tx.restore_audit(entry)?;
    }
    for token in &snapshot.scim_tokens {
        tx.put_scim_token(token)?;
    }
    for (id, value) in &snapshot.settings {
        tx.put_setting(id, value)?;
    }
    tx.restore_counters(&snapshot.counters)
}

// The redb engine's part.

impl<T: OpenTables> Export for Tx<T> {
    fn all_users(&self) -> Result<Vec<User>, StoreError> {
        let table = self.inner.table(USERID_USER)?;
        let mut out = Vec::with_capacity(table.len()? as usize);
        for row in table.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    fn all_tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(ISSUEDAT_TOKENHASH_USERID)?.iter()? {
            let (key, user) = row?;
            let (issued_at, hash) = key.value();
            out.push((
                hash.to_string(),
                UserId(user.value().to_string()),
                issued_at,
            ));
        }
        Ok(out)
    }

    fn all_deleted_users(&self) -> Result<Vec<(UserId, i64)>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(DELETED_USERID)?.iter()? {
            let (id, at) = row?;
            out.push((UserId(id.value().to_string()), at.value()));
        }
        Ok(out)
    }

    fn all_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(ROOMID_USERID_SUBSCRIPTION)?.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            join_seq: self.meta("join_seq")?.unwrap_or(0),
            audit_seq: self.meta("audit_seq")?.unwrap_or(0),
            default_channel_seeded: self.meta("default_channel")?.is_some(),
        })
    }
}

impl Import for WriteTx<'_> {
    fn restore_deleted_user(&self, id: &UserId, deleted_at: i64) -> Result<(), StoreError> {
        self.table_mut(DELETED_USERID)?
            .insert(id.as_str(), deleted_at)?;
        Ok(())
    }

    fn restore_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.table_mut(SEQ_AUDIT)?
            .insert(entry.seq, encode(entry).as_slice())?;
        Ok(())
    }

    fn restore_counters(&self, counters: &Counters) -> Result<(), StoreError> {
        // A counter never used stays absent, as in a file that never gave one out.
        if counters.join_seq > 0 {
            self.set_meta("join_seq", counters.join_seq)?;
        }
        if counters.audit_seq > 0 {
            self.set_meta("audit_seq", counters.audit_seq)?;
        }
        if counters.default_channel_seeded {
            self.set_meta("default_channel", 1)?;
        }
        Ok(())
    }
}
