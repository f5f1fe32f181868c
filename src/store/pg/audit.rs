//! The audit trail, in SQL: an entry takes its sequence value in its INSERT.

use super::*;

impl AuditReads for PgTx<'_> {
    fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.records("SELECT record FROM audit ORDER BY seq", &[])
    }

    fn audit_newest(
        &self,
        before: Option<u64>,
        count: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        self.records(
            "SELECT record FROM audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
            &[&before, &limit(count)],
        )
    }
}

impl AuditWrites for PgTx<'_> {
    fn append_audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        self.append_audits(vec![entry])
    }

    fn append_audits(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let ats: Vec<i64> = entries.iter().map(|e| e.at).collect();
        let records: Vec<serde_json::Value> = entries.iter().map(to_json).collect();
        // Sequence values in the entries' order, then the rows, in one statement.
        self.execute(
            "INSERT INTO audit SELECT q.seq, q.at, jsonb_set(q.record, '{seq}', to_jsonb(q.seq))
             FROM (SELECT nextval('audit_seq') AS seq, e.at, e.record FROM (
                     SELECT * FROM unnest($1::bigint[], $2::jsonb[]) WITH ORDINALITY
                       AS u(at, record, n) ORDER BY n) e) q",
            &[&ats, &records],
        )?;
        Ok(())
    }

    fn prune_audit_before(&self, cutoff: Millis, count: usize) -> Result<usize, StoreError> {
        let removed = self.execute(
            "DELETE FROM audit WHERE seq IN
             (SELECT seq FROM audit WHERE at < $1 ORDER BY seq LIMIT $2)",
            &[&cutoff, &limit(count)],
        )?;
        Ok(removed as usize)
    }

    fn prune_audit_beyond(&self, keep: u64, count: usize) -> Result<usize, StoreError> {
        let keep = keep.min(i64::MAX as u64) as i64;
        // The oldest first, up to the newest one beyond `keep` (none when there are not
        // more than `keep`), as redb pops them: a run cut short by `count` leaves no gap.
        let removed = self.execute(
            "DELETE FROM audit WHERE seq IN (
               SELECT seq FROM audit
               WHERE seq <= (SELECT seq FROM audit ORDER BY seq DESC OFFSET $1 LIMIT 1)
               ORDER BY seq LIMIT $2)",
            &[&keep, &limit(count)],
        )?;
        Ok(removed as usize)
    }
}
