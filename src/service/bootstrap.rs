//! First start: the admin account, created from Rocket.Chat's `ADMIN_*` variables.

use base64::Engine;

use super::{Service, ServiceResult};
use crate::model::{Email, User, UserId};

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

impl Service {
    /// Creates the admin when no user holds `admin`; never touches an existing one.
    pub fn bootstrap_admin(&self, seed: &AdminSeed) -> ServiceResult<BootstrapOutcome> {
        if !self
            .store
            .read(|tx| tx.user_ids_with_role("admin"))?
            .is_empty()
        {
            return Ok(BootstrapOutcome::Existing);
        }
        let generated = seed.password.is_none().then(|| {
            let mut bytes = [0u8; 18];
            self.with_rng(|rng| rng.fill_bytes(&mut bytes));
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        });
        let password = seed
            .password
            .clone()
            .or(generated.clone())
            .unwrap_or_default();
        let hash = self.hash_password(&password);
        let now = self.now();
        let user = User {
            id: self.with_rng(UserId::generate),
            username: seed.username.clone(),
            name: seed.name.clone(),
            emails: seed
                .email
                .iter()
                .map(|address| Email {
                    address: address.clone(),
                    verified: true,
                })
                .collect(),
            password_hash: Some(hash),
            active: true,
            roles: vec!["admin".into(), "user".into()],
            created_at: now,
            updated_at: now,
        };
        self.store.write(|tx| {
            // Another process cannot share the file, so the check above still holds here.
            tx.put_user(&user, None)?;
            Ok::<_, crate::service::ServiceError>(())
        })?;
        let username = user.username;
        Ok(match generated {
            Some(password) => BootstrapOutcome::CreatedWithPassword { username, password },
            None => BootstrapOutcome::Created { username },
        })
    }
}
