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
use super::rooms::{RoomsPageOk, admin_rooms_page};
use super::views::{RoomView, UserRef};
use super::{ApiResult, ApiTags, call, call_read, invalid_params};
use crate::api::examples::{ROOM_ID, TS, USER_ID, room_example};
use crate::model::{RoomId, RoomKind, Subscription, User, UserId, iso8601};
use crate::service::{AdminRoomsQuery, MembersByRoleQuery, Page, RoomCounters, Service, SortKey};
use serde_json::{Value, json};

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

/// What `rooms.saveNotification` takes: each value a string (numbers and booleans are read
/// as their text, as ajv coerces them).
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SaveNotificationBody {
    #[oai(validator(min_length = 1))]
    pub room_id: String,
    /// `desktopNotifications`, `mobilePushNotifications`, `emailNotifications` (`all`,
    /// `mentions`, `nothing` or `default`), `unreadAlert`, `disableNotifications`,
    /// `hideUnreadStatus`, `hideMentionStatus`, `muteGroupMentions` (`"1"` for true) and
    /// `audioNotificationValue`.
    #[oai(validator(min_properties = 1))]
    pub notifications: std::collections::BTreeMap<String, String>,
}

impl RequestSchema for SaveNotificationBody {
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
    #[oai(nullable)]
    pub members: Option<u64>,
    #[oai(nullable)]
    pub unreads: Option<u64>,
    #[oai(nullable)]
    pub unreads_from: Option<String>,
    #[oai(nullable)]
    pub msgs: Option<u64>,
    #[oai(nullable)]
    pub latest: Option<String>,
    #[oai(nullable)]
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

/// What `rooms.adminRooms.getRoom` answers: the room's fields, and `success`.
#[derive(Object)]
pub struct AdminRoomOk {
    #[oai(flatten)]
    pub room: RoomView,
    pub success: bool,
}

/// A member's subscription as `rooms.membersOrderedByRole` shows it.
#[derive(Object)]
pub struct MemberSubscription {
    #[oai(rename = "_id")]
    pub id: String,
    /// When the member joined.
    pub ts: String,
    #[oai(skip_serializing_if_is_none)]
    pub roles: Option<Vec<String>>,
}

/// One member as `rooms.membersOrderedByRole` shows it.
#[derive(Object)]
pub struct MemberByRole {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    /// Always `offline`: rocketlite keeps no live sessions.
    pub status: String,
    #[oai(rename = "_updatedAt")]
    pub updated_at: String,
    /// The member's room roles, absent when it holds none.
    #[oai(skip_serializing_if_is_none)]
    pub roles: Option<Vec<String>>,
    pub subscription: MemberSubscription,
}

impl MemberByRole {
    fn new(user: User, sub: Subscription) -> Self {
        let roles = (!sub.roles.is_empty()).then(|| sub.roles.clone());
        MemberByRole {
            id: user.id.to_string(),
            username: user.username,
            name: user.name,
            nickname: user.profile.nickname,
            status: "offline".into(),
            updated_at: iso8601(user.updated_at),
            roles: roles.clone(),
            subscription: MemberSubscription {
                id: sub.id,
                ts: iso8601(sub.created_at),
                roles,
            },
        }
    }
}

/// What `rooms.membersOrderedByRole` answers.
#[derive(Object)]
pub struct MembersByRoleOk {
    pub members: Vec<MemberByRole>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

const ADMIN_ROOM: QuerySchema = QuerySchema {
    params: &[("rid", Kind::Text)],
    closed: true,
    coerce_arrays: false,
};

const PRIVATE_ROOMS: QuerySchema = QuerySchema {
    params: &[
        ("filter", Kind::Text),
        ("offset", Kind::Number),
        ("count", Kind::Number),
        ("sort", Kind::Text),
    ],
    closed: false,
    coerce_arrays: true,
};

const MEMBERS_BY_ROLE: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("roomName", Kind::Text),
        ("status", Kind::List),
        ("filter", Kind::Text),
        ("count", Kind::Integer),
        ("offset", Kind::Integer),
        ("sort", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

const ROLES: QuerySchema = QuerySchema {
    params: &[("rid", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

const COUNTERS: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("roomName", Kind::Text),
        ("userId", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

const ONLINE: QuerySchema = QuerySchema {
    params: &[("_id", Kind::Text), ("query", Kind::Text)],
    closed: true,
    coerce_arrays: false,
};

/// A member's own view of rooms, and what may be read about one.
#[derive(Default)]
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

    /// Choose how one is notified about a room
    ///
    /// The caller's own settings for a room it is a member of. Every entry is checked before
    /// any is saved.
    #[oai(
        path = "/rooms.saveNotification",
        method = "post",
        operation_id = "roomsSaveNotification",
        tag = "ApiTags::Rooms"
    )]
    async fn save_notification(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<SaveNotificationBody>,
    ) -> ApiResult<SuccessOk> {
        let b = body.0;
        let (caller, rid) = (auth.0, RoomId(b.room_id));
        let entries: Vec<(String, String)> = b.notifications.into_iter().collect();
        call(
            &s,
            Operation::RoomsSaveNotification,
            move |s| s.save_notifications(&caller, &rid, &entries),
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

    /// Any room, for an administrator
    ///
    /// The room's fields at the top level of the answer, member or not. Requires
    /// `view-room-administration` (else 400 `error-not-authorized`).
    #[oai(
        path = "/rooms.adminRooms.getRoom",
        method = "get",
        operation_id = "roomsAdminRoomsGetRoom",
        tag = "ApiTags::Rooms"
    )]
    async fn admin_room(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        rid: Query<Option<String>>,
    ) -> ApiResult<AdminRoomOk> {
        let _ = rid; // documented; read from the checked query
        let q = query::check(request, &ADMIN_ROOM)?;
        let (caller, rid) = (auth.0, RoomId(q.text("rid").unwrap_or_default()));
        call_read(
            &s,
            Operation::RoomsAdminRoomGet,
            |s| s.admin_room(&caller, &rid),
            |room| AdminRoomOk {
                room: RoomView::from(&room),
                success: true,
            },
        )
    }

    /// Private groups, for an administrator
    ///
    /// Requires `view-room-administration`. Every private group whose name or display name
    /// contains `filter` (ignoring case), default rooms first and then by name unless `sort`
    /// says otherwise.
    #[oai(
        path = "/rooms.adminRooms.privateRooms",
        method = "get",
        operation_id = "roomsAdminRoomsPrivateRooms",
        tag = "ApiTags::Rooms"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn private_rooms(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        filter: Query<Option<String>>,
        count: Query<Option<f64>>,
        offset: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<RoomsPageOk> {
        let _ = (filter, count, offset, sort); // documented; read from the checked query
        let q = query::check(request, &PRIVATE_ROOMS)?;
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let list = AdminRoomsQuery {
            filter: q.text("filter"),
            types: vec!["p".into()],
            page,
            sort: query::sort(q.text("sort"), Operation::RoomsPrivateRooms)?,
        };
        admin_rooms_page(&s, auth, list, Operation::RoomsPrivateRooms).await
    }

    /// A room's active members, owners first
    ///
    /// Owners, then leaders, then moderators, then the other members, each by username
    /// (`sort` `{"rolePriority": -1}` reverses the tiers, `{"username": -1}` the names).
    /// `filter` matches a part of the username, name, nickname or bio.
    #[oai(
        path = "/rooms.membersOrderedByRole",
        method = "get",
        operation_id = "roomsMembersOrderedByRole",
        tag = "ApiTags::Rooms"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn members_by_role(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
        #[oai(name = "status[]")] status: Query<Option<Vec<String>>>,
        filter: Query<Option<String>>,
        count: Query<Option<f64>>,
        offset: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<MembersByRoleOk> {
        let _ = (room_id, room_name, status, filter, count, offset, sort); // documented
        let q = query::check(request, &MEMBERS_BY_ROLE)?;
        query::one_room_name(&q)?;
        let operation = Operation::RoomsMembersByRole;
        let room = RoomNames::new(q.text("roomId"), q.text("roomName")).room(operation)?;
        let sort = query::sort(q.text("sort"), operation)?;
        let descending = |field: &str| {
            sort.iter()
                .any(|k: &SortKey| k.field == field && k.descending)
        };
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let list = MembersByRoleQuery {
            page,
            filter: q.text("filter").filter(|f| !f.trim().is_empty()),
            status: q.list("status"),
            roles_last: descending("rolePriority"),
            username_descending: descending("username"),
        };
        let caller = auth.0;
        call_list(
            &s,
            operation,
            move |s| s.members_by_role(&caller, &room, &list),
            move |(members, total)| MembersByRoleOk {
                count: members.len() as u64,
                members: members
                    .into_iter()
                    .map(|(user, sub)| MemberByRole::new(user, sub))
                    .collect(),
                offset: page.offset as u64,
                total: total as u64,
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

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    let roles = json!({"roles": [{"_id": "SUBSCRIPTIONid1234", "rid": ROOM_ID, "u": {"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}, "roles": ["owner"]}], "success": true});
    Some(match operation {
        "roomsOpen" | "roomsHide" | "roomsSaveNotification" => {
            json!({"success": true})
        }
        "roomsRoles" => roles,
        "roomsAdminRoomsPrivateRooms" => {
            json!({"rooms": [room_example("p")], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "roomsAdminRoomsGetRoom" => {
            let mut room = room_example("p");
            room["success"] = json!(true);
            room
        }
        "roomsMembersOrderedByRole" => {
            json!({"members": [{"_id": USER_ID, "username": "ada", "name": "Ada Lovelace", "status": "offline", "_updatedAt": TS, "roles": ["owner"], "subscription": {"_id": "SUBSCRIPTIONid1234", "ts": TS, "roles": ["owner"]}}], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "channelsCounters" | "groupsCounters" => {
            json!({"joined": true, "members": 3, "unreads": 0, "unreadsFrom": TS, "msgs": 0, "latest": TS, "userMentions": 0, "success": true})
        }
        "channelsOnline" | "groupsOnline" => json!({"online": [], "success": true}),
        _ => return None,
    })
}
