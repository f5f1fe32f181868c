//! `settings.*`: Rocket.Chat's settings API over the settings rocketlite serves (those that
//! govern something it does; `model::SETTINGS`).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::envelope::{ErrorResponse, Failure};
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::{ApiResult, ApiTags, call, call_read};
use crate::service::{Page, Service, SettingItem, SettingsQuery};
use serde_json::json;

/// One setting in a list: its id and value (a group has an id only).
#[derive(Object)]
pub struct SettingView {
    #[oai(rename = "_id")]
    pub id: String,
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<Value>,
    /// Always `false`: rocketlite has no enterprise settings. Absent on a group.
    #[oai(skip_serializing_if_is_none)]
    pub enterprise: Option<bool>,
    /// The default, with `includeDefaults=true`.
    #[oai(rename = "packageValue", skip_serializing_if_is_none)]
    pub package_value: Option<Value>,
}

impl From<SettingItem> for SettingView {
    fn from(item: SettingItem) -> Self {
        SettingView {
            enterprise: item.value.as_ref().map(|_| false),
            id: item.id,
            value: item.value,
            package_value: item.package_value,
        }
    }
}

/// A page of settings.
#[derive(Object)]
pub struct SettingsPageOk {
    pub settings: Vec<SettingView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// One setting's value.
#[derive(Object)]
pub struct SettingOk {
    #[oai(rename = "_id")]
    pub id: String,
    pub value: Value,
    pub success: bool,
}

/// The OAuth services a login page may offer: rocketlite has none.
#[derive(Object)]
pub struct OauthServicesOk {
    pub services: Vec<Value>,
    pub success: bool,
}

/// What `POST settings/:_id` takes.
#[derive(Object, Debug)]
pub struct SettingBody {
    /// The new value, of the setting's type (`true`/`false` and numbers also as strings).
    pub value: Option<Value>,
    /// Runs an action setting; rocketlite has none.
    pub execute: Option<bool>,
    /// A colour setting's editor; rocketlite has none.
    pub editor: Option<String>,
}

impl RequestSchema for SettingBody {
    const CLOSED: bool = false;
}

/// One change of a bulk `POST settings`.
#[derive(Object, Debug)]
pub struct SettingChange {
    #[oai(rename = "_id", validator(min_length = 1))]
    pub id: String,
    /// The new value, of the setting's type.
    pub value: Value,
    /// `color` or `expression` for a colour setting; rocketlite has none.
    pub editor: Option<SettingEditor>,
}

/// A colour setting's editor.
#[derive(poem_openapi::Enum, Debug)]
#[oai(rename_all = "lowercase")]
pub enum SettingEditor {
    Color,
    Expression,
}

/// What bulk `POST settings` takes (`isSettingsBulkProps`).
#[derive(Object, Debug)]
pub struct SettingsBulkBody {
    #[oai(validator(min_items = 1))]
    pub settings: Vec<SettingChange>,
}

impl RequestSchema for SettingsBulkBody {
    const CLOSED: bool = true;
    const CLOSED_NESTED: &'static [&'static str] = &["SettingChange"];
}

