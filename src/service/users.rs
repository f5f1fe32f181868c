//! User accounts: creation, lookup and listing.

use super::caller::{current_caller, has_permission, require_any};
use super::custom_fields::{CustomFields, custom_fields_of, new_custom_fields};
use super::limits;
use super::listing::{Page, SortKey, sort_by};
use super::lookup::{UserRef, find_user};
use super::room_rules::join_default_rooms;
use super::{Caller, Service, ServiceError, ServiceResult, SettingValues};
use std::cmp::Ordering;

use crate::model::{Email, Permission, Role, Room, Subscription, User, UserId, normalize_key};
use crate::store::prelude::*;

/// What `users.create` asks for.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub username: String,
    pub active: bool,
    pub roles: Vec<String>,
    pub verified: bool,
    /// Join every default room (`GENERAL`), as Rocket.Chat's `joinDefaultChannels` does.
    pub join_default_channels: bool,
    /// Values of the `Accounts_CustomFields` fields, checked when sent.
    pub custom_fields: Option<CustomFields>,
}

/// What `users.info` answers: the user, whether the caller may see everything about it
/// (itself, or `view-full-other-user-info`), and its memberships when asked for and allowed.
#[derive(Clone, Debug)]
pub struct UserInfo {
    pub user: User,
    pub full: bool,
    /// Subscriptions with their rooms, by room type then name.
    pub rooms: Option<Vec<(Subscription, Room)>>,
    /// Its values of the `Accounts_CustomFields` fields, if it has any.
    pub custom_fields: Option<CustomFields>,
}

/// Rocket.Chat's default `UTF8_User_Names_Validation` and `UTF8_Channel_Names_Validation`.
pub(super) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A username an operator may give on first start: the pattern and the length bound.
pub(super) fn is_valid_username(name: &str) -> bool {
    name.chars().count() <= limits::USERNAME && is_valid_name(name)
}

