//! `rooms.open`, `rooms.hide`, `rooms.roles`, and `channels.*` / `groups.*` `counters` and
//! `online`: a member's own view of a room, and what it may read about one.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{ListResult, call_list};
use super::errors::{Operation, RoomOperation};
use super::names::RoomNames;
use super::query::{self, Kind, QuerySchema};
use super::room_family::{RolesOk, SuccessOk, role_views};
use super::views::UserRef;
use super::{ApiResult, ApiTags, call, call_read, invalid_params};
use crate::model::{RoomId, RoomKind, UserId, iso8601};
use crate::service::{RoomCounters, Service};

/// What `rooms.open` and `rooms.hide` take.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomIdBody {
    /// The room's `_id`.
    #[oai(validator(min_length = 1))]
    pub room_id: String,
}

impl RequestSchema for RoomIdBody {
    const CLOSED: bool = true;
}

/// What `channels.counters` and `groups.counters` answer. rocketlite keeps no messages:
/// `msgs`, `unreads` and `userMentions` are 0 where Rocket.Chat counts them.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct CountersOk {
    /// Whether the user is a member with the room open in its list.
    pub joined: bool,
    /// Active members; `null` unless joined or asked by an admin.
    pub members: Option<u64>,
    pub unreads: Option<u64>,
    pub unreads_from: Option<String>,
    pub msgs: Option<u64>,
    pub latest: Option<String>,
    pub user_mentions: Option<u64>,
    pub success: bool,
}

impl From<RoomCounters> for CountersOk {
    fn from(c: RoomCounters) -> Self {
        CountersOk {
            joined: c.joined,
            members: c.members,
            unreads: c.unreads,
            unreads_from: c.unreads_from.map(iso8601),
            msgs: c.msgs,
            latest: c.latest.map(iso8601),
            user_mentions: c.user_mentions,
            success: true,
        }
    }
}

/// What `channels.online` and `groups.online` answer.
#[derive(Object)]
pub struct OnlineOk {
    /// Members not offline: with no live sessions in rocketlite, none.
    pub online: Vec<UserRef>,
    pub success: bool,
}

const ROLES: QuerySchema = QuerySchema {
    params: &[("rid", Kind::Text)],
    closed: true,
};

const COUNTERS: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("roomName", Kind::Text),
        ("userId", Kind::Text),
    ],
    closed: true,
};

const ONLINE: QuerySchema = QuerySchema {
    params: &[("_id", Kind::Text), ("query", Kind::Text)],
    closed: true,
};

/// A member's own view of rooms, and what may be read about one.
pub struct RoomViewsApi;

