//! Password hashing: argon2id at the crate's defaults (OWASP's minimum parameters), over the
//! lower-case hex SHA-256 of the password, as Meteor hashes (bcrypt over that digest). So a
//! client may log in with the password or with `{digest, algorithm: "sha-256"}`. Hashes stored
//! before digests were supported are over the password itself; they still verify a password,
//! and the login that does so replaces them (never a bulk rewrite).

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

use super::{Service, ServiceError, ServiceResult};

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

pub(super) fn hex_sha256(text: &str) -> String {
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

/// Rocket.Chat's password-policy reasons: (error, message), in its order.
const POLICY_REASONS: [(&str, &str); 7] = [
    (
        "error-password-policy-not-met-minLength",
        "The password does not meet the minimum length password policy.",
    ),
    (
        "error-password-policy-not-met-maxLength",
        "The password does not meet the maximum length password policy.",
    ),
    (
        "error-password-policy-not-met-repeatingCharacters",
        "The password contains repeating characters which is against the password policy.",
    ),
    (
        "error-password-policy-not-met-oneLowercase",
        "The password does not contain at least one lowercase character which is against the password policy.",
    ),
    (
        "error-password-policy-not-met-oneUppercase",
        "The password does not contain at least one uppercase character which is against the password policy.",
    ),
    (
        "error-password-policy-not-met-oneNumber",
        "The password does not contain at least one numerical character which is against the password policy.",
    ),
    (
        "error-password-policy-not-met-oneSpecial",
        "The password does not contain at least one special character which is against the password policy.",
    ),
];

/// Whether `password` has a run of more than `count` equal characters (Rocket.Chat's
/// `(.)\1{count,}`).
fn repeats_more_than(password: &str, count: i64) -> bool {
    let (mut run, mut last) = (0i64, None);
    for c in password.chars() {
        run = if Some(c) == last { run + 1 } else { 1 };
        last = Some(c);
        if run > count {
            return true;
        }
    }
    false
}

/// The reasons `password` breaks the policy the `Accounts_Password_Policy_*` settings set,
/// in Rocket.Chat's order; none while the policy is off.
pub(super) fn policy_violations(
    password: &str,
    settings: &super::SettingValues,
) -> Vec<(&'static str, &'static str)> {
    let on = |id: &str| settings.flag(&format!("Accounts_Password_Policy_{id}"));
    let number = |id: &str| settings.number(&format!("Accounts_Password_Policy_{id}"));
    if !on("Enabled") {
        return Vec::new();
    }
    let length = password.chars().count() as i64;
    let (min, max) = (number("MinLength"), number("MaxLength"));
    let broken = [
        min >= 1 && length < min,
        max >= 1 && length > max,
        on("ForbidRepeatingCharacters")
            && repeats_more_than(password, number("ForbidRepeatingCharactersCount")),
        on("AtLeastOneLowercase") && !password.chars().any(|c| c.is_ascii_lowercase()),
        on("AtLeastOneUppercase") && !password.chars().any(|c| c.is_ascii_uppercase()),
        on("AtLeastOneNumber") && !password.chars().any(|c| c.is_ascii_digit()),
        on("AtLeastOneSpecialCharacter")
            && !password
                .chars()
                .any(|c| !c.is_ascii_alphanumeric() && c != ' '),
    ];
    POLICY_REASONS
        .iter()
        .zip(broken)
        .filter(|(_, broken)| *broken)
        .map(|(reason, _)| *reason)
        .collect()
}

impl Service {
    /// Refuses a password a user chose that the password policy does not accept.
    pub(super) fn check_password_policy(&self, password: &str) -> ServiceResult<()> {
        let broken = policy_violations(password, &self.settings());
        match broken.is_empty() {
            true => Ok(()),
            false => Err(ServiceError::PasswordPolicy(broken)),
        }
    }

    /// Hashes a password a user chose, after the password policy accepted it.
    pub(super) fn hash_new_password(&self, password: &str) -> ServiceResult<String> {
        self.check_password_policy(password)?;
        Ok(self.hash_password(password))
    }

    /// Hashes `password` (over its digest) with a fresh 16-byte salt from the injected
    /// random source.
    pub(super) fn hash_password(&self, password: &str) -> String {
        let mut salt = [0u8; 16];
        self.with_rng(|rng| rng.fill_bytes(&mut salt));
        let (params, digest) = (self.argon2_params.clone(), hex_sha256(password));
        let phc = on_hashing_thread(move || {
            Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_with_salt(digest.as_bytes(), &salt)
                .expect("argon2 accepts any input with a 16-byte salt")
                .to_string()
        });
        format!("{DIGEST_PREFIX}{phc}")
    }
}

/// How many argon2 computations run at once, process-wide. Each holds 19 MiB; with one,
/// the server stayed at 113-116 MiB after a login flood (130 MiB with two, over issue 17's
/// 128 MiB) and users.info's p99 under the flood at 1.3-1.6x (2.4-3.0x with two), for
/// 35-38 logins/s instead of 54 on two cores (`cargo bench --bench load`).
const HASHING_THREADS: usize = 1;

type HashJob = Box<dyn FnOnce() + Send>;

/// Runs `work` (one argon2 computation) on one of the process's hashing threads and waits for
/// it. Those threads run at the lowest CPU priority (nice 19), so a login flood gets only the
/// CPU time other requests leave: on two cores, hashing at normal priority took half of it
/// and multiplied `users.info`'s p99 latency fivefold (`cargo bench --bench load`).
fn on_hashing_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    static QUEUE: OnceLock<Sender<HashJob>> = OnceLock::new();
    let queue = QUEUE.get_or_init(start_hashing_threads);
    let (answer, answered) = mpsc::sync_channel(1);
    queue
        .send(Box::new(move || {
            let _ = answer.send(work());
        }))
        .expect("the hashing threads live as long as the process");
    // A panic inside `work` drops `answer`: it resumes here, as if it had run on this thread.
    answered.recv().expect("argon2 panicked")
}

