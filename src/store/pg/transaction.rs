//! One transaction (or autocommit session) behind the seam's traits: prepared statements
//! cached per connection, conflicts noted for a re-run, every round trip counted.

use super::*;

/// Where a [`PgTx`]'s statements go.
pub(super) enum Session<'a> {
    /// A transaction: every write, and the reads whose rows must agree (a copy, a dump).
    Tx(postgres::Transaction<'a>),
    /// No transaction: each statement reads the latest commit. The use cases' reads take
    /// this: whatever a write acts on it checks again inside its own transaction, so a
    /// BEGIN and a COMMIT around a request's reads would be two round trips for nothing.
    Autocommit(&'a mut postgres::Client),
}

impl<'a> Session<'a> {
    pub(super) fn prepare(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.prepare(sql),
            Session::Autocommit(client) => client.prepare(sql),
        }
    }

    pub(super) fn query(
        &mut self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Result<Vec<Row>, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.query(statement, params),
            Session::Autocommit(client) => client.query(statement, params),
        }
    }

    pub(super) fn execute(
        &mut self,
        statement: &Statement,
        params: Params<'_>,
    ) -> Result<u64, postgres::Error> {
        round_trips(1);
        match self {
            Session::Tx(tx) => tx.execute(statement, params),
            Session::Autocommit(client) => client.execute(statement, params),
        }
    }

    /// The transaction, for what only one can do (portals, commit).
    pub(super) fn tx(&mut self) -> Option<&mut postgres::Transaction<'a>> {
        match self {
            Session::Tx(tx) => Some(tx),
            Session::Autocommit(_) => None,
        }
    }
}

/// One transaction, read or write, behind the store's traits.
pub struct PgTx<'a> {
    pub(super) tx: RefCell<Session<'a>>,
    /// Its connection's `cancelled` flag.
    pub(super) cancelled: &'a mut bool,
    /// The connection's prepared statements, by their text.
    pub(super) statements: RefCell<&'a mut HashMap<String, Statement>>,
    /// Set when a statement failed with 40001 / 40P01: the attempt must be re-run.
    pub(super) conflict: Cell<bool>,
    /// Set when any statement failed.
    pub(super) failed: Cell<bool>,
    /// The store's copy of the permissions.
    pub(super) permission_cache: &'a PermissionCache,
    /// The permissions' version a statement of this session read.
    pub(super) permissions_version: Cell<Option<i64>>,
    /// Set when this session changed a permission: it reads them from the table.
    pub(super) wrote_permissions: Cell<bool>,
    /// The custom fields (or none) of the users this session read, by user id.
    pub(super) custom_fields_read: RefCell<HashMap<String, Option<serde_json::Value>>>,
}

impl<'a> PgTx<'a> {
    pub(super) fn new(
        tx: Session<'a>,
        statements: &'a mut HashMap<String, Statement>,
        cancelled: &'a mut bool,
        permission_cache: &'a PermissionCache,
    ) -> Self {
        PgTx {
            tx: RefCell::new(tx),
            cancelled,
            statements: RefCell::new(statements),
            conflict: Cell::new(false),
            failed: Cell::new(false),
            permission_cache,
            permissions_version: Cell::new(None),
            wrote_permissions: Cell::new(false),
            custom_fields_read: RefCell::new(HashMap::new()),
        }
    }

    /// Whether its statements run in a transaction (a write's, or a copy's snapshot).
    pub(super) fn in_transaction(&self) -> bool {
        matches!(&*self.tx.borrow(), Session::Tx(_))
    }

    /// Whether its connection is closed (the database went away under it).
    pub(super) fn is_closed(&self) -> bool {
        match &*self.tx.borrow() {
            Session::Tx(_) => false,
            Session::Autocommit(client) => client.is_closed(),
        }
    }

    /// Ends a read: commits its snapshot, if it took one.
    pub(super) fn end_read(self) {
        if let Session::Tx(tx) = self.tx.into_inner() {
            round_trips(1);
            let _ = tx.commit();
        }
    }

    /// The transaction and its connection's `cancelled` flag; `None` for autocommit.
    pub(super) fn into_parts(self) -> (Option<postgres::Transaction<'a>>, &'a mut bool) {
        let tx = match self.tx.into_inner() {
            Session::Tx(tx) => Some(tx),
            Session::Autocommit(_) => None,
        };
        (tx, self.cancelled)
    }

