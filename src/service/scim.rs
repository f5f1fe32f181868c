//! SCIM 2.0 provisioning (RFC 7643/7644) as use cases: an identity provider creates,
//! changes, deactivates and deletes users with a bearer token, through the same rules and
//! the same shared functions as users.create, users.update, users.setActiveStatus and
//! users.delete. SCIM has no `confirmRelinquish`: the server's [`ScimRelinquish`] policy
//! decides. The protocol itself (JSON, paths, filter text) is the HTTP layer's; here are
//! typed changes and a parsed filter.

use super::active_status::departure;
use super::audit::{Stamp, Subject, record_created};
use super::caller::require_any;
use super::change::Change;
use super::error::ParamProblem;
use super::lifecycle::remove_account;
use super::password::{Secret, Verified, verify_password};
use super::room_rules::join_default_rooms;
use super::update::{UserChanges, check_fields, commit_user_change};
use super::users::{check_fields_free, check_new_username, check_rename, fresh_id, is_valid_email};
use super::{Caller, Service, ServiceError, ServiceResult, sha256};
use crate::model::{
    Email, Millis, Permission, Role, ScimToken, User, UserId, normalize_key, parse_iso8601,
};
use crate::store::prelude::*;

/// What a SCIM deactivation or deletion does with the rooms the user is the last active
/// owner of (`--scim-relinquish`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScimRelinquish {
    /// Hand each to its earliest-joined active member, as `confirmRelinquish=true` does.
    #[default]
    HandOver,
    /// Refuse the change (409), as users.setActiveStatus without `confirmRelinquish` does.
    Refuse,
}

/// An authenticated SCIM client: the token it presented.
#[derive(Clone, Debug)]
pub struct ScimClient {
    pub token_id: String,
}

/// A SCIM token just created, with its secret: the only time the secret is available.
#[derive(Clone, Debug)]
pub struct NewScimToken {
    pub token: ScimToken,
    pub secret: String,
}

/// A user as SCIM sees it: the account and its SCIM `userName`, which is the username
/// unless the identity provider sent one no username may be (an email address).
#[derive(Clone, Debug)]
pub struct ScimUser {
    pub user: User,
    pub user_name: String,
}

/// A user as a SCIM `POST /Users` creates it. `emails` has the primary address first.
#[derive(Clone, Debug)]
pub struct ScimNewUser {
    pub user_name: String,
    pub display_name: String,
    pub emails: Vec<Email>,
    pub active: bool,
    pub external_id: Option<String>,
    pub password: Option<String>,
}

/// One change a SCIM `PUT` or `PATCH` makes, applied in order in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScimChange {
    UserName(String),
    DisplayName(String),
    /// Every address, the primary first.
    Emails(Vec<Email>),
    /// More addresses; one already held keeps its place.
    AddEmails(Vec<Email>),
    /// The addresses `selector` picks go; `None`: all of them.
    RemoveEmails(Option<EmailSelector>),
    /// The address `selector` picks gets this value (Entra's `emails[type eq
    /// "work"].value`); if it picks none, the address is added.
    SetEmail {
        selector: EmailSelector,
        value: String,
    },
    Active(bool),
    ExternalId(Option<String>),
    /// A new password; `None` removes it (no password login any more).
    Password(Option<String>),
}

/// Which of a user's addresses a change means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailSelector {
    /// The primary one (the first).
    Primary,
    Value(String),
    /// The one of this `type`.
    Kind(String),
}

impl EmailSelector {
    fn picks(&self, index: usize, email: &Email) -> bool {
        match self {
            EmailSelector::Primary => index == 0,
            EmailSelector::Value(v) => normalize_key(&email.address) == normalize_key(v),
            EmailSelector::Kind(k) => email
                .kind
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(k)),
        }
    }
}

/// The attributes a SCIM filter can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimAttr {
    Id,
    UserName,
    DisplayName,
    ExternalId,
    Active,
    /// `emails` or `emails.value`: any of the user's addresses.
    EmailValue,
    /// `emails.type`.
    EmailType,
    Created,
    LastModified,
}

