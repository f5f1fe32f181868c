//! Every redb table rocketlite has, named `key_value`, with its key layout beside it. The
//! list is written once, in `tables!` below: the definitions, the slots that keep each table
//! open for the rest of its transaction, their creation when the store opens (redb cannot
//! read a table no write created) and the test dump all come from it.
//!
//! Each table is a unit type (`USERID_USER`) whose value names it at the call site
//! (`tx.table(USERID_USER)`) and whose `TableSlot` impl says where a transaction keeps it
//! once opened: opening a table costs a look-up in redb's table tree, and a use case asks
//! for the same few tables again and again (ten or more opens per room in a deactivation).

use std::cell::{OnceCell, RefCell};

use redb::{
    Key, MultimapTable, MultimapTableDefinition, MultimapTableHandle, ReadOnlyMultimapTable,
    ReadOnlyTable, ReadTransaction, ReadableMultimapTable, ReadableTable, Table, TableDefinition,
    TableHandle, Value,
};

use super::StoreError;

/// A table of `tables!`: its definition and where a transaction keeps it once opened.
pub trait TableSlot: Copy {
    type K: Key + 'static;
    type V: Value + 'static;
    const DEF: TableDefinition<'static, Self::K, Self::V>;
    fn read_slot(slots: &ReadSlots) -> &OnceCell<ReadOnlyTable<Self::K, Self::V>>;
    fn write_slot<'a, 't>(
        slots: &'a WriteSlots<'t>,
    ) -> &'a RefCell<Option<Table<'t, Self::K, Self::V>>>;
}

/// A multimap table of `tables!`, as [`TableSlot`].
pub trait MultimapSlot: Copy {
    type K: Key + 'static;
    type V: Key + 'static;
    const DEF: MultimapTableDefinition<'static, Self::K, Self::V>;
    fn read_slot(slots: &ReadSlots) -> &OnceCell<ReadOnlyMultimapTable<Self::K, Self::V>>;
    fn write_slot<'a, 't>(
        slots: &'a WriteSlots<'t>,
    ) -> &'a RefCell<Option<MultimapTable<'t, Self::K, Self::V>>>;
}