/// `settings.public`'s query (`isSettingsPublicWithPaginationProps`).
const PUBLIC: QuerySchema = QuerySchema {
    params: &[
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("_id", Kind::Text),
        ("query", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// `settings`' query (`isSettingsGetParams`).
const LIST: QuerySchema = QuerySchema {
    params: &[
        ("includeDefaults", Kind::Flag),
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("fields", Kind::Text),
        ("query", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// The page, order and filter a list asks for; `sort` orders by `_id` only.
fn list_query(
    q: &query::Checked,
    include_defaults: bool,
    limits: crate::service::CountLimits,
) -> Result<SettingsQuery, ErrorResponse> {
    let sort = query::sort(q.text("sort"), Operation::Settings)?;
    let ids = q
        .text("_id")
        .filter(|ids| !ids.trim().is_empty())
        .map(|ids| ids.split(',').map(|id| id.trim().to_string()).collect());
    Ok(SettingsQuery {
        ids,
        include_defaults,
        page: Page::new(q.number("offset"), q.number("count"), limits),
        descending: sort.iter().any(|k| k.field == "_id" && k.descending),
    })
}

fn page(query: &SettingsQuery) -> impl FnOnce((Vec<SettingItem>, usize)) -> SettingsPageOk {
    let offset = query.page.offset as u64;
    move |(items, total)| SettingsPageOk {
        count: items.len() as u64,
        settings: items.into_iter().map(SettingView::from).collect(),
        offset,
        total: total as u64,
        success: true,
    }
}

#[derive(Default)]
pub struct SettingsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Settings")]
impl SettingsApi {
    /// List the public settings
    ///
    /// The settings anyone may read, without logging in: `_id` and `value` (and
    /// `enterprise: false`), by `_id`. `_id` takes a comma-separated list of ids.
    #[oai(
        path = "/settings.public",
        method = "get",
        operation_id = "settingsPublic"
    )]
    async fn public(
        &self,
        request: &Request,
        s: Data<&Arc<Service>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
        sort: Query<Option<String>>,
        #[oai(name = "_id")] id: Query<Option<String>>,
    ) -> ApiResult<SettingsPageOk> {
        let _ = (count, offset, sort, id); // documented; read from the checked query
        let q = query::check(request, &PUBLIC)?;
        query::refuse_query_and_fields(request)?;
        let list = list_query(&q, false, s.count_limits())?;
        let shape = page(&list);
        call_read(
            &s,
            Operation::Settings,
            |s| s.list_settings(None, &list),
            shape,
        )
    }

    /// List the settings
    ///
    /// Every setting rocketlite serves, with its groups, for holders of
    /// `view-privileged-setting` (admins); the public ones for anyone else logged in.
    /// `includeDefaults=true` adds each default as `packageValue`.
    #[oai(path = "/settings", method = "get", operation_id = "settingsList")]
    async fn list(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "includeDefaults")] include_defaults: Query<Option<bool>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<SettingsPageOk> {
        let _ = (include_defaults, count, offset, sort); // read from the checked query
        let q = query::check(request, &LIST)?;
        query::refuse_query_and_fields(request)?;
        let list = list_query(
            &q,
            q.flag("includeDefaults").unwrap_or(false),
            s.count_limits(),
        )?;
        let shape = page(&list);
        let caller = auth.0;
        call_read(
            &s,
            Operation::Settings,
            |s| s.list_settings(Some(&caller), &list),
            shape,
        )
    }

    /// Get a setting
    ///
    /// Its `_id` and `value`. Requires `view-privileged-setting`. An id rocketlite does not
    /// serve answers 400 `{"success": false}`, as Rocket.Chat answers an unknown one.
    #[oai(path = "/settings/:_id", method = "get", operation_id = "settingsGet")]
    async fn get(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "_id")] id: Path<String>,
    ) -> ApiResult<SettingOk> {
        let caller = auth.0;
        let id = id.0;
        call_read(
            &s,
            Operation::Settings,
            |s| s.setting(&caller, &id),
            |value| SettingOk {
                id: id.clone(),
                value,
                success: true,
            },
        )
    }

    /// Change a setting
    ///
    /// Stores `value`, which must be of the setting's type (booleans and numbers may come as
    /// strings, as a form sends them), and takes effect at once. Requires
    /// `edit-privileged-setting`. The change is recorded in the audit trail.
    #[oai(path = "/settings/:_id", method = "post", operation_id = "settingsSet")]
    async fn set(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "_id")] id: Path<String>,
        body: Body<SettingBody>,
    ) -> ApiResult<SuccessOk> {
        let Some(value) = body.0.value else {
            // Neither a value nor an action to run: Rocket.Chat's bare failure.
            return Err(ErrorResponse::bad_request(Failure::bare()));
        };
        let caller = auth.0;
        let id = id.0;
        call(
            &s,
            Operation::Settings,
            move |s| s.set_setting(&caller, &id, &value),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Change several settings at once
    ///
    /// Every value is checked against its setting's type, then all change in one
    /// transaction, each recorded in the audit trail. Requires `edit-privileged-setting`, or
    /// `manage-selected-settings` and each setting's `change-setting-<_id>`; otherwise 400
    /// `error-action-not-allowed` names the settings refused. An id rocketlite does not serve
    /// changes nothing, as an unknown id in Rocket.Chat.
    #[oai(path = "/settings", method = "post", operation_id = "settingsBulk")]
    async fn bulk(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<SettingsBulkBody>,
    ) -> ApiResult<SuccessOk> {
        let changes: Vec<(String, Value)> = body
            .0
            .settings
            .into_iter()
            .map(|c| (c.id, c.value))
            .collect();
        let caller = auth.0;
        call(
            &s,
            Operation::Settings,
            move |s| s.set_settings(&caller, &changes),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// List the OAuth services
    ///
    /// The login services a client may offer besides passwords: none in rocketlite.
    #[oai(
        path = "/settings.oauth",
        method = "get",
        operation_id = "settingsOauth"
    )]
    async fn oauth(&self) -> ApiResult<OauthServicesOk> {
        Ok(Json(OauthServicesOk {
            services: Vec::new(),
            success: true,
        }))
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "settingsPublic" | "settingsList" => {
            json!({"settings": [{"_id": "API_Enable_Rate_Limiter", "value": true, "enterprise": false}], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "settingsGet" => json!({"_id": "API_Enable_Rate_Limiter", "value": true, "success": true}),
        "settingsSet" | "settingsBulk" => json!({"success": true}),
        "settingsOauth" => json!({"services": [], "success": true}),
        _ => return None,
    })
}