/// A comparison operator of SCIM filters (RFC 7644 §3.4.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScimOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A literal in a SCIM filter.
#[derive(Clone, Debug, PartialEq)]
pub enum ScimValue {
    Str(String),
    Bool(bool),
    Number(f64),
    Null,
}

/// A parsed SCIM filter.
#[derive(Clone, Debug, PartialEq)]
pub enum ScimFilter {
    Compare(ScimAttr, ScimOp, ScimValue),
    Present(ScimAttr),
    /// `emails[…]`: one and the same address satisfies the inner filter.
    AnyEmail(Box<ScimFilter>),
    And(Box<ScimFilter>, Box<ScimFilter>),
    Or(Box<ScimFilter>, Box<ScimFilter>),
    Not(Box<ScimFilter>),
}

/// The longest name a SCIM token may have.
const TOKEN_NAME_MAX: usize = 120;

impl Service {
    /// Replaces the policy for rooms a SCIM deactivation or deletion would leave without an
    /// active owner.
    pub fn with_scim_relinquish(mut self, policy: ScimRelinquish) -> Self {
        self.scim_relinquish = policy;
        self
    }

    /// `rocketlite.scimTokens.create`: a new token named `name` (needs
    /// `rocketlite-manage-scim-tokens`). The secret is returned once and stored hashed.
    pub fn create_scim_token(&self, caller: &Caller, name: &str) -> ServiceResult<NewScimToken> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ServiceError::invalid_param("name", ParamProblem::Required));
        }
        super::limits::check_len("name", &name, TOKEN_NAME_MAX)?;
        let (id, key) = self.with_rng(|rng| {
            let mut key = [0u8; 32];
            rng.fill_bytes(&mut key);
            (crate::model::new_id(rng), hex(&key))
        });
        // The id is part of the secret, so authentication finds its token without a scan.
        let secret = format!("{id}.{key}");
        let token = ScimToken {
            id,
            name,
            secret_sha256: hex(&sha256(&secret)),
            created_at: self.now(),
            created_by: caller.user.id.clone(),
        };
        let stored = token.clone();
        self.write_as(caller, move |tx, me| {
            require_any(tx, &me, &[Permission::ManageScimTokens], None)?;
            if tx.scim_token(&stored.id)?.is_some() {
                let taken = StoreError::Corrupt(format!("SCIM token id {} taken", stored.id));
                return Err(ServiceError::from(taken));
            }
            tx.put_scim_token(&stored)?;
            Stamp::by(&me, stored.created_at).record(
                tx,
                "scim.token.create",
                Subject::Server,
                serde_json::Value::Null,
                serde_json::json!({ "tokenId": stored.id, "name": stored.name }),
            )?;
            Ok::<(), ServiceError>(())
        })?;
        Ok(NewScimToken { token, secret })
    }

    /// `rocketlite.scimTokens.list`: every token, without secrets.
    pub fn scim_tokens(&self, caller: &Caller) -> ServiceResult<Vec<ScimToken>> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::ManageScimTokens], None)?;
            Ok(tx.scim_tokens()?)
        })
    }

    /// `rocketlite.scimTokens.revoke`: the token stops working at once.
    pub fn revoke_scim_token(&self, caller: &Caller, token_id: &str) -> ServiceResult<()> {
        let now = self.now();
        let token_id = token_id.to_string();
        self.write_as(caller, move |tx, me| {
            require_any(tx, &me, &[Permission::ManageScimTokens], None)?;
            let token = tx
                .scim_token(&token_id)?
                .ok_or(ServiceError::ScimTokenNotFound)?;
            tx.remove_scim_token(&token.id)?;
            Stamp::by(&me, now).record(
                tx,
                "scim.token.revoke",
                Subject::Server,
                serde_json::json!({ "tokenId": token.id, "name": token.name }),
                serde_json::Value::Null,
            )?;
            Ok(())
        })
    }

    /// The SCIM client presenting `secret`, if it names a token that exists.
    pub fn scim_authenticate(&self, secret: &str) -> ServiceResult<ScimClient> {
        self.store.read(|tx| {
            let token = scim_token_of(tx, secret)?;
            Ok(ScimClient { token_id: token.id })
        })
    }

    /// `GET /Users`: the users `filter` matches, by username, and how many match.
    /// `start_index` is SCIM's 1-based position.
    pub fn scim_users(
        &self,
        client: &ScimClient,
        filter: Option<&ScimFilter>,
        start_index: usize,
        count: usize,
    ) -> ServiceResult<(Vec<ScimUser>, usize)> {
        self.store.read(|tx| {
            current_client(tx, client)?;
            let matching: Vec<ScimUser> = match filter {
                // The identity providers' lookup (Okta, Entra): an index read or two.
                Some(ScimFilter::Compare(ScimAttr::UserName, ScimOp::Eq, ScimValue::Str(name))) => {
                    let id = user_id_by_user_name(tx, name)?;
                    id.map(|id| scim_user(tx, &id))
                        .transpose()?
                        .into_iter()
                        .collect()
                }
                _ => {
                    let (all, _) = tx.users_page(0, usize::MAX)?;
                    let mut names: std::collections::HashMap<UserId, String> =
                        tx.scim_user_names()?.into_iter().collect();
                    all.into_iter()
                        .map(|user| ScimUser {
                            user_name: names.remove(&user.id).unwrap_or(user.username.clone()),
                            user,
                        })
                        .filter(|u| filter.is_none_or(|f| matches(f, u)))
                        .collect()
                }
            };
            let total = matching.len();
            let page = matching
                .into_iter()
                .skip(start_index.saturating_sub(1))
                .take(count)
                .collect();
            Ok((page, total))
        })
    }

    /// `GET /Users/{id}`.
    pub fn scim_user(&self, client: &ScimClient, id: &UserId) -> ServiceResult<ScimUser> {
        self.store.read(|tx| {
            current_client(tx, client)?;
            scim_user(tx, id)
        })
    }

    /// `POST /Users`: a new account, checked like users.create (pattern, lengths, unique
    /// username and addresses), joined to the default rooms. A `userName` no username may be
    /// (an email address) is kept as the SCIM userName, and the account gets a username
    /// derived from it.
    pub fn scim_create_user(
        &self,
        client: &ScimClient,
        new: ScimNewUser,
    ) -> ServiceResult<ScimUser> {
        check_user_name(&new.user_name)?;
        let settings = self.settings();
        check_fields(
            &UserChanges {
                name: Some(new.display_name.clone()),
                password: new.password.clone(),
                ..Default::default()
            },
            &settings,
        )?;
        let kept_name = (!is_username(&new.user_name, &settings)).then(|| new.user_name.clone());
        if kept_name.is_none() {
            check_new_username(&new.user_name, &settings)?;
        }
        check_emails(&new.emails, &settings)?;
        if let Some(id) = &new.external_id {
            super::limits::check_len("externalId", id, super::limits::EXTERNAL_ID)?;
        }
        let hash = new
            .password
            .as_deref()
            .map(|p| self.hash_new_password(p))
            .transpose()?;
        let now = self.now();
        let user = User {
            id: self.with_rng(UserId::generate),
            username: new.user_name,
            name: new.display_name,
            emails: merge(&[], &new.emails, Vec::new()),
            password_hash: hash,
            active: new.active,
            roles: vec!["user".into()],
            created_at: now,
            updated_at: now,
            last_login: None,
            inactive_reason: (!new.active).then(|| super::active_status::DEACTIVATED.into()),
            profile: Default::default(),
            external_id: new.external_id,
        };
        let sub_ids = self.default_room_sub_ids()?;
        let client = client.clone();
        self.store.write(move |tx| {
            current_client(tx, &client)?;
            let mut user = user.clone();
            if let Some(name) = &kept_name {
                check_user_name_free(tx, name, &user.id)?;
                user.username = derived_username(tx, name, &settings)?;
            }
            check_fields_free(tx, &user)?;
            fresh_id(tx, &user.id)?;
            tx.put_user(&user, None)?;
            tx.put_scim_user_name(&user.id, kept_name.as_deref())?;
            let stamp = Stamp::scim(&client.token_id, now);
            record_created(tx, &stamp, &user)?;
            join_default_rooms(tx, &user, &sub_ids, &stamp)?;
            Ok(ScimUser {
                user_name: kept_name.clone().unwrap_or(user.username.clone()),
                user,
            })
        })
    }

    /// `PUT` or `PATCH /Users/{id}`: `changes` in order, in one transaction. `active: false`
    /// runs the rules of users.setActiveStatus (never the last active admin; the last-owner
    /// rooms by the relinquish policy; tokens revoked); repeating it changes and records
    /// nothing.
    pub fn scim_change_user(
        &self,
        client: &ScimClient,
        id: &UserId,
        changes: Vec<ScimChange>,
    ) -> ServiceResult<ScimUser> {
        self.commit_blocking(self.scim_user_change(client, id, changes)?)
    }

    /// [`Service::scim_change_user`] prepared: checked and its passwords hashed, its
    /// transaction left for [`Service::commit`].
    pub fn scim_user_change(
        &self,
        client: &ScimClient,
        id: &UserId,
        changes: Vec<ScimChange>,
    ) -> ServiceResult<Change<ScimUser>> {
        let settings = self.settings();
        for change in &changes {
            check_change(change, &settings)?;
        }
        let target = self.scim_user(client, id)?.user;
        // Checked before any hash is compared, so the answer for an admin is the same
        // whatever password was sent; checked again inside the write, which may see a role
        // granted meanwhile.
        let asks_password = changes.iter().any(|c| matches!(c, ScimChange::Password(_)));
        if target.has_role(Role::Admin) && asks_password {
            return Err(ServiceError::ScimAdminProtected);
        }
        let changes = without_same_password(&target, changes);
        // Hashed before the transaction: the writer never waits on argon2.
        let hashes: Vec<Option<String>> = changes
            .iter()
            .map(|c| match c {
                ScimChange::Password(Some(p)) => self.hash_new_password(p).map(Some),
                _ => Ok(None),
            })
            .collect::<ServiceResult<_>>()?;
        let now = self.now();
        let confirm = self.scim_relinquish == ScimRelinquish::HandOver;
        let (client, id) = (client.clone(), id.clone());
        Ok(Change::new(move |tx| {
            current_client(tx, &client)?;
            let ScimUser { user, user_name } = scim_user(tx, &id)?;
            let mut updated = user.clone();
            let mut updated_name = user_name.clone();
            let mut active = None;
            for (change, hash) in changes.iter().zip(&hashes) {
                match change {
                    ScimChange::Active(a) => active = Some(*a),
                    ScimChange::UserName(name) => updated_name = name.clone(),
                    _ => apply(&mut updated, change, hash.as_deref()),
                }
            }
            let renamed = updated_name != user_name;
            if user.has_role(Role::Admin)
                && (asks_password || renamed || !admin_change_allowed(&user, &updated, active))
            {
                return Err(ServiceError::ScimAdminProtected);
            }
            // A userName that may be a username is the username; any other is kept apart,
            // and the username stays what it was.
            let kept_name = match is_username(&updated_name, &settings) {
                true => {
                    updated.username = updated_name.clone();
                    None
                }
                false => {
                    check_user_name_free(tx, &updated_name, &id)?;
                    Some(updated_name.clone())
                }
            };
            if renamed && updated == user {
                // Only the SCIM userName changed: the record still says when.
                updated.updated_at = now;
            }
            super::limits::check_count("emails", updated.emails.len(), super::limits::EMAILS)?;
            check_rename(&user, &updated, &settings)?;
            check_fields_free(tx, &updated)?;
            let handovers = match active {
                Some(false) => departure(tx, &user, confirm)?,
                _ => Vec::new(),
            };
            let stamp = Stamp::scim(&client.token_id, now);
            if renamed {
                tx.put_scim_user_name(&id, kept_name.as_deref())?;
                if updated.username == user.username {
                    // The username, which the user's audit facts show, stayed: say what did.
                    stamp.record(
                        tx,
                        "user.update",
                        Subject::User(&id),
                        serde_json::json!({ "userName": user_name }),
                        serde_json::json!({ "userName": updated_name }),
                    )?;
                }
            }
            let user = commit_user_change(tx, &stamp, &user, updated, active, &handovers, None)?;
            Ok(ScimUser {
                user_name: kept_name.unwrap_or(user.username.clone()),
                user,
            })
        }))
    }

    /// `DELETE /Users/{id}`: deletes like users.delete, its rooms by the relinquish policy.
    pub fn scim_delete_user(&self, client: &ScimClient, id: &UserId) -> ServiceResult<()> {
        self.commit_blocking(self.scim_user_deletion(client, id))
    }

    /// The transaction of [`Service::scim_delete_user`], for [`Service::commit`].
    pub fn scim_user_deletion(&self, client: &ScimClient, id: &UserId) -> Change<()> {
        let now = self.now();
        let confirm = self.scim_relinquish == ScimRelinquish::HandOver;
        let (client, id) = (client.clone(), id.clone());
        Change::new(move |tx| {
            current_client(tx, &client)?;
            let user = tx.user(&id)?.ok_or(ServiceError::UserNotFound)?;
            if user.has_role(Role::Admin) {
                return Err(ServiceError::ScimAdminProtected);
            }
            let handovers = departure(tx, &user, confirm)?;
            remove_account(tx, &user, &handovers, &Stamp::scim(&client.token_id, now))
        })
    }
}

