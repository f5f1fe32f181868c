//! Each table opened once per transaction. A read transaction keeps every table it opened
//! until it ends; a write transaction too, lending each out through a `RefCell` (redb lets a
//! write transaction hold a table open only once at a time). A use case that touched ten
//! thousand rooms used to open the same dozen tables for each of them.

use std::cell::{Ref, RefMut};
use std::ops::Deref;

use redb::{
    MultimapTable, MultimapTableHandle, ReadOnlyMultimapTable, ReadOnlyTable, ReadTransaction,
    ReadableMultimapTable, ReadableTable, Table, TableHandle, WriteTransaction,
};

use super::StoreError;
pub use super::tables::{MultimapSlot, TableSlot};
use super::tables::{ReadSlots, WriteSlots};

/// A table open for writing in a write transaction `'t`, lent out for `'a`.
pub type TableMut<'a, 't, D> = RefMut<'a, Table<'t, <D as TableSlot>::K, <D as TableSlot>::V>>;
/// A multimap table open for writing, as [`TableMut`].
pub type MultimapMut<'a, 't, D> =
    RefMut<'a, MultimapTable<'t, <D as MultimapSlot>::K, <D as MultimapSlot>::V>>;

/// The read side both kinds of transaction offer, so every query is written once.
pub trait OpenTables {
    type Table<'a, D: TableSlot>: Deref<Target: ReadableTable<D::K, D::V>>
    where
        Self: 'a;
    type Multimap<'a, D: MultimapSlot>: Deref<Target: ReadableMultimapTable<D::K, D::V>>
    where
        Self: 'a;

    fn table<D: TableSlot>(&self, table: D) -> Result<Self::Table<'_, D>, StoreError>;

    fn multimap<D: MultimapSlot>(&self, table: D) -> Result<Self::Multimap<'_, D>, StoreError>;
}

/// A read transaction and the tables it has opened.
pub struct ReadTables {
    pub(super) txn: ReadTransaction,
    slots: ReadSlots,
}

impl ReadTables {
    pub(super) fn new(txn: ReadTransaction) -> Self {
        ReadTables {
            txn,
            slots: ReadSlots::default(),
        }
    }
}

impl OpenTables for ReadTables {
    type Table<'a, D: TableSlot> = &'a ReadOnlyTable<D::K, D::V>;
    type Multimap<'a, D: MultimapSlot> = &'a ReadOnlyMultimapTable<D::K, D::V>;

    fn table<D: TableSlot>(&self, _: D) -> Result<&ReadOnlyTable<D::K, D::V>, StoreError> {
        let slot = D::read_slot(&self.slots);
        if let Some(open) = slot.get() {
            return Ok(open);
        }
        let opened = self.txn.open_table(D::DEF)?;
        Ok(slot.get_or_init(|| opened))
    }

    fn multimap<D: MultimapSlot>(
        &self,
        _: D,
    ) -> Result<&ReadOnlyMultimapTable<D::K, D::V>, StoreError> {
        let slot = D::read_slot(&self.slots);
        if let Some(open) = slot.get() {
            return Ok(open);
        }
        let opened = self.txn.open_multimap_table(D::DEF)?;
        Ok(slot.get_or_init(|| opened))
    }
}

/// A write transaction's tables. The transaction itself stays with the writer, which
/// commits it once these are dropped.
pub struct WriteTables<'t> {
    txn: &'t WriteTransaction,
    slots: WriteSlots<'t>,
}

impl<'t> WriteTables<'t> {
    pub(super) fn new(txn: &'t WriteTransaction) -> Self {
        WriteTables {
            txn,
            slots: WriteSlots::default(),
        }
    }

    /// `table`, open for writing until the guard is dropped.
    pub(super) fn table_mut<D: TableSlot>(&self, _: D) -> Result<TableMut<'_, 't, D>, StoreError> {
        let slot = D::write_slot(&self.slots);
        let mut open = slot.try_borrow_mut().map_err(|_| in_use(D::DEF.name()))?;
        if open.is_none() {
            *open = Some(self.txn.open_table(D::DEF)?);
        }
        RefMut::filter_map(open, Option::as_mut).map_err(|_| in_use(D::DEF.name()))
    }

    /// `table`, open for writing until the guard is dropped.
    pub(super) fn multimap_mut<D: MultimapSlot>(
        &self,
        _: D,
    ) -> Result<MultimapMut<'_, 't, D>, StoreError> {
        let slot = D::write_slot(&self.slots);
        let mut open = slot.try_borrow_mut().map_err(|_| in_use(D::DEF.name()))?;
        if open.is_none() {
            *open = Some(self.txn.open_multimap_table(D::DEF)?);
        }
        RefMut::filter_map(open, Option::as_mut).map_err(|_| in_use(D::DEF.name()))
    }
}

impl<'t> OpenTables for WriteTables<'t> {
    type Table<'a, D: TableSlot>
        = Ref<'a, Table<'t, D::K, D::V>>
    where
        Self: 'a;
    type Multimap<'a, D: MultimapSlot>
        = Ref<'a, MultimapTable<'t, D::K, D::V>>
    where
        Self: 'a;

    fn table<D: TableSlot>(&self, table: D) -> Result<Self::Table<'_, D>, StoreError> {
        let slot = D::write_slot(&self.slots);
        if slot.try_borrow().is_ok_and(|open| open.is_none()) {
            drop(self.table_mut(table)?);
        }
        let open = slot.try_borrow().map_err(|_| in_use(D::DEF.name()))?;
        Ref::filter_map(open, Option::as_ref).map_err(|_| in_use(D::DEF.name()))
    }

    fn multimap<D: MultimapSlot>(&self, table: D) -> Result<Self::Multimap<'_, D>, StoreError> {
        let slot = D::write_slot(&self.slots);
        if slot.try_borrow().is_ok_and(|open| open.is_none()) {
            drop(self.multimap_mut(table)?);
        }
        let open = slot.try_borrow().map_err(|_| in_use(D::DEF.name()))?;
        Ref::filter_map(open, Option::as_ref).map_err(|_| in_use(D::DEF.name()))
    }
}

/// A table asked for while the same transaction is writing to it, or asked for writing while
/// it is being read: a bug in the store, refused rather than a panic on the writer thread.
fn in_use(table: &str) -> StoreError {
    StoreError::Embedded(super::EmbeddedError::TableInUse(table.to_string()))
}
