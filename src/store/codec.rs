//! The one place records become bytes: a leading format-version byte, then JSON.
//! A record written by a newer format is refused rather than misread.

use serde::{Serialize, de::DeserializeOwned};

use super::StoreError;

/// The format every record is written in today.
const FORMAT_V1: u8 = 1;

/// Encodes a record with its format byte.
pub fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    let mut bytes = vec![FORMAT_V1];
    // Serialising plain structs of strings, numbers and vectors cannot fail.
    serde_json::to_writer(&mut bytes, record).expect("records serialise");
    bytes
}

/// Decodes a record, refusing unknown format bytes and malformed bodies.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_V1, body)) => {
            serde_json::from_slice(body).map_err(|e| StoreError::Corrupt(e.to_string()))
        }
        Some((version, _)) => Err(StoreError::Corrupt(format!(
            "unknown record format {version}"
        ))),
        None => Err(StoreError::Corrupt("empty record".into())),
    }
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
            topic: None,
            description: None,
            announcement: None,
            custom_fields: Default::default(),
            archived: false,
            join_code: None,
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

    /// Checks `record` against its committed bytes in `fixtures/NAME.v1`, both ways; with
    /// `ROCKETLITE_BLESS=1` writes them instead. A failure here means the on-disk format
    /// changed: make that deliberate, with a new format byte and a migration.
    fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
        name: &str,
        record: T,
    ) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/store/fixtures")
            .join(format!("{name}.v1"));
        if std::env::var_os("ROCKETLITE_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, encode(&record)).unwrap();
        }
        let committed = std::fs::read(&path).unwrap();
        assert_eq!(encode(&record), committed, "{name}: the encoding changed");
        assert_eq!(
            decode::<T>(&committed).unwrap(),
            record,
            "{name}: old bytes misread"
        );
    }

    #[test]
    fn stored_records_match_their_golden_bytes() {
        golden("user", user());
        // A user who logged in and was deactivated carries both; others keep the bytes above.
        golden(
            "user_deactivated",
            User {
                last_login: Some(3),
                inactive_reason: Some("idle_too_long".into()),
                ..user()
            },
        );
        // users.update / users.setStatus fill the profile; others keep the bytes above.
        golden(
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
        );
        // A user provisioned through SCIM carries its IdP id and email type.
        golden(
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
        );
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
        golden("subscription", subscription());
        golden(
            "permission_roles",
            vec!["admin".to_string(), "owner".to_string()],
        );
    }

    #[test]
    fn encoding_starts_with_the_format_byte() {
        assert_eq!(encode(&user())[0], FORMAT_V1);
    }

    #[test]
    fn unknown_format_and_garbage_are_errors_not_panics() {
        assert!(decode::<User>(&[]).is_err());
        assert!(decode::<User>(&[2, b'{', b'}']).is_err());
        assert!(decode::<User>(&[1, 0xff, 0x00]).is_err());
        assert!(decode::<User>(&[1, b'{', b'}']).is_err());
    }
}
