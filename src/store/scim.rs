//! SCIM tokens: few, looked up by id (the secret names its token), listed for admins.

use super::StoreError;
use crate::model::ScimToken;

/// The queries on SCIM tokens.
pub trait ScimReads {
    fn scim_token(&self, id: &str) -> Result<Option<ScimToken>, StoreError>;

    /// Every token, by id.
    fn scim_tokens(&self) -> Result<Vec<ScimToken>, StoreError>;
}

/// The changes to SCIM tokens.
pub trait ScimWrites {
    fn put_scim_token(&self, token: &ScimToken) -> Result<(), StoreError>;

    /// Removes the token; returns whether it existed.
    fn remove_scim_token(&self, id: &str) -> Result<bool, StoreError>;
}
