//! `permissions.listAll` and `permissions.update`.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{Object, OpenApi};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::errors::Operation;
use super::views::PermissionView;
use super::{ApiResult, ApiTags, call, call_read};
use crate::service::Service;

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

/// Roles and permissions.
pub struct PermissionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Permissions")]
impl PermissionsApi {
    /// List all permissions
    ///
    /// Every permission with the roles granted it.
    #[oai(
        path = "/permissions.listAll",
        method = "get",
        operation_id = "permissionsListAll"
    )]
    async fn list_all(&self, _auth: Auth, s: Data<&Arc<Service>>) -> ApiResult<ListAllOk> {
        call_read(
            &s,
            Operation::Permissions,
            |s| s.list_permissions(),
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
