//! What users change of their own account: `users.updateOwnBasicInfo`, governed by the
//! `Accounts_Allow*` settings instead of permissions, and ending their other sessions
//! (`users.logoutOtherClients`, `users.removeOtherTokens`).

use super::audit::Stamp;
use super::custom_fields::save_custom_fields;
use super::password::{Secret, Verified, verify_password};
use super::update::{UserChanges, apply_fields, check_fields, commit_user_change};
use super::users::check_fields_free;
use super::users::{check_new_username, check_rename};
use super::{Caller, Service, ServiceError, ServiceResult};
use crate::model::{Millis, TokenHash, User};

/// What `users.updateOwnBasicInfo` changes; absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct OwnBasicInfo {
    pub name: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub nickname: Option<String>,
    pub bio: Option<String>,
    pub status_text: Option<String>,
    /// The SHA-256 hex digest of the current password, as Rocket.Chat's clients send it:
    /// needed to change the email address or the password.
    pub current_password: Option<String>,
    pub new_password: Option<String>,
    /// Values of the `Accounts_CustomFields` fields, merged into those the caller holds.
    pub custom_fields: Option<super::CustomFields>,
}

/// A change of one's own account an `Accounts_Allow*Change` setting turned off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnEdit {
    Username,
    StatusText,
    RealName,
    Email,
    Password,
}

impl OwnEdit {
    /// The setting that allows it.
    fn setting(self) -> &'static str {
        match self {
            OwnEdit::Username => "Accounts_AllowUsernameChange",
            OwnEdit::StatusText => "Accounts_AllowUserStatusMessageChange",
            OwnEdit::RealName => "Accounts_AllowRealNameChange",
            OwnEdit::Email => "Accounts_AllowEmailChange",
            OwnEdit::Password => "Accounts_AllowPasswordChange",
        }
    }
}

impl Service {
    /// `users.updateOwnBasicInfo`: the caller changes its own name, username, email,
    /// nickname, bio, status message or password, in Rocket.Chat's order of refusals: the
    /// name's characters, `Accounts_AllowUserProfileChange`, each `Accounts_Allow*Change`,
    /// the current password (for a new email or password), then the checks users.update
    /// makes. A new password ends every other session.
    pub fn update_own_basic_info(
        &self,
        caller: &Caller,
        info: OwnBasicInfo,
    ) -> ServiceResult<User> {
        let changes = UserChanges {
            name: info.name.clone(),
            username: info.username.clone(),
            email: info.email.clone(),
            password: info.new_password.clone(),
            bio: info.bio.clone(),
            nickname: info.nickname.clone(),
            status_text: info.status_text.clone(),
            custom_fields: info.custom_fields.clone(),
            ..UserChanges::default()
        };
        check_fields(&changes, &self.settings())?;
        let settings = self.settings();
        if !settings.flag("Accounts_AllowUserProfileChange") {
            return Err(ServiceError::ProfileChangeNotAllowed);
        }
        let me = &caller.user;
        let email_change = info.email.as_ref().is_some_and(|email| {
            me.emails
                .first()
                .is_none_or(|first| !first.address.eq_ignore_ascii_case(email))
        });
        let edits = [
            (
                OwnEdit::Username,
                info.username.as_ref().is_some_and(|u| *u != me.username),
            ),
            (
                OwnEdit::StatusText,
                info.status_text
                    .as_ref()
                    .is_some_and(|t| Some(t) != me.profile.status_text.as_ref()),
            ),
            (
                OwnEdit::RealName,
                info.name.as_ref().is_some_and(|n| *n != me.name),
            ),
            (OwnEdit::Email, email_change),
            (OwnEdit::Password, info.new_password.is_some()),
        ];
        if let Some((edit, _)) = edits
            .iter()
            .find(|(edit, changed)| *changed && !settings.flag(edit.setting()))
        {
            return Err(ServiceError::OwnEditNotAllowed(*edit));
        }
        // The current password guards a new address or password (Rocket.Chat's second factor
        // by password, which `Accounts_TwoFactorAuthentication_Enabled` turns off as it does
        // there); checked before the transaction: the writer never waits on argon2.
        let guarded = settings.flag("Accounts_TwoFactorAuthentication_Enabled")
            && ((email_change && !me.emails.is_empty())
                || (info.new_password.is_some() && me.password_hash.is_some()));
        if guarded {
            let current = info
                .current_password
                .as_deref()
                .filter(|p| !p.is_empty())
                .ok_or(ServiceError::PasswordConfirmationRequired)?;
            let digest = Secret::Digest(current.to_lowercase());
            if verify_password(&digest, me.password_hash.as_deref()) == Verified::No {
                return Err(ServiceError::PasswordConfirmationInvalid);
            }
        }
        if let Some(new) = &info.new_password
            && me.password_hash.is_some()
            && verify_password(&Secret::Plain(new.clone()), me.password_hash.as_deref())
                != Verified::No
        {
            return Err(ServiceError::PasswordSameAsCurrent);
        }
        let hash = info
            .new_password
            .as_deref()
            .map(|p| self.hash_new_password(p))
            .transpose()?;
        let verified_hash = me.password_hash.clone();
        let now = self.now();
        let token = caller.token.clone();
        self.write_as(caller, move |tx, user| {
            // A password changed since it was checked above: check again.
            if guarded && user.password_hash != verified_hash {
                return Err(ServiceError::PasswordConfirmationInvalid);
            }
            let mut updated = user.clone();
            apply_fields(&mut updated, &changes, hash.as_deref());
            check_rename(&user, &updated, &settings)?;
            check_fields_free(tx, &updated)?;
            let stamp = Stamp::by(&user, now);
            let fields = changes.custom_fields.as_ref();
            save_custom_fields(tx, &settings, &stamp, &user.id, fields)?;
            commit_user_change(tx, &stamp, &user, updated, None, &[], Some(&token))
        })
    }

