//! Password hashing: argon2id at the crate's defaults (OWASP's minimum parameters).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use super::Service;

/// A PHC hash that no password matches, verified when the user does not exist so that a
/// failed login costs the same either way.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jm2sTPpXCw1uCq0QuNz1y9UuWSsGrmCQuQGqXTE/s4M";

impl Service {
    /// Hashes `password` with a fresh 16-byte salt from the injected random source.
    pub(super) fn hash_password(&self, password: &str) -> String {
        let mut salt = [0u8; 16];
        self.with_rng(|rng| rng.fill_bytes(&mut salt));
        Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.argon2_params.clone(),
        )
        .hash_password_with_salt(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with a 16-byte salt")
        .to_string()
    }
}

/// Whether `password` matches `hash`; `None` (no such user) checks a decoy and says no.
pub(super) fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let matches = |phc: &str| {
        PasswordHash::new(phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    };
    match hash {
        Some(phc) => matches(phc),
        None => {
            matches(DECOY_HASH);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn hashes_verify_and_are_argon2id_at_default_cost() {
        let service = Service::new(
            Store::in_memory().unwrap(),
            super::super::system_clock(),
            Box::new(StdRng::seed_from_u64(1)),
        );
        let hash = service.hash_password("correct horse");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", Some(&hash)));
        assert!(!verify_password("wrong", Some(&hash)));
        assert!(!verify_password("correct horse", None));
        assert!(!verify_password("x", Some("not a phc string")));
        assert!(
            PasswordHash::new(DECOY_HASH).is_ok(),
            "the decoy must cost a real hash"
        );
    }
}
