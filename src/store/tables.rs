//! Every redb table rocketlite has, named `key_value`, with its key layout beside it.
//! All of them are created when the store opens, since redb cannot read a table no write created.

use redb::{
    MultimapTableDefinition, ReadTransaction, ReadableMultimapTable, ReadableTable, TableDefinition,
};

use super::StoreError;

/// `name -> u64`: `schema_version`, and `join_seq` (the next membership's place in join order).
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// `user id -> codec(User)`.
pub const USERID_USER: TableDefinition<&str, &[u8]> = TableDefinition::new("userid_user");
/// `lowercased username -> user id`: login and uniqueness.
pub const USERNAME_USERID: TableDefinition<&str, &str> = TableDefinition::new("username_userid");
/// `lowercased email -> user id`: login and uniqueness.
pub const EMAIL_USERID: TableDefinition<&str, &str> = TableDefinition::new("email_userid");
/// `global role -> {user id}`: the admins, without a scan over all users.
pub const ROLE_USERID: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("role_userid");

/// `base64(sha256(token)) -> user id`: authentication.
pub const TOKENHASH_USERID: TableDefinition<&str, &str> = TableDefinition::new("tokenhash_userid");
/// `user id -> {token hash}`: revoking every token of a user.
pub const USERID_TOKENHASH: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("userid_tokenhash");

/// `base64(sha256(token)) -> issued at (ms)`: expiry is checked on every authentication.
pub const TOKENHASH_ISSUEDAT: TableDefinition<&str, i64> =
    TableDefinition::new("tokenhash_issuedat");
/// `(issued at, token hash) -> user id`: the oldest tokens first, so expired ones are pruned
/// with one range scan.
pub const ISSUEDAT_TOKENHASH_USERID: TableDefinition<(i64, &str), &str> =
    TableDefinition::new("issuedat_tokenhash_userid");

/// `permission id -> codec(Vec<role>)`.
pub const PERMISSION_ROLES: TableDefinition<&str, &[u8]> = TableDefinition::new("permission_roles");

/// `room id -> codec(Room)`.
pub const ROOMID_ROOM: TableDefinition<&str, &[u8]> = TableDefinition::new("roomid_room");
/// `lowercased room name -> room id`: names are unique across channels and groups.
pub const ROOMNAME_ROOMID: TableDefinition<&str, &str> = TableDefinition::new("roomname_roomid");
/// `(room id, user id) -> codec(Subscription)`: one membership.
pub const ROOMID_USERID_SUBSCRIPTION: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("roomid_userid_subscription");
/// `(room id, join seq) -> user id`: members in join order, oldest first.
pub const ROOMID_JOINSEQ_USERID: TableDefinition<(&str, u64), &str> =
    TableDefinition::new("roomid_joinseq_userid");
/// `user id -> {room id}`: the rooms of a user, so deactivation never scans all rooms.
pub const USERID_ROOMID: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("userid_roomid");
/// `room id -> {user id}`: members holding the room role `owner`.
pub const ROOMID_OWNERID: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("roomid_ownerid");

/// Opens (and so creates) every table inside `tx`.
pub fn create_all(tx: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    tx.open_table(META)?;
    tx.open_table(USERID_USER)?;
    tx.open_table(USERNAME_USERID)?;
    tx.open_table(EMAIL_USERID)?;
    tx.open_multimap_table(ROLE_USERID)?;
    tx.open_table(TOKENHASH_USERID)?;
    tx.open_multimap_table(USERID_TOKENHASH)?;
    tx.open_table(TOKENHASH_ISSUEDAT)?;
    tx.open_table(ISSUEDAT_TOKENHASH_USERID)?;
    tx.open_table(PERMISSION_ROLES)?;
    tx.open_table(ROOMID_ROOM)?;
    tx.open_table(ROOMNAME_ROOMID)?;
    tx.open_table(ROOMID_USERID_SUBSCRIPTION)?;
    tx.open_table(ROOMID_JOINSEQ_USERID)?;
    tx.open_multimap_table(USERID_ROOMID)?;
    tx.open_multimap_table(ROOMID_OWNERID)?;
    Ok(())
}

/// Lists every row of every table as `table key = value` lines (see `Store::dump`).
pub fn dump(tx: &ReadTransaction) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    macro_rules! rows {
        ($($def:expr),*) => {$(
            for row in tx.open_table($def)?.iter()? {
                let (k, v) = row?;
                out.push(format!("{} {:?} = {:?}", $def, k.value(), v.value()));
            }
        )*};
    }
    macro_rules! multimap_rows {
        ($($def:expr),*) => {$(
            for row in tx.open_multimap_table($def)?.iter()? {
                let (k, values) = row?;
                for v in values {
                    out.push(format!("{} {:?} = {:?}", $def, k.value(), v?.value()));
                }
            }
        )*};
    }
    rows!(
        META,
        USERID_USER,
        USERNAME_USERID,
        EMAIL_USERID,
        TOKENHASH_USERID,
        TOKENHASH_ISSUEDAT,
        ISSUEDAT_TOKENHASH_USERID,
        PERMISSION_ROLES,
        ROOMID_ROOM,
        ROOMNAME_ROOMID,
        ROOMID_USERID_SUBSCRIPTION,
        ROOMID_JOINSEQ_USERID
    );
    multimap_rows!(ROLE_USERID, USERID_TOKENHASH, USERID_ROOMID, ROOMID_OWNERID);
    Ok(out)
}
