//! Authentication: login, logout and resolving the caller from its two headers.

use super::audit::{Stamp, Subject};
use super::caller::Caller;
use super::limits;
use super::login_limits::{self, Blocked, LoginLimits};
use super::password::{Secret, Verified, verify_password};
use super::{Service, ServiceError, ServiceResult};
use crate::model::{LoginToken, Millis, Permission, TokenHash, User, UserId, normalize_key};
use crate::store::prelude::*;
use serde_json::Value;

/// How a login names its user.
#[derive(Clone, Debug)]
pub enum LoginName {
    /// `user`: a username or an email address.
    UsernameOrEmail(String),
    Username(String),
    Email(String),
    /// `{"user": {"id": …}}`.
    Id(String),
}

impl LoginName {
    /// The name as the client sent it.
    pub fn text(&self) -> &str {
        let (LoginName::UsernameOrEmail(s)
        | LoginName::Username(s)
        | LoginName::Email(s)
        | LoginName::Id(s)) = self;
        s
    }
}

/// The key the brute-force counter uses: the account itself when the name resolves, so
/// `alice` and `alice@example.org` share one budget; otherwise a fixed-size digest of the
/// name, so made-up names of any length cost the same few bytes.
fn guard_key(user: Option<&User>, name: &LoginName) -> String {
    match user {
        Some(user) => format!("id:{}", user.id.as_str()),
        None => {
            use base64::Engine;
            use sha2::Digest;
            let digest = sha2::Sha256::digest(normalize_key(name.text()).as_bytes());
            format!(
                "name:{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        }
    }
}

impl Service {
    /// The active user owning `token`, if `user_id` names it. Anything else is `Unauthorized`,
    /// including a token of an inactive user (deliberately stricter than Rocket.Chat).
    pub fn authenticate(&self, user_id: &UserId, token: LoginToken) -> ServiceResult<Caller> {
        let cutoff = self.token_expiry_cutoff(self.now());
        self.store
            .read(|tx| token_holder(tx, user_id, token.hash(), cutoff))
    }

    /// Checks the password (or its digest) and issues a new login token. `client` is the
    /// caller's address, counted by the brute-force limits; a blocked login is refused before
    /// any hashing. A right password against a hash from before digests replaces that hash,
    /// in the same transaction as the token.
    pub fn login(
        &self,
        name: &LoginName,
        secret: &Secret,
        client: Option<&str>,
    ) -> ServiceResult<(User, LoginToken)> {
        // Longer than any password we store: refused without hashing, and not counted, so
        // it buys an attacker nothing against the limits.
        if secret.len() > limits::PASSWORD {
            return Err(ServiceError::LoginFailed);
        }
        let settings = self.settings();
        let limits = self
            .login_limits_override
            .unwrap_or_else(|| LoginLimits::from_settings(&settings));
        // An address on Block_Multiple_Failed_Logins_Ip_Whitelist is never counted.
        let listed = |address: &str| {
            settings
                .text("Block_Multiple_Failed_Logins_Ip_Whitelist")
                .split(',')
                .any(|ip| ip.trim() == address)
        };
        let client = client
            .filter(|address| !listed(address))
            .map(login_limits::address_key);
        let client = client.as_deref();
        let account = self.find_account(name)?;
        let key = guard_key(account.as_ref(), name);
        let now = self.now();
        match self.login_guard.check(&limits, &key, client, now) {
            Some(Blocked::User) => return Err(ServiceError::LoginBlockedForUser),
            Some(Blocked::Ip) => return Err(ServiceError::LoginBlockedForIp),
            None => {}
        }
        let result = check_password(account, secret);
        match &result {
            Err(ServiceError::LoginFailed) => self.login_guard.failed(&limits, &key, client, now),
            Ok(_) => self.login_guard.succeeded(&key),
            Err(_) => {}
        }
        let (user, verified) = result?;
        let upgrade = match (verified, secret) {
            (Verified::YesUpgrade, Secret::Plain(password)) => Some(self.hash_password(password)),
            _ => None,
        };
        let token = self.with_rng(LoginToken::generate);
        let cutoff = self.token_expiry_cutoff(now);
        self.store.write(move |tx| {
            // Re-read inside the write: a deactivation may have committed since the check.
            match tx.user(&user.id)? {
                Some(current) if current.active => {
                    // Unless the password changed meanwhile, the old hash gives way.
                    // Record the login (users.deactivateIdle reads it) and, unless the
                    // password changed meanwhile, let an old hash give way.
                    let mut seen = current.clone();
                    seen.last_login = Some(now);
                    if let Some(hash) = &upgrade
                        && current.password_hash == user.password_hash
                    {
                        seen.password_hash = Some(hash.clone());
                    }
                    tx.put_user(&seen, Some(&current))?;
                    tx.insert_token(&user.id, &token.hash(), now)?;
                    // Logins also sweep a few expired tokens, between the periodic sweeps.
                    tx.remove_tokens_issued_before(cutoff, 16)?;
                    Ok((current, token.clone()))
                }
                _ => Err(ServiceError::UserNotActivated),
            }
        })
    }

    /// The account `name` names, if any.
    fn find_account(&self, name: &LoginName) -> ServiceResult<Option<User>> {
        if limits::beyond_any_stored(name.text(), limits::EMAIL.max(limits::USERNAME)) {
            return Ok(None);
        }
        self.store.read(|tx| {
            let id = match name {
                LoginName::Username(u) => tx.user_id_by_username(u)?,
                LoginName::Email(e) => tx.user_id_by_email(e)?,
                LoginName::UsernameOrEmail(s) if s.contains('@') => tx.user_id_by_email(s)?,
                LoginName::UsernameOrEmail(s) => tx.user_id_by_username(s)?,
                LoginName::Id(id) => Some(UserId(id.clone())),
            };
            match id {
                Some(id) => tx.user(&id).map_err(ServiceError::from),
                None => Ok(None),
            }
        })
    }

    /// Removes up to `limit` expired login tokens; returns how many. The server runs it
    /// at start and every few minutes.
    pub fn prune_expired_tokens(&self, limit: usize) -> ServiceResult<usize> {
        let cutoff = self.token_expiry_cutoff(self.now());
        self.store
            .write(move |tx| Ok(tx.remove_tokens_issued_before(cutoff, limit)?))
    }

    /// Meteor's `resume` login: a live token logs its user in again and is returned as it
    /// is. An unknown, revoked or expired token fails like a wrong password.
    pub fn resume(&self, token: LoginToken) -> ServiceResult<(User, LoginToken)> {
        let hash = token.hash();
        let cutoff = self.token_expiry_cutoff(self.now());
        let user = self.store.read(|tx| match tx.token_user(&hash)? {
            Some((user, issued)) if issued >= cutoff => Ok(user),
            _ => Err(ServiceError::LoginFailed),
        })?;
        if !user.active {
            return Err(ServiceError::UserNotActivated);
        }
        Ok((user, token))
    }

    /// `users.logout`: revokes every login token of `user` (the caller when `None`); another
    /// user's need `logout-other-user`. Returns the user's id.
    pub fn logout_everywhere(
        &self,
        caller: &Caller,
        user: Option<&UserId>,
    ) -> ServiceResult<UserId> {
        let user = user.cloned();
        let now = self.now();
        self.write_as(caller, move |tx, me| {
            let target = user.clone().unwrap_or_else(|| me.id.clone());
            if target != me.id {
                super::caller::require_any(tx, &me, &[Permission::LogoutOtherUser], None)?;
            }
            if tx.user(&target)?.is_none() {
                return Err(ServiceError::UserNotFound);
            }
            tx.remove_all_tokens(&target)?;
            // Ending someone else's sessions is an admin's act; one's own is not recorded.
            if target != me.id {
                Stamp::by(&me, now).record(
                    tx,
                    "user.logout",
                    Subject::User(&target),
                    Value::Null,
                    Value::Null,
                )?;
            }
            Ok(target)
        })
    }

    /// `users.createToken`: a new login token for the user `user_id` names, in Rocket.Chat
    /// 8.8's order: the user exists, `secret` is the server's `CREATE_TOKENS_FOR_USERS_SECRET`
    /// (none set refuses every call), another user's token needs
    /// `user-generate-access-token`. Never for an inactive user, who could not use it.
    pub fn create_token(
        &self,
        caller: &Caller,
        user_id: &str,
        secret: &str,
    ) -> ServiceResult<(UserId, LoginToken)> {
        let secret_matches = self
            .create_tokens_secret
            .is_some_and(|expected| expected == super::sha256(secret));
        let token = self.with_rng(LoginToken::generate);
        let now = self.now();
        let user_id = user_id.trim().to_string();
        self.write_as(caller, move |tx, me| {
            if user_id.is_empty() {
                return Err(ServiceError::UserParamMissing);
            }
            let user = tx
                .user(&UserId(user_id.clone()))?
                .ok_or(ServiceError::UserNotFound)?;
            let permitted = user.id == me.id
                || super::caller::has_permission(
                    tx,
                    &me,
                    Permission::UserGenerateAccessToken,
                    None,
                )?;
            if !secret_matches || !permitted {
                return Err(ServiceError::NotAuthorized);
            }
            if !user.active {
                return Err(ServiceError::UserNotActivated);
            }
            tx.insert_token(&user.id, &token.hash(), now)?;
            Stamp::by(&me, now).record(
                tx,
                "user.token.create",
                Subject::User(&user.id),
                Value::Null,
                Value::Null,
            )?;
            Ok((user.id, token.clone()))
        })
    }

    /// Revokes the token the caller used.
    pub fn logout(&self, caller: &Caller) -> ServiceResult<()> {
        let token = caller.token.clone();
        self.write_as(caller, move |tx, user| {
            Ok(tx.remove_token(&user.id, &token)?)
        })
    }
}

/// The active user `user_id` whose live token hashes to `hash` (issued at `cutoff` or later).
/// An expired token answers like a revoked one; the pruning removes it for good.
pub(super) fn token_holder(
    tx: &dyn Reads,
    user_id: &UserId,
    hash: TokenHash,
    cutoff: Millis,
) -> ServiceResult<Caller> {
    match tx.token_user(&hash)? {
        Some((user, issued)) if user.id == *user_id && issued >= cutoff && user.active => {
            Ok(Caller { user, token: hash })
        }
        _ => Err(ServiceError::Unauthorized),
    }
}

/// `user` if `secret` proves its password and it is active, with how the hash matched. An
/// unknown user costs a hash too, so timing tells nothing about which names exist.
fn check_password(user: Option<User>, secret: &Secret) -> ServiceResult<(User, Verified)> {
    let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = verify_password(secret, hash);
    if verified == Verified::No {
        return Err(ServiceError::LoginFailed);
    }
    let user = user.ok_or(ServiceError::LoginFailed)?;
    if !user.active {
        return Err(ServiceError::UserNotActivated);
    }
    Ok((user, verified))
}