#[OpenApi(prefix_path = "/api/v1")]
impl RoomViewsApi {
    /// Show a room in one's list again
    ///
    /// Sets the caller's subscription open. Like Rocket.Chat's `openRoom`, it refuses
    /// nothing: a room that is not the caller's, or is open already, stays as it is.
    #[oai(
        path = "/rooms.open",
        method = "post",
        operation_id = "roomsOpen",
        tag = "ApiTags::Rooms"
    )]
    async fn open(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomIdBody>,
    ) -> ApiResult<SuccessOk> {
        let (caller, rid) = (auth.0, RoomId(body.0.room_id));
        call(
            &s,
            Operation::RoomsOpenHide,
            move |s| s.open_room(&caller, &rid),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Hide a room from one's list
    ///
    /// A room the caller may not see answers 401 `unauthorized`; one it is not a member of,
    /// or has hidden already, `error-room-already-hidden`.
    #[oai(
        path = "/rooms.hide",
        method = "post",
        operation_id = "roomsHide",
        tag = "ApiTags::Rooms"
    )]
    async fn hide(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomIdBody>,
    ) -> ApiResult<SuccessOk> {
        let (caller, rid) = (auth.0, RoomId(body.0.room_id));
        call(
            &s,
            Operation::RoomsOpenHide,
            move |s| s.hide_room(&caller, &rid),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// List the role holders of any room
    ///
    /// As `channels.roles` and `groups.roles`, for a room of either kind by `rid`.
    #[oai(
        path = "/rooms.roles",
        method = "get",
        operation_id = "roomsRoles",
        tag = "ApiTags::Rooms"
    )]
    async fn roles(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        rid: Query<Option<String>>,
    ) -> ListResult<RolesOk> {
        let _ = rid; // documented; read from the checked query
        let q = query::check(request, &ROLES)?;
        let rid = q
            .text("rid")
            .ok_or_else(|| invalid_params("must have required property 'rid'"))?;
        let (caller, rid) = (auth.0, RoomId(rid));
        call_list(
            &s,
            Operation::RoomsRoles,
            move |s| s.room_roles_by_id(&caller, &rid),
            |holders| RolesOk {
                roles: role_views(holders),
                success: true,
            },
        )
        .await
    }

    /// A channel's counters for one member
    ///
    /// The caller's, or with `view-room-administration` `userId`'s. `members` counts the
    /// active members.
    #[oai(
        path = "/channels.counters",
        method = "get",
        operation_id = "channelsCounters",
        tag = "ApiTags::Channels"
    )]
    async fn channel_counters(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
    ) -> ApiResult<CountersOk> {
        let _ = (room_id, room_name, user_id); // documented; read from the checked query
        let q = query::check(request, &COUNTERS)?;
        if !q.has("roomId") && !q.has("roomName") {
            return Err(invalid_params(
                "must have required property 'roomId'\n must have required property \
                 'roomName'\n must match a schema in anyOf",
            ));
        }
        let names = RoomNames::new(q.text("roomId"), q.text("roomName"));
        counters(&s, auth, RoomKind::Channel, names, q.text("userId"))
    }

    /// A private group's counters for one member
    ///
    /// The caller's, or with `view-room-administration` `userId`'s. `members` counts the
    /// active members.
    #[oai(
        path = "/groups.counters",
        method = "get",
        operation_id = "groupsCounters",
        tag = "ApiTags::Groups"
    )]
    async fn group_counters(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
    ) -> ApiResult<CountersOk> {
        let names = RoomNames::new(room_id.0, room_name.0);
        counters(&s, auth, RoomKind::Group, names, user_id.0)
    }

    /// A channel's members who are online
    ///
    /// By the channel's `_id`. rocketlite keeps no live sessions, so the list is empty.
    #[oai(
        path = "/channels.online",
        method = "get",
        operation_id = "channelsOnline",
        tag = "ApiTags::Channels"
    )]
    async fn channel_online(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "_id")] id: Query<Option<String>>,
    ) -> ApiResult<OnlineOk> {
        let _ = id; // documented; read from the checked query
        online(request, &s, auth, RoomKind::Channel)
    }

    /// A private group's members who are online
    ///
    /// By the group's `_id`. rocketlite keeps no live sessions, so the list is empty.
    #[oai(
        path = "/groups.online",
        method = "get",
        operation_id = "groupsOnline",
        tag = "ApiTags::Groups"
    )]
    async fn group_online(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "_id")] id: Query<Option<String>>,
    ) -> ApiResult<OnlineOk> {
        let _ = id; // documented; read from the checked query
        online(request, &s, auth, RoomKind::Group)
    }
}

fn counters(
    s: &Service,
    auth: Auth,
    kind: RoomKind,
    names: RoomNames,
    user: Option<String>,
) -> ApiResult<CountersOk> {
    let operation = Operation::Room(RoomOperation::Counters, kind);
    let room = names.room(operation)?;
    let user = user.map(|id| crate::service::UserRef::Id(UserId(id)));
    let caller = auth.0;
    call_read(
        s,
        operation,
        |s| s.room_counters(&caller, kind, &room, user.as_ref()),
        CountersOk::from,
    )
}

fn online(request: &Request, s: &Service, auth: Auth, kind: RoomKind) -> ApiResult<OnlineOk> {
    query::refuse_query_and_fields(request)?;
    let q = query::check(request, &ONLINE)?;
    let id = q
        .text("_id")
        .ok_or_else(|| super::ErrorResponse::bad_request(super::Failure::plain("Invalid query")))?;
    let (caller, rid) = (auth.0, RoomId(id));
    call_read(
        s,
        Operation::Room(RoomOperation::Online, kind),
        |s| s.online_members(&caller, kind, &rid),
        |users| OnlineOk {
            online: users
                .iter()
                .map(|u| UserRef {
                    id: u.id.to_string(),
                    username: u.username.clone(),
                    name: None,
                })
                .collect(),
            success: true,
        },
    )
}
