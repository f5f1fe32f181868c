//! rocketlite's own operations, beyond Rocket.Chat's API: under `rocketlite.*`, with their
//! own tag. Clients that do not call them see nothing of them.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};
use serde_json::Value;

use super::auth::Auth;
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::{ApiResult, ApiTags, call_read};
use crate::model::{Actor, AuditEntry, iso8601, parse_iso8601};
use crate::service::{AuditFilter, Page, Service, ServiceError};

/// Who made a change: a user (`id`), or the server itself.
#[derive(Object)]
pub struct ActorView {
    /// `user` or `server`.
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
    /// `room.role.add`, `room.role.remove`, `room.delete`.
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
};

/// rocketlite's extensions.
pub struct ExtensionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Extensions")]
impl ExtensionsApi {
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
    ) -> ApiResult<AuditOk> {
        let _ = (user_id, actor_id, action, since, until, count, offset); // documented; read from the checked query
        let q = query::check(request, &AUDIT)?;
        let date = |name: &'static str| match q.text(name).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => parse_iso8601(&t).map(Some).ok_or_else(|| {
                super::to_response(ServiceError::InvalidDate(name), Operation::Audit)
            }),
        };
        let page = Page::new(q.number("offset"), q.number("count"));
        let filter = AuditFilter {
            user_id: q.text("userId"),
            actor_id: q.text("actorId"),
            action: q.text("action"),
            since: date("since")?,
            until: date("until")?,
            page,
        };
        let caller = auth.0;
        call_read(
            &s,
            Operation::Audit,
            move |s| s.audit_trail(&caller, &filter),
            move |(entries, total)| AuditOk {
                count: entries.len() as u64,
                entries: entries.into_iter().map(AuditEntryView::from).collect(),
                offset: page.offset as u64,
                total: total as u64,
                success: true,
            },
        )
    }
}