    pub(super) fn failed(&self, e: postgres::Error) -> StoreError {
        self.failed.set(true);
        // After a failure PostgreSQL refuses every later statement of the transaction
        // (25P02), so only a failure that is itself a conflict marks one.
        if is_conflict(&e) {
            self.conflict.set(true);
        }
        pg_error(&e)
    }

    /// `sql`, prepared once per connection.
    pub(super) fn statement(&self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .tx
            .borrow_mut()
            .prepare(sql)
            .map_err(|e| self.failed(e))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    pub(super) fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.tx
            .borrow_mut()
            .query(&statement, params)
            .map_err(|e| self.failed(e))
    }

    pub(super) fn execute(&self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.tx
            .borrow_mut()
            .execute(&statement, params)
            .map_err(|e| self.failed(e))
    }

    /// Each row of `sql` (no parameters), fetched a thousand at a time through a portal, so
    /// no more than that is held however many rows there are.
    pub(super) fn each_row(
        &self,
        sql: &str,
        visit: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let statement = self.statement(sql)?;
        let mut session = self.tx.borrow_mut();
        // Only a copy walks whole tables, and it always reads in a snapshot.
        let tx = session
            .tx()
            .ok_or(StoreError::Unsupported("walking a table needs a snapshot"))?;
        round_trips(1);
        let portal = tx.bind(&statement, &[]).map_err(|e| self.failed(e))?;
        loop {
            round_trips(1);
            let rows = tx.query_portal(&portal, 1000).map_err(|e| self.failed(e))?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in &rows {
                visit(row)?;
            }
        }
    }

    /// The records in the first column of `sql`'s rows.
    pub(super) fn records<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params)?
            .iter()
            .map(|row| from_json(row.get(0)))
            .collect()
    }

    pub(super) fn record<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.records(sql, params)?.into_iter().next())
    }

    pub(super) fn texts(&self, sql: &str, params: Params<'_>) -> Result<Vec<String>, StoreError> {
        Ok(self
            .query(sql, params)?
            .iter()
            .map(|row| row.get(0))
            .collect())
    }

    pub(super) fn text(&self, sql: &str, params: Params<'_>) -> Result<Option<String>, StoreError> {
        Ok(self.texts(sql, params)?.into_iter().next())
    }

    pub(super) fn meta(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let rows = self.query("SELECT value FROM meta WHERE name = $1", &[&name])?;
        Ok(rows.first().map(|row| row.get::<_, i64>(0) as u64))
    }

    /// The last value a sequence gave out, 0 when it gave none. Sequences are outside
    /// transactions: a rolled-back write may have used values no row holds.
    pub(super) fn last_of(&self, sequence: &'static str) -> Result<u64, StoreError> {
        let rows = self.query(
            &format!("SELECT last_value, is_called FROM {sequence}"),
            &[],
        )?;
        let (last, called): (i64, bool) = (rows[0].get(0), rows[0].get(1));
        Ok(if called { last as u64 } else { 0 })
    }

    /// The next value of one of the schema's sequences (a fixed name, never user input).
    pub(super) fn next_in(&self, sequence: &'static str) -> Result<u64, StoreError> {
        let rows = self.query(&format!("SELECT nextval('{sequence}')"), &[])?;
        Ok(rows[0].get::<_, i64>(0) as u64)
    }
}

pub(super) fn to_json<T: Serialize>(record: &T) -> serde_json::Value {
    serde_json::to_value(record).expect("records serialise")
}

/// The top-level fields of `new` that differ from `previous`, as an object to `||` onto a
/// row that holds `previous` (read in the same SERIALIZABLE transaction, which fails if
/// another changed it); `None` when the two records have different fields, which a patch
/// could not remove.
pub(super) fn changed_fields<T: Serialize>(new: &T, previous: &T) -> Option<serde_json::Value> {
    let (new, previous) = (to_json(new), to_json(previous));
    let (new, previous) = (new.as_object()?, previous.as_object()?);
    if new.len() != previous.len() || !new.keys().all(|key| previous.contains_key(key)) {
        return None;
    }
    let changed = new
        .iter()
        .filter(|(key, value)| previous.get(key.as_str()) != Some(*value));
    Some(serde_json::Value::Object(
        changed.map(|(k, v)| (k.clone(), v.clone())).collect(),
    ))
}

pub(super) fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
