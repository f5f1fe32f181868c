//! SCIM tokens: few, looked up by id (the secret names its token), listed for admins.
//! (redb)

use super::tables::SCIMTOKENID_TOKEN;
use super::{OpenTables, StoreError, Tx, WriteTx, decode, encode};
use crate::model::ScimToken;
use crate::store::{ScimReads, ScimWrites};
use redb::ReadableTable;

impl<T: OpenTables> ScimReads for Tx<T> {
    fn scim_token(&self, id: &str) -> Result<Option<ScimToken>, StoreError> {
        match self.inner.table(SCIMTOKENID_TOKEN)?.get(id)? {
            Some(bytes) => Ok(Some(decode(bytes.value())?)),
            None => Ok(None),
        }
    }

    fn scim_tokens(&self) -> Result<Vec<ScimToken>, StoreError> {
        let mut out = Vec::new();
        for row in self.inner.table(SCIMTOKENID_TOKEN)?.iter()? {
            out.push(decode(row?.1.value())?);
        }
        Ok(out)
    }
}

impl ScimWrites for WriteTx<'_> {
    fn put_scim_token(&self, token: &ScimToken) -> Result<(), StoreError> {
        self.table_mut(SCIMTOKENID_TOKEN)?
            .insert(token.id.as_str(), encode(token).as_slice())?;
        Ok(())
    }

    fn remove_scim_token(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.table_mut(SCIMTOKENID_TOKEN)?.remove(id)?.is_some())
    }
}
