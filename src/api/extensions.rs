//! rocketlite's own operations, beyond Rocket.Chat's API: under `rocketlite.*`, with their
//! own tag. Clients that do not call them see nothing of them.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};
use serde_json::Value;

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{ListResult, call_walked};
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::{ApiResult, ApiTags, call, call_read};
use crate::api::examples::{ROOM_ID, TS, USER_ID};
use crate::model::UserId;
use crate::model::{Actor, AuditEntry, ScimToken, iso8601};
use crate::service::{AuditFilter, OwnershipPlan, Page, PlanAction, Service};
use serde_json::json;

/// Who made a change: a user (`id`), an identity provider through SCIM (`id` is its
/// token's), or the server itself.
#[derive(Object)]
pub struct ActorView {
    /// `user`, `scim` or `server`.
    #[oai(rename = "type")]
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
    pub id: Option<String>,
}

/// One entry of the audit trail.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct AuditEntryView {
    /// The entry's place in the trail.
    #[oai(rename = "_id")]
    pub id: String,
    pub ts: String,
    pub actor: ActorView,
    /// `user.create`, `user.update`, `user.activate`, `user.deactivate`, `user.delete`,
    /// `user.role.add`, `user.role.remove`, `room.owner.add`, `room.owner.remove`,
    /// `room.role.add`, `room.role.remove`, `room.delete`, `scim.token.create`,
    /// `scim.token.revoke`.
    pub action: String,
    /// The user the change is about.
    #[oai(skip_serializing_if_is_none)]
    pub user_id: Option<String>,
    /// The room the change is about.
    #[oai(skip_serializing_if_is_none)]
    pub room_id: Option<String>,
    /// The fields before the change (`null` for a creation).
    pub before: Value,
    /// The fields after it; a deactivation or deletion lists its `handovers`.
    pub after: Value,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        let actor = match e.actor {
            Actor::User(id) => ActorView {
                kind: "user".into(),
                id: Some(id.to_string()),
            },
            Actor::Server => ActorView {
                kind: "server".into(),
                id: None,
            },
            Actor::Scim(token) => ActorView {
                kind: "scim".into(),
                id: Some(token),
            },
        };
        AuditEntryView {
            id: e.seq.to_string(),
            ts: iso8601(e.at),
            actor,
            action: e.action,
            user_id: e.user_id.map(|u| u.to_string()),
            room_id: e.room_id.map(|r| r.to_string()),
            before: e.before,
            after: e.after,
        }
    }
}

/// A page of the audit trail, newest first.
#[derive(Object)]
pub struct AuditOk {
    pub entries: Vec<AuditEntryView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// A room in an ownership plan.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PlanRoomView {
    pub room_id: String,
    /// Absent for a private group the caller is not in, without `view-other-user-channels`.
    pub room_name: Option<String>,
}

/// A room that would change hands, and to whom.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PlanHandoverView {
    pub room_id: String,
    /// Absent for a private group the caller is not in, without `view-other-user-channels`.
    pub room_name: Option<String>,
    pub successor_id: String,
    pub successor_username: String,
}

/// What a deactivation or deletion would do now, and the id that binds it.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct OwnershipPlanOk {
    pub user_id: String,
    /// `deactivate` or `delete`.
    pub action: String,
    /// Send it as `planId` with users.setActiveStatus, users.update or users.delete: they
    /// refuse with `error-plan-changed` (changing nothing) unless they would do exactly this.
    pub plan_id: String,
    /// True when the user is the last active admin: the change would be refused.
    pub last_admin_refusal: bool,
    /// The rooms the user is the last active owner of, with the earliest-joined active member
    /// who takes each over (with `confirmRelinquish`; without it they refuse the change).
    pub handovers: Vec<PlanHandoverView>,
    /// The user's other rooms: they neither block nor change.
    pub unchanged: Vec<PlanRoomView>,
    pub success: bool,
}

impl From<OwnershipPlan> for OwnershipPlanOk {
    fn from(plan: OwnershipPlan) -> Self {
        let name = |room: &crate::model::Room| {
            (!plan.hidden.contains(&room.id)).then(|| room.name.clone())
        };
        OwnershipPlanOk {
            plan_id: plan.id(),
            user_id: plan.user.id.to_string(),
            action: plan.action.as_str().into(),
            last_admin_refusal: plan.last_admin,
            handovers: plan
                .handovers
                .iter()
                .map(|(room, successor)| PlanHandoverView {
                    room_id: room.id.to_string(),
                    room_name: name(room),
                    successor_id: successor.id.to_string(),
                    successor_username: successor.username.clone(),
                })
                .collect(),
            unchanged: plan
                .unchanged
                .iter()
                .map(|room| PlanRoomView {
                    room_id: room.id.to_string(),
                    room_name: name(room),
                })
                .collect(),
            success: true,
        }
    }
}