/// `changes` with only the last password change kept, and that one dropped if it is the
/// password `user` has: an IdP that pushes passwords on every sync must neither pay an argon2
/// hash per copy nor end the user's sessions each time. Never called for an admin, whose
/// password SCIM may not touch, so no answer says whether a guess was an admin's password.
fn without_same_password(user: &User, changes: Vec<ScimChange>) -> Vec<ScimChange> {
    let last = changes
        .iter()
        .rposition(|c| matches!(c, ScimChange::Password(_)));
    let mut kept: Vec<ScimChange> = changes
        .into_iter()
        .enumerate()
        .filter(|(i, c)| !matches!(c, ScimChange::Password(_)) || Some(*i) == last)
        .map(|(_, c)| c)
        .collect();
    let same = kept.iter().any(|c| match c {
        ScimChange::Password(Some(p)) => {
            verify_password(&Secret::Plain(p.clone()), user.password_hash.as_deref())
                != Verified::No
        }
        _ => false,
    });
    if same {
        kept.retain(|c| !matches!(c, ScimChange::Password(_)));
    }
    kept
}

/// Whether a SCIM `userName` may be a username as it is (Rocket.Chat's default
/// `UTF8_User_Names_Validation` and the length bound); any other is kept apart.
fn is_username(name: &str, settings: &super::SettingValues) -> bool {
    name.chars().count() <= super::limits::USERNAME && settings.valid_user_name(name)
}

