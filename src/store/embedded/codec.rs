//! The one place records become bytes: a leading format-version byte, then the body. Users
//! and subscriptions, the records written by the thousand in one deactivation or idle sweep,
//! are postcard (format 2): 28 to 40 % of their JSON, so a write copies fewer pages. The
//! rest stay JSON (format 1), which their free-form fields need. Either format is read, so a
//! file from before format 2 opens; a record in an unknown format is refused, not misread.

use serde::{Serialize, de::DeserializeOwned};

use super::StoreError;
use crate::model::{AuditEntry, PermissionRecord, RoleRecord, Room, ScimToken, Subscription, User};

/// JSON, self-describing: what every record was written in before format 2.
const FORMAT_JSON: u8 = 1;
/// postcard: fields in declaration order, no names, integers as varints.
const FORMAT_POSTCARD: u8 = 2;

/// A record type and the format it is written in.
///
/// A compact record has no field names, so any change to a compact type's fields (even an
/// added `Option` with `#[serde(default)]`, which JSON would take) makes every stored record
/// unreadable: it needs a new format byte, a decoder for the old layout and a migration.
/// The `default`s left on their fields serve JSON only (format 1 and PostgreSQL's `jsonb`).
pub trait Record: Serialize + DeserializeOwned {
    /// Written as postcard. Only for types whose serde derive neither skips fields nor holds
    /// self-described values (`serde_json::Value`): postcard has no field names to find
    /// either by.
    const COMPACT: bool = false;
}

impl Record for User {
    const COMPACT: bool = true;
}
impl Record for Subscription {
    const COMPACT: bool = true;
}
impl Record for Room {}
impl Record for AuditEntry {}
impl Record for RoleRecord {}
impl Record for ScimToken {}
impl Record for PermissionRecord {}
impl Record for crate::model::NotificationSettings {}
impl Record for crate::model::PersonalAccessToken {}
/// A setting's value.
impl Record for serde_json::Value {}

/// Encodes a record with its format byte.
pub fn encode<T: Record>(record: &T) -> Vec<u8> {
    // Serialising plain structs of strings, numbers and vectors cannot fail.
    match T::COMPACT {
        true => postcard::to_extend(record, vec![FORMAT_POSTCARD]).expect("records serialise"),
        false => {
            let mut bytes = vec![FORMAT_JSON];
            serde_json::to_writer(&mut bytes, record).expect("records serialise");
            bytes
        }
    }
}

/// Decodes a whole record in either format, refusing unknown format bytes, malformed
/// bodies and bytes left over.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_POSTCARD, body)) => match postcard::take_from_bytes(body) {
            Ok((record, [])) => Ok(record),
            Ok((_, rest)) => Err(StoreError::Corrupt(format!(
                "{} bytes after the record",
                rest.len()
            ))),
            Err(e) => Err(corrupt(e)),
        },
        _ => decode_leading(bytes),
    }
}

/// Decodes the leading fields of a record as `T`, a struct of its first fields in order
/// (`Activity` of a `User`), without reading the rest.
pub fn decode_leading<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_JSON, body)) => serde_json::from_slice(body).map_err(corrupt),
        Some((&FORMAT_POSTCARD, body)) => postcard::from_bytes(body).map_err(corrupt),
        Some((version, _)) => Err(StoreError::Corrupt(format!(
            "unknown record format {version}"
        ))),
        None => Err(StoreError::Corrupt("empty record".into())),
    }
}

/// Whether a stored record is in the format its type is written in today: false only for
/// users and subscriptions written before format 2.
pub fn is_current<T: Record>(bytes: &[u8]) -> bool {
    let today = match T::COMPACT {
        true => FORMAT_POSTCARD,
        false => FORMAT_JSON,
    };
    bytes.first() == Some(&today)
}

