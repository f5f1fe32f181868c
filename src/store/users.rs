//! Users, their unique indexes (username, email, global role) and their login tokens.

use super::StoreError;
use crate::model::{Millis, PersonalAccessToken, Role, TokenHash, User, UserId};

/// The queries on users and their tokens, in either kind of transaction.
pub trait UserReads {
    /// The user with this id.
    fn user(&self, id: &UserId) -> Result<Option<User>, StoreError>;

    /// The id of the user with this username, compared case-insensitively.
    fn user_id_by_username(&self, username: &str) -> Result<Option<UserId>, StoreError>;

    /// How many usernames are `base`, a hyphen and a digit, then anything (`ada-2`,
    /// `ada-10x`), compared case-insensitively: where users.getUsernameSuggestion starts
    /// numbering.
    fn count_numbered_usernames(&self, base: &str) -> Result<u64, StoreError>;

    /// The id of the user with this email address, compared case-insensitively.
    fn user_id_by_email(&self, email: &str) -> Result<Option<UserId>, StoreError>;

    /// The owner of a login token.
    fn user_id_by_token(&self, hash: &TokenHash) -> Result<Option<UserId>, StoreError>;

    /// The user a login token belongs to and when it was issued (ms): what authentication
    /// checks, in one query.
    fn token_user(&self, hash: &TokenHash) -> Result<Option<(User, i64)>, StoreError>;

    /// The hashes of every login token a user holds.
    fn token_hashes_of(&self, user: &UserId) -> Result<Vec<String>, StoreError>;

    /// Ids of the users holding a global role, whatever their `active` flag.
    fn user_ids_with_role(&self, role: Role) -> Result<Vec<UserId>, StoreError>;

    /// The users holding a global role, whatever their `active` flag, in id order: one
    /// query where reading each id's record would be one per user.
    fn users_with_role(&self, role: Role) -> Result<Vec<User>, StoreError>;

    /// The holders of a global role who are active and were last seen before `cutoff`
    /// ([`Activity::idle_before`]), in id order: the idle sweep's candidates.
    fn idle_users_with_role(&self, role: Role, cutoff: Millis) -> Result<Vec<User>, StoreError> {
        let mut users = self.users_with_role(role)?;
        users.retain(|u| u.activity().idle_before(cutoff));
        Ok(users)
    }

    /// One page of users ordered by username, and how many users there are.
    fn users_page(&self, offset: usize, count: usize) -> Result<(Vec<User>, u64), StoreError>;

    /// How many users are active; reads every user record.
    fn count_active_users(&self) -> Result<u64, StoreError>;

    /// Whether a user with this id existed and was deleted.
    fn was_deleted(&self, id: &UserId) -> Result<bool, StoreError>;

    /// The preferences `user` saved (a JSON object), if it saved any.
    fn preferences(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError>;

    /// The custom fields of `user` (a JSON object), if it has any.
    fn custom_fields(&self, user: &UserId) -> Result<Option<serde_json::Value>, StoreError>;

    /// The SCIM userName of `user`, if SCIM gave one that is no valid username.
    fn scim_user_name(&self, user: &UserId) -> Result<Option<String>, StoreError>;

    /// The user whose SCIM userName is `name`, compared case-insensitively.
    fn user_id_by_scim_user_name(&self, name: &str) -> Result<Option<UserId>, StoreError>;

    /// Every stored SCIM userName, in user id order.
    fn scim_user_names(&self) -> Result<Vec<(UserId, String)>, StoreError>;

    /// The personal access tokens of `user`, by name.
    fn personal_access_tokens(&self, user: &UserId)
    -> Result<Vec<PersonalAccessToken>, StoreError>;

    /// Every personal access token, for a copy.
    fn all_personal_access_tokens(&self) -> Result<Vec<(UserId, PersonalAccessToken)>, StoreError>;
}

/// The changes to users and their tokens, inside a write transaction.
pub trait UserWrites {
    /// Stores `user`, keeping the username, email and role indexes in step with `previous`
    /// (the record it replaces, if any).
    fn put_user(&self, user: &User, previous: Option<&User>) -> Result<(), StoreError>;

    /// Records a new login token of `user`, issued at `issued_at`.
    fn insert_token(
        &self,
        user: &UserId,
        hash: &TokenHash,
        issued_at: i64,
    ) -> Result<(), StoreError>;

    /// Revokes one token (logout, expiry).
    fn remove_token(&self, user: &UserId, hash: &TokenHash) -> Result<(), StoreError>;

    /// Removes `user` and its username, email and role index entries, and remembers its id
    /// as deleted at `now`. Its tokens and memberships must be gone already.
    fn remove_user(&self, user: &User, now: i64) -> Result<(), StoreError>;

    /// Replaces the preferences `user` saved (a JSON object).
    fn put_preferences(
        &self,
        user: &UserId,
        preferences: &serde_json::Value,
    ) -> Result<(), StoreError>;

    /// Replaces the custom fields of `user` (a JSON object).
    fn put_custom_fields(
        &self,
        user: &UserId,
        fields: &serde_json::Value,
    ) -> Result<(), StoreError>;

    /// Stores a personal access token of `user` (replacing one of the same name).
    fn put_personal_access_token(
        &self,
        user: &UserId,
        token: &PersonalAccessToken,
    ) -> Result<(), StoreError>;

    /// Removes the personal access token `name` of `user` (its login token is the caller's).
    fn remove_personal_access_token(&self, user: &UserId, name: &str) -> Result<(), StoreError>;

    /// Sets or (`None`) removes the SCIM userName of `user`.
    fn put_scim_user_name(&self, user: &UserId, name: Option<&str>) -> Result<(), StoreError>;

    /// Revokes every token of `user`; returns how many there were.
    fn remove_all_tokens(&self, user: &UserId) -> Result<usize, StoreError>;

    /// Stores changed users, each `(new, previous)`, in order. Written one by one here; an
    /// engine may write those whose name, emails and roles stay in one statement.
    fn put_users(&self, changes: &[(User, User)]) -> Result<(), StoreError> {
        for (user, previous) in changes {
            self.put_user(user, Some(previous))?;
        }
        Ok(())
    }

    /// Revokes every token of each of `users`. One by one here; an engine may revoke them
    /// all in one statement.
    fn remove_all_tokens_of(&self, users: &[UserId]) -> Result<(), StoreError> {
        for user in users {
            self.remove_all_tokens(user)?;
        }
        Ok(())
    }

    /// Revokes up to `limit` tokens issued before `cutoff`, oldest first; returns how many.
    fn remove_tokens_issued_before(&self, cutoff: i64, limit: usize) -> Result<usize, StoreError>;
}