/// Declares every table, its slots, then `create_all` and `dump` over exactly that list.
macro_rules! tables {
    ($($(#[$doc:meta])* $kind:ident $name:ident: <$k:ty, $v:ty> = $wire:literal;)*) => {
        $(tables!(@def $(#[$doc])* $kind $name, $k, $v, $wire);)*

        /// The tables a read transaction has opened so far.
        #[allow(non_snake_case)]
        #[derive(Default)]
        pub struct ReadSlots {
            $($name: tables!(@read_slot $kind, $k, $v),)*
        }

        /// The tables a write transaction has opened so far; each is lent out through its
        /// `RefCell`, since redb lets a write transaction hold a table open only once.
        #[allow(non_snake_case)]
        #[derive(Default)]
        pub struct WriteSlots<'t> {
            $($name: tables!(@write_slot $kind, 't, $k, $v),)*
        }

        /// Opens (and so creates) every table inside `tx`.
        pub fn create_all(tx: &super::WriteTx) -> Result<(), StoreError> {
            $(tables!(@open tx, $kind $name);)*
            Ok(())
        }

        /// Lists every row of every table as `table key = value` lines (see `Store::dump`).
        pub fn dump(tx: &ReadTransaction) -> Result<Vec<String>, StoreError> {
            let mut out = Vec::new();
            $(tables!(@dump tx, out, $kind $name);)*
            Ok(out)
        }

        /// Copies every row `tx` sees into `target` as they are stored, `batch` rows per
        /// transaction of the target, so memory stays one batch whatever the size;
        /// `progress` hears each table's name and rows as it goes.
        pub fn copy_into(
            tx: &ReadTransaction,
            target: &redb::Database,
            batch: usize,
            progress: &mut dyn FnMut(&str, u64),
        ) -> Result<(), StoreError> {
            $(tables!(@copy tx, target, batch, progress, $kind $name);)*
            Ok(())
        }
    };
    (@copy $tx:ident, $target:ident, $batch:ident, $progress:ident, table $name:ident) => {{
        let table = $tx.open_table($name::DEF)?;
        let mut rows = table.iter()?;
        let mut copied = 0u64;
        loop {
            let write = $target.begin_write()?;
            let mut done = false;
            {
                let mut out = write.open_table($name::DEF)?;
                for _ in 0..$batch {
                    let Some(row) = rows.next() else {
                        done = true;
                        break;
                    };
                    let (k, v) = row?;
                    out.insert(k.value(), v.value())?;
                    copied += 1;
                }
            }
            write.commit()?;
            $progress($name::DEF.name(), copied);
            if done {
                break;
            }
        }
    }};
    (@copy $tx:ident, $target:ident, $batch:ident, $progress:ident, multimap $name:ident) => {{
        let table = $tx.open_multimap_table($name::DEF)?;
        let mut rows = table.iter()?;
        let mut copied = 0u64;
        loop {
            let write = $target.begin_write()?;
            let mut done = false;
            {
                let mut out = write.open_multimap_table($name::DEF)?;
                // A batch of keys, each with all of its values.
                for _ in 0..$batch {
                    let Some(row) = rows.next() else {
                        done = true;
                        break;
                    };
                    let (k, values) = row?;
                    for v in values {
                        out.insert(k.value(), v?.value())?;
                        copied += 1;
                    }
                }
            }
            write.commit()?;
            $progress($name::DEF.name(), copied);
            if done {
                break;
            }
        }
    }};
    (@def $(#[$doc:meta])* table $name:ident, $k:ty, $v:ty, $wire:literal) => {
        $(#[$doc])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl TableSlot for $name {
            type K = $k;
            type V = $v;
            const DEF: TableDefinition<'static, $k, $v> = TableDefinition::new($wire);
            fn read_slot(slots: &ReadSlots) -> &OnceCell<ReadOnlyTable<$k, $v>> {
                &slots.$name
            }
            fn write_slot<'a, 't>(slots: &'a WriteSlots<'t>) -> &'a RefCell<Option<Table<'t, $k, $v>>> {
                &slots.$name
            }
        }
    };
    (@def $(#[$doc:meta])* multimap $name:ident, $k:ty, $v:ty, $wire:literal) => {
        $(#[$doc])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl MultimapSlot for $name {
            type K = $k;
            type V = $v;
            const DEF: MultimapTableDefinition<'static, $k, $v> = MultimapTableDefinition::new($wire);
            fn read_slot(slots: &ReadSlots) -> &OnceCell<ReadOnlyMultimapTable<$k, $v>> {
                &slots.$name
            }
            fn write_slot<'a, 't>(
                slots: &'a WriteSlots<'t>,
            ) -> &'a RefCell<Option<MultimapTable<'t, $k, $v>>> {
                &slots.$name
            }
        }
    };
    (@read_slot table, $k:ty, $v:ty) => { OnceCell<ReadOnlyTable<$k, $v>> };
    (@read_slot multimap, $k:ty, $v:ty) => { OnceCell<ReadOnlyMultimapTable<$k, $v>> };
    (@write_slot table, $t:lifetime, $k:ty, $v:ty) => { RefCell<Option<Table<$t, $k, $v>>> };
    (@write_slot multimap, $t:lifetime, $k:ty, $v:ty) => {
        RefCell<Option<MultimapTable<$t, $k, $v>>>
    };
    (@open $tx:ident, table $name:ident) => {
        $tx.table_mut($name)?;
    };
    (@open $tx:ident, multimap $name:ident) => {
        $tx.multimap_mut($name)?;
    };
    (@dump $tx:ident, $out:ident, table $name:ident) => {
        for row in $tx.open_table($name::DEF)?.iter()? {
            let (k, v) = row?;
            $out.push(format!("{} {:?} = {:?}", $name::DEF, k.value(), v.value()));
        }
    };
    (@dump $tx:ident, $out:ident, multimap $name:ident) => {
        for row in $tx.open_multimap_table($name::DEF)?.iter()? {
            let (k, values) = row?;
            for v in values {
                $out.push(format!("{} {:?} = {:?}", $name::DEF, k.value(), v?.value()));
            }
        }
    };
}

tables! {
    /// `name -> u64`: `schema_version`, `join_seq` (the next membership's place in join order), and
    /// `default_channel` (1 once the start-up step that creates `GENERAL` has run).
    table META: <&'static str, u64> = "meta";
    /// `user id -> codec(User)`.
    table USERID_USER: <&'static str, &'static [u8]> = "userid_user";
    /// `lowercased username -> user id`: login and uniqueness.
    table USERNAME_USERID: <&'static str, &'static str> = "username_userid";
    /// `lowercased email -> user id`: login and uniqueness.
    table EMAIL_USERID: <&'static str, &'static str> = "email_userid";
    /// `global role -> {user id}`: the admins, without a scan over all users.
    multimap ROLE_USERID: <&'static str, &'static str> = "role_userid";
    /// `base64(sha256(token)) -> user id`: authentication.
    table TOKENHASH_USERID: <&'static str, &'static str> = "tokenhash_userid";
    /// `user id -> {token hash}`: revoking every token of a user.
    multimap USERID_TOKENHASH: <&'static str, &'static str> = "userid_tokenhash";
    /// `base64(sha256(token)) -> issued at (ms)`: expiry is checked on every authentication.
    table TOKENHASH_ISSUEDAT: <&'static str, i64> = "tokenhash_issuedat";
    /// `(issued at, token hash) -> user id`: the oldest tokens first, so expired ones are pruned
    /// with one range scan.
    table ISSUEDAT_TOKENHASH_USERID: <(i64, &'static str), &'static str> = "issuedat_tokenhash_userid";
    /// `permission id -> codec(Vec<role>)`.
    table PERMISSION_ROLES: <&'static str, &'static [u8]> = "permission_roles";
    /// `role id -> codec(RoleRecord)`: the roles `roles.list` shows.
    table ROLEID_ROLE: <&'static str, &'static [u8]> = "roleid_role";
    /// `room id -> codec(Room)`.
    table ROOMID_ROOM: <&'static str, &'static [u8]> = "roomid_room";
    /// `lowercased room name -> room id`: names are unique across channels and groups.
    table ROOMNAME_ROOMID: <&'static str, &'static str> = "roomname_roomid";
    /// `(room id, user id) -> codec(Subscription)`: one membership.
    table ROOMID_USERID_SUBSCRIPTION: <(&'static str, &'static str), &'static [u8]> = "roomid_userid_subscription";
    /// `(room id, join seq) -> user id`: members in join order, oldest first.
    table ROOMID_JOINSEQ_USERID: <(&'static str, u64), &'static str> = "roomid_joinseq_userid";
    /// `user id -> {room id}`: the rooms of a user, so deactivation never scans all rooms.
    multimap USERID_ROOMID: <&'static str, &'static str> = "userid_roomid";
    /// `room id -> {user id}`: members holding the room role `owner`.
    multimap ROOMID_OWNERID: <&'static str, &'static str> = "roomid_ownerid";
    /// `user id -> deleted at (ms)`: deleted users, so their ids are never given out again.
    table DELETED_USERID: <&'static str, i64> = "deleted_userid";
    /// `seq -> codec(AuditEntry)`: the audit trail, oldest first; only appended to and pruned
    /// from the front.
    table SEQ_AUDIT: <u64, &'static [u8]> = "seq_audit";
    /// `token id -> codec(ScimToken)`: the bearer tokens of SCIM clients (secrets hashed).
    table SCIMTOKENID_TOKEN: <&'static str, &'static [u8]> = "scimtokenid_token";
    /// `room id -> ()`: the default rooms, which every new user joins.
    table DEFAULT_ROOMID: <&'static str, ()> = "default_roomid";
    /// `setting id -> codec(JSON value)`: the settings an administrator changed.
    table SETTINGID_VALUE: <&'static str, &'static [u8]> = "settingid_value";
    /// `user id -> codec(JSON object)`: what a user saved with users.setPreferences; apart
    /// from the compact user record, which holds no free-form values.
    table USERID_PREFERENCES: <&'static str, &'static [u8]> = "userid_preferences";
    /// `user id -> codec(JSON object)`: the user's values of the fields `Accounts_CustomFields`
    /// defines (`customFields`); free-form, so apart from the compact user record too.
    table USERID_CUSTOMFIELDS: <&'static str, &'static [u8]> = "userid_customfields";
    /// `user id -> SCIM userName`: kept only for a userName that is no valid username (an
    /// email address, as Okta and Entra send), so SCIM sees exactly what it sent.
    table USERID_SCIMNAME: <&'static str, &'static str> = "userid_scimname";
    /// `(room id, user id) -> banned at (ms)`: who `rooms.banUser` keeps out of a room.
    table ROOMID_USERID_BANNEDAT: <(&'static str, &'static str), i64> = "roomid_userid_bannedat";
    /// `user id -> {room id}`: the rooms a user is banned from, so deleting it finds them.
    multimap USERID_BANNEDROOMID: <&'static str, &'static str> = "userid_bannedroomid";
    /// `(room id, user id) -> codec(NotificationSettings)`: what `rooms.saveNotification` set,
    /// apart from the compact subscription record; it goes with the subscription.
    table ROOMID_USERID_NOTIFICATIONS: <(&'static str, &'static str), &'static [u8]> = "roomid_userid_notifications";
    /// `(user id, name) -> codec(PersonalAccessToken)`: a user's named, never-expiring login
    /// tokens; the tokens themselves are in the token tables like any other.
    table USERID_NAME_PAT: <(&'static str, &'static str), &'static [u8]> = "userid_name_pat";
    /// `normalized SCIM userName -> user id`: its uniqueness and `userName eq` lookups.
    table SCIMNAME_USERID: <&'static str, &'static str> = "scimname_userid";
}
