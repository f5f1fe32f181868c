//! First start: the admin account, created from Rocket.Chat's `ADMIN_*` variables, and the
//! default channel `GENERAL`.

use base64::Engine;

use super::audit::{Stamp, Subject};
use super::room_rules::{join, record_room_created};
use super::users::{is_valid_email, is_valid_username};
use super::{Service, ServiceError, ServiceResult};
use crate::model::{Email, Role, Room, RoomId, RoomKind, User, UserId};
use serde_json::{Value, json};

/// The `ADMIN_*` environment variables.
#[derive(Clone, Debug, Default)]
pub struct AdminSeed {
    pub username: String,
    pub password: Option<String>,
    pub email: Option<String>,
    pub name: String,
}

/// What start-up did about the admin.
#[derive(Debug, PartialEq, Eq)]
pub enum BootstrapOutcome {
    /// An admin already existed; nothing was touched.
    Existing,
    /// An admin was created with the given password.
    Created { username: String },
    /// An admin was created with this generated password, to be shown once.
    CreatedWithPassword { username: String, password: String },
}

/// What the default-channel step did.
#[derive(Debug, PartialEq, Eq)]
pub enum DefaultChannelOutcome {
    /// The step ran on an earlier start.
    AlreadyDone,
    /// `GENERAL` was created, owned by this admin.
    Created { owner: String },
    /// A room named `general` already existed; nothing was created.
    NameTaken,
    /// No active admin to own it; the step runs again at the next start.
    NoAdmin,
}

/// What the bot-user step did.
#[derive(Debug, PartialEq, Eq)]
pub enum RocketCatOutcome {
    Created,
    Present,
    /// Another user holds the name, or the id was deleted (ids are never given out again).
    NameTaken,
}

/// The id and username of Rocket.Chat's bot user.
pub const ROCKET_CAT: &str = "rocket.cat";

/// The default channel's fixed id and name, as in Rocket.Chat.
pub const DEFAULT_CHANNEL_ID: &str = "GENERAL";
const DEFAULT_CHANNEL_NAME: &str = "general";

impl Service {
    /// Creates the default channel `GENERAL` (public, `default`, owned by the bootstrap
    /// admin: the earliest-created active admin) once per store: on a new store at first
    /// start, and on a store from an earlier build at its first start with this one, unless
    /// a room is already named `general`. Every user created later joins it.
    pub fn ensure_default_channel(&self) -> ServiceResult<DefaultChannelOutcome> {
        let sub_id = self.with_rng(crate::model::new_id);
        let now = self.now();
        self.store.write(move |tx| {
            if tx.default_channel_seeded()? {
                return Ok(DefaultChannelOutcome::AlreadyDone);
            }
            if tx.room_id_by_name(DEFAULT_CHANNEL_NAME)?.is_some()
                || tx.room(&RoomId(DEFAULT_CHANNEL_ID.into()))?.is_some()
            {
                tx.mark_default_channel_seeded()?;
                return Ok(DefaultChannelOutcome::NameTaken);
            }
            let admins = tx.users_with_role(Role::Admin)?;
            let Some(owner) = admins
                .into_iter()
                .filter(|u| u.active)
                .min_by_key(|u| (u.created_at, u.id.clone()))
            else {
                return Ok(DefaultChannelOutcome::NoAdmin);
            };
            let mut room = Room {
                default: true,
                ..Room::new(
                    RoomId(DEFAULT_CHANNEL_ID.into()),
                    DEFAULT_CHANNEL_NAME,
                    RoomKind::Channel,
                    &owner,
                    now,
                )
            };
            let owner_role = vec![Role::Owner.as_str().to_string()];
            join(tx, &mut room, &owner, owner_role, sub_id.clone(), now)?;
            tx.put_room(&room)?;
            record_room_created(tx, &Stamp::server(now), &room, &owner)?;
            tx.mark_default_channel_seeded()?;
            Ok(DefaultChannelOutcome::Created {
                owner: owner.username,
            })
        })
    }

    /// Creates Rocket.Chat's bot user `rocket.cat` (id and username `rocket.cat`, role `bot`,
    /// no password, so it cannot log in) when no user has that id, as Rocket.Chat does at
    /// every start. A different user already named `rocket.cat` keeps the name; nothing is
    /// created.
    pub fn ensure_rocket_cat(&self) -> ServiceResult<RocketCatOutcome> {
        let now = self.now();
        self.store.write(move |tx| {
            let id = UserId(ROCKET_CAT.into());
            if tx.user(&id)?.is_some() {
                return Ok(RocketCatOutcome::Present);
            }
            if tx.user_id_by_username(ROCKET_CAT)?.is_some() || tx.was_deleted(&id)? {
                return Ok(RocketCatOutcome::NameTaken);
            }
            let cat = User::new(
                id,
                ROCKET_CAT,
                "Rocket.Cat",
                vec![Role::Bot.as_str().into()],
                now,
            );
            tx.put_user(&cat, None)?;
            super::audit::record_created(tx, &Stamp::server(now), &cat)?;
            Ok(RocketCatOutcome::Created)
        })
    }

