//! Personal access tokens (`users.generatePersonalAccessToken` and its kin): named login
//! tokens that never expire, for scripts. They need `create-personal-access-tokens` and, for
//! every change, Rocket.Chat's second factor by password; they end like any session with a
//! logout everywhere, a deactivation or a deletion, but survive `users.logoutOtherClients`.

use super::audit::{Stamp, Subject};
use super::caller::has_permission;
use super::password::{Secret, Verified, verify_password};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{
    LoginToken, Millis, NEVER_EXPIRES, Permission, PersonalAccessToken, TokenHash, User,
};
use crate::store::prelude::*;

/// How long after its creation an account without a second factor is spared one
/// (Rocket.Chat's `Accounts_TwoFactorAuthentication_RememberFor` default, 1800 s).
const NEW_ACCOUNT_GRACE_MS: Millis = 1_800_000;

/// Which change a personal-access-token call makes; Rocket.Chat names its method in refusals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenChange {
    Generate,
    Regenerate,
    Remove,
}

impl TokenChange {
    pub fn method(self) -> &'static str {
        match self {
            TokenChange::Generate => "personalAccessTokens:generateToken",
            TokenChange::Regenerate => "personalAccessTokens:regenerateToken",
            TokenChange::Remove => "personalAccessTokens:removeToken",
        }
    }
}

/// The tokens of `user` whose login token still lives (a logout everywhere ends them too).
fn live_tokens(tx: &dyn Reads, user: &User) -> ServiceResult<Vec<PersonalAccessToken>> {
    let live = tx.token_hashes_of(&user.id)?;
    let mut tokens = tx.personal_access_tokens(&user.id)?;
    tokens.retain(|t| live.contains(&t.token_hash));
    Ok(tokens)
}

impl Service {
    /// Rocket.Chat's second factor for a user without TOTP or email codes: the SHA-256 hex
    /// digest of its password in `X-2FA-Code`. Spared when the setting
    /// `Accounts_TwoFactorAuthentication_Enabled` is off, for an account without a password,
    /// and for one created in the last 30 minutes. Checked before the transaction.
    fn check_second_factor(&self, user: &User, code: Option<&str>) -> ServiceResult<()> {
        let spared = !self
            .settings()
            .flag("Accounts_TwoFactorAuthentication_Enabled")
            || user.password_hash.is_none()
            || self.now() - user.created_at < NEW_ACCOUNT_GRACE_MS;
        if spared {
            return Ok(());
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or(ServiceError::PasswordConfirmationRequired)?;
        let digest = Secret::Digest(code.to_lowercase());
        match verify_password(&digest, user.password_hash.as_deref()) {
            Verified::No => Err(ServiceError::PasswordConfirmationInvalid),
            _ => Ok(()),
        }
    }

    /// `users.generatePersonalAccessToken` (`Generate`), `.regeneratePersonalAccessToken`
    /// (`Regenerate`: the same name, a new secret, the old `bypassTwoFactor`) and
    /// `.removePersonalAccessToken` (`Remove`, which returns `None`). Returns the new secret.
    pub fn change_personal_access_token(
        &self,
        caller: &Caller,
        change: TokenChange,
        name: &str,
        bypass_two_factor: bool,
        two_factor_code: Option<&str>,
    ) -> ServiceResult<Option<String>> {
        super::limits::check_len("tokenName", name, super::limits::TOKEN_NAME)?;
        self.check_second_factor(&caller.user, two_factor_code)?;
        let token = self.with_rng(LoginToken::generate);
        let now = self.now();
        let name = name.to_string();
        self.write_as(caller, move |tx, me| {
            if !has_permission(tx, &me, Permission::CreatePersonalAccessTokens, None)? {
                return Err(ServiceError::TokenNotAuthorized(change));
            }
            let live = live_tokens(tx, &me)?;
            let held = live.iter().find(|t| t.name == name).cloned();
            let bypass = match (change, &held) {
                (TokenChange::Generate, Some(_)) => return Err(ServiceError::TokenExists(change)),
                (TokenChange::Generate, None) if live.len() >= super::limits::PERSONAL_TOKENS => {
                    return Err(ServiceError::TooManyTokens(super::limits::PERSONAL_TOKENS));
                }
                (TokenChange::Generate, None) => bypass_two_factor,
                (_, None) => return Err(ServiceError::TokenMissing(change)),
                (_, Some(old)) => old.bypass_two_factor,
            };
            if let Some(old) = &held {
                tx.remove_token(&me.id, &TokenHash(old.token_hash.clone()))?;
            }
            tx.remove_personal_access_token(&me.id, &name)?;
            // Records whose login token a logout everywhere ended go too, so they never pile up.
            for stale in tx.personal_access_tokens(&me.id)? {
                if !live.iter().any(|t| t.name == stale.name) {
                    tx.remove_personal_access_token(&me.id, &stale.name)?;
                }
            }
            let stamp = Stamp::by(&me, now);
            if change == TokenChange::Remove {
                stamp.record(
                    tx,
                    "token.personal.remove",
                    Subject::User(&me.id),
                    serde_json::json!({ "name": name }),
                    serde_json::Value::Null,
                )?;
                return Ok(None);
            }
            let secret = token.expose().to_string();
            let record = PersonalAccessToken {
                name: name.clone(),
                token_hash: token.hash().0,
                created_at: now,
                last_token_part: secret[secret.len().saturating_sub(6)..].to_string(),
                bypass_two_factor: bypass,
            };
            tx.insert_token(&me.id, &token.hash(), NEVER_EXPIRES)?;
            tx.put_personal_access_token(&me.id, &record)?;
            stamp.record(
                tx,
                "token.personal.create",
                Subject::User(&me.id),
                serde_json::Value::Null,
                serde_json::json!({ "name": name, "lastTokenPart": record.last_token_part }),
            )?;
            Ok(Some(secret))
        })
    }

    /// `users.getPersonalAccessTokens`: the caller's live tokens, by name (needs
    /// `create-personal-access-tokens`).
    pub fn personal_access_tokens(
        &self,
        caller: &Caller,
    ) -> ServiceResult<Vec<PersonalAccessToken>> {
        self.store.read(|tx| {
            if !has_permission(
                tx,
                &caller.user,
                Permission::CreatePersonalAccessTokens,
                None,
            )? {
                return Err(ServiceError::Forbidden);
            }
            live_tokens(tx, &caller.user)
        })
    }
}

/// The hashes of `user`'s personal access tokens: the sessions `users.logoutOtherClients`
/// leaves alone.
pub(super) fn personal_token_hashes(tx: &dyn Reads, user: &User) -> ServiceResult<Vec<String>> {
    Ok(live_tokens(tx, user)?
        .into_iter()
        .map(|t| t.token_hash)
        .collect())
}