/// What `rocketlite.scimTokens.create` takes.
#[derive(Object, Debug)]
pub struct ScimTokenCreateBody {
    /// What to call the token: the identity provider that will use it, say.
    #[oai(validator(min_length = 1, max_length = 120))]
    pub name: String,
}

impl RequestSchema for ScimTokenCreateBody {
    const CLOSED: bool = true;
}

/// What `rocketlite.scimTokens.revoke` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ScimTokenRevokeBody {
    pub token_id: String,
}

impl RequestSchema for ScimTokenRevokeBody {
    const CLOSED: bool = true;
}

/// A SCIM token, without its secret.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct ScimTokenView {
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// The admin who created it.
    pub created_by: String,
}

impl From<&ScimToken> for ScimTokenView {
    fn from(t: &ScimToken) -> Self {
        ScimTokenView {
            id: t.id.clone(),
            name: t.name.clone(),
            created_at: iso8601(t.created_at),
            created_by: t.created_by.to_string(),
        }
    }
}

/// A new SCIM token and its secret, shown this once.
#[derive(Object)]
pub struct ScimTokenCreateOk {
    pub token: ScimTokenView,
    /// Give it to the identity provider as its bearer token. rocketlite keeps only its
    /// SHA-256: it cannot be shown again.
    pub secret: String,
    pub success: bool,
}

/// Every SCIM token.
#[derive(Object)]
pub struct ScimTokenListOk {
    pub tokens: Vec<ScimTokenView>,
    pub success: bool,
}

/// A plain success.
#[derive(Object)]
pub struct ScimTokenRevokeOk {
    pub success: bool,
}

/// rocketlite.ownershipPlan's query.
const OWNERSHIP_PLAN: QuerySchema = QuerySchema {
    params: &[
        ("userId", Kind::Text),
        ("action", Kind::OneOf(&["deactivate", "delete"])),
    ],
    closed: true,
    coerce_arrays: true,
};

