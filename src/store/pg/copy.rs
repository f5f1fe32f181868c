//! A copy's side of this engine: every table walked in a snapshot, and rows written back.

use super::*;

impl Export for PgTx<'_> {
    fn each_user(&self, visit: Visit<'_, User>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM users", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_token(&self, visit: Visit<'_, TokenRow>) -> Result<(), StoreError> {
        self.each_row("SELECT hash, user_id, issued_at FROM tokens", &mut |row| {
            visit((row.get(0), UserId(row.get(1)), row.get(2)))
        })
    }

    fn each_deleted_user(&self, visit: Visit<'_, (UserId, i64)>) -> Result<(), StoreError> {
        self.each_row("SELECT id, deleted_at FROM deleted_users", &mut |row| {
            visit((UserId(row.get(0)), row.get(1)))
        })
    }

    fn each_room(&self, visit: Visit<'_, Room>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM rooms", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_subscription(&self, visit: Visit<'_, Subscription>) -> Result<(), StoreError> {
        self.each_row("SELECT record FROM subscriptions", &mut |row| {
            visit(from_json(row.get(0))?)
        })
    }

    fn each_preferences(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.each_row(
            "SELECT user_id, preferences FROM user_preferences",
            &mut |row| visit((UserId(row.get(0)), row.get(1))),
        )
    }

    fn each_custom_fields(
        &self,
        visit: Visit<'_, (UserId, serde_json::Value)>,
    ) -> Result<(), StoreError> {
        self.each_row(
            "SELECT user_id, fields FROM user_custom_fields",
            &mut |row| visit((UserId(row.get(0)), row.get(1))),
        )
    }

    fn counters(&self) -> Result<Counters, StoreError> {
        Ok(Counters {
            join_seq: self.last_of("join_seq")?,
            audit_seq: self.last_of("audit_seq")?,
            default_channel_seeded: self.meta("default_channel")?.is_some(),
        })
    }
}

impl Import for PgTx<'_> {
    fn restore_deleted_user(&self, id: &UserId, deleted_at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO deleted_users VALUES ($1, $2)",
            &[&id.as_str(), &deleted_at],
        )?;
        Ok(())
    }

    fn restore_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO audit VALUES ($1, $2, $3)",
            &[&(entry.seq as i64), &entry.at, &to_json(entry)],
        )?;
        Ok(())
    }

    fn restore_counters(&self, counters: &Counters) -> Result<(), StoreError> {
        for (sequence, last) in [
            ("join_seq", counters.join_seq),
            ("audit_seq", counters.audit_seq),
        ] {
            // `setval(s, v, false)` makes the next value v, so 0 given out means next is 1.
            self.query(
                "SELECT setval($1::text::regclass, $2, $3)",
                &[&sequence, &(last.max(1) as i64), &(last > 0)],
            )?;
        }
        if counters.default_channel_seeded {
            self.mark_default_channel_seeded()?;
        }
        Ok(())
    }
}