/// A plain `local@domain.tld` check, as Rocket.Chat's `validateEmailDomain` starts with.
pub(super) fn is_valid_email(email: &str) -> bool {
    if email.len() > limits::EMAIL {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.starts_with('.')
                && domain.contains('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// Refuses an address whose domain `Accounts_AllowedDomainsList` (when set) does not list,
/// or `Accounts_BlockedDomainsList` lists, as Rocket.Chat's `validateEmailDomain` does.
pub(super) fn check_email_domain(email: &str, settings: &SettingValues) -> ServiceResult<()> {
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    let listed = |id: &str| {
        let list: Vec<&str> = settings
            .text(id)
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .collect();
        (!list.is_empty()).then(|| list.iter().any(|d| d.eq_ignore_ascii_case(domain)))
    };
    if listed("Accounts_AllowedDomainsList") == Some(false) {
        return Err(ServiceError::EmailDomainNotAllowed);
    }
    if listed("Accounts_BlockedDomainsList") == Some(true) {
        return Err(ServiceError::EmailDomainBlocked);
    }
    Ok(())
}

impl Service {
    /// Creates a user; needs `create-user`. The password is hashed before the write
    /// transaction starts, so the writer lock is never held for an argon2 run.
    pub fn create_user(&self, caller: &Caller, new: NewUser) -> ServiceResult<User> {
        self.store.read(|tx| {
            let current = current_caller(tx, caller)?;
            require_any(tx, &current, &[Permission::CreateUser], None)
        })?;
        // Rocket.Chat checks the custom fields before the rest of the account.
        let custom_fields = new_custom_fields(&self.settings(), new.custom_fields.as_ref())?;
        self.check_new_user(&new)?;
        self.check_password_policy(&new.password)?;
        let join_defaults = new.join_default_channels;
        let user = self.user_record(new);
        let sub_ids = self.default_room_sub_ids()?;
        let now = self.now();
        self.write_as(caller, move |tx, caller| {
            // Checked again inside the write: the caller may have lost its rights, and another
            // request may have taken the name since.
            require_any(tx, &caller, &[Permission::CreateUser], None)?;
            check_fields_free(tx, &user)?;
            fresh_id(tx, &user.id)?;
            tx.put_user(&user, None)?;
            if let Some(fields) = &custom_fields {
                tx.put_custom_fields(&user.id, fields)?;
            }
            let stamp = super::audit::Stamp::by(&caller, now);
            super::audit::record_created(tx, &stamp, &user)?;
            if join_defaults {
                join_default_rooms(tx, &user, &sub_ids, &stamp)?;
            }
            Ok(user.clone())
        })
    }

    /// The values `user` holds of the `Accounts_CustomFields` fields, to show with it.
    pub fn custom_fields(&self, user: &UserId) -> ServiceResult<Option<CustomFields>> {
        self.store.read(|tx| custom_fields_of(tx, user))
    }

    /// Fresh subscription ids, one for each default room there is now.
    pub(super) fn default_room_sub_ids(&self) -> ServiceResult<Vec<String>> {
        let rooms = self.store.read(|tx| tx.default_room_ids())?.len();
        Ok(self.with_rng(|rng| (0..rooms).map(|_| crate::model::new_id(rng)).collect()))
    }

    /// The record of a new account: a fresh id and the password hashed (argon2, slow: call it
    /// before any write transaction).
    pub(super) fn user_record(&self, new: NewUser) -> User {
        let now = self.now();
        let id = self.with_rng(UserId::generate);
        User {
            password_hash: Some(self.hash_password(&new.password)),
            emails: vec![Email {
                address: new.email,
                verified: new.verified,
                kind: None,
                primary: None,
            }],
            active: new.active,
            inactive_reason: (!new.active).then(|| "deactivated".into()),
            ..User::new(
                id,
                &new.username,
                &new.name,
                limits::distinct(&new.roles),
                now,
            )
        }
    }

    /// Rejects a new user whose fields are malformed or already taken, in Rocket.Chat's order
    /// (`validateUserData`, then `saveNewUser`); writes nothing.
    fn check_new_user(&self, new: &NewUser) -> ServiceResult<()> {
        for (field, value, max) in [
            ("name", &new.name, limits::DISPLAY_NAME),
            ("username", &new.username, limits::USERNAME),
            ("email", &new.email, limits::EMAIL),
        ] {
            limits::check_len(field, value, max)?;
        }
        limits::check_bytes("password", &new.password, limits::PASSWORD)?;
        limits::check_count("roles", new.roles.len(), limits::ROLES)?;
        for (field, value) in [
            ("Name", &new.name),
            ("Username", &new.username),
            ("Password", &new.password),
        ] {
            if value.trim().is_empty() {
                return Err(ServiceError::FieldRequired(field));
            }
        }
        if !self.settings().valid_user_name(&new.username) {
            return Err(ServiceError::InvalidUsername(new.username.clone()));
        }
        check_new_username(&new.username, &self.settings())?;
        self.store
            .read(|tx| check_unique(tx, &new.username, &new.email))?;
        if !is_valid_email(&new.email) {
            return Err(ServiceError::InvalidEmail(new.email.clone()));
        }
        check_email_domain(&new.email, &self.settings())?;
        if let Some(role) = new.roles.iter().find(|r| Role::parse_global(r).is_none()) {
            return Err(ServiceError::UnknownRole(role.clone()));
        }
        Ok(())
    }

    /// The user `name` names. Looking up by email or import id is for the user itself and
    /// holders of `view-full-other-user-info`; to anyone else such a user is not found.
    /// `include_rooms` adds its memberships for the user itself and holders of
    /// `view-other-user-channels` (silently left out for others, as in Rocket.Chat).
    pub fn user_info(
        &self,
        caller: &Caller,
        name: &UserRef,
        include_rooms: bool,
    ) -> ServiceResult<UserInfo> {
        self.store.read(|tx| {
            let user = find_user(tx, name)?.ok_or(ServiceError::UserNotFound)?;
            let myself = user.id == caller.user.id;
            let full = myself
                || has_permission(tx, &caller.user, Permission::ViewFullOtherUserInfo, None)?;
            if matches!(name, UserRef::Email(_) | UserRef::ImportId(_)) && !full {
                return Err(ServiceError::UserNotFound);
            }
            let rooms = match include_rooms
                && (myself
                    || has_permission(tx, &caller.user, Permission::ViewOtherUserChannels, None)?)
            {
                true => Some(memberships(tx, &user.id)?),
                false => None,
            };
            let custom_fields = custom_fields_of(tx, &user.id)?;
            Ok(UserInfo {
                user,
                full,
                rooms,
                custom_fields,
            })
        })
    }

    /// A page of users, inactive ones included, with how many match; needs `view-d-room`.
    /// The flag says whether the caller sees every field. Looking up by `email` needs
    /// `view-full-other-user-info`.
    pub fn list_users(
        &self,
        caller: &Caller,
        query: &UserListQuery,
    ) -> ServiceResult<(Vec<User>, u64, bool)> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::ViewDRoom], None)?;
            let full = has_permission(tx, &caller.user, Permission::ViewFullOtherUserInfo, None)?;
            let page = query.page;
            if let Some(email) = &query.email {
                if !full {
                    return Err(ServiceError::Forbidden);
                }
                let found: Vec<User> = match tx.user_id_by_email(email)? {
                    Some(id) => tx.user(&id)?.into_iter().collect(),
                    None => vec![],
                };
                let total = found.len() as u64;
                return Ok((page.of(found), total, full));
            }
            let sort = visible_sort(&query.sort, full);
            let by_username = sort.iter().all(|k| k.field == "username" && !k.descending);
            if by_username {
                // The username index already holds this order: read only the page.
                let count = page.count.unwrap_or(usize::MAX);
                let (users, total) = tx.users_page(page.offset, count)?;
                return Ok((users, total, full));
            }
            let (mut users, total) = tx.users_page(0, usize::MAX)?;
            sort_by(&mut users, &sort, compare_users, |a, b| {
                normalize_key(&a.username).cmp(&normalize_key(&b.username))
            });
            Ok((page.of(users), total, full))
        })
    }
}

