//! `roles.*`: Rocket.Chat's default roles and who holds them, as the Community Edition
//! answers (custom roles are an Enterprise feature: `roles.create` is not served).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{ListResult, call_list};
use super::errors::{Operation, to_response};
use super::query::{self, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::views::{EmailView, RoleView};
use super::{ApiResult, ApiTags, call, call_read, invalid_params};
use crate::api::examples::{TS, USER_ID, role_example};
use crate::model::{RoomId, User, iso8601};
use crate::service::{Page, RoleGrant, RoleRevoke, RoleUpdate, Service, ServiceError, UserRef};
use serde_json::{Value, json};

/// Every role.
#[derive(Object)]
pub struct RolesListOk {
    pub roles: Vec<RoleView>,
    pub success: bool,
}

/// The roles changed since `updatedSince`, and those removed (never any).
#[derive(Object)]
pub struct RoleChanges {
    pub update: Vec<RoleView>,
    pub remove: Vec<RoleView>,
}

/// What `roles.sync` answers.
#[derive(Object)]
pub struct RolesSyncOk {
    pub roles: RoleChanges,
    pub success: bool,
}

/// One role, after a change.
#[derive(Object)]
pub struct RoleOk {
    pub role: RoleView,
    pub success: bool,
}

/// Where a role applies.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleScope {
    Users,
    Subscriptions,
}

/// What `roles.update` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct UpdateRoleBody {
    pub role_id: String,
    /// Must be the role's name: a default role cannot be renamed.
    pub name: String,
    pub description: Option<String>,
    /// Must be the role's scope; absent means `Users`.
    pub scope: Option<RoleScope>,
    pub mandatory2fa: Option<bool>,
}

impl RequestSchema for UpdateRoleBody {
    const CLOSED: bool = true;
}

/// What `roles.delete` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeleteRoleBody {
    /// The role's `_id` or name.
    pub role_id: String,
}

impl RequestSchema for DeleteRoleBody {
    const CLOSED: bool = true;
}

/// What `roles.addUserToRole` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct AddUserToRoleBody {
    pub username: String,
    /// The role's `_id`; without it the request is refused.
    pub role_id: Option<String>,
    /// For a room role (`owner`, `moderator`, `leader`): the room whose member gets it.
    pub room_id: Option<String>,
}

impl RequestSchema for AddUserToRoleBody {
    const CLOSED: bool = true;
}

/// What `roles.removeUserFromRole` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RemoveUserFromRoleBody {
    /// Matched exactly.
    pub username: String,
    /// The role's `_id`; without it the request is refused.
    pub role_id: Option<String>,
    /// Accepted for compatibility; Rocket.Chat reads `scope`.
    pub room_id: Option<String>,
    /// For a room role: the room (its `_id`) to take it away in.
    pub scope: Option<String>,
}

impl RequestSchema for RemoveUserFromRoleBody {
    const CLOSED: bool = true;
}

/// A holder of a role, as roles.getUsersInRole shows it.
#[derive(Object)]
pub struct RoleHolderView {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: String,
    pub emails: Vec<EmailView>,
    #[oai(rename = "createdAt")]
    pub created_at: String,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
}

impl From<&User> for RoleHolderView {
    fn from(user: &User) -> Self {
        RoleHolderView {
            id: user.id.to_string(),
            username: user.username.clone(),
            name: user.name.clone(),
            emails: user
                .emails
                .iter()
                .map(|e| EmailView {
                    address: e.address.clone(),
                    verified: e.verified,
                })
                .collect(),
            created_at: iso8601(user.created_at),
            updated_at: iso8601(user.updated_at),
        }
    }
}

/// A page of role holders and how many there are in all.
#[derive(Object)]
pub struct UsersInRoleOk {
    pub users: Vec<RoleHolderView>,
    pub total: u64,
    pub success: bool,
}

/// A holder of public roles, with those it holds.
#[derive(Object)]
pub struct PublicRoleHolderView {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub roles: Vec<String>,
}

/// What `roles.getUsersInPublicRoles` answers.
#[derive(Object)]
pub struct UsersInPublicRolesOk {
    pub users: Vec<PublicRoleHolderView>,
    pub success: bool,
}

/// `roles.create` in the Community Edition: the route exists only with the Enterprise
/// `custom-roles` module, so Rocket.Chat answers the bare text `404 Not Found`.
#[derive(ApiResponse)]
pub enum NotInCommunityEdition {
    /// Custom roles need Rocket.Chat's Enterprise license.
    #[oai(status = 404)]
    NotFound(PlainText<String>),
    /// Not logged in (the answer comes from the authentication, before the route).
    #[oai(status = 401)]
    Unauthorized(poem_openapi::payload::Json<super::Failure>),
}

