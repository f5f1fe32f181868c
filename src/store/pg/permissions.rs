//! Permissions and role records, in SQL, and the permissions every node keeps at hand.
//!
//! Nearly every request asks for a permission, and the table changes a few times a year: a
//! round trip for each would be most of a read's cost. A trigger counts every change of
//! `permissions` in `meta` (`permissions_generation`, in the changing transaction), the
//! statement that authenticates a request reads that count with the token, and a node
//! answers from its copy of the whole table while the copy is of the count just read.

use std::sync::RwLock;
use std::time::Instant;

use super::*;

/// Counts every change of `permissions` (any statement, an operator's too) in `meta`.
pub(super) const PERMISSIONS_GENERATION: &str = "
CREATE OR REPLACE FUNCTION rocketlite_permissions_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO meta VALUES ('permissions_generation', 1)
        ON CONFLICT (name) DO UPDATE SET value = meta.value + 1;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER permissions_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions
    FOR EACH STATEMENT EXECUTE FUNCTION rocketlite_permissions_changed();
";

/// The count of changes, as a column of the statement that reads it (0 before the first).
pub(super) const GENERATION_COLUMN: &str =
    "COALESCE((SELECT value FROM meta WHERE name = 'permissions_generation'), 0)";

/// How long a count read by one request stands for the next ones outside a transaction:
/// a permission changed on another node is seen by this node's reads within this (its
/// writes read the count in their own transaction, and see every change).
const SEEN_STANDS_FOR: Duration = Duration::from_secs(1);

/// Every permission record, by id.
type PermissionTable = Arc<HashMap<String, PermissionRecord>>;

/// The whole `permissions` table as of one count of its changes.
#[derive(Default)]
pub(super) struct PermissionCache {
    /// The newest count a statement of this store read, and when.
    seen: RwLock<Option<(i64, Instant)>>,
    /// The table as of a count.
    table: RwLock<Option<(i64, PermissionTable)>>,
}

impl PermissionCache {
    /// Notes a count read just now.
    pub(super) fn saw(&self, generation: i64) {
        let mut seen = self.seen.write().unwrap_or_else(|p| p.into_inner());
        if seen.is_none_or(|(newest, _)| generation >= newest) {
            *seen = Some((generation, Instant::now()));
        }
    }

    /// The count a read outside a transaction may take as current.
    fn recent(&self) -> Option<i64> {
        let seen = *self.seen.read().unwrap_or_else(|p| p.into_inner());
        seen.filter(|(_, at)| at.elapsed() < SEEN_STANDS_FOR)
            .map(|(generation, _)| generation)
    }

    /// The table, if the copy is of `generation`.
    fn at(&self, generation: i64) -> Option<PermissionTable> {
        match &*self.table.read().unwrap_or_else(|p| p.into_inner()) {
            Some((held, table)) if *held == generation => Some(Arc::clone(table)),
            _ => None,
        }
    }

    fn keep(&self, generation: i64, table: PermissionTable) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = Some((generation, table));
        self.saw(generation);
    }

    /// Forgets the copy and the counts seen: this node changed the table.
    pub(super) fn forget(&self) {
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = None;
        *self.seen.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl PgTx<'_> {
    /// The table as this session may see it: the node's copy when it is of the count this
    /// transaction read (or, outside one, that a request read a moment ago), else read
    /// whole, with its count, in one statement. A transaction that changed the table reads
    /// it.
    fn permission_table(&self) -> Result<PermissionTable, StoreError> {
        let in_transaction = matches!(&*self.tx.borrow(), Session::Tx(_));
        let generation = match in_transaction {
            true => self.permissions_generation.get(),
            false => self.permission_cache.recent(),
        };
        let wrote = self.wrote_permissions.get();
        if let Some(table) = generation
            .filter(|_| !wrote)
            .and_then(|g| self.permission_cache.at(g))
        {
            return Ok(table);
        }
        let rows = self.query(
            &format!(
                "SELECT {GENERATION_COLUMN}, \
                 COALESCE((SELECT jsonb_object_agg(id, roles) FROM permissions), '{{}}')"
            ),
            &[],
        )?;
        let row = rows.first().ok_or(StoreError::Corrupt("no row".into()))?;
        let (generation, table): (i64, serde_json::Value) = (row.get(0), row.get(1));
        let table: PermissionTable = Arc::new(from_json(table)?);
        if !wrote {
            self.saw_generation(generation);
            self.permission_cache.keep(generation, Arc::clone(&table));
        }
        Ok(table)
    }

    /// Notes the count of permission changes a statement of this session read.
    pub(super) fn saw_generation(&self, generation: i64) {
        self.permissions_generation.set(Some(generation));
        self.permission_cache.saw(generation);
    }
}

impl PermissionReads for PgTx<'_> {
    fn permission(&self, id: &str) -> Result<Option<PermissionRecord>, StoreError> {
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