/// What `users.listByStatus` asks for; `None` filters nothing.
#[derive(Clone, Debug, Default)]
pub struct StatusQuery {
    pub page: Page,
    pub sort: Vec<SortKey>,
    /// `true` for active users, `false` for deactivated ones.
    pub active: Option<bool>,
    pub has_logged_in: Option<bool>,
    /// Rocket.Chat's user `type`; every rocketlite user is a `user`.
    pub kind: Option<String>,
    /// Users holding any of these global roles (`all`: no filter).
    pub roles: Option<Vec<String>>,
    /// A part of the username, name or (for holders of `view-full-other-user-info`) email.
    pub search_term: Option<String>,
    /// Why they are inactive (`deactivated`, `pending_approval`, `idle_too_long`).
    pub inactive_reasons: Option<Vec<String>>,
}

impl StatusQuery {
    fn matches(&self, user: &User, full: bool) -> bool {
        let term = self.search_term.as_deref().map(str::to_lowercase);
        let found = |text: &str| {
            term.as_deref()
                .is_none_or(|t| text.to_lowercase().contains(t))
        };
        let reason = user
            .inactive_reason
            .as_deref()
            .or((!user.active).then_some("deactivated"));
        self.active.is_none_or(|a| user.active == a)
            && self
                .has_logged_in
                .is_none_or(|l| user.last_login.is_some() == l)
            && self.kind.as_deref().is_none_or(|k| k == "user")
            && self
                .roles
                .as_ref()
                .is_none_or(|roles| roles.iter().any(|r| r == "all" || user.roles.contains(r)))
            && (found(&user.username)
                || found(&user.name)
                || (full && user.emails.iter().any(|e| found(&e.address))))
            && self
                .inactive_reasons
                .as_ref()
                .is_none_or(|reasons| reason.is_some_and(|r| reasons.iter().any(|x| x == r)))
    }
}