/// What any SCIM `userName` must be: not blank, within an address's length, no control
/// characters.
fn check_user_name(name: &str) -> ServiceResult<()> {
    super::limits::check_len("userName", name, super::limits::EMAIL)?;
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(ServiceError::InvalidUsername(name.to_string()));
    }
    Ok(())
}

/// Refuses a kept SCIM userName another account holds, as its username or its own kept one.
fn check_user_name_free(tx: &dyn Reads, name: &str, user: &UserId) -> ServiceResult<()> {
    match user_id_by_user_name(tx, name)? {
        Some(holder) if holder != *user => Err(ServiceError::FieldUnavailable(name.to_string())),
        _ => Ok(()),
    }
}

/// The user whose SCIM userName is `name` (case-insensitive): a kept one, else a username
/// whose account keeps none.
fn user_id_by_user_name(tx: &dyn Reads, name: &str) -> ServiceResult<Option<UserId>> {
    if let Some(id) = tx.user_id_by_scim_user_name(name)? {
        return Ok(Some(id));
    }
    match tx.user_id_by_username(name)? {
        Some(id) if tx.scim_user_name(&id)?.is_none() => Ok(Some(id)),
        _ => Ok(None),
    }
}

fn scim_user(tx: &dyn Reads, id: &UserId) -> ServiceResult<ScimUser> {
    let user = tx.user(id)?.ok_or(ServiceError::UserNotFound)?;
    let user_name = tx.scim_user_name(id)?.unwrap_or(user.username.clone());
    Ok(ScimUser { user, user_name })
}

