//! `users.register`: self-service sign-up, with Rocket.Chat's checks in its order
//! (`apps/meteor/server/api/v1/users.ts`, then `registerUser`).

use super::custom_fields::{CustomFields, new_custom_fields};
use super::limits;
use super::room_rules::join_default_rooms;
use super::users::{check_new_username, fresh_id, is_valid_email};
use super::{Service, ServiceError, ServiceResult};
use crate::model::{Email, Role, User, UserId};
use crate::store::prelude::*;

/// What a sign-up sends.
#[derive(Clone, Debug)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    /// Rocket.Chat's `registerUser` requires it although the REST schema does not.
    pub name: Option<String>,
    /// Values of the `Accounts_CustomFields` fields, checked when sent.
    pub custom_fields: Option<CustomFields>,
}

impl Service {
    /// Creates an active account with the role `user` (and `admin` when no admin exists,
    /// as Rocket.Chat does for the first sign-up), joined to every default room. Refused
    /// when sign-up is turned off.
    pub fn register_user(&self, reg: Registration) -> ServiceResult<User> {
        if !self.registration_open() {
            return Err(ServiceError::RegistrationDisabled);
        }
        for (field, value, max) in [
            (
                "name",
                reg.name.as_deref().unwrap_or(""),
                limits::DISPLAY_NAME,
            ),
            ("username", &reg.username, limits::USERNAME),
            ("email", &reg.email, limits::EMAIL),
        ] {
            limits::check_len(field, value, max)?;
        }
        limits::check_bytes("pass", &reg.password, limits::PASSWORD)?;
        if reg
            .name
            .as_deref()
            .is_some_and(|n| n.contains(['<', '>', '\\', '/']))
        {
            return Err(ServiceError::InvalidName);
        }
        if !self.settings().valid_user_name(&reg.username) {
            return Err(ServiceError::InvalidUsername(reg.username.clone()));
        }
        check_new_username(&reg.username, &self.settings())?;
        self.store.read(|tx| unclaimed(tx, &reg))?;
        let Some(name) = reg.name.clone() else {
            return Err(ServiceError::FieldRequired("name"));
        };
        if reg.password.trim().is_empty() {
            return Err(ServiceError::WeakPassword);
        }
        if !is_valid_email(&reg.email) {
            return Err(ServiceError::InvalidEmail(reg.email.clone()));
        }
        super::users::check_email_domain(&reg.email, &self.settings())?;
        let custom_fields = new_custom_fields(&self.settings(), reg.custom_fields.as_ref())?;
        let now = self.now();
        let id = self.with_rng(UserId::generate);
        let user = User {
            emails: vec![Email {
                address: reg.email.trim().to_lowercase(),
                verified: false,
                kind: None,
                primary: None,
            }],
            password_hash: Some(self.hash_new_password(&reg.password)?),
            ..User::new(
                id,
                &reg.username,
                name.trim(),
                vec![Role::User.as_str().into()],
                now,
            )
        };
        let sub_ids = self.default_room_sub_ids()?;
        self.store.write(move |tx| {
            // Again inside the write: another sign-up may have taken the name since.
            unclaimed(tx, &reg)?;
            fresh_id(tx, &user.id)?;
            let mut user = user.clone();
            if tx.user_ids_with_role(Role::Admin)?.is_empty() {
                user.roles.insert(0, Role::Admin.as_str().into());
            }
            tx.put_user(&user, None)?;
            if let Some(fields) = &custom_fields {
                tx.put_custom_fields(&user.id, fields)?;
            }
            // A sign-up is its own actor.
            let stamp = super::audit::Stamp::by(&user, now);
            super::audit::record_created(tx, &stamp, &user)?;
            join_default_rooms(tx, &user, &sub_ids, &stamp)?;
            Ok(user)
        })
    }
}

/// Refuses a taken username, then a taken email address.
fn unclaimed(tx: &dyn Reads, reg: &Registration) -> ServiceResult<()> {
    if tx.user_id_by_username(&reg.username)?.is_some() {
        return Err(ServiceError::UsernameTaken(reg.username.clone()));
    }
    if tx.user_id_by_email(reg.email.trim())?.is_some() {
        return Err(ServiceError::EmailTaken(reg.email.clone()));
    }
    Ok(())
}