/// What `users.list` asks for.
#[derive(Clone, Debug, Default)]
pub struct UserListQuery {
    pub page: Page,
    /// Keys of Rocket.Chat's user documents; others are ignored.
    pub sort: Vec<SortKey>,
    /// Only the user with this address (compared case-insensitively).
    pub email: Option<String>,
}

impl Service {
    /// A page of the users `query` selects, with how many match; needs `view-d-room`. Reads
    /// every user: an administrator's search, not a hot path.
    pub fn list_users_by_status(
        &self,
        caller: &Caller,
        query: &StatusQuery,
    ) -> ServiceResult<(Vec<User>, u64, bool)> {
        self.store.read(|tx| {
            require_any(tx, &caller.user, &[Permission::ViewDRoom], None)?;
            let full = has_permission(tx, &caller.user, Permission::ViewFullOtherUserInfo, None)?;
            let (all, _) = tx.users_page(0, usize::MAX)?;
            let mut users: Vec<User> = all.into_iter().filter(|u| query.matches(u, full)).collect();
            sort_by(
                &mut users,
                &visible_sort(&query.sort, full),
                compare_users,
                |a, b| normalize_key(&a.username).cmp(&normalize_key(&b.username)),
            );
            let total = users.len() as u64;
            Ok((query.page.of(users), total, full))
        })
    }
}

/// Rocket.Chat's system names (`Accounts_SystemBlockedUsernameList`): no account may take
/// one, and renaming to one fails as "could not save user identity". The bootstrap admin,
/// created from `ADMIN_USERNAME` (`admin` by default), is the one exception, as in Rocket.Chat.
const SYSTEM_USERNAMES: [&str; 4] = ["admin", "administrator", "system", "user"];
/// Names that mention groups of people in messages; Rocket.Chat blocks them by name.
const RESERVED_USERNAMES: [&str; 2] = ["all", "here"];

/// Refuses a new account's username if Rocket.Chat blocks it (`checkUsernameAvailability`):
/// a system name, a reserved one, or one of `Accounts_BlockedUsernameList`, in any case.
pub(super) fn check_new_username(username: &str, settings: &SettingValues) -> ServiceResult<()> {
    let key = normalize_key(username);
    let listed = settings
        .text("Accounts_BlockedUsernameList")
        .split(',')
        .any(|blocked| normalize_key(blocked.trim()) == key);
    if SYSTEM_USERNAMES.contains(&key.as_str())
        || RESERVED_USERNAMES.contains(&key.as_str())
        || listed
    {
        return Err(ServiceError::BlockedUsername(username.to_string()));
    }
    Ok(())
}

/// Refuses renaming `user` to `updated`'s username if Rocket.Chat would: a system name fails
/// its `saveUserIdentity`, a blocked one its availability check. Changing only the case of
/// one's own name is no rename.
pub(super) fn check_rename(
    user: &User,
    updated: &User,
    settings: &SettingValues,
) -> ServiceResult<()> {
    let key = normalize_key(&updated.username);
    if key == normalize_key(&user.username) {
        return Ok(());
    }
    if SYSTEM_USERNAMES.contains(&key.as_str()) {
        return Err(ServiceError::CouldNotSaveIdentity);
    }
    check_new_username(&updated.username, settings)
}

/// Whether a user field is one only holders of `view-full-other-user-info` may see (and so
/// sort or search by): the addresses.
pub(super) fn is_private_field(field: &str) -> bool {
    matches!(field, "emails" | "emails.address" | "email")
}