/// The most numbered names tried for one derived username.
const DERIVED_TRIES: usize = 1000;

/// A free username for the SCIM userName `name`: the characters a username may hold from
/// the part before any `@` (`john.doe@example.com` -> `john.doe`), else `user`; then
/// `-1`, `-2`, ... until one is neither taken nor blocked.
fn derived_username(
    tx: &dyn Reads,
    name: &str,
    settings: &super::SettingValues,
) -> ServiceResult<String> {
    let local = name.split('@').next().unwrap_or_default();
    let mut base: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(super::limits::USERNAME - 5)
        .collect();
    if base.is_empty() {
        base = "user".into();
    }
    for n in 0..DERIVED_TRIES {
        let candidate = match n {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        };
        if tx.user_id_by_username(&candidate)?.is_none()
            && check_new_username(&candidate, settings).is_ok()
        {
            return Ok(candidate);
        }
    }
    Err(ServiceError::FieldUnavailable(name.to_string()))
}

/// The token `secret` names (`{id}.{key}`), compared by digest.
fn scim_token_of(tx: &dyn Reads, secret: &str) -> ServiceResult<ScimToken> {
    let id = secret.split_once('.').map_or("", |(id, _)| id);
    match tx.scim_token(id)? {
        Some(token) if token.secret_sha256 == hex(&sha256(secret)) => Ok(token),
        _ => Err(ServiceError::Unauthorized),
    }
}

