//! The audit trail: appended to inside the transaction of each change, read in order,
//! pruned from the oldest end.
//! (redb)

use super::tables::SEQ_AUDIT;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::{AuditEntry, Millis};
use crate::store::{AuditReads, AuditWrites};
use redb::{ReadableTable, ReadableTableMetadata};

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