/// `keys` without the fields the caller may not see. Sorting by them would make the order a
/// comparison oracle (change your own address, see where you land beside the victim), so they
/// are ignored, as Rocket.Chat 8.8 ignores them on users.list for such callers (its projection
/// drops the addresses before the sort runs).
fn visible_sort(keys: &[SortKey], full: bool) -> Vec<SortKey> {
    keys.iter()
        .filter(|k| full || !is_private_field(&k.field))
        .cloned()
        .collect()
}

/// The user fields a `sort` may name, as Rocket.Chat stores them (`status` sorts like
/// `active`, which Rocket.Chat adds beside it; names compare case-insensitively).
pub(super) fn compare_users(field: &str, a: &User, b: &User) -> Option<Ordering> {
    let email = |u: &User| u.emails.first().map(|e| normalize_key(&e.address));
    Some(match field {
        "username" => normalize_key(&a.username).cmp(&normalize_key(&b.username)),
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "active" | "status" => a.active.cmp(&b.active),
        "createdAt" => a.created_at.cmp(&b.created_at),
        "_updatedAt" => a.updated_at.cmp(&b.updated_at),
        "emails" | "emails.address" => email(a).cmp(&email(b)),
        _ => return None,
    })
}

/// Refuses to give out an id that is taken or belonged to a deleted user (ids are random, so
/// this never happens in practice; it keeps "a deleted user's id is never reused" a rule).
pub(super) fn fresh_id(tx: &dyn Reads, id: &UserId) -> ServiceResult<()> {
    if tx.user(id)?.is_some() || tx.was_deleted(id)? {
        return Err(StoreError::Corrupt(format!("generated user id {id} is taken")).into());
    }
    Ok(())
}

/// Refuses a username or address of `user` that another account holds; `user` itself may
/// hold them (a change of an existing account). Every path that creates or changes an
/// account checks through this, inside its write.
pub(super) fn check_fields_free(tx: &dyn Reads, user: &User) -> ServiceResult<()> {
    let taken = |id: Option<UserId>| id.is_some_and(|id| id != user.id);
    if taken(tx.user_id_by_username(&user.username)?) {
        return Err(ServiceError::FieldUnavailable(user.username.clone()));
    }
    for email in &user.emails {
        if taken(tx.user_id_by_email(&email.address)?) {
            return Err(ServiceError::FieldUnavailable(email.address.clone()));
        }
    }
    Ok(())
}

/// [`check_fields_free`] for a user not yet made (a read before the password is hashed).
pub(super) fn check_unique(tx: &dyn Reads, username: &str, email: &str) -> ServiceResult<()> {
    if tx.user_id_by_username(username)?.is_some() {
        return Err(ServiceError::FieldUnavailable(username.to_string()));
    }
    if tx.user_id_by_email(email)?.is_some() {
        return Err(ServiceError::FieldUnavailable(email.to_string()));
    }
    Ok(())
}

/// Every membership of `user` with its room, by room type then name.
fn memberships(tx: &dyn Reads, user: &UserId) -> ServiceResult<Vec<(Subscription, Room)>> {
    let mut out = Vec::new();
    for room_id in tx.room_ids_of(user)? {
        if let (Some(sub), Some(room)) = (tx.subscription(&room_id, user)?, tx.room(&room_id)?) {
            out.push((sub, room));
        }
    }
    out.sort_by(|(_, a), (_, b)| (a.kind.letter(), &a.name).cmp(&(b.kind.letter(), &b.name)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rocket_chats_default_pattern() {
        assert!(is_valid_name("ada.lovelace-1_x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("ada lovelace"));
        assert!(!is_valid_name("adá"));
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_valid_email("ada@example.org"));
        assert!(!is_valid_email("ada"));
        assert!(!is_valid_email("@example.org"));
        assert!(!is_valid_email("ada@localhost"));
        assert!(!is_valid_email("a da@example.org"));
        assert!(!is_valid_email("ada@ex@ample.org"));
    }
}