/// Checked again inside each transaction: a token revoked meanwhile stops here.
fn current_client(tx: &dyn Reads, client: &ScimClient) -> ServiceResult<()> {
    match tx.scim_token(&client.token_id)? {
        Some(_) => Ok(()),
        None => Err(ServiceError::Unauthorized),
    }
}

fn check_emails(emails: &[Email], settings: &super::SettingValues) -> ServiceResult<()> {
    super::limits::check_count("emails", emails.len(), super::limits::EMAILS)?;
    for email in emails {
        if !is_valid_email(&email.address) {
            return Err(ServiceError::InvalidEmail(email.address.clone()));
        }
        super::users::check_email_domain(&email.address, settings)?;
        if let Some(kind) = &email.kind {
            super::limits::check_len("emails/type", kind, super::limits::EMAIL_TYPE)?;
        }
    }
    Ok(())
}

/// The formats and bounds a change must meet, before any transaction.
fn check_change(change: &ScimChange, settings: &super::SettingValues) -> ServiceResult<()> {
    match change {
        ScimChange::UserName(name) => check_user_name(name),
        ScimChange::DisplayName(name) if name.trim().is_empty() => Err(
            ServiceError::invalid_param("displayName", ParamProblem::Empty),
        ),
        ScimChange::DisplayName(name) => check_fields(
            &UserChanges {
                name: Some(name.clone()),
                ..Default::default()
            },
            settings,
        ),
        ScimChange::Password(Some(password)) => check_fields(
            &UserChanges {
                password: Some(password.clone()),
                ..Default::default()
            },
            settings,
        ),
        ScimChange::Emails(emails) | ScimChange::AddEmails(emails) => {
            check_emails(emails, settings)
        }
        ScimChange::SetEmail { value, .. } => match is_valid_email(value) {
            true => super::users::check_email_domain(value, settings),
            false => Err(ServiceError::InvalidEmail(value.clone())),
        },
        ScimChange::ExternalId(Some(id)) => {
            super::limits::check_len("externalId", id, super::limits::EXTERNAL_ID)
        }
        _ => Ok(()),
    }
}

