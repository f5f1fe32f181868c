//! Permissions and role records, in SQL, and the permissions every node keeps at hand.
//!
//! Nearly every request asks for a permission, and the table changes a few times a year: a
//! round trip for each would be most of a read's cost. A trigger gives every change of
//! `permissions` a new random version in `meta` (`permissions_version`, in the changing
//! transaction), the statement that authenticates a request reads the version with the
//! token, and a node answers from its copy of the whole table while the copy is of the
//! version just read. Random, not counted: a failover or a restore that took the database
//! back must not give an older table a version a node holds a copy of.

use std::sync::RwLock;
use std::time::Instant;

use super::*;

/// Gives every change of `permissions` (any statement, an operator's too) a new version.
/// The function keeps the search path it was created with, so it writes the `meta` beside
/// the table whoever changes it.
pub(super) const PERMISSIONS_VERSION: &str = "
CREATE OR REPLACE FUNCTION rocketlite_permissions_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO meta VALUES ('permissions_version', floor(random() * 9007199254740991)::bigint)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS permissions_version ON permissions;
CREATE TRIGGER permissions_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions
    FOR EACH STATEMENT EXECUTE FUNCTION rocketlite_permissions_changed();
";

/// Whether this database's `permissions` has the trigger.
pub(super) const HAS_VERSION_TRIGGER: &str = "SELECT EXISTS (SELECT 1 FROM pg_trigger
    WHERE tgname = 'permissions_version' AND tgrelid = 'permissions'::regclass)";

/// The version, as a column of the statement that reads it (0 before the first change).
pub(super) const VERSION_COLUMN: &str =
    "COALESCE((SELECT value FROM meta WHERE name = 'permissions_version'), 0)";

/// How long a version read by one request stands for the next ones outside a transaction:
/// a permission changed on another node is seen by this node's reads within this (its
/// writes read the version in their own transaction, and see every change).
const SEEN_STANDS_FOR: Duration = Duration::from_secs(1);

/// Every permission record, by id.
type PermissionTable = Arc<HashMap<String, PermissionRecord>>;

/// The whole `permissions` table as of one version.
#[derive(Default)]
pub(super) struct PermissionCache {
    /// Off when the trigger could not be created: then nothing says when the table changed.
    enabled: std::sync::atomic::AtomicBool,
    /// The version a statement of this store read last, and when.
    seen: RwLock<Option<(i64, Instant)>>,
    /// The table as of a version.
    table: RwLock<Option<(i64, PermissionTable)>>,
}

impl PermissionCache {
    /// Starts keeping copies (the trigger is in place).
    pub(super) fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Notes a version read just now.
    pub(super) fn saw(&self, version: i64) {
        *self.seen.write().unwrap_or_else(|p| p.into_inner()) = Some((version, Instant::now()));
    }

    /// The version a read outside a transaction may take as current.
    fn recent(&self) -> Option<i64> {
        let seen = *self.seen.read().unwrap_or_else(|p| p.into_inner());
        seen.filter(|(_, at)| at.elapsed() < SEEN_STANDS_FOR)
            .map(|(version, _)| version)
    }

    /// The table, if the copy is of `version`.
    fn at(&self, version: i64) -> Option<PermissionTable> {
        match &*self.table.read().unwrap_or_else(|p| p.into_inner()) {
            Some((held, table)) if *held == version => Some(Arc::clone(table)),
            _ => None,
        }
    }

    fn keep(&self, version: i64, table: PermissionTable) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = Some((version, table));
    }

    /// Forgets the copy: this node changed the table.
    pub(super) fn forget(&self) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl PgTx<'_> {
    /// The table as this session may see it: the node's copy when it is of the version this
    /// transaction read (or, outside one, that a request read a moment ago), else read
    /// whole, with its version, in one statement.
    fn permission_table(&self) -> Result<PermissionTable, StoreError> {
        let version = match self.in_transaction() {
            true => self.permissions_version.get(),
            false => self
                .permissions_version
                .get()
                .or_else(|| self.permission_cache.recent()),
        };
        if let Some(table) = version.and_then(|v| self.permission_cache.at(v)) {
            return Ok(table);
        }
        let rows = self.query(
            &format!(
                "SELECT {VERSION_COLUMN}, \
                 COALESCE((SELECT jsonb_object_agg(id, roles) FROM permissions), '{{}}')"
            ),
            &[],
        )?;
        let row = rows.first().ok_or(StoreError::Corrupt("no row".into()))?;
        let (version, table): (i64, serde_json::Value) = (row.get(0), row.get(1));
        let table: PermissionTable = Arc::new(from_json(table)?);
        self.saw_version(version);
        self.permission_cache.keep(version, Arc::clone(&table));
        Ok(table)
    }

    /// Notes the permissions' version a statement of this session read.
    pub(super) fn saw_version(&self, version: i64) {
        self.permissions_version.set(Some(version));
        self.permission_cache.saw(version);
    }
}

impl PermissionReads for PgTx<'_> {
    /// From the table as of its version; the row itself when this node keeps no copy (no
    /// trigger) or this session changed a permission (seeding changes a hundred, each read
    /// back).
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError> {
        if !self.permission_cache.enabled() || self.wrote_permissions.get() {
            return self.record("SELECT roles FROM permissions WHERE id = $1", &[&id]);
        }
        Ok(self.permission_table()?.get(id).cloned())
    }

    fn all_permissions(&self) -> Result<Vec<(String, PermissionRecord)>, StoreError> {
        self.query("SELECT id, roles FROM permissions ORDER BY id", &[])?
            .iter()
            .map(|row| Ok((row.get(0), from_json(row.get(1))?)))
            .collect()
    }

    fn role(&self, id: &str) -> Result<Option<RoleRecord>, StoreError> {
        self.record("SELECT record FROM roles WHERE id = $1", &[&id])
    }

    fn all_roles(&self) -> Result<Vec<RoleRecord>, StoreError> {
        self.records("SELECT record FROM roles ORDER BY id", &[])
    }
}

impl PermissionWrites for PgTx<'_> {
    fn put_permission(&self, id: &str, record: &PermissionRecord) -> Result<(), StoreError> {
        self.wrote_permissions.set(true);
        self.execute(
            "INSERT INTO permissions VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET roles = excluded.roles",
            &[&id, &to_json(record)],
        )?;
        Ok(())
    }

    fn put_role(&self, role: &RoleRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO roles VALUES ($1, $2) ON CONFLICT (id)
             DO UPDATE SET record = excluded.record",
            &[&role.id.as_str(), &to_json(role)],
        )?;
        Ok(())
    }
}
