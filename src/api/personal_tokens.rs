//! Personal access tokens: `users.generatePersonalAccessToken`,
//! `users.regeneratePersonalAccessToken`, `users.getPersonalAccessTokens` and
//! `users.removePersonalAccessToken`.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Header};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{HashGate, call_hashing};
use super::errors::Operation;
use super::room_family::SuccessOk;
use super::{ApiResult, ApiTags, call_read};
use crate::api::examples::TS;
use crate::model::iso8601;
use crate::service::{Service, TokenChange};
use serde_json::{Value, json};

/// What `users.generatePersonalAccessToken` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct GenerateTokenBody {
    pub token_name: String,
    /// Whether calls made with the token skip the second factor.
    pub bypass_two_factor: Option<bool>,
}

impl RequestSchema for GenerateTokenBody {
    const CLOSED: bool = true;
}

/// What `users.regeneratePersonalAccessToken` and `users.removePersonalAccessToken` take.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct TokenNameBody {
    pub token_name: String,
}

impl RequestSchema for TokenNameBody {
    const CLOSED: bool = true;
}

/// A new personal access token: its secret, shown this once.
#[derive(Object)]
pub struct TokenOk {
    pub token: String,
    pub success: bool,
}

/// One personal access token, without its secret.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct TokenView {
    pub name: String,
    pub created_at: String,
    pub last_token_part: String,
    pub bypass_two_factor: bool,
}

/// What `users.getPersonalAccessTokens` answers.
#[derive(Object)]
pub struct TokensOk {
    pub tokens: Vec<TokenView>,
    pub success: bool,
}

/// Personal access tokens.
#[derive(Default)]
pub struct PersonalTokensApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl PersonalTokensApi {
    /// Create a personal access token
    ///
    /// A login token that never expires, named `tokenName`, for scripts: use it as
    /// `X-Auth-Token` with `X-User-Id`. Needs `create-personal-access-tokens` and, as
    /// Rocket.Chat's second factor by password, `X-2FA-Code` (the SHA-256 hex digest of the
    /// caller's password) unless the account is new or `Accounts_TwoFactorAuthentication_Enabled`
    /// is off.
    #[oai(
        path = "/users.generatePersonalAccessToken",
        method = "post",
        operation_id = "usersGeneratePersonalAccessToken"
    )]
    async fn generate(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        #[oai(name = "X-2FA-Code")] code: Header<Option<String>>,
        body: Body<GenerateTokenBody>,
    ) -> ApiResult<TokenOk> {
        let b = body.0;
        let bypass = b.bypass_two_factor.unwrap_or(false);
        change(
            &s,
            &gate,
            auth,
            TokenChange::Generate,
            b.token_name,
            bypass,
            code.0,
        )
        .await
    }

    /// Replace a personal access token's secret
    ///
    /// The token `tokenName` gets a new secret; the old one stops working. As
    /// `users.generatePersonalAccessToken` for permission and second factor.
    #[oai(
        path = "/users.regeneratePersonalAccessToken",
        method = "post",
        operation_id = "usersRegeneratePersonalAccessToken"
    )]
    async fn regenerate(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        #[oai(name = "X-2FA-Code")] code: Header<Option<String>>,
        body: Body<TokenNameBody>,
    ) -> ApiResult<TokenOk> {
        let name = body.0.token_name;
        change(
            &s,
            &gate,
            auth,
            TokenChange::Regenerate,
            name,
            false,
            code.0,
        )
        .await
    }

    /// Remove a personal access token
    ///
    /// The token `tokenName` stops working. As `users.generatePersonalAccessToken` for
    /// permission and second factor.
    #[oai(
        path = "/users.removePersonalAccessToken",
        method = "post",
        operation_id = "usersRemovePersonalAccessToken"
    )]
    async fn remove(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        #[oai(name = "X-2FA-Code")] code: Header<Option<String>>,
        body: Body<TokenNameBody>,
    ) -> ApiResult<SuccessOk> {
        let name = body.0.token_name;
        let caller = auth.0;
        call_hashing(
            &s,
            &gate,
            Operation::UsersPersonalTokens,
            move |s| {
                s.change_personal_access_token(
                    &caller,
                    TokenChange::Remove,
                    &name,
                    false,
                    code.0.as_deref(),
                )
            },
            |_| SuccessOk { success: true },
        )
        .await
    }

    /// List one's personal access tokens
    ///
    /// Their names, creation dates and last six characters; never the secrets. Needs
    /// `create-personal-access-tokens`.
    #[oai(
        path = "/users.getPersonalAccessTokens",
        method = "get",
        operation_id = "usersGetPersonalAccessTokens"
    )]
    async fn list(&self, auth: Auth, s: Data<&Arc<Service>>) -> ApiResult<TokensOk> {
        let caller = auth.0;
        call_read(
            &s,
            Operation::UsersPersonalTokens,
            |s| s.personal_access_tokens(&caller),
            |tokens| TokensOk {
                tokens: tokens
                    .into_iter()
                    .map(|t| TokenView {
                        name: t.name,
                        created_at: iso8601(t.created_at),
                        last_token_part: t.last_token_part,
                        bypass_two_factor: t.bypass_two_factor,
                    })
                    .collect(),
                success: true,
            },
        )
    }
}

async fn change(
    s: &Arc<Service>,
    gate: &Arc<HashGate>,
    auth: Auth,
    change: TokenChange,
    name: String,
    bypass: bool,
    code: Option<String>,
) -> ApiResult<TokenOk> {
    let caller = auth.0;
    call_hashing(
        s,
        gate,
        Operation::UsersPersonalTokens,
        move |s| s.change_personal_access_token(&caller, change, &name, bypass, code.as_deref()),
        |token| TokenOk {
            token: token.unwrap_or_default(),
            success: true,
        },
    )
    .await
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "usersGeneratePersonalAccessToken" | "usersRegeneratePersonalAccessToken" => {
            json!({"token": "kHaN4dpkhvd2n3KpRGrHsC9gnzvptTJgjxx4ic0RnUC", "success": true})
        }
        "usersRemovePersonalAccessToken" => json!({"success": true}),
        "usersGetPersonalAccessTokens" => {
            json!({"tokens": [{"name": "deploy", "createdAt": TS, "lastTokenPart": "0RnUC", "bypassTwoFactor": false}], "success": true})
        }
        _ => return None,
    })
}