/// rocketlite.audit's query.
const AUDIT: QuerySchema = QuerySchema {
    params: &[
        ("userId", Kind::Text),
        ("actorId", Kind::Text),
        ("action", Kind::Text),
        ("since", Kind::Text),
        ("until", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
    ],
    closed: true,
    coerce_arrays: true,
};

/// rocketlite's extensions.
#[derive(Default)]
pub struct ExtensionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Extensions")]
impl ExtensionsApi {
    /// Preview a deactivation or deletion (extension)
    ///
    /// Not part of Rocket.Chat. What deactivating (`action=deactivate`, needs the permissions
    /// of users.setActiveStatus) or deleting (`action=delete`, needs `delete-user`) the user
    /// would do now: each room that would change hands and to whom, the rooms that would
    /// neither block nor change, and whether the last-admin rule would refuse. The answer's
    /// `planId` binds it: users.setActiveStatus, users.update and users.delete take it as
    /// `planId` and refuse with `error-plan-changed`, changing nothing, if they would now do
    /// anything else.
    #[oai(
        path = "/rocketlite.ownershipPlan",
        method = "get",
        operation_id = "rocketliteOwnershipPlan"
    )]
    async fn ownership_plan(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        action: Query<Option<String>>,
    ) -> ApiResult<OwnershipPlanOk> {
        let _ = (user_id, action); // documented; read from the checked query
        let q = query::check(request, &OWNERSHIP_PLAN)?;
        let required =
            |name: &str| super::invalid_params(&format!("must have required property '{name}'"));
        let user = UserId(q.text("userId").ok_or_else(|| required("userId"))?);
        let action = match q.text("action").as_deref() {
            Some("delete") => PlanAction::Delete,
            Some(_) => PlanAction::Deactivate,
            None => return Err(required("action")),
        };
        let caller = auth.0;
        call_read(
            &s,
            Operation::OwnershipPlan,
            move |s| s.plan_ownership(&caller, &user, action),
            OwnershipPlanOk::from,
        )
    }

    /// Read the audit trail (extension)
    ///
    /// Not part of Rocket.Chat. Every lifecycle change (users created, updated, activated,
    /// deactivated with the rooms handed over and to whom, deleted; global and room roles;
    /// ownership; room deletion), recorded in the transaction of the change: who, what, when,
    /// before and after. Newest first, paged like Rocket.Chat's lists; `userId` (the user an
    /// entry is about), `actorId`, `action`, `since` and `until` (ISO-8601) filter it.
    /// Requires `rocketlite-view-audit-trail` (admins).
    #[oai(
        path = "/rocketlite.audit",
        method = "get",
        operation_id = "rocketliteAudit"
    )]
    async fn audit(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        #[oai(name = "actorId")] actor_id: Query<Option<String>>,
        action: Query<Option<String>>,
        since: Query<Option<String>>,
        until: Query<Option<String>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
    ) -> ListResult<AuditOk> {
        let _ = (user_id, actor_id, action, since, until, count, offset); // documented; read from the checked query
        let q = query::check(request, &AUDIT)?;
        let date = |name: &'static str| query::date(q.text(name), name, Operation::Audit);
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let filter = AuditFilter {
            user_id: q.text("userId"),
            actor_id: q.text("actorId"),
            action: q.text("action"),
            since: date("since")?,
            until: date("until")?,
        };
        let caller = auth.0;
        // The trail may hold a million entries: it is walked as the client reads.
        call_walked::<AuditOk, _, _, _>(
            &s,
            Operation::Audit,
            "entries",
            page,
            move |s, before| {
                let batch = s.audit_batch(&caller, &filter, before)?;
                Ok((batch.entries, batch.next))
            },
            AuditEntryView::from,
        )
        .await
    }

    /// Create a SCIM token (extension)
    ///
    /// Not part of Rocket.Chat. A bearer token for an identity provider (Okta, Microsoft
    /// Entra) to provision users at `/scim/v2`. The answer's `secret` is shown this once:
    /// rocketlite stores only its SHA-256. Requires `rocketlite-manage-scim-tokens` (admins).
    #[oai(
        path = "/rocketlite.scimTokens.create",
        method = "post",
        operation_id = "rocketliteScimTokensCreate"
    )]
    async fn scim_tokens_create(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<ScimTokenCreateBody>,
    ) -> ApiResult<ScimTokenCreateOk> {
        let caller = auth.0;
        let name = body.0.name;
        call(
            &s,
            Operation::ScimTokens,
            move |s| s.create_scim_token(&caller, &name),
            |new| ScimTokenCreateOk {
                token: ScimTokenView::from(&new.token),
                secret: new.secret,
                success: true,
            },
        )
        .await
    }

    /// List the SCIM tokens (extension)
    ///
    /// Not part of Rocket.Chat. Every SCIM token, without secrets. Requires
    /// `rocketlite-manage-scim-tokens` (admins).
    #[oai(
        path = "/rocketlite.scimTokens.list",
        method = "get",
        operation_id = "rocketliteScimTokensList"
    )]
    async fn scim_tokens_list(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
    ) -> ApiResult<ScimTokenListOk> {
        let caller = auth.0;
        call_read(
            &s,
            Operation::ScimTokens,
            move |s| s.scim_tokens(&caller),
            |tokens| ScimTokenListOk {
                tokens: tokens.iter().map(ScimTokenView::from).collect(),
                success: true,
            },
        )
    }

    /// Revoke a SCIM token (extension)
    ///
    /// Not part of Rocket.Chat. The token stops working at once, also for requests already
    /// under way. Requires `rocketlite-manage-scim-tokens` (admins).
    #[oai(
        path = "/rocketlite.scimTokens.revoke",
        method = "post",
        operation_id = "rocketliteScimTokensRevoke"
    )]
    async fn scim_tokens_revoke(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<ScimTokenRevokeBody>,
    ) -> ApiResult<ScimTokenRevokeOk> {
        let caller = auth.0;
        let token_id = body.0.token_id;
        call(
            &s,
            Operation::ScimTokens,
            move |s| s.revoke_scim_token(&caller, &token_id),
            |()| ScimTokenRevokeOk { success: true },
        )
        .await
    }
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "rocketliteOwnershipPlan" => {
            json!({"userId": "OLGAid1234567890x", "action": "deactivate", "planId": "3f5c9a0e4b1d7c2a8e6f0b3d9c4a7e1f5b2d8c6a0e3f9b4d7c1a5e8f2b6d0c3a", "lastAdminRefusal": false, "handovers": [{"roomId": ROOM_ID, "roomName": "general", "successorId": "ADAid123456789012", "successorUsername": "ada"}], "unchanged": [], "success": true})
        }
        "rocketliteAudit" => {
            json!({"entries": [{"_id": "42", "ts": TS, "actor": {"type": "user", "id": USER_ID}, "action": "user.deactivate", "userId": "OLGAid1234567890x", "before": {"active": true}, "after": {"active": false, "inactiveReason": "deactivated", "handovers": [{"roomId": ROOM_ID, "roomName": "general", "successorId": "ADAid123456789012"}]}}], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "rocketliteScimTokensCreate" => {
            json!({"token": {"_id": "SCIMTOKENid123456", "name": "Okta", "createdAt": TS, "createdBy": USER_ID}, "secret": "SCIMTOKENid123456.6b1f0c3e9a4d7b2e8f5a1c0d3b6e9f2a4c7d0e3b6a9f2c5e8b1d4a7f0c3e6b9d", "success": true})
        }
        "rocketliteScimTokensList" => {
            json!({"tokens": [{"_id": "SCIMTOKENid123456", "name": "Okta", "createdAt": TS, "createdBy": USER_ID}], "success": true})
        }
        "rocketliteScimTokensRevoke" => json!({"success": true}),
        _ => return None,
    })
}
