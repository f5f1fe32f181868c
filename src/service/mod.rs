//! Domain rules: permissions, last admin, last owner, successor choice, token revocation.
//! Knows no poem type and no redb type; every state change is one store write transaction.

mod active_status;
mod audit;
mod auth;
mod autocomplete;
mod bootstrap;
mod caller;
mod change;
mod custom_fields;
mod error;
mod import;
mod lifecycle;
pub mod limits;
mod listing;
mod login_limits;
mod lookup;
mod membership;
mod moderation;
mod own_account;
mod password;
mod permissions;
mod personal_tokens;
mod preferences;
mod rate_limits;
mod register;
mod roles;
mod room_lists;
mod room_rules;
mod room_settings;
mod room_views;
mod rooms;
mod scim;
mod server;
mod settings;
mod status;
mod update;
mod users;

use std::sync::{Arc, Mutex, RwLock};

use rand::RngCore;

/// How a storage failure is answered (the kinds of the store's errors).
pub use crate::store::FailureKind;
pub use active_status::{OwnershipPlan, PlanAction, SetActiveStatus};
pub use audit::{AUDIT_BATCH, AuditBatch, AuditFilter, DEFAULT_AUDIT_MAX_ENTRIES};
pub use auth::LoginName;
pub use autocomplete::RoomScope;
pub use bootstrap::{
    AdminSeed, BootstrapOutcome, DEFAULT_CHANNEL_ID, DefaultChannelOutcome, ROCKET_CAT,
    RocketCatOutcome,
};
pub use caller::Caller;
pub use change::Change;
pub use custom_fields::{CustomFieldProblem, CustomFields};
pub use error::{ParamProblem, ServiceError, ServiceResult};
pub use import::ImportRoom;
pub use listing::{CountLimits, Page, SortKey};
pub use login_limits::LoginLimits;
pub use lookup::{RoomRef, UserRef};
pub use own_account::{OwnBasicInfo, OwnEdit};
pub use password::Secret;
pub use personal_tokens::TokenChange;
pub use rate_limits::RateDecision;
pub use register::Registration;
pub use roles::{RoleGrant, RoleRevoke, RoleUpdate};
pub use room_lists::{AdminRoomsQuery, DirectoryEntry, DirectoryKind, DirectoryQuery};
pub use room_rules::RoomOwner;
pub use room_settings::RoomEdit;
pub use room_views::{MembersByRoleQuery, RoomCounters};
pub use rooms::{MemberListQuery, NewRoom, RoomListScope, RoomMember};
pub use scim::{
    EmailSelector, NewScimToken, ScimAttr, ScimChange, ScimClient, ScimFilter, ScimNewUser, ScimOp,
    ScimRelinquish, ScimUser, ScimValue,
};
pub use server::LicenceInfo;
pub use settings::{SettingItem, SettingValues, SettingsQuery};
pub use status::{Presence, StatusChange};
pub use update::{EditRight, UserChanges};
pub use users::{NewUser, StatusQuery, UserInfo, UserListQuery};

use crate::model::Millis;
use crate::store::Store;

/// The time source, injected so tests and fuzzers replay exactly.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        now.as_millis() as Millis
    })
}

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// SHA-256 of `text`: secrets are compared as digests, so the comparison's time says nothing
/// about the secret.
fn sha256(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// The use cases, over one store. Share it behind an `Arc`.
pub struct Service {
    store: Store,
    clock: Clock,
    rng: Mutex<Box<dyn RngCore + Send>>,
    argon2_params: argon2::Params,
    login_guard: login_limits::LoginGuard,
    /// Fixed login limits instead of the `Block_Multiple_Failed_Logins_*` settings.
    login_limits_override: Option<LoginLimits>,
    /// A login-token lifetime (ms) that overrides `Accounts_LoginExpiration` (tests).
    token_lifetime_override: Option<Millis>,
    /// Sign-up on or off whatever `Accounts_RegistrationForm` says (tests).
    registration_override: Option<bool>,
    /// SHA-256 of `CREATE_TOKENS_FOR_USERS_SECRET`; `users.createToken` refuses every call
    /// without one.
    create_tokens_secret: Option<[u8; 32]>,
    /// What a SCIM deactivation or deletion does with rooms it would leave ownerless.
    scim_relinquish: scim::ScimRelinquish,
    /// The settings' values, read again after every change (`settings.rs`).
    settings: RwLock<Arc<SettingValues>>,
    /// The REST rate limiter's counters.
    rate_limits: rate_limits::RateLimits,
}

impl Service {
    /// A service over `store` with the given clock and random source (the OS generator in
    /// production, a seeded one in tests).
    pub fn new(store: Store, clock: Clock, rng: Box<dyn RngCore + Send>) -> Self {
        Service {
            store,
            clock,
            rng: Mutex::new(rng),
            argon2_params: argon2::Params::default(),
            login_guard: login_limits::LoginGuard::new(),
            login_limits_override: None,
            token_lifetime_override: None,
            registration_override: None,
            create_tokens_secret: None,
            scim_relinquish: scim::ScimRelinquish::default(),
            settings: RwLock::default(),
            rate_limits: Default::default(),
        }
    }

    /// Sets the secret `users.createToken` requires (Rocket.Chat's
    /// `CREATE_TOKENS_FOR_USERS_SECRET`); without one it refuses every call.
    pub fn with_create_tokens_secret(mut self, secret: Option<&str>) -> Self {
        self.create_tokens_secret = secret.filter(|s| !s.is_empty()).map(sha256);
        self
    }

    /// Fixes how many days a login token lives, whatever the setting
    /// `Accounts_LoginExpiration` says (tests that move the clock by years).
    pub fn with_login_expiration_days(mut self, days: u32) -> Self {
        self.token_lifetime_override = Some(Millis::from(days.max(1)) * DAY_MS);
        self
    }

    /// Fixes whether `users.register` accepts sign-ups, whatever the setting
    /// `Accounts_RegistrationForm` says.
    pub fn with_registration(mut self, open: bool) -> Self {
        self.registration_override = Some(open);
        self
    }

    /// Fixes the login brute-force limits, whatever the `Block_Multiple_Failed_Logins_*`
    /// settings say.
    pub fn with_login_limits(mut self, limits: LoginLimits) -> Self {
        self.login_limits_override = Some(limits);
        self
    }

    /// Replaces the cost of new password hashes. Production keeps argon2's defaults (OWASP's
    /// minimum); property tests and fuzzers use a tiny cost to run thousands of logins.
    pub fn with_argon2_params(mut self, params: argon2::Params) -> Self {
        self.argon2_params = params;
        self
    }

    /// Gives the store back, closing nothing: tests reopen files through this.
    pub fn into_store(self) -> Store {
        self.store
    }

    /// The store, for read-only inspection by tests and tools.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> Millis {
        (self.clock)()
    }

    /// Login tokens issued before this instant have expired at `now`.
    fn token_expiry_cutoff(&self, now: Millis) -> Millis {
        now - self.token_lifetime_ms() + 1
    }

    /// Runs `f` with the injected random source.
    fn with_rng<T>(&self, f: impl FnOnce(&mut dyn RngCore) -> T) -> T {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(rng.as_mut())
    }
}
