//! How a use case's write runs: as its caller ([`as_caller`], the one prologue of a caller's
//! write) and, for a change a protocol handler prepared, through one commit path whichever
//! protocol asked for it ([`Change`], [`Service::commit`]).

use super::caller::{Caller, current_caller};
use super::{Service, ServiceResult};
use crate::model::User;
use crate::store::prelude::*;

/// A write a use case has prepared and not yet run: its checks outside the transaction
/// (settings, password hashing) are done, its transaction is what is left. users.setActiveStatus
/// and SCIM's `active: false` are the same change, and both commit through
/// [`Service::commit`].
pub struct Change<T>(Box<Transaction<T>>);

/// A write transaction: re-run from the start when it conflicts.
type Transaction<T> = dyn FnMut(&dyn Writes) -> ServiceResult<T> + Send;

impl<T> Change<T> {
    pub(super) fn new(
        change: impl FnMut(&dyn Writes) -> ServiceResult<T> + Send + 'static,
    ) -> Self {
        Change(Box::new(change))
    }
}

impl Service {
    /// Commits `change` without holding a thread while it waits for the writer and the
    /// disk (redb) or runs where the blocking client may (PostgreSQL).
    pub async fn commit<T: Send + 'static>(&self, change: Change<T>) -> ServiceResult<T> {
        let Change(mut change) = change;
        self.store.write_async(move |tx| change(tx)).await
    }

    /// [`Service::commit`] from a thread that may block: tests, tools and the use cases'
    /// own blocking forms.
    pub fn commit_blocking<T: Send + 'static>(&self, change: Change<T>) -> ServiceResult<T> {
        let Change(mut change) = change;
        self.store.write(move |tx| change(tx))
    }

    /// Runs `change` as `caller`'s write transaction (see [`as_caller`]).
    pub(super) fn write_as<T: Send + 'static>(
        &self,
        caller: &Caller,
        change: impl FnMut(&dyn Writes, User) -> ServiceResult<T> + Send + 'static,
    ) -> ServiceResult<T> {
        self.store.write(as_caller(caller, change))
    }
}

/// `change` as a caller's write transaction: it starts from [`current_caller`] and gets the
/// caller's record as it stands there. The one prologue of every write a caller makes.
pub(super) fn as_caller<T>(
    caller: &Caller,
    mut change: impl FnMut(&dyn Writes, User) -> ServiceResult<T> + Send + 'static,
) -> impl FnMut(&dyn Writes) -> ServiceResult<T> + Send + 'static {
    let caller = caller.clone();
    move |tx| {
        let me = current_caller(tx, &caller)?;
        change(tx, me)
    }
}