    /// A strong password to give someone once: 18 random bytes, URL-safe base64.
    fn generate_password(&self) -> String {
        let mut bytes = [0u8; 18];
        self.with_rng(|rng| rng.fill_bytes(&mut bytes));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// `rocketlite reset-password`: gives the user `username` a new, generated password
    /// (returned, to be shown once), ends every session of theirs, and records both as the
    /// server's doing. The way back for an operator whose admin password is lost.
    pub fn reset_password(&self, username: &str) -> ServiceResult<(User, String)> {
        let password = self.generate_password();
        let hash = self.hash_password(&password);
        let now = self.now();
        let username = username.to_string();
        let user = self.store.write(move |tx| {
            let id = tx
                .user_id_by_username(&username)?
                .ok_or(ServiceError::UserNotFound)?;
            let user = tx.user(&id)?.ok_or(ServiceError::UserNotFound)?;
            let updated = User {
                password_hash: Some(hash.clone()),
                updated_at: now,
                ..user.clone()
            };
            tx.put_user(&updated, Some(&user))?;
            tx.remove_all_tokens(&user.id)?;
            let stamp = Stamp::server(now);
            let (before, after) = (
                json!({"password": "(hidden)"}),
                json!({"password": "(reset)"}),
            );
            stamp.record(tx, "user.update", Subject::User(&user.id), before, after)?;
            stamp.record(
                tx,
                "user.logout",
                Subject::User(&user.id),
                Value::Null,
                Value::Null,
            )?;
            Ok::<_, ServiceError>(updated)
        })?;
        Ok((user, password))
    }

    /// Creates the admin when no user holds `admin`; never touches an existing one.
    pub fn bootstrap_admin(&self, seed: &AdminSeed) -> ServiceResult<BootstrapOutcome> {
        if !self
            .store
            .read(|tx| tx.user_ids_with_role(Role::Admin))?
            .is_empty()
        {
            return Ok(BootstrapOutcome::Existing);
        }
        if !is_valid_username(&seed.username) {
            return Err(ServiceError::InvalidUsername(seed.username.clone()));
        }
        if let Some(email) = seed.email.as_ref().filter(|e| !is_valid_email(e)) {
            return Err(ServiceError::InvalidEmail(email.clone()));
        }
        let generated = seed.password.is_none().then(|| self.generate_password());
        let password = seed
            .password
            .clone()
            .or(generated.clone())
            .unwrap_or_default();
        let hash = self.hash_password(&password);
        let now = self.now();
        let user = User {
            emails: seed
                .email
                .iter()
                .map(|address| Email {
                    address: address.clone(),
                    verified: true,
                    kind: None,
                    primary: None,
                })
                .collect(),
            password_hash: Some(hash),
            // Rocket.Chat gives the admin from `ADMIN_*` this one role, not `user` as well.
            ..User::new(
                self.with_rng(UserId::generate),
                &seed.username,
                &seed.name,
                vec![Role::Admin.as_str().into()],
                now,
            )
        };
        let record = user.clone();
        let created = self.store.write(move |tx| {
            // Another node on the same database may have bootstrapped meanwhile.
            if !tx.user_ids_with_role(Role::Admin)?.is_empty() {
                return Ok(false);
            }
            // A non-admin account may already own the name; never take it over.
            if tx.user_id_by_username(&record.username)?.is_some() {
                return Err(ServiceError::FieldUnavailable(record.username.clone()));
            }
            tx.put_user(&record, None)?;
            super::audit::record_created(tx, &super::audit::Stamp::server(now), &record)?;
            Ok(true)
        })?;
        if !created {
            return Ok(BootstrapOutcome::Existing);
        }
        let username = user.username;
        Ok(match generated {
            Some(password) => BootstrapOutcome::CreatedWithPassword { username, password },
            None => BootstrapOutcome::Created { username },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::LoginName;
    use crate::store::Store;
    use rand::{SeedableRng, rngs::StdRng};

    fn service() -> Service {
        Service::new(
            Store::in_memory().unwrap(),
            crate::service::system_clock(),
            Box::new(StdRng::seed_from_u64(3)),
        )
    }

    #[test]
    fn without_admin_pass_a_strong_password_is_generated_and_works() {
        let service = service();
        let seed = AdminSeed {
            username: "admin".into(),
            name: "Administrator".into(),
            ..AdminSeed::default()
        };
        let BootstrapOutcome::CreatedWithPassword { username, password } =
            service.bootstrap_admin(&seed).unwrap()
        else {
            panic!("expected a generated password");
        };
        assert_eq!(username, "admin");
        assert!(password.len() >= 24, "{password}");
        let (user, _) = service
            .login(
                &LoginName::Username("admin".into()),
                &super::super::Secret::Plain(password.clone()),
                None,
            )
            .unwrap();
        assert!(user.has_role(Role::Admin));
    }

    #[test]
    fn an_existing_admin_is_never_touched_by_other_values() {
        let service = service();
        let first = AdminSeed {
            username: "admin".into(),
            password: Some("first".into()),
            email: Some("a@example.org".into()),
            name: "Administrator".into(),
        };
        assert_eq!(
            service.bootstrap_admin(&first).unwrap(),
            BootstrapOutcome::Created {
                username: "admin".into()
            }
        );
        let before = service.store().dump().unwrap();
        let other = AdminSeed {
            username: "root".into(),
            password: Some("second".into()),
            email: None,
            name: "Root".into(),
        };
        assert_eq!(
            service.bootstrap_admin(&other).unwrap(),
            BootstrapOutcome::Existing
        );
        assert_eq!(service.store().dump().unwrap(), before);
        assert!(
            service
                .login(
                    &LoginName::Username("admin".into()),
                    &super::super::Secret::Plain("first".into()),
                    None
                )
                .is_ok()
        );
    }
}