/// Applies one change to the record (`hash`: the new password's).
fn apply(user: &mut User, change: &ScimChange, hash: Option<&str>) {
    let same = |a: &str, b: &str| normalize_key(a) == normalize_key(b);
    match change {
        ScimChange::UserName(_) => {}
        ScimChange::DisplayName(name) => user.name = name.clone(),
        ScimChange::Emails(emails) => user.emails = merge(&user.emails, emails, Vec::new()),
        ScimChange::AddEmails(emails) => {
            user.emails = merge(&user.emails, emails, user.emails.clone());
        }
        ScimChange::RemoveEmails(None) => user.emails.clear(),
        ScimChange::RemoveEmails(Some(selector)) => {
            let mut index = 0;
            user.emails.retain(|e| {
                index += 1;
                !selector.picks(index - 1, e)
            });
        }
        ScimChange::SetEmail { selector, value } => {
            let at = user
                .emails
                .iter()
                .enumerate()
                .position(|(i, e)| selector.picks(i, e));
            let kind = match selector {
                EmailSelector::Kind(kind) => Some(kind.clone()),
                _ => None,
            };
            match at {
                Some(i) if same(&user.emails[i].address, value) => {}
                Some(i) => {
                    user.emails[i].address = value.clone();
                    user.emails[i].verified = false;
                }
                None => user.emails.push(Email {
                    address: value.clone(),
                    verified: false,
                    kind,
                    primary: None,
                }),
            }
            dedupe(&mut user.emails);
        }
        ScimChange::ExternalId(id) => user.external_id = id.clone(),
        ScimChange::Password(_) => user.password_hash = hash.map(str::to_string),
        ScimChange::Active(_) => {}
    }
}

/// `base` followed by `new`'s addresses, each address once; an address the user already
/// had keeps its `verified` flag.
fn merge(old: &[Email], new: &[Email], base: Vec<Email>) -> Vec<Email> {
    let mut out = base;
    for email in new {
        let verified = old
            .iter()
            .any(|o| o.verified && normalize_key(&o.address) == normalize_key(&email.address));
        match out
            .iter_mut()
            .find(|o| normalize_key(&o.address) == normalize_key(&email.address))
        {
            Some(held) => {
                held.kind = email.kind.clone().or(held.kind.take());
                held.primary = email.primary.or(held.primary);
            }
            None => out.push(Email {
                verified,
                ..email.clone()
            }),
        }
    }
    // A new primary goes first (Rocket.Chat uses the first address), and is the only one.
    let primary = new.iter().rev().find(|e| e.primary == Some(true));
    if let Some(primary) = primary
        && let Some(at) = out
            .iter()
            .position(|o| normalize_key(&o.address) == normalize_key(&primary.address))
    {
        let first = out.remove(at);
        for other in &mut out {
            if other.primary == Some(true) {
                other.primary = Some(false);
            }
        }
        out.insert(0, first);
    }
    out
}

fn dedupe(emails: &mut Vec<Email>) {
    let mut seen = std::collections::HashSet::new();
    emails.retain(|e| seen.insert(normalize_key(&e.address)));
}

/// What SCIM may do to a user holding `admin`: deactivate it, and repeat what it holds. A
/// leaked SCIM token may not change how an admin logs in or is shown (username, even its case,
/// display name, addresses, external id), nor reactivate one: that is for a human admin.
fn admin_change_allowed(user: &User, updated: &User, active: Option<bool>) -> bool {
    let reactivates = active == Some(true) && !user.active;
    !reactivates && user == updated
}

