//! Password hashing: argon2id at the crate's defaults (OWASP's minimum parameters), over the
//! lower-case hex SHA-256 of the password, as Meteor hashes (bcrypt over that digest). So a
//! client may log in with the password or with `{digest, algorithm: "sha-256"}`. Hashes stored
//! before digests were supported are over the password itself; they still verify a password,
//! and the login that does so replaces them (never a bulk rewrite).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

use super::Service;

/// Marks a hash taken over the digest; a bare PHC string is over the password.
const DIGEST_PREFIX: &str = "sha256:";

/// What a login proves its password with.
#[derive(Clone, Debug)]
pub enum Secret {
    /// The password itself.
    Plain(String),
    /// Meteor's `{digest, algorithm: "sha-256"}`: the lower-case hex SHA-256 of the password.
    Digest(String),
}

impl Secret {
    /// The digest the stored hash is taken over.
    fn digest(&self) -> String {
        match self {
            Secret::Plain(password) => hex_sha256(password),
            Secret::Digest(digest) => digest.clone(),
        }
    }

    /// Its length in bytes, for the bound on what is hashed.
    pub(super) fn len(&self) -> usize {
        let (Secret::Plain(s) | Secret::Digest(s)) = self;
        s.len()
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The outcome of checking a secret against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verified {
    No,
    Yes,
    /// Right, against a hash over the password itself: replace it with one over the digest.
    YesUpgrade,
}

/// A PHC hash that no password matches, verified when the user does not exist so that a
/// failed login costs the same either way.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Jm2sTPpXCw1uCq0QuNz1y9UuWSsGrmCQuQGqXTE/s4M";

impl Service {
    /// Hashes `password` (over its digest) with a fresh 16-byte salt from the injected
    /// random source.
    pub(super) fn hash_password(&self, password: &str) -> String {
        let mut salt = [0u8; 16];
        self.with_rng(|rng| rng.fill_bytes(&mut salt));
        let phc = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.argon2_params.clone(),
        )
        .hash_password_with_salt(hex_sha256(password).as_bytes(), &salt)
        .expect("argon2 accepts any input with a 16-byte salt")
        .to_string();
        format!("{DIGEST_PREFIX}{phc}")
    }
}

/// Whether `secret` matches `hash`; `None` (no such user) checks a decoy and says no. A hash
/// over the password itself cannot check a digest.
pub(super) fn verify_password(secret: &Secret, hash: Option<&str>) -> Verified {
    let matches = |phc: &str, input: &str| {
        PasswordHash::new(phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(input.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    };
    let yes = |ok: bool, then: Verified| if ok { then } else { Verified::No };
    match (hash, secret) {
        (Some(stored), _) if stored.starts_with(DIGEST_PREFIX) => yes(
            matches(&stored[DIGEST_PREFIX.len()..], &secret.digest()),
            Verified::Yes,
        ),
        (Some(legacy), Secret::Plain(password)) => {
            yes(matches(legacy, password), Verified::YesUpgrade)
        }
        (hash, _) => {
            // Same cost as a real check, so timing tells nothing.
            matches(hash.unwrap_or(DECOY_HASH), "");
            Verified::No
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
        assert!(hash.starts_with("sha256:$argon2id$v=19$m=19456,t=2,p=1$"));
        let plain = |p: &str| Secret::Plain(p.into());
        assert_eq!(
            verify_password(&plain("correct horse"), Some(&hash)),
            Verified::Yes
        );
        assert_eq!(verify_password(&plain("wrong"), Some(&hash)), Verified::No);
        assert_eq!(verify_password(&plain("correct horse"), None), Verified::No);
        assert_eq!(
            verify_password(&plain("x"), Some("not a phc string")),
            Verified::No
        );
        assert!(
            PasswordHash::new(DECOY_HASH).is_ok(),
            "the decoy must cost a real hash"
        );
    }

    #[test]
    fn digests_verify_like_meteor_and_old_hashes_verify_passwords_only() {
        let service = Service::new(
            Store::in_memory().unwrap(),
            super::super::system_clock(),
            Box::new(StdRng::seed_from_u64(1)),
        );
        // sha256("correct horse"), lower-case hex, as Meteor's client sends it.
        let digest = "4104d36f8da2c254349f85836793ebe029e0c957063a34c91c2e9203187b5631";
        assert_eq!(hex_sha256("correct horse"), digest);
        let hash = service.hash_password("correct horse");
        let d = |s: &str| Secret::Digest(s.into());
        assert_eq!(verify_password(&d(digest), Some(&hash)), Verified::Yes);
        assert_eq!(
            verify_password(&d(&digest.to_uppercase()), Some(&hash)),
            Verified::No
        );

        // A hash from before digests: argon2 over the password itself.
        let legacy = Argon2::default()
            .hash_password_with_salt(b"correct horse", b"0123456789abcdef")
            .unwrap()
            .to_string();
        let plain = Secret::Plain("correct horse".into());
        assert_eq!(verify_password(&plain, Some(&legacy)), Verified::YesUpgrade);
        assert_eq!(verify_password(&d(digest), Some(&legacy)), Verified::No);
        assert_eq!(
            verify_password(&Secret::Plain("wrong".into()), Some(&legacy)),
            Verified::No
        );
    }
}
