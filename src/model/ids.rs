//! Typed identifiers and login tokens, so ids and secrets never mix with other strings.

use std::fmt;

use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Meteor's id alphabet: no characters that are easy to confuse (0, 1, I, O, l, ...).
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
const ID_LEN: usize = 17;

/// A new random 17-character id in Meteor's alphabet.
pub fn new_id(rng: &mut dyn RngCore) -> String {
    (0..ID_LEN)
        .map(|_| ID_ALPHABET[(rng.next_u32() as usize) % ID_ALPHABET.len()] as char)
        .collect()
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random id.
            pub fn generate(rng: &mut dyn RngCore) -> Self {
                Self(new_id(rng))
            }

            /// The id as it appears on the wire and in the store.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The `_id` of a user.
    UserId
);
string_id!(
    /// The `_id` of a room (channel or group).
    RoomId
);

/// A login token as the client holds it. Never stored and never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginToken(String);

impl LoginToken {
    /// 43 characters of `[A-Za-z0-9_-]`: 256 random bits in unpadded base64url.
    pub fn generate(rng: &mut dyn RngCore) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a token a client sent.
    pub fn from_client(token: String) -> Self {
        Self(token)
    }

    /// The secret itself, for the responses that hand it out (login, users.createToken).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps: `base64(sha256(token))`, as Meteor's `_hashLoginToken` does.
    pub fn hash(&self) -> TokenHash {
        let digest = Sha256::digest(self.0.as_bytes());
        TokenHash(base64::engine::general_purpose::STANDARD.encode(digest))
    }
}

impl fmt::Debug for LoginToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginToken(***)")
    }
}

/// The stored form of a login token.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn ids_have_meteor_shape() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..100 {
            let id = UserId::generate(&mut rng);
            assert_eq!(id.as_str().len(), 17);
            assert!(id.as_str().bytes().all(|b| ID_ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn tokens_are_43_url_safe_characters_and_hash_like_meteor() {
        let mut rng = StdRng::seed_from_u64(7);
        let token = LoginToken::generate(&mut rng);
        assert_eq!(token.expose().len(), 43);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        // sha256("abc") in standard base64 with padding.
        let known = LoginToken::from_client("abc".into()).hash();
        assert_eq!(known.0, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }

    #[test]
    fn token_debug_hides_the_secret() {
        let token = LoginToken::from_client("secret-value".into());
        assert_eq!(format!("{token:?}"), "LoginToken(***)");
    }
}
