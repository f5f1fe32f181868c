//! The audit trail: appended to inside the transaction of each change, read in order,
//! pruned from the oldest end.

use redb::{ReadableTable, ReadableTableMetadata};

use super::tables::SEQ_AUDIT;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{AuditEntry, Millis};

/// The queries on the audit trail.
pub trait AuditReads {
    /// Every entry, oldest first.
    fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError>;

    /// Up to `limit` entries older than `before` (all when `None`), newest first: the trail
    /// is read a batch at a time, so no listing holds all of it.
    fn audit_newest(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}

impl<T: OpenTables> AuditReads for Tx<T> {
    fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(SEQ_AUDIT)?.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }

    fn audit_newest(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let table = self.inner.table(SEQ_AUDIT)?;
        let rows = table.range(..before.unwrap_or(u64::MAX))?.rev();
        let mut out = Vec::new();
        for row in rows.take(limit) {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }
}

/// The changes to the audit trail: appending, and pruning old entries. Nothing else.
pub trait AuditWrites {
    /// Appends `entry` under the next place in the trail (its `seq` is set here).
    fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError>;

    /// Appends `entries` in order. One by one here; an engine may append them in one
    /// statement.
    fn append_audits(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        entries.into_iter().try_for_each(|e| self.append_audit(e))
    }

    /// Removes up to `limit` entries older than `cutoff`, oldest first; returns how many.
    fn prune_audit_before(&self, cutoff: Millis, limit: usize) -> Result<usize, StoreError>;

    /// Removes up to `limit` of the oldest entries beyond the newest `keep`; returns how many.
    fn prune_audit_beyond(&self, keep: u64, limit: usize) -> Result<usize, StoreError>;
}

impl AuditWrites for WriteTx<'_> {
    fn append_audit(&self, mut entry: AuditEntry) -> Result<(), StoreError> {
        let seq = self.meta("audit_seq")?.unwrap_or(0) + 1;
        self.set_meta("audit_seq", seq)?;
        entry.seq = seq;
        self.table_mut(SEQ_AUDIT)?
            .insert(seq, encode(&entry).as_slice())?;
        Ok(())
    }

    fn prune_audit_before(&self, cutoff: Millis, limit: usize) -> Result<usize, StoreError> {
        let mut old = Vec::new();
        for row in self.inner.table(SEQ_AUDIT)?.iter()? {
            let (seq, bytes) = row?;
            let entry: AuditEntry = decode(bytes.value())?;
            if entry.at >= cutoff || old.len() >= limit {
                break;
            }
            old.push(seq.value());
        }
        let mut table = self.table_mut(SEQ_AUDIT)?;
        for seq in &old {
            table.remove(seq)?;
        }
        Ok(old.len())
    }

    fn prune_audit_beyond(&self, keep: u64, limit: usize) -> Result<usize, StoreError> {
        let mut table = self.table_mut(SEQ_AUDIT)?;
        let over = table.len()?.saturating_sub(keep).min(limit as u64);
        for _ in 0..over {
            table.pop_first()?;
        }
        Ok(over as usize)
    }
}
