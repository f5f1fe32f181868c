//! The audit trail: appended to inside the transaction of each change, read in order,
//! pruned from the oldest end.

use super::StoreError;
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
