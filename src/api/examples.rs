//! The sample values the spec's success examples share: one user, one room, one instant.
//! Each family's `ok_example` builds its bodies from them.

use serde_json::{Value, json};

pub(super) const USER_ID: &str = "jJNyu4BQFqdgEcqnR";
pub(super) const ROOM_ID: &str = "GENERALgeneral17x";
pub(super) const TS: &str = "2026-11-26T12:00:00.000Z";

pub(super) fn user_example(username: &str, with_emails: bool) -> Value {
    let mut user = json!({"_id": USER_ID, "username": username, "name": "Ada Lovelace", "type": "user", "status": "offline", "active": true, "roles": ["user"], "createdAt": TS, "_updatedAt": TS});
    if with_emails {
        user["emails"] = json!([{"address": format!("{username}@example.org"), "verified": false}]);
    }
    user
}

pub(super) fn role_example(with_time: bool) -> Value {
    let mut role = json!({"_id": "admin", "name": "admin", "scope": "Users", "description": "Admin", "protected": true, "mandatory2fa": false});
    if with_time {
        role["_updatedAt"] = json!(TS);
    }
    role
}

pub(super) fn room_example(kind: &str) -> Value {
    json!({"_id": ROOM_ID, "name": "general", "fname": "general", "t": kind, "msgs": 0, "usersCount": 2, "u": {"_id": USER_ID, "username": "ada"}, "customFields": {}, "ts": TS, "ro": false, "_updatedAt": TS})
}
