//! Every redb table rocketlite has, named `key_value`, with its key layout beside it. The
//! list is written once, in `tables!` below: the definitions, their creation when the store
//! opens (redb cannot read a table no write created) and the test dump all come from it.

use redb::{
    MultimapTableDefinition, ReadTransaction, ReadableMultimapTable, ReadableTable, TableDefinition,
};

use super::StoreError;

/// Declares every table, then `create_all` and `dump` over exactly that list.
macro_rules! tables {
    ($($(#[$doc:meta])* $kind:ident $name:ident: <$k:ty, $v:ty> = $wire:literal;)*) => {
        $(tables!(@def $(#[$doc])* $kind $name, $k, $v, $wire);)*

        /// Opens (and so creates) every table inside `tx`.
        pub fn create_all(tx: &redb::WriteTransaction) -> Result<(), redb::TableError> {
            $(tables!(@open tx, $kind $name);)*
            Ok(())
        }

        /// Lists every row of every table as `table key = value` lines (see `Store::dump`).
        pub fn dump(tx: &ReadTransaction) -> Result<Vec<String>, StoreError> {
            let mut out = Vec::new();
            $(tables!(@dump tx, out, $kind $name);)*
            Ok(out)
        }
    };
    (@def $(#[$doc:meta])* table $name:ident, $k:ty, $v:ty, $wire:literal) => {
        $(#[$doc])*
        pub const $name: TableDefinition<$k, $v> = TableDefinition::new($wire);
    };
    (@def $(#[$doc:meta])* multimap $name:ident, $k:ty, $v:ty, $wire:literal) => {
        $(#[$doc])*
        pub const $name: MultimapTableDefinition<$k, $v> = MultimapTableDefinition::new($wire);
    };
    (@open $tx:ident, table $name:ident) => {
        $tx.open_table($name)?;
    };
    (@open $tx:ident, multimap $name:ident) => {
        $tx.open_multimap_table($name)?;
    };
    (@dump $tx:ident, $out:ident, table $name:ident) => {
        for row in $tx.open_table($name)?.iter()? {
            let (k, v) = row?;
            $out.push(format!("{} {:?} = {:?}", $name, k.value(), v.value()));
        }
    };
    (@dump $tx:ident, $out:ident, multimap $name:ident) => {
        for row in $tx.open_multimap_table($name)?.iter()? {
            let (k, values) = row?;
            for v in values {
                $out.push(format!("{} {:?} = {:?}", $name, k.value(), v?.value()));
            }
        }
    };
}

tables! {
    /// `name -> u64`: `schema_version`, `join_seq` (the next membership's place in join order), and
    /// `default_channel` (1 once the start-up step that creates `GENERAL` has run).
    table META: <&str, u64> = "meta";
    /// `user id -> codec(User)`.
    table USERID_USER: <&str, &[u8]> = "userid_user";
    /// `lowercased username -> user id`: login and uniqueness.
    table USERNAME_USERID: <&str, &str> = "username_userid";
    /// `lowercased email -> user id`: login and uniqueness.
    table EMAIL_USERID: <&str, &str> = "email_userid";
    /// `global role -> {user id}`: the admins, without a scan over all users.
    multimap ROLE_USERID: <&str, &str> = "role_userid";
    /// `base64(sha256(token)) -> user id`: authentication.
    table TOKENHASH_USERID: <&str, &str> = "tokenhash_userid";
    /// `user id -> {token hash}`: revoking every token of a user.
    multimap USERID_TOKENHASH: <&str, &str> = "userid_tokenhash";
    /// `base64(sha256(token)) -> issued at (ms)`: expiry is checked on every authentication.
    table TOKENHASH_ISSUEDAT: <&str, i64> = "tokenhash_issuedat";
    /// `(issued at, token hash) -> user id`: the oldest tokens first, so expired ones are pruned
    /// with one range scan.
    table ISSUEDAT_TOKENHASH_USERID: <(i64, &str), &str> = "issuedat_tokenhash_userid";
    /// `permission id -> codec(Vec<role>)`.
    table PERMISSION_ROLES: <&str, &[u8]> = "permission_roles";
    /// `role id -> codec(RoleRecord)`: the roles `roles.list` shows.
    table ROLEID_ROLE: <&str, &[u8]> = "roleid_role";
    /// `room id -> codec(Room)`.
    table ROOMID_ROOM: <&str, &[u8]> = "roomid_room";
    /// `lowercased room name -> room id`: names are unique across channels and groups.
    table ROOMNAME_ROOMID: <&str, &str> = "roomname_roomid";
    /// `(room id, user id) -> codec(Subscription)`: one membership.
    table ROOMID_USERID_SUBSCRIPTION: <(&str, &str), &[u8]> = "roomid_userid_subscription";
    /// `(room id, join seq) -> user id`: members in join order, oldest first.
    table ROOMID_JOINSEQ_USERID: <(&str, u64), &str> = "roomid_joinseq_userid";
    /// `user id -> {room id}`: the rooms of a user, so deactivation never scans all rooms.
    multimap USERID_ROOMID: <&str, &str> = "userid_roomid";
    /// `room id -> {user id}`: members holding the room role `owner`.
    multimap ROOMID_OWNERID: <&str, &str> = "roomid_ownerid";
    /// `user id -> deleted at (ms)`: deleted users, so their ids are never given out again.
    table DELETED_USERID: <&str, i64> = "deleted_userid";
    /// `seq -> codec(AuditEntry)`: the audit trail, oldest first; only appended to and pruned
    /// from the front.
    table SEQ_AUDIT: <u64, &[u8]> = "seq_audit";
    /// `token id -> codec(ScimToken)`: the bearer tokens of SCIM clients (secrets hashed).
    table SCIMTOKENID_TOKEN: <&str, &[u8]> = "scimtokenid_token";
    /// `room id -> ()`: the default rooms, which every new user joins.
    table DEFAULT_ROOMID: <&str, ()> = "default_roomid";
}
