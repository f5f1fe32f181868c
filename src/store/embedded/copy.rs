//! The redb half of a copy between engines: the "every row" walks ([`Export`]) and the
//! writes that keep stored sequence numbers ([`Import`]).

use redb::ReadableTable;

use super::tables::{
    DELETED_USERID, ISSUEDAT_TOKENHASH_USERID, ROOMID_ROOM, ROOMID_USERID_SUBSCRIPTION, SEQ_AUDIT,
    USERID_CUSTOMFIELDS, USERID_PREFERENCES, USERID_USER,
};
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{AuditEntry, Room, Subscription, User, UserId};
use crate::store::copy::{Counters, Export, Import, TokenRow, Visit};

impl<T: OpenTables> Export for Tx<T> {
    fn each_user(&self, visit: Visit<'_, User>) -> Result<(), StoreError> {
        for row in self.inner.table(USERID_USER)?.iter()? {
            visit(decode(row?.1.value())?)?;
        }
        Ok(())
    }

    fn each_token(&self, visit: Visit<'_, TokenRow>) -> Result<(), StoreError> {
        for row in self.inner.table(ISSUEDAT_TOKENHASH_USERID)?.iter()? {
            let (key, user) = row?;
            let (issued_at, hash) = key.value();
            visit((
                hash.to_string(),
                UserId(user.value().to_string()),
                issued_at,
            ))?;
        }
        Ok(())
    }

    fn each_deleted_user(&self, visit: Visit<'_, (UserId, i64)>) -> Result<(), StoreError> {
        for row in self.inner.table(DELETED_USERID)?.iter()? {
            let (id, at) = row?;
            visit((UserId(id.value().to_string()), at.value()))?;
        }
        Ok(())
    }

    fn each_room(&self, visit: Visit<'_, Room>) -> Result<(), StoreError> {
        for row in self.inner.table(ROOMID_ROOM)?.iter()? {
            visit(decode(row?.1.value())?)?;
        }
        Ok(())
    }

    fn each_subscription(&self, visit: Visit<'_, Subscription>) -> Result<(), StoreError> {
        for row in self.inner.table(ROOMID_USERID_SUBSCRIPTION)?.iter()? {
            visit(decode(row?.1.value())?)?;
        }
        Ok(())
    }

    fn each_preferences(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        for row in self.inner.table(USERID_PREFERENCES)?.iter()? {
            let (user, prefs) = row?;
            visit((UserId(user.value().to_string()), decode(prefs.value())?))?;
        }
        Ok(())
    }

    fn each_custom_fields(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        for row in self.inner.table(USERID_CUSTOMFIELDS)?.iter()? {
            let (user, fields) = row?;
            visit((UserId(user.value().to_string()), decode(fields.value())?))?;
        }
        Ok(())
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