/// Rewrites every stored `T` not in today's format, a chunk at a time: a write transaction
/// cannot insert into a table while iterating it, and one chunk bounds the memory a
/// migration of a million records takes. `chunk_after(key)` lists up to `MIGRATION_CHUNK`
/// rows after `key` (from the start for none); `put` stores a rewritten record.
pub fn rewrite_stale<K, T: Record>(
    mut chunk_after: impl FnMut(Option<&K>) -> Result<Vec<(K, Vec<u8>)>, StoreError>,
    mut put: impl FnMut(&K, &[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut after = None;
    loop {
        let rows = chunk_after(after.as_ref())?;
        for (key, bytes) in &rows {
            if !is_current::<T>(bytes) {
                put(key, &encode(&decode::<T>(bytes)?))?;
            }
        }
        match rows.into_iter().last() {
            Some((key, _)) => after = Some(key),
            None => return Ok(()),
        }
    }
}

/// The rows one step of [`rewrite_stale`] holds in memory.
pub const MIGRATION_CHUNK: usize = 4096;

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Email, Room, RoomId, RoomKind, Subscription, User, UserId};

    fn user() -> User {
        User {
            id: UserId("aaaaaaaaaaaaaaaaa".into()),
            username: "Ada".into(),
            name: "Ada L".into(),
            emails: vec![Email {
                address: "ada@example.org".into(),
                verified: true,
                kind: None,
                primary: None,
            }],
            password_hash: Some("$argon2id$...".into()),
            active: false,
            roles: vec!["admin".into(), "user".into()],
            created_at: 1,
            updated_at: 2,
            last_login: None,
            inactive_reason: None,
            profile: Default::default(),
            external_id: None,
        }
    }

    fn room() -> Room {
        Room {
            id: RoomId("r".into()),
            name: "general".into(),
            fname: "General".into(),
            kind: RoomKind::Group,
            creator_id: UserId("aaaaaaaaaaaaaaaaa".into()),
            creator_username: "Ada".into(),
            read_only: true,
            users_count: 3,
            created_at: 5,
            updated_at: 6,
            default: false,
            default_turned_off: false,
            topic: None,
            description: None,
            announcement: None,
            custom_fields: Default::default(),
            archived: false,
            join_code: None,
            sys_mes: None,
            muted: Vec::new(),
            unmuted: Vec::new(),
        }
    }

    fn subscription() -> Subscription {
        Subscription {
            id: "s".into(),
            room_id: RoomId("r".into()),
            user_id: UserId("aaaaaaaaaaaaaaaaa".into()),
            join_seq: 9,
            roles: vec!["owner".into()],
            user_archived: true,
            room_archived: false,
            hidden: false,
            favorite: false,
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn records_round_trip() {
        assert_eq!(decode::<User>(&encode(&user())).unwrap(), user());
        assert_eq!(decode::<Room>(&encode(&room())).unwrap(), room());
        let sub = subscription();
        assert_eq!(decode::<Subscription>(&encode(&sub)).unwrap(), sub);
    }

    /// Checks `record` against its committed bytes in `fixtures/NAME.vF` (F its format),
    /// both ways; with `ROCKETLITE_BLESS=1` writes them instead. A failure here means the
    /// on-disk format changed: make that deliberate, with a new format byte and a migration.
    fn golden<T: Record + PartialEq + std::fmt::Debug>(name: &str, record: T) {
        let bytes = encode(&record);
        let path = fixture(name, bytes[0]);
        if std::env::var_os("ROCKETLITE_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap();
        assert_eq!(bytes, committed, "{name}: the encoding changed");
        assert_eq!(
            decode::<T>(&committed).unwrap(),
            record,
            "{name}: old bytes misread"
        );
    }

    fn fixture(name: &str, format: u8) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/store/fixtures")
            .join(format!("{name}.v{format}"))
    }

    /// Records of the compact types as format 1 wrote them (before format 2) still read as
    /// the same records: the migration to format 2 and any older backup depend on it.
    #[test]
    fn format_1_users_and_subscriptions_still_read() {
        let old = |name: &str| std::fs::read(fixture(name, FORMAT_JSON)).unwrap();
        for (name, user) in golden_users() {
            assert_eq!(decode::<User>(&old(name)).unwrap(), user, "{name}");
            assert!(!is_current::<User>(&old(name)));
        }
        assert_eq!(
            decode::<Subscription>(&old("subscription")).unwrap(),
            subscription()
        );
    }

    /// The users with committed bytes: each kind of optional field once.
    fn golden_users() -> Vec<(&'static str, User)> {
        vec![
            ("user", user()),
            // A user who logged in and was deactivated carries both.
            (
                "user_deactivated",
                User {
                    last_login: Some(3),
                    inactive_reason: Some("idle_too_long".into()),
                    ..user()
                },
            ),
            // users.update / users.setStatus fill the profile.
            (
                "user_profile",
                User {
                    profile: crate::model::Profile {
                        bio: Some("Countess".into()),
                        nickname: Some("Ada".into()),
                        status_text: Some("thinking".into()),
                        status_default: Some("busy".into()),
                        status_expires_at: Some(4),
                    },
                    ..user()
                },
            ),
            // A user provisioned through SCIM carries its IdP id and email type.
            (
                "user_scim",
                User {
                    external_id: Some("00u1ab2CD3ef4GH5i6j7".into()),
                    emails: vec![Email {
                        address: "ada@example.org".into(),
                        verified: false,
                        kind: Some("work".into()),
                        primary: Some(true),
                    }],
                    ..user()
                },
            ),
        ]
    }

    #[test]
    fn a_users_activity_reads_off_the_front_of_its_record() {
        for (name, user) in golden_users() {
            let activity: crate::model::Activity = decode_leading(&encode(&user)).unwrap();
            assert_eq!(
                (activity.active, activity.created_at, activity.last_login),
                (user.active, user.created_at, user.last_login),
                "{name}"
            );
        }
    }

    #[test]
    fn stored_records_match_their_golden_bytes() {
        for (name, user) in golden_users() {
            golden(name, user);
        }
        golden(
            "role",
            crate::model::RoleRecord::default_for(crate::model::Role::Owner, 7),
        );
        golden("room", room());
        // A default room carries the flag; rooms without it keep the bytes above.
        golden(
            "room_default",
            Room {
                default: true,
                ..room()
            },
        );
        // channels.setDefault false: shown as `default: false` from then on.
        golden(
            "room_default_off",
            Room {
                default_turned_off: true,
                ..room()
            },
        );
        golden("subscription", subscription());
        golden(
            "permission",
            crate::model::PermissionRecord {
                roles: vec!["admin".into(), "owner".into()],
                updated_at: 5,
            },
        );
    }

    /// Permissions stored as a bare role list (before change times) read with time 0.
    #[test]
    fn permissions_stored_as_bare_role_lists_still_read() {
        let old = std::fs::read(fixture("permission_roles", FORMAT_JSON)).unwrap();
        assert_eq!(
            decode::<crate::model::PermissionRecord>(&old).unwrap(),
            crate::model::PermissionRecord {
                roles: vec!["admin".into(), "owner".into()],
                updated_at: 0,
            }
        );
    }

    #[test]
    fn each_record_type_is_written_in_its_format() {
        assert_eq!(encode(&user())[0], FORMAT_POSTCARD);
        assert_eq!(encode(&subscription())[0], FORMAT_POSTCARD);
        assert_eq!(encode(&room())[0], FORMAT_JSON);
        // Under half the JSON: what makes a deactivation write fewer pages.
        let json = serde_json::to_vec(&subscription()).unwrap().len();
        assert!(encode(&subscription()).len() * 2 < json, "{json}");
    }

    #[test]
    fn unknown_format_and_garbage_are_errors_not_panics() {
        assert!(decode::<User>(&[]).is_err());
        assert!(decode::<User>(&[3, b'{', b'}']).is_err());
        assert!(decode::<User>(&[2, 0xff, 0xff]).is_err());
        let mut trailing = encode(&user());
        trailing.push(0);
        assert!(decode::<User>(&trailing).is_err());
        assert!(decode::<User>(&[1, 0xff, 0x00]).is_err());
        assert!(decode::<User>(&[1, b'{', b'}']).is_err());
    }
}
