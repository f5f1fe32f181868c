//! `permissions.listAll` and `permissions.update`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::views::PermissionView;
use super::{ApiResult, ApiTags, call, call_read};
use crate::api::examples::TS;
use crate::model::Permission;
use crate::service::Service;
use serde_json::{Value, json};

/// Every permission; `remove` is always empty (nothing is ever deleted).
#[derive(Object)]
pub struct ListAllOk {
    pub update: Vec<PermissionView>,
    pub remove: Vec<PermissionView>,
    pub success: bool,
}

/// One permission's new roles.
#[derive(Object, Debug)]
pub struct PermissionUpdate {
    #[oai(rename = "_id")]
    pub id: String,
    pub roles: Vec<String>,
}

/// What `permissions.update` takes.
#[derive(Object, Debug)]
pub struct UpdatePermissionsBody {
    pub permissions: Vec<PermissionUpdate>,
}

impl RequestSchema for UpdatePermissionsBody {
    const CLOSED: bool = true;
}

/// Every permission after the update.
#[derive(Object)]
pub struct UpdateOk {
    pub permissions: Vec<PermissionView>,
    pub success: bool,
}

/// permissions.listAll's query, as Rocket.Chat's `isPermissionsListAll` reads it.
const LIST_ALL: QuerySchema = QuerySchema {
    params: &[("updatedSince", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

/// Roles and permissions.
#[derive(Default)]
pub struct PermissionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Permissions")]
impl PermissionsApi {
    /// List all permissions
    ///
    /// Every permission with the roles granted it; with `updatedSince` (an ISO-8601 date),
    /// those whose grants changed after it. `remove` is always empty: no permission is ever
    /// deleted.
    #[oai(
        path = "/permissions.listAll",
        method = "get",
        operation_id = "permissionsListAll"
    )]
    async fn list_all(
        &self,
        request: &Request,
        _auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<ListAllOk> {
        let _ = updated_since; // documents the parameter; the value comes from the checked query
        let q = query::check(request, &LIST_ALL)?;
        let since = query::date(
            q.text("updatedSince"),
            "updatedSince",
            Operation::Permissions,
        )?;
        call_read(
            &s,
            Operation::Permissions,
            move |s| s.list_permissions(since),
            |all| ListAllOk {
                update: PermissionView::list(all),
                remove: vec![],
                success: true,
            },
        )
    }

    /// Change permission grants
    ///
    /// Replaces the roles of each named permission. Requires `access-permissions`. An unknown
    /// permission or role refuses the whole request.
    #[oai(
        path = "/permissions.update",
        method = "post",
        operation_id = "permissionsUpdate"
    )]
    async fn update(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<UpdatePermissionsBody>,
    ) -> ApiResult<UpdateOk> {
        let caller = auth.0;
        let updates: Vec<(String, Vec<String>)> = body
            .0
            .permissions
            .into_iter()
            .map(|p| (p.id, p.roles))
            .collect();
        call(
            &s,
            Operation::Permissions,
            move |s| s.update_permissions(&caller, &updates),
            |all| UpdateOk {
                permissions: PermissionView::list(all),
                success: true,
            },
        )
        .await
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    let set_owner = Permission::SetOwner;
    let permission =
        json!({"_id": set_owner.as_str(), "roles": set_owner.default_roles(), "_updatedAt": TS});
    Some(match operation {
        "permissionsListAll" => json!({"update": [permission], "remove": [], "success": true}),
        "permissionsUpdate" => json!({"permissions": [permission], "success": true}),
        _ => return None,
    })
}