fn start_hashing_threads() -> Sender<HashJob> {
    let (queue, jobs) = mpsc::channel::<HashJob>();
    let jobs = Arc::new(Mutex::new(jobs));
    for i in 0..HASHING_THREADS {
        let jobs = Arc::clone(&jobs);
        std::thread::Builder::new()
            .name(format!("rocketlite-hash-{i}"))
            .spawn(move || hashing_loop(&jobs))
            .expect("spawning a hashing thread");
    }
    queue
}

fn hashing_loop(jobs: &Mutex<Receiver<HashJob>>) {
    // Per thread on Linux; where it fails, hashing runs at normal priority, as before.
    if let Err(error) = rustix::process::nice(19) {
        tracing::debug!(%error, "hashing stays at normal priority");
    }
    loop {
        let job = match jobs.lock().unwrap_or_else(|p| p.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // A panicking job has already dropped its answer; the thread goes on serving.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Whether `secret` matches `hash`; `None` (no such user) checks a decoy and says no. A hash
/// over the password itself cannot check a digest.
pub(super) fn verify_password(secret: &Secret, hash: Option<&str>) -> Verified {
    let matches = |phc: &str, input: &str| {
        let (phc, input) = (phc.to_string(), input.to_string());
        on_hashing_thread(move || {
            PasswordHash::new(&phc)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(input.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
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
    fn argon2_runs_on_its_own_threads_at_the_lowest_priority() {
        let (name, nice) = on_hashing_thread(|| {
            let name = std::thread::current().name().map(str::to_string);
            (name, rustix::process::getpriority_process(None).unwrap())
        });
        assert!(name.unwrap().starts_with("rocketlite-hash-"));
        assert_eq!(
            nice, 19,
            "a login flood must not take the CPU from requests"
        );
    }

    #[test]
    fn a_panicking_hash_fails_its_caller_and_the_threads_serve_on() {
        for _ in 0..=HASHING_THREADS {
            let outcome = std::panic::catch_unwind(|| on_hashing_thread(|| panic!("bad input")));
            assert!(outcome.is_err());
        }
        assert_eq!(on_hashing_thread(|| 7), 7);
    }

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