/// Whether `user` matches `filter`. Strings compare case-insensitively but for `id` and
/// `externalId` (RFC 7643's `caseExact`); dates as instants.
fn matches(filter: &ScimFilter, user: &ScimUser) -> bool {
    matches_within(filter, user, None)
}

/// `matches`, with the email attributes narrowed to `email` inside `emails[…]`.
fn matches_within(filter: &ScimFilter, user: &ScimUser, email: Option<&Email>) -> bool {
    match filter {
        ScimFilter::And(a, b) => matches_within(a, user, email) && matches_within(b, user, email),
        ScimFilter::Or(a, b) => matches_within(a, user, email) || matches_within(b, user, email),
        ScimFilter::Not(f) => !matches_within(f, user, email),
        ScimFilter::AnyEmail(f) => user
            .user
            .emails
            .iter()
            .any(|e| matches_within(f, user, Some(e))),
        ScimFilter::Present(attr) => !values(*attr, user, email).is_empty(),
        ScimFilter::Compare(attr, op, value) => {
            let found = values(*attr, user, email);
            // `ne` holds when no value equals; the others when any value satisfies them.
            match op {
                ScimOp::Ne => !found.iter().any(|v| compare(*attr, v, ScimOp::Eq, value)),
                _ => found.iter().any(|v| compare(*attr, v, *op, value)),
            }
        }
    }
}

/// An attribute's values on a user (several for the emails).
#[derive(Clone, Debug)]
enum Held {
    Str(String),
    Bool(bool),
    Time(Millis),
}

fn values(attr: ScimAttr, scim: &ScimUser, email: Option<&Email>) -> Vec<Held> {
    let user = &scim.user;
    let emails = match email {
        Some(one) => std::slice::from_ref(one),
        None => user.emails.as_slice(),
    };
    match attr {
        ScimAttr::Id => vec![Held::Str(user.id.to_string())],
        ScimAttr::UserName => vec![Held::Str(scim.user_name.clone())],
        ScimAttr::DisplayName => vec![Held::Str(user.name.clone())],
        ScimAttr::ExternalId => user.external_id.iter().cloned().map(Held::Str).collect(),
        ScimAttr::Active => vec![Held::Bool(user.active)],
        ScimAttr::EmailValue => emails
            .iter()
            .map(|e| Held::Str(e.address.clone()))
            .collect(),
        ScimAttr::EmailType => emails
            .iter()
            .filter_map(|e| e.kind.clone().map(Held::Str))
            .collect(),
        ScimAttr::Created => vec![Held::Time(user.created_at)],
        ScimAttr::LastModified => vec![Held::Time(user.updated_at)],
    }
}

fn compare(attr: ScimAttr, held: &Held, op: ScimOp, value: &ScimValue) -> bool {
    use std::cmp::Ordering;
    let ordered = |ord: Ordering| match op {
        ScimOp::Eq => ord == Ordering::Equal,
        ScimOp::Ne => ord != Ordering::Equal,
        ScimOp::Gt => ord == Ordering::Greater,
        ScimOp::Ge => ord != Ordering::Less,
        ScimOp::Lt => ord == Ordering::Less,
        ScimOp::Le => ord != Ordering::Greater,
        ScimOp::Co | ScimOp::Sw | ScimOp::Ew => false,
    };
    match (held, value) {
        (Held::Bool(b), ScimValue::Bool(v)) => matches!(op, ScimOp::Eq) && b == v,
        (Held::Time(t), ScimValue::Str(v)) => parse_iso8601(v).is_some_and(|v| ordered(t.cmp(&v))),
        (Held::Str(s), ScimValue::Str(v)) => {
            let exact = matches!(attr, ScimAttr::Id | ScimAttr::ExternalId);
            let (s, v) = match exact {
                true => (s.clone(), v.clone()),
                false => (s.to_lowercase(), v.to_lowercase()),
            };
            match op {
                ScimOp::Co => s.contains(&v),
                ScimOp::Sw => s.starts_with(&v),
                ScimOp::Ew => s.ends_with(&v),
                _ => ordered(s.cmp(&v)),
            }
        }
        _ => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
