//! Moving a whole database between engines (`rocketlite copy`): every row read from one
//! snapshot of the source, a row at a time, and written into the target in batches, so memory
//! stays one batch whatever the size. A digest of every row, taken on the way and again from
//! the target, is the check that nothing was lost or changed. [`Snapshot`] holds every row at
//! once, for tests that compare two stores in full.
//!
//! What each engine adds for this is small: the few "every row" walks the use cases never
//! need ([`Export`]) and the writes that keep stored sequence numbers ([`Import`]). Every other
//! row goes through the ordinary [`Writes`] methods, so the target's indexes are the ones its
//! own engine builds.

use super::{Reads, StoreError, Writes};
use crate::model::{
    AuditEntry, NotificationSettings, PermissionRecord, PersonalAccessToken, RoleRecord, Room,
    RoomId, ScimToken, Subscription, TokenHash, User, UserId,
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
    pub permissions: Vec<(String, PermissionRecord)>,
    pub roles: Vec<RoleRecord>,
    pub rooms: Vec<Room>,
    pub subscriptions: Vec<Subscription>,
    pub audit: Vec<AuditEntry>,
    pub scim_tokens: Vec<ScimToken>,
    pub settings: Vec<(String, serde_json::Value)>,
    pub preferences: Vec<(UserId, serde_json::Value)>,
    pub custom_fields: Vec<(UserId, serde_json::Value)>,
    pub scim_user_names: Vec<(UserId, String)>,
    pub bans: Vec<(RoomId, UserId, i64)>,
    pub notifications: Vec<(RoomId, UserId, NotificationSettings)>,
    pub personal_access_tokens: Vec<(UserId, PersonalAccessToken)>,
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
            preferences,
            custom_fields,
            scim_user_names,
            bans,
            notifications,
            personal_access_tokens,
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
            && preferences.is_empty()
            && custom_fields.is_empty()
            && scim_user_names.is_empty()
            && bans.is_empty()
            && notifications.is_empty()
            && personal_access_tokens.is_empty()
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
            ("preferences", self.preferences.len()),
            ("custom fields", self.custom_fields.len()),
            ("SCIM userNames", self.scim_user_names.len()),
            ("bans", self.bans.len()),
            ("notification settings", self.notifications.len()),
            ("personal access tokens", self.personal_access_tokens.len()),
        ]
    }
}

/// What a walk over rows hands each row to.
pub type Visit<'a, T> = &'a mut dyn FnMut(T) -> Result<(), StoreError>;