/// roles.sync's query, as its route's `ajvQuery` reads it.
const ROLES_SYNC: QuerySchema = QuerySchema {
    params: &[("updatedSince", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

/// roles.getUsersInRole's query (`isRolesGetUsersInRoleProps`).
const USERS_IN_ROLE: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("role", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("query", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// Roles and who holds them.
#[derive(Default)]
pub struct RolesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Permissions")]
impl RolesApi {
    /// List roles
    ///
    /// Every role: Rocket.Chat's eleven default roles, all protected.
    #[oai(path = "/roles.list", method = "get", operation_id = "rolesList")]
    async fn list(&self, _auth: Auth, s: Data<&Arc<Service>>) -> ApiResult<RolesListOk> {
        call_read(
            &s,
            Operation::RolesList,
            |s| s.list_roles(),
            |roles| RolesListOk {
                roles: roles.iter().map(|r| RoleView::new(r, false)).collect(),
                success: true,
            },
        )
    }

    /// Roles changed since a date
    ///
    /// The roles changed after `updatedSince` (every role without it), with their
    /// `_updatedAt`; `remove` is always empty, as default roles are never deleted.
    #[oai(path = "/roles.sync", method = "get", operation_id = "rolesSync")]
    async fn sync(
        &self,
        request: &Request,
        _auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<RolesSyncOk> {
        let _ = updated_since; // documents the parameter; the value comes from the checked query
        let q = query::check(request, &ROLES_SYNC)?;
        let since = query::date(q.text("updatedSince"), "updatedSince", Operation::RolesSync)?
            .unwrap_or(i64::MIN);
        call_read(
            &s,
            Operation::RolesSync,
            |s| s.roles_updated_since(since),
            |roles| RolesSyncOk {
                roles: RoleChanges {
                    update: roles.iter().map(|r| RoleView::new(r, true)).collect(),
                    remove: vec![],
                },
                success: true,
            },
        )
    }

    /// Create a role (Enterprise only)
    ///
    /// Custom roles are an Enterprise feature of Rocket.Chat; like its Community Edition,
    /// rocketlite answers `404 Not Found` to a logged-in caller.
    #[oai(path = "/roles.create", method = "post", operation_id = "rolesCreate")]
    async fn create(&self, _auth: Auth) -> NotInCommunityEdition {
        NotInCommunityEdition::NotFound(PlainText("404 Not Found".into()))
    }

    /// Update a role
    ///
    /// Requires `access-permissions`. Changes the `description` (absent empties it) and
    /// `mandatory2fa` of a default role; its `name` and `scope` (absent means `Users`) must
    /// stay as they are. Any other role is an Enterprise feature.
    #[oai(path = "/roles.update", method = "post", operation_id = "rolesUpdate")]
    async fn update(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<UpdateRoleBody>,
    ) -> ApiResult<RoleOk> {
        let caller = auth.0;
        let b = body.0;
        let update = RoleUpdate {
            role_id: b.role_id,
            name: b.name,
            scope: b.scope.map(|s| format!("{s:?}")),
            description: b.description,
            mandatory2fa: b.mandatory2fa,
        };
        call(
            &s,
            Operation::RolesUpdate,
            move |s| s.update_role(&caller, update),
            |role| RoleOk {
                role: RoleView::new(&role, true),
                success: true,
            },
        )
        .await
    }

    /// Delete a role
    ///
    /// Requires `access-permissions`. Only a custom role that nobody holds can go; every role
    /// of the Community Edition is protected, so this refuses with `error-role-protected`.
    #[oai(path = "/roles.delete", method = "post", operation_id = "rolesDelete")]
    async fn delete(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<DeleteRoleBody>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        call_read(
            &s,
            Operation::RolesDelete,
            |s| s.delete_role(&caller, &body.0.role_id),
            |()| SuccessOk { success: true },
        )
    }

    /// Give a user a role
    ///
    /// Requires `access-permissions`, and `assign-admin-role` for `admin`. A global role goes
    /// on the account; a room role (`owner`, `moderator`, `leader`) on the user's membership
    /// in `roomId` (without a room, or for a non-member, nothing changes, as in Rocket.Chat).
    #[oai(
        path = "/roles.addUserToRole",
        method = "post",
        operation_id = "rolesAddUserToRole"
    )]
    async fn add_user_to_role(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<AddUserToRoleBody>,
    ) -> ApiResult<RoleOk> {
        let caller = auth.0;
        let b = body.0;
        if b.username.trim().is_empty() {
            return Err(to_response(
                ServiceError::UserParamMissing,
                Operation::RolesAddUserToRole,
            ));
        }
        let grant = RoleGrant {
            user: UserRef::Username(b.username.trim().to_string()),
            role_id: b.role_id.filter(|r| !r.is_empty()),
            room: b.room_id.filter(|r| !r.is_empty()).map(RoomId),
        };
        call(
            &s,
            Operation::RolesAddUserToRole,
            move |s| s.add_user_to_role(&caller, grant),
            |role| RoleOk {
                role: RoleView::new(&role, true),
                success: true,
            },
        )
        .await
    }

    /// Take a role from a user
    ///
    /// Requires `access-permissions`. Never takes `admin` from the last active admin
    /// (`error-admin-required`), nor `owner` from a room's last owner, or its last active
    /// owner while it is active (`error-remove-last-owner`). A room role needs the room in
    /// `scope`.
    #[oai(
        path = "/roles.removeUserFromRole",
        method = "post",
        operation_id = "rolesRemoveUserFromRole"
    )]
    async fn remove_user_from_role(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RemoveUserFromRoleBody>,
    ) -> ApiResult<RoleOk> {
        let caller = auth.0;
        let b = body.0;
        let revoke = RoleRevoke {
            username: b.username,
            role_id: b.role_id.filter(|r| !r.is_empty()),
            scope: b.scope.filter(|r| !r.is_empty()).map(RoomId),
        };
        call(
            &s,
            Operation::RolesRemoveUserFromRole,
            move |s| s.remove_user_from_role(&caller, revoke),
            |role| RoleOk {
                role: RoleView::new(&role, true),
                success: true,
            },
        )
        .await
    }

    /// List the holders of a role
    ///
    /// Requires `access-permissions`; naming a room also `view-other-user-channels`. Holders
    /// of a global role, or of a room role in `roomId` (in any room without it), inactive
    /// ones included, sorted by username, paged (`count`, `offset`).
    #[oai(
        path = "/roles.getUsersInRole",
        method = "get",
        operation_id = "rolesGetUsersInRole"
    )]
    async fn users_in_role(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        role: Query<Option<String>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
    ) -> ListResult<UsersInRoleOk> {
        let _ = (role, room_id, count, offset); // documented; read from the checked query
        let q = query::check(request, &USERS_IN_ROLE)?;
        if !q.has("role") {
            return Err(invalid_params("must have required property 'role'"));
        }
        let role = q.text("role").unwrap_or_default();
        let room = q.text("roomId").filter(|r| !r.is_empty()).map(RoomId);
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let caller = auth.0;
        call_list(
            &s,
            Operation::RolesGetUsersInRole,
            move |s| s.users_in_role(&caller, &role, room.as_ref(), page),
            |(users, total)| UsersInRoleOk {
                users: users.iter().map(RoleHolderView::from).collect(),
                total: total as u64,
                success: true,
            },
        )
        .await
    }

    /// List the holders of public roles
    ///
    /// Every holder of a public role (a global role with a description: `admin`,
    /// `livechat-agent`, `livechat-manager` by default), sorted by username, with the public
    /// roles it holds.
    #[oai(
        path = "/roles.getUsersInPublicRoles",
        method = "get",
        operation_id = "rolesGetUsersInPublicRoles"
    )]
    async fn users_in_public_roles(
        &self,
        _auth: Auth,
        s: Data<&Arc<Service>>,
    ) -> ListResult<UsersInPublicRolesOk> {
        call_list(
            &s,
            Operation::RolesList,
            |s| s.users_in_public_roles(),
            |holders| UsersInPublicRolesOk {
                users: holders
                    .into_iter()
                    .map(|(user, roles)| PublicRoleHolderView {
                        id: user.id.to_string(),
                        username: user.username,
                        roles,
                    })
                    .collect(),
                success: true,
            },
        )
        .await
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "rolesList" => json!({"roles": [role_example(false)], "success": true}),
        "rolesSync" => {
            json!({"roles": {"update": [role_example(true)], "remove": []}, "success": true})
        }
        "rolesUpdate" | "rolesAddUserToRole" | "rolesRemoveUserFromRole" => {
            json!({"role": role_example(true), "success": true})
        }
        "rolesDelete" => json!({"success": true}),
        "rolesGetUsersInRole" => {
            json!({"users": [{"_id": USER_ID, "username": "ada", "name": "Ada Lovelace", "emails": [{"address": "ada@example.org", "verified": false}], "createdAt": TS, "_updatedAt": TS}], "total": 1, "success": true})
        }
        "rolesGetUsersInPublicRoles" => {
            json!({"users": [{"_id": USER_ID, "username": "ada", "roles": ["admin"]}], "success": true})
        }
        _ => return None,
    })
}
