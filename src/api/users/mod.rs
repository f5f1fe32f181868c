//! `users.*`: create, info, list and setActiveStatus. What they take and
//! answer is in `bodies`.

mod bodies;

pub use bodies::*;

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{HashGate, ListResult, call_async, call_list};
use super::envelope::{ErrorResponse, Failure};
use super::errors::Operation;
use super::names::UserNames;
use super::query::{self, Checked, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::views::{UserRoomView, UserView};
use super::{ApiResult, ApiTags, call, call_hashing, call_read, invalid_params};
use crate::api::examples::{TS, USER_ID, user_example};
use crate::model::{Role, User, UserId};
use crate::service::{
    CustomFields, NewUser, Page, Registration, Service, ServiceResult, SetActiveStatus,
    StatusChange, StatusQuery, UserChanges, UserListQuery, UserRef,
};
use serde_json::{Value, json};

/// A user just written, with its custom fields (read apart from the user record).
pub(super) fn with_custom_fields(
    service: &Service,
    user: ServiceResult<User>,
) -> ServiceResult<(User, Option<CustomFields>)> {
    let user = user?;
    let fields = service.custom_fields(&user.id)?;
    Ok((user, fields))
}

/// User administration.
#[derive(Default)]
pub struct UsersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// Create a user
    ///
    /// Creates an account with an argon2id-hashed password. Requires the permission
    /// `create-user`. A taken username or email is refused with `error-field-unavailable`.
    #[oai(path = "/users.create", method = "post", operation_id = "usersCreate")]
    async fn create(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<CreateUserBody>,
    ) -> ApiResult<UserOk> {
        let (caller, b) = (auth.0, body.0);
        let new = NewUser {
            email: b.email,
            name: b.name,
            password: b.password,
            username: b.username,
            active: b.active.unwrap_or(true),
            roles: b.roles.unwrap_or_else(|| vec![Role::User.as_str().into()]),
            verified: b.verified.unwrap_or(false),
            join_default_channels: b.join_default_channels.unwrap_or(true),
            custom_fields: b.custom_fields.map(|f| f.into_iter().collect()),
        };
        call_hashing(
            &service,
            &gate,
            Operation::UsersCreate,
            move |s| with_custom_fields(s, s.create_user(&caller, new)),
            |(user, fields)| UserOk {
                user: UserView::new(&user, true).with_custom_fields(fields),
                success: true,
            },
        )
        .await
    }

    /// Sign up
    ///
    /// Creates an active account with the role `user` that joins every default room; the
    /// headers of a logged-in caller change nothing. Turned off by the setting
    /// `Accounts_RegistrationForm` (then `error-user-registration-disabled`).
    #[oai(
        path = "/users.register",
        method = "post",
        operation_id = "usersRegister"
    )]
    async fn register(
        &self,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<RegisterBody>,
    ) -> ApiResult<RegisterOk> {
        let b = body.0;
        let registration = Registration {
            username: b.username,
            email: b.email,
            password: b.pass,
            name: b.name,
            custom_fields: b.custom_fields.map(|f| f.into_iter().collect()),
        };
        call_hashing(
            &service,
            &gate,
            Operation::UsersRegister,
            move |s| s.register_user(registration),
            |user| RegisterOk {
                user: RegisteredUser {
                    id: user.id.to_string(),
                    kind: "user".into(),
                    status: "offline".into(),
                    active: user.active,
                    name: user.name,
                    username: user.username,
                },
                success: true,
            },
        )
        .await
    }

    /// Update a user
    ///
    /// Changes the fields in `data` in one transaction. Editing another user needs
    /// `edit-other-user-info`; roles `assign-roles`; another user's password
    /// `edit-other-user-password`; `active` `edit-other-user-active-status`, and
    /// `active: false` runs the rules of users.setActiveStatus (last admin, last owner unless
    /// `confirmRelinquish`, handovers, tokens). Username and email stay unique; removing the
    /// `admin` role from the last active admin is refused.
    #[oai(path = "/users.update", method = "post", operation_id = "usersUpdate")]
    async fn update(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        gate: Data<&Arc<HashGate>>,
        body: Body<UpdateUserBody>,
    ) -> ApiResult<UserOk> {
        let caller = auth.0;
        let b = body.0;
        let target = UserRef::Id(UserId(b.user_id));
        let confirm = b.confirm_relinquish.unwrap_or(false);
        let plan = b.plan_id;
        let d = b.data;
        let changes = UserChanges {
            name: d.name,
            username: d.username,
            email: d.email,
            password: d.password,
            verified: d.verified,
            roles: d.roles,
            active: d.active,
            bio: d.bio,
            nickname: d.nickname,
            status_text: d.status_text,
            custom_fields: d.custom_fields.map(|f| f.into_iter().collect()),
        };
        call_hashing(
            &service,
            &gate,
            Operation::UsersUpdate,
            move |s| {
                let updated = s.update_user(&caller, &target, changes, confirm, plan.as_deref());
                with_custom_fields(s, updated)
            },
            |(user, fields)| UserOk {
                user: UserView::new(&user, true).with_custom_fields(fields),
                success: true,
            },
        )
        .await
    }

    /// Create a login token for a user
    ///
    /// Needs the server's `CREATE_TOKENS_FOR_USERS_SECRET` as `secret` (with none set, every
    /// call is refused), and `user-generate-access-token` for another user than the caller.
    /// Never for an inactive user.
    #[oai(
        path = "/users.createToken",
        method = "post",
        operation_id = "usersCreateToken"
    )]
    async fn create_token(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<CreateTokenBody>,
    ) -> ApiResult<CreateTokenOk> {
        let caller = auth.0;
        let CreateTokenBody { user_id, secret } = body.0;
        call(
            &service,
            Operation::UsersCreateToken,
            move |s| s.create_token(&caller, &user_id, &secret),
            |(user, token)| CreateTokenOk {
                data: TokenData {
                    user_id: user.to_string(),
                    auth_token: token.expose().to_string(),
                },
                success: true,
            },
        )
        .await
    }

    /// Set a status
    ///
    /// Sets the caller's chosen `status` and status `message` (another user's with
    /// `edit-other-user-info`). A message-only change keeps the status; `online` without a
    /// message clears the message. rocketlite holds no live sessions, so presence stays
    /// `offline`, as Rocket.Chat shows a user without one.
    #[oai(
        path = "/users.setStatus",
        method = "post",
        operation_id = "usersSetStatus"
    )]
    async fn set_status(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<SetStatusBody>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        let b = body.0;
        let change = StatusChange {
            user_id: b.user_id,
            username: b.username,
            user: b.user,
            status: b.status,
            message: b.message,
            expires_at: b.expires_at,
        };
        call(
            &service,
            Operation::UsersSetStatus,
            move |s| s.set_status(&caller, change),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Get a user's presence
    ///
    /// The presence of `userId`, `username` or `user` (the caller when none is given); for
    /// the caller itself also its `connectionStatus` and `lastLogin`.
    #[oai(
        path = "/users.getPresence",
        method = "get",
        operation_id = "usersGetPresence"
    )]
    async fn get_presence(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
        user: Query<Option<String>>,
    ) -> ApiResult<PresenceOk> {
        let _ = (user_id, username, user); // documented; read from the checked query
        let q = query::check(request, &USERS_GET_PRESENCE)?;
        let caller = auth.0;
        let (id, name, user) = (q.text("userId"), q.text("username"), q.text("user"));
        call_read(
            &service,
            Operation::UsersGetPresence,
            |s| s.presence(&caller, id.as_deref(), name.as_deref(), user.as_deref()),
            |p| PresenceOk {
                presence: p.presence,
                connection_status: p.own.as_ref().map(|(c, _)| c.clone()),
                last_login: p.own.and_then(|(_, at)| at).map(crate::model::iso8601),
                success: true,
            },
        )
    }

    /// End every session of a user
    ///
    /// Revokes every login token of `userId` (the caller's own when absent). Another user's
    /// need `logout-other-user`.
    #[oai(path = "/users.logout", method = "post", operation_id = "usersLogout")]
    async fn logout_user(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<LogoutUserBody>,
    ) -> ApiResult<MessageOk> {
        let caller = auth.0;
        let target = body.0.user_id.filter(|id| !id.is_empty()).map(UserId);
        call(
            &service,
            Operation::UsersLogout,
            move |s| s.logout_everywhere(&caller, target.as_ref()),
            |user| MessageOk {
                message: format!("User {user} has been logged out!"),
                success: true,
            },
        )
        .await
    }

    /// Delete a user
    ///
    /// Requires `delete-user`. Refused for the last active admin, and (`user-last-owner`, as a
    /// deactivation) for the last active owner of a room with other active members unless
    /// `confirmRelinquish` is true: then the earliest-joined active member of each such room
    /// becomes its owner. The user's memberships, ownerships and tokens go; the rooms stay.
    #[oai(path = "/users.delete", method = "post", operation_id = "usersDelete")]
    async fn delete(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<DeleteUserBody>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        let confirm = body.0.confirm_relinquish.unwrap_or(false);
        let plan = body.0.plan_id;
        let target = body.0.user.user(Operation::UsersDelete)?;
        call(
            &service,
            Operation::UsersDelete,
            move |s| s.delete_user(&caller, &target, confirm, plan.as_deref()),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Deactivate idle users
    ///
    /// Requires `edit-other-user-active-status`. Deactivates, in one transaction, every active
    /// user holding `role` (default `user`) whose last login, or creation if they never logged
    /// in, is more than `daysIdle` days ago, oldest first, by the rules of setActiveStatus
    /// with confirmRelinquish: rooms change hands, tokens are revoked, the last active admin
    /// stays. Their `inactiveReason` is `idle_too_long`.
    #[oai(
        path = "/users.deactivateIdle",
        method = "post",
        operation_id = "usersDeactivateIdle"
    )]
    async fn deactivate_idle(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<DeactivateIdleBody>,
    ) -> ApiResult<CountOk> {
        let caller = auth.0;
        let days = body.0.days_idle;
        let role = body.0.role.unwrap_or_else(|| Role::User.as_str().into());
        call(
            &service,
            Operation::UsersDeactivateIdle,
            move |s| s.deactivate_idle(&caller, days, &role),
            |count| CountOk {
                count: count as u64,
                success: true,
            },
        )
        .await
    }

    /// Get a user
    ///
    /// The user named by exactly one of `userId`, `username` (each matched against both the
    /// id and the username), `email` or `importId`. Email addresses are shown to the user
    /// itself and to holders of `view-full-other-user-info`, who alone may look users up by
    /// email or import id. `includeUserRooms=true` adds the user's memberships for the user
    /// itself and holders of `view-other-user-channels`.
    #[oai(path = "/users.info", method = "get", operation_id = "usersInfo")]
    async fn info(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
        email: Query<Option<String>>,
        #[oai(name = "importId")] import_id: Query<Option<String>>,
        /// `true` adds `user.rooms`.
        #[oai(name = "includeUserRooms")]
        include_user_rooms: Query<Option<String>>,
        /// Accepted for compatibility; ignored.
        fields: Query<Option<String>>,
    ) -> ApiResult<UserInfoOk> {
        // The typed parameters document the operation; the values come from the checked query.
        let _ = (
            user_id,
            username,
            email,
            import_id,
            include_user_rooms,
            fields,
        );
        let q = query::check(request, &USERS_INFO)?;
        check_one_identifier(&q)?;
        let (user_id, username) = (q.text("userId"), q.text("username"));
        let name = match (user_id, username, q.text("email"), q.text("importId")) {
            (Some(v), ..) | (_, Some(v), ..) if !v.is_empty() => UserRef::IdOrUsername(v),
            (.., Some(v), _) if !v.is_empty() => UserRef::Email(v),
            (.., Some(v)) if !v.is_empty() => UserRef::ImportId(v),
            _ => {
                return Err(ErrorResponse::bad_request(Failure::plain(
                    "Invalid search query.",
                )));
            }
        };
        let include_rooms = q.text("includeUserRooms").as_deref() == Some("true");
        let caller = auth.0;
        call_read(
            &service,
            Operation::UsersInfo,
            move |s| s.user_info(&caller, &name, include_rooms),
            |info| UserInfoOk {
                user: UserInfoView {
                    rooms: info.rooms.map(|rooms| {
                        rooms
                            .iter()
                            .map(|(sub, room)| UserRoomView::new(sub, room))
                            .collect()
                    }),
                    user: UserView::new(&info.user, info.full)
                        .with_custom_fields(info.custom_fields),
                },
                success: true,
            },
        )
    }

    /// List users
    ///
    /// Users ordered by username (or by `sort`, a JSON object such as `{"name":-1}` over
    /// `username`, `name`, `status`, `active`, `createdAt`, `_updatedAt`), inactive ones
    /// included. Requires `view-d-room`; `email` (an exact address, ignoring case) requires
    /// `view-full-other-user-info`. `count` defaults to 50, at most 100; `0` lists everyone.
    #[oai(path = "/users.list", method = "get", operation_id = "usersList")]
    async fn list(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        /// A number; the first result to return.
        offset: Query<Option<String>>,
        /// A number: how many to return (default 50, at most 100, `0` for all).
        count: Query<Option<String>>,
        sort: Query<Option<String>>,
        /// Only the user with this email address.
        email: Query<Option<String>>,
    ) -> ListResult<UsersPageOk> {
        // The typed parameters document the operation; the values come from the checked query.
        let _ = (offset, count, sort, email);
        let q = query::check(request, &USERS_LIST)?;
        if q.text("email").is_some_and(|e| e.is_empty()) {
            return Err(invalid_params("must NOT have fewer than 1 characters"));
        }
        query::refuse_query_and_fields(request)?;
        let page = Page::new(
            q.number("offset"),
            q.number("count"),
            service.count_limits(),
        );
        let list = UserListQuery {
            page,
            sort: query::sort(q.text("sort"), Operation::UsersList)?,
            email: q.text("email"),
        };
        let caller = auth.0;
        call_list(
            &service,
            Operation::UsersList,
            move |s| s.list_users(&caller, &list),
            users_page(page),
        )
        .await
    }

    /// List users by status
    ///
    /// How Rocket.Chat's admin UI lists users: `status` (`active` / `deactivated`),
    /// `hasLoggedIn`, `type`, `roles[]` (any of them; `all` for every role), `searchTerm` (in
    /// the username, the name and, for holders of `view-full-other-user-info`, the email),
    /// `inactiveReason[]` (`deactivated`, `pending_approval`, `idle_too_long`), paged and
    /// sorted like users.list. Requires `view-d-room`.
    #[oai(
        path = "/users.listByStatus",
        method = "get",
        operation_id = "usersListByStatus"
    )]
    async fn list_by_status(
        &self,
        request: &Request,
        auth: Auth,
        service: Data<&Arc<Service>>,
        status: Query<Option<String>>,
        #[oai(name = "hasLoggedIn")] has_logged_in: Query<Option<bool>>,
        #[oai(name = "type")] kind: Query<Option<String>>,
        #[oai(name = "roles[]")] roles: Query<Option<Vec<String>>>,
        #[oai(name = "searchTerm")] search_term: Query<Option<String>>,
        sort: Query<Option<String>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
        #[oai(name = "inactiveReason[]")] inactive_reason: Query<Option<Vec<String>>>,
    ) -> ListResult<UsersPageOk> {
        // The typed parameters document the operation; the values come from the checked query.
        let _ = (status, has_logged_in, kind, roles, search_term);
        let _ = (sort, count, offset, inactive_reason);
        let q = query::check(request, &USERS_LIST_BY_STATUS)?;
        let page = Page::new(
            q.number("offset"),
            q.number("count"),
            service.count_limits(),
        );
        let filter = StatusQuery {
            page,
            sort: query::sort(q.text("sort"), Operation::UsersList)?,
            active: q.text("status").map(|s| s == "active"),
            has_logged_in: q.flag("hasLoggedIn"),
            kind: q.text("type"),
            roles: q.list("roles"),
            search_term: q.text("searchTerm"),
            inactive_reasons: q.list("inactiveReason"),
        };
        let caller = auth.0;
        call_list(
            &service,
            Operation::UsersList,
            move |s| s.list_users_by_status(&caller, &filter),
            users_page(page),
        )
        .await
    }

    /// Activate or deactivate a user
    ///
    /// Requires the permission `edit-other-user-active-status` or `manage-moderation-actions`
    /// (either one is enough).
    ///
    /// Deactivating revokes every login token of the user and archives its subscriptions.
    /// Deactivating the last active admin is refused. If activeStatus=false &
    /// confirmRelinquish=true and the user is the last active owner of a room, the room's
    /// earliest-joined active member becomes its owner; without confirmRelinquish the
    /// request is refused with `user-last-owner`, listing those rooms in
    /// `details.shouldChangeOwner` (send `confirmRelinquish=true`, or see what it would do
    /// with `rocketlite.ownershipPlan`). Reactivating unarchives the subscriptions; tokens are
    /// not restored.
    #[oai(
        path = "/users.setActiveStatus",
        method = "post",
        operation_id = "usersSetActiveStatus"
    )]
    async fn set_active_status(
        &self,
        auth: Auth,
        service: Data<&Arc<Service>>,
        body: Body<SetActiveStatusBody>,
    ) -> ApiResult<SetActiveStatusOk> {
        let caller = auth.0;
        let req = SetActiveStatus {
            user_id: UserId(body.0.user_id),
            active: body.0.active_status,
            confirm_relinquish: body.0.confirm_relinquish.unwrap_or(false),
            plan_id: body.0.plan_id,
        };
        call_async(
            Operation::SetActiveStatus,
            service.set_active_status_async(&caller, &req),
            |user| SetActiveStatusOk {
                user: ActiveStatusView {
                    id: user.id.to_string(),
                    active: user.active,
                },
                success: true,
            },
        )
        .await
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "usersCreate" | "usersInfo" | "usersUpdate" => {
            json!({"user": user_example("ada", true), "success": true})
        }
        "usersList" | "usersListByStatus" => {
            json!({"users": [user_example("ada", true)], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "usersSetActiveStatus" => {
            json!({"user": {"_id": USER_ID, "active": false}, "success": true})
        }
        "usersDelete" => json!({"success": true}),
        "usersLogout" => {
            json!({"message": format!("User {USER_ID} has been logged out!"), "success": true})
        }
        "usersDeactivateIdle" => json!({"count": 3, "success": true}),
        "usersRegister" => {
            json!({"user": {"_id": USER_ID, "type": "user", "status": "offline", "active": true, "name": "Ada Lovelace", "username": "ada"}, "success": true})
        }
        "usersSetStatus" => json!({"success": true}),
        "usersCreateToken" => {
            json!({"data": {"userId": USER_ID, "authToken": "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq"}, "success": true})
        }
        "usersGetPresence" => {
            json!({"presence": "offline", "connectionStatus": "offline", "lastLogin": TS, "success": true})
        }
        _ => return None,
    })
}