/// The reads only a copy needs: every row of the tables the use cases reach by key alone,
/// handed over one at a time (an engine holds at most a batch of them).
pub trait Export: Reads {
    fn each_user(&self, visit: Visit<'_, User>) -> Result<(), StoreError>;
    fn each_token(&self, visit: Visit<'_, TokenRow>) -> Result<(), StoreError>;
    fn each_deleted_user(&self, visit: Visit<'_, (UserId, i64)>) -> Result<(), StoreError>;
    fn each_room(&self, visit: Visit<'_, Room>) -> Result<(), StoreError>;
    fn each_subscription(&self, visit: Visit<'_, Subscription>) -> Result<(), StoreError>;
    fn each_preferences(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError>;
    fn each_custom_fields(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError>;
    fn counters(&self) -> Result<Counters, StoreError>;

    /// Every audit entry, newest first, read a thousand at a time.
    fn each_audit(&self, visit: Visit<'_, AuditEntry>) -> Result<(), StoreError> {
        let mut before = None;
        loop {
            let batch = self.audit_newest(before, 1000)?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            before = Some(last.seq);
            for entry in batch {
                visit(entry)?;
            }
        }
    }
}

/// Every row of `kind` as a list (for [`take`]).
fn all<T>(walk: impl FnOnce(Visit<'_, T>) -> Result<(), StoreError>) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    walk(&mut |row| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
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
        users: all(|v| tx.each_user(v))?,
        tokens: all(|v| tx.each_token(v))?,
        deleted_users: all(|v| tx.each_deleted_user(v))?,
        permissions: tx.all_permissions()?,
        roles: tx.all_roles()?,
        rooms: all(|v| tx.each_room(v))?,
        subscriptions: all(|v| tx.each_subscription(v))?,
        audit: all(|v| tx.each_audit(v))?,
        scim_tokens: tx.scim_tokens()?,
        settings: tx.stored_settings()?,
        preferences: all(|v| tx.each_preferences(v))?,
        custom_fields: all(|v| tx.each_custom_fields(v))?,
        scim_user_names: tx.scim_user_names()?,
        bans: tx.all_bans()?,
        notifications: tx.all_notifications()?,
        personal_access_tokens: tx.all_personal_access_tokens()?,
    };
    snapshot.users.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.tokens.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.deleted_users.sort();
    snapshot.permissions.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.roles.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.rooms.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot
        .subscriptions
        .sort_by(|a, b| (&a.room_id, &a.user_id).cmp(&(&b.room_id, &b.user_id)));
    snapshot.audit.sort_by_key(|entry| entry.seq);
    snapshot.scim_tokens.sort_by(|a, b| a.id.cmp(&b.id));
    snapshot.settings.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.preferences.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.custom_fields.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.scim_user_names.sort_by(|a, b| a.0.cmp(&b.0));
    snapshot.bans.sort();
    snapshot
        .notifications
        .sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    snapshot
        .personal_access_tokens
        .sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
    Ok(snapshot)
}

/// Rows per transaction of a copy's target.
pub const BATCH: usize = 5_000;

/// An order-independent digest of a table's rows (engines walk text in different orders):
/// how many, and the sum of their SHA-256s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Digest {
    pub rows: u64,
    sum: u128,
}

impl Digest {
    fn add(&mut self, row: &impl serde::Serialize) {
        use sha2::Digest as _;
        let bytes = serde_json::to_vec(row).unwrap_or_default();
        let hash = sha2::Sha256::digest(&bytes);
        let mut low = [0u8; 16];
        low.copy_from_slice(&hash[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(low));
        self.rows += 1;
    }
}

/// Each table's digest, by name.
pub type Digests = std::collections::BTreeMap<&'static str, Digest>;

/// A batch of rows of one table, written in one transaction of the target.
enum Batch {
    Users(Vec<User>),
    DeletedUsers(Vec<(UserId, i64)>),
    Tokens(Vec<TokenRow>),
    Rooms(Vec<Room>),
    Subscriptions(Vec<Subscription>),
    Audit(Vec<AuditEntry>),
    Preferences(Vec<(UserId, serde_json::Value)>),
    CustomFields(Vec<(UserId, serde_json::Value)>),
    ScimUserNames(Vec<(UserId, String)>),
    Bans(Vec<(RoomId, UserId, i64)>),
    Notifications(Vec<(RoomId, UserId, NotificationSettings)>),
    PersonalAccessTokens(Vec<(UserId, PersonalAccessToken)>),
}

impl Batch {
    fn write(&self, tx: &dyn Import) -> Result<(), StoreError> {
        match self {
            Batch::Users(users) => users.iter().try_for_each(|u| tx.put_user(u, None)),
            Batch::DeletedUsers(ids) => ids
                .iter()
                .try_for_each(|(id, at)| tx.restore_deleted_user(id, *at)),
            Batch::Tokens(tokens) => tokens.iter().try_for_each(|(hash, user, at)| {
                tx.insert_token(user, &TokenHash(hash.clone()), *at)
            }),
            Batch::Rooms(rooms) => rooms.iter().try_for_each(|r| tx.put_room(r)),
            Batch::Subscriptions(subs) => {
                subs.iter().try_for_each(|s| tx.put_subscription(s, None))
            }
            Batch::Audit(entries) => entries.iter().try_for_each(|e| tx.restore_audit(e)),
            Batch::Preferences(rows) => rows
                .iter()
                .try_for_each(|(user, prefs)| tx.put_preferences(user, prefs)),
            Batch::CustomFields(rows) => rows
                .iter()
                .try_for_each(|(user, fields)| tx.put_custom_fields(user, fields)),
            Batch::ScimUserNames(rows) => rows
                .iter()
                .try_for_each(|(user, name)| tx.put_scim_user_name(user, Some(name))),
            Batch::Bans(rows) => rows
                .iter()
                .try_for_each(|(room, user, at)| tx.put_ban(room, user, *at)),
            Batch::Notifications(rows) => rows
                .iter()
                .try_for_each(|(room, user, settings)| tx.put_notifications(room, user, settings)),
            Batch::PersonalAccessTokens(rows) => rows
                .iter()
                .try_for_each(|(user, token)| tx.put_personal_access_token(user, token)),
        }
    }
}

/// Where rows go: batches written into the target, and each row into its table's digest.
/// `progress` hears each table and its rows so far.
struct Sink<'a> {
    target: &'a super::Store,
    digests: Digests,
    progress: &'a mut dyn FnMut(&str, u64),
}

impl Sink<'_> {
    /// Walks one table of the source, writing it in batches of [`BATCH`].
    fn copy<T: serde::Serialize + Send + Sync + 'static>(
        &mut self,
        table: &'static str,
        walk: impl FnOnce(Visit<'_, T>) -> Result<(), StoreError>,
        batch: fn(Vec<T>) -> Batch,
    ) -> Result<(), StoreError> {
        let mut pending = Vec::with_capacity(BATCH);
        let mut digest = Digest::default();
        let (target, progress) = (self.target, &mut *self.progress);
        let mut flush = |rows: Vec<T>, digest: &Digest| -> Result<(), StoreError> {
            let rows = std::sync::Arc::new(batch(rows));
            target.import(move |tx| rows.write(tx))?;
            progress(table, digest.rows);
            Ok(())
        };
        walk(&mut |row| {
            digest.add(&row);
            pending.push(row);
            if pending.len() == BATCH {
                flush(std::mem::take(&mut pending), &digest)?;
            }
            Ok(())
        })?;
        flush(pending, &digest)?;
        self.digests.insert(table, digest);
        Ok(())
    }
}

/// The digest of one walk's rows.
fn digest_of<T: serde::Serialize>(
    walk: impl FnOnce(Visit<'_, T>) -> Result<(), StoreError>,
) -> Result<Digest, StoreError> {
    let mut digest = Digest::default();
    walk(&mut |row| {
        digest.add(&row);
        Ok(())
    })?;
    Ok(digest)
}

/// The digests of the tables a copy streams, as `tx` sees them.
pub fn digests(tx: &dyn Export) -> Result<Digests, StoreError> {
    Ok(Digests::from([
        ("users", digest_of(|v| tx.each_user(v))?),
        ("deleted users", digest_of(|v| tx.each_deleted_user(v))?),
        ("tokens", digest_of(|v| tx.each_token(v))?),
        ("rooms", digest_of(|v| tx.each_room(v))?),
        ("subscriptions", digest_of(|v| tx.each_subscription(v))?),
        ("audit entries", digest_of(|v| tx.each_audit(v))?),
        ("preferences", digest_of(|v| tx.each_preferences(v))?),
        ("custom fields", digest_of(|v| tx.each_custom_fields(v))?),
        (
            "SCIM userNames",
            digest_of(|v| tx.scim_user_names()?.into_iter().try_for_each(v))?,
        ),
        (
            "bans",
            digest_of(|v| tx.all_bans()?.into_iter().try_for_each(v))?,
        ),
        (
            "notification settings",
            digest_of(|v| tx.all_notifications()?.into_iter().try_for_each(v))?,
        ),
        (
            "personal access tokens",
            digest_of(|v| tx.all_personal_access_tokens()?.into_iter().try_for_each(v))?,
        ),
    ]))
}

/// Copies everything `source` sees into `target`, which must hold no rows: the few rows of
/// the small tables in one transaction, the rest in batches, the counters last. Returns the
/// digest of every table copied, to compare with the target's own (see [`digests`]).
pub fn stream(
    source: &dyn Export,
    target: &super::Store,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Digests, StoreError> {
    if !target.export(|tx| take(tx).map(|s| s.is_empty()))? {
        return Err(StoreError::NotEmpty);
    }
    let small = std::sync::Arc::new((
        source.all_permissions()?,
        source.all_roles()?,
        source.scim_tokens()?,
        source.stored_settings()?,
    ));
    target.import(move |tx| {
        let (permissions, roles, scim_tokens, settings) = &*small;
        for (id, record) in permissions {
            tx.put_permission(id, record)?;
        }
        roles.iter().try_for_each(|role| tx.put_role(role))?;
        scim_tokens.iter().try_for_each(|t| tx.put_scim_token(t))?;
        settings
            .iter()
            .try_for_each(|(id, value)| tx.put_setting(id, value))
    })?;
    let mut sink = Sink {
        target,
        digests: Digests::new(),
        progress,
    };
    sink.copy("users", |v| source.each_user(v), Batch::Users)?;
    sink.copy(
        "deleted users",
        |v| source.each_deleted_user(v),
        Batch::DeletedUsers,
    )?;
    sink.copy("tokens", |v| source.each_token(v), Batch::Tokens)?;
    sink.copy("rooms", |v| source.each_room(v), Batch::Rooms)?;
    sink.copy(
        "subscriptions",
        |v| source.each_subscription(v),
        Batch::Subscriptions,
    )?;
    sink.copy("audit entries", |v| source.each_audit(v), Batch::Audit)?;
    sink.copy(
        "preferences",
        |v| source.each_preferences(v),
        Batch::Preferences,
    )?;
    sink.copy(
        "custom fields",
        |v| source.each_custom_fields(v),
        Batch::CustomFields,
    )?;
    sink.copy(
        "SCIM userNames",
        |v| source.scim_user_names()?.into_iter().try_for_each(v),
        Batch::ScimUserNames,
    )?;
    sink.copy(
        "bans",
        |v| source.all_bans()?.into_iter().try_for_each(v),
        Batch::Bans,
    )?;
    sink.copy(
        "notification settings",
        |v| source.all_notifications()?.into_iter().try_for_each(v),
        Batch::Notifications,
    )?;
    sink.copy(
        "personal access tokens",
        |v| {
            source
                .all_personal_access_tokens()?
                .into_iter()
                .try_for_each(v)
        },
        Batch::PersonalAccessTokens,
    )?;
    let counters = source.counters()?;
    target.import(move |tx| tx.restore_counters(&counters))?;
    Ok(sink.digests)
}

// The redb engine's part.
