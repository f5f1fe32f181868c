//! The engine's tables and their version: created at first start with `IF NOT EXISTS`, so
//! every migration so far only adds tables.

use super::permissions::{HAS_VERSION_TRIGGER, PERMISSIONS_VERSION};
use super::*;

/// The version of this engine's schema, counted apart from redb's: it moves only when these
/// tables or the `jsonb` records change (the first PostgreSQL schema was 3, when both
/// counts were one), so nodes of the previous build still start on a database a newer node
/// migrated unless the tables changed.
pub(super) const PG_SCHEMA_VERSION: u64 = 6;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id text PRIMARY KEY, username_key text NOT NULL UNIQUE, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_emails (email_key text PRIMARY KEY, user_id text NOT NULL);
CREATE INDEX IF NOT EXISTS user_emails_user ON user_emails (user_id);
CREATE TABLE IF NOT EXISTS user_roles (
    role text NOT NULL, user_id text NOT NULL, PRIMARY KEY (role, user_id));
CREATE INDEX IF NOT EXISTS user_roles_user ON user_roles (user_id);
CREATE TABLE IF NOT EXISTS tokens (
    hash text PRIMARY KEY, user_id text NOT NULL, issued_at bigint NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id);
CREATE INDEX IF NOT EXISTS tokens_issued ON tokens (issued_at, hash);
CREATE TABLE IF NOT EXISTS deleted_users (id text PRIMARY KEY, deleted_at bigint NOT NULL);
-- `roles` holds the whole PermissionRecord (a bare role list before change times).
CREATE TABLE IF NOT EXISTS permissions (id text PRIMARY KEY, roles jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS roles (id text PRIMARY KEY, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (
    id text PRIMARY KEY, name_key text NOT NULL UNIQUE, is_default boolean NOT NULL,
    record jsonb NOT NULL);
-- Room free on each page, so that a change of a membership's record alone (archived on a
-- deactivation, by the thousand) is a HOT update that touches none of the five indexes.
CREATE TABLE IF NOT EXISTS subscriptions (
    room_id text NOT NULL, user_id text NOT NULL, join_seq bigint NOT NULL,
    is_owner boolean NOT NULL, record jsonb NOT NULL, PRIMARY KEY (room_id, user_id))
    WITH (fillfactor = 80);
CREATE INDEX IF NOT EXISTS subscriptions_join ON subscriptions (room_id, join_seq);
CREATE INDEX IF NOT EXISTS subscriptions_user ON subscriptions (user_id, room_id);
CREATE INDEX IF NOT EXISTS subscriptions_owner ON subscriptions (room_id, user_id) WHERE is_owner;
-- The rooms a user owns, for a deactivation's handovers: without it, a search by user would
-- walk the whole owner index and lock all of it against every other write (SERIALIZABLE).
CREATE INDEX IF NOT EXISTS subscriptions_owned ON subscriptions (user_id, room_id) WHERE is_owner;
CREATE TABLE IF NOT EXISTS audit (seq bigint PRIMARY KEY, at bigint NOT NULL, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS scim_tokens (id text PRIMARY KEY, record jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS settings (id text PRIMARY KEY, value jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_preferences (user_id text PRIMARY KEY, preferences jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS user_custom_fields (user_id text PRIMARY KEY, fields jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS scim_user_names (
    user_id text PRIMARY KEY, user_name text NOT NULL, name_key text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS room_bans (
    room_id text NOT NULL, user_id text NOT NULL, banned_at bigint NOT NULL,
    PRIMARY KEY (room_id, user_id));
CREATE INDEX IF NOT EXISTS room_bans_user ON room_bans (user_id);
CREATE TABLE IF NOT EXISTS personal_access_tokens (
    user_id text NOT NULL, name text NOT NULL, record jsonb NOT NULL,
    PRIMARY KEY (user_id, name));
CREATE TABLE IF NOT EXISTS subscription_notifications (
    room_id text NOT NULL, user_id text NOT NULL, settings jsonb NOT NULL,
    PRIMARY KEY (room_id, user_id));
CREATE SEQUENCE IF NOT EXISTS join_seq;
CREATE SEQUENCE IF NOT EXISTS audit_seq;
";

/// Every table with its key columns, for the dump.
pub(super) const TABLES: [(&str, &str); 19] = [
    ("meta", "name"),
    ("users", "id"),
    ("user_emails", "email_key"),
    ("user_roles", "role, user_id"),
    ("tokens", "hash"),
    ("deleted_users", "id"),
    ("permissions", "id"),
    ("roles", "id"),
    ("rooms", "id"),
    ("subscriptions", "room_id, user_id"),
    ("audit", "seq"),
    ("scim_tokens", "id"),
    ("settings", "id"),
    ("user_preferences", "user_id"),
    ("user_custom_fields", "user_id"),
    ("scim_user_names", "user_id"),
    ("room_bans", "room_id, user_id"),
    ("subscription_notifications", "room_id, user_id"),
    ("personal_access_tokens", "user_id, name"),
];

impl PgStore {
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        off_runtime(|| {
            let mut conn = self.client()?;
            let client = &mut conn.client;
            // One migrator at a time, whichever node starts first.
            let exists: bool = client
                .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
                .map_err(|e| pg_error(&e))?
                .get(0);
            let current: Option<i64> = match exists {
                true => client
                    .query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[])
                    .map_err(|e| pg_error(&e))?
                    .map(|row| row.get(0)),
                false => None,
            };
            match current {
                Some(v) if v as u64 == PG_SCHEMA_VERSION => {
                    if ensure_version_trigger(client)? {
                        self.permission_cache.enable();
                    }
                    return Ok(());
                }
                Some(v) if v as u64 > PG_SCHEMA_VERSION => {
                    return Err(StoreError::TooNew(v as u64));
                }
                _ => {}
            }
            let mut tx = client.transaction().map_err(|e| pg_error(&e))?;
            tx.batch_execute("SELECT pg_advisory_xact_lock(7261013)")
                .map_err(|e| pg_error(&e))?;
            tx.batch_execute(SCHEMA).map_err(|e| pg_error(&e))?;
            tx.batch_execute(PERMISSIONS_VERSION)
                .map_err(|e| pg_error(&e))?;
            let version: Option<i64> = tx
                .query_opt("SELECT value FROM meta WHERE name = 'schema_version'", &[])
                .map_err(|e| pg_error(&e))?
                .map(|row| row.get(0));
            let version = version.unwrap_or(0) as u64;
            if version > PG_SCHEMA_VERSION {
                return Err(StoreError::TooNew(version));
            }
            // Every step so far only adds tables: 3 -> 4 adds `user_preferences`
            // and 4 -> 5 `scim_user_names`, `room_bans`, `subscription_notifications` and
            // `personal_access_tokens`, 5 -> 6 `user_custom_fields`, which the schema's
            // `IF NOT EXISTS` creates.
            tx.execute(
                "INSERT INTO meta VALUES ('schema_version', $1)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                &[&(PG_SCHEMA_VERSION as i64)],
            )
            .map_err(|e| pg_error(&e))?;
            tx.commit().map_err(|e| pg_error(&e))?;
            self.permission_cache.enable();
            Ok(())
        })
    }
}

/// Creates the trigger that versions the permissions on a database of this schema version
/// made before it existed (it changes no table, so the version stays). `false` when it is
/// missing and could not be made (a role without the right to create functions): then the
/// node reads every permission from the table, as before.
fn ensure_version_trigger(client: &mut postgres::Client) -> Result<bool, StoreError> {
    let present: bool = client
        .query_one(HAS_VERSION_TRIGGER, &[])
        .map_err(|e| pg_error(&e))?
        .get(0);
    if present {
        return Ok(true);
    }
    let created = client.transaction().and_then(|mut tx| {
        tx.batch_execute("SELECT pg_advisory_xact_lock(7261013)")?;
        let present: bool = tx.query_one(HAS_VERSION_TRIGGER, &[])?.get(0);
        if !present {
            tx.batch_execute(PERMISSIONS_VERSION)?;
        }
        tx.commit()
    });
    match created {
        Ok(()) => Ok(true),
        Err(e) if e.as_db_error().is_some() => {
            tracing::warn!(error = %e, "cannot create the permissions' version trigger: \
                every permission check reads the table");
            Ok(false)
        }
        Err(e) => Err(pg_error(&e)),
    }
}