    /// `users.checkUsernameAvailability`: whether the caller may take `username`: its own
    /// name is; a blocked one is refused; one another user holds (in any case) is not.
    pub fn username_available(&self, caller: &Caller, username: &str) -> ServiceResult<bool> {
        if username.is_empty() {
            return Err(ServiceError::InvalidUsernameEmpty);
        }
        let settings = self.settings();
        if !settings.flag("Accounts_AllowUsernameChange") {
            return Err(ServiceError::UsernameChangeNotAllowed);
        }
        if username == caller.user.username {
            return Ok(true);
        }
        check_new_username(username, &settings)?;
        let taken = self
            .store
            .read(|tx| Ok::<_, ServiceError>(tx.user_id_by_username(username)?.is_some()))?;
        Ok(!taken)
    }

    /// `users.getUsernameSuggestion`, as Rocket.Chat's `generateUsernameSuggestion`: the
    /// first free one of the slugged name, first initial + last name, first name + last
    /// initial, and each verified address's local part (alone and with the domain's first
    /// label); else the first of them (or `user`) with `-N`, counting from how many such
    /// names exist.
    pub fn username_suggestion(&self, caller: &Caller) -> ServiceResult<String> {
        let user = &caller.user;
        let mut candidates = vec![slug(&user.name)];
        let parts: Vec<&str> = user.name.split(' ').collect();
        if let (Some(first), Some(last), true) = (parts.first(), parts.last(), parts.len() > 1) {
            let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            candidates.push(slug(&format!("{}{last}", initial(first))));
            candidates.push(slug(&format!("{first}{}", initial(last))));
        }
        for email in user.emails.iter().filter(|e| e.verified) {
            if let Some((local, domain)) = email.address.split_once('@') {
                candidates.push(slug(local));
                let label = domain
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next();
                candidates.push(slug(&format!("{local}.{}", label.unwrap_or_default())));
            }
        }
        candidates.retain(|c| !c.is_empty());
        self.store.read(|tx| {
            let free = |name: &str| -> ServiceResult<bool> {
                Ok(name != "all" && tx.user_id_by_username(name)?.is_none())
            };
            for candidate in &candidates {
                if free(candidate)? {
                    return Ok(candidate.clone());
                }
            }
            let base = candidates.first().cloned().unwrap_or_else(|| "user".into());
            let mut n = tx.count_numbered_usernames(&base)?;
            loop {
                let candidate = format!("{base}-{n}");
                if free(&candidate)? {
                    return Ok(candidate);
                }
                n += 1;
            }
        })
    }

    /// `users.logoutOtherClients` and `users.removeOtherTokens`: ends every session of the
    /// caller but the one it calls with and its personal access tokens (as Rocket.Chat's
    /// `removeNonPATLoginTokensExcept`); returns when the calling token expires.
    pub fn end_other_sessions(&self, caller: &Caller) -> ServiceResult<Millis> {
        let lifetime = self.token_lifetime_ms();
        let token = caller.token.clone();
        self.write_as(caller, move |tx, me| {
            let kept = super::personal_tokens::personal_token_hashes(tx, &me)?;
            for hash in tx.token_hashes_of(&me.id)? {
                if hash != token.0 && !kept.contains(&hash) {
                    tx.remove_token(&me.id, &TokenHash(hash))?;
                }
            }
            let issued = tx.token_user(&token)?.map_or(0, |(_, at)| at);
            // A personal access token never expires: the last instant a client can parse.
            Ok(issued.saturating_add(lifetime).min(LAST_INSTANT))
        })
    }
}

/// 9999-12-31T23:59:59.999Z: the latest date an answer names.
const LAST_INSTANT: Millis = 253_402_300_799_999;

/// Rocket.Chat's username slug (`limax` with `.` between words): lower case, words joined
/// by `.`, only `0-9 a-z - _ .` kept.
fn slug(text: &str) -> String {
    text.split_whitespace()
        .map(|word| {
            word.to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}
