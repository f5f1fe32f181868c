//! `rooms.info`, `rooms.join`, `rooms.leave`, `rooms.changeArchivationState`, `rooms.delete`,
//! `rooms.favorite` and `subscriptions.getOne`: rooms of any
//! kind, and the caller's membership.

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
use super::room_family::SuccessOk;
use super::views::{RoomView, SubscriptionView};
use super::{ApiResult, ApiTags, ErrorResponse, Failure, call, call_read, invalid_params};
use crate::api::examples::{ROOM_ID, TS, USER_ID, room_example};
use crate::model::{RoomId, iso8601};
use crate::service::{
    AdminRoomsQuery, DirectoryEntry, DirectoryKind, DirectoryQuery, Page, Service,
};
use serde_json::{Value, json};

/// subscriptions.getOne's query, as `isSubscriptionsGetOneProps` reads it.
const SUBSCRIPTIONS_GET_ONE: QuerySchema = QuerySchema {
    params: &[("roomId", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

/// Any room.
#[derive(Object)]
pub struct RoomOk {
    pub room: RoomView,
    pub success: bool,
}

/// The caller's subscription, or `null`.
#[derive(Object)]
pub struct SubscriptionOk {
    /// `null` when the caller is not a member of the room.
    #[oai(nullable)]
    pub subscription: Option<SubscriptionView>,
    pub success: bool,
}

/// A room of any kind, by `roomId` or `roomName`.
#[derive(Object, Debug)]
pub struct AnyRoomBody {
    #[oai(flatten)]
    pub room: RoomNames,
}

impl RequestSchema for AnyRoomBody {
    const CLOSED: bool = true;
}

/// A room of any kind to join, and its join code if it has one.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomsJoinBody {
    #[oai(flatten)]
    pub room: RoomNames,
    pub join_code: Option<String>,
}

impl RequestSchema for RoomsJoinBody {
    const CLOSED: bool = true;
}

/// 8.8.1's `isRoomsJoinProps`: `oneOf [{roomId} | {roomName}]`, each a non-empty string in a
/// closed object, refused with ajv's messages of both branches.
fn one_room_to_join(room: &RoomNames) -> Result<(), ErrorResponse> {
    let required = |name: &str| format!("must have required property '{name}'");
    let branch = |value: Option<&String>, name: &str| match value {
        None => Some(required(name)),
        Some(v) if v.is_empty() => Some("must NOT have fewer than 1 characters".to_string()),
        Some(_) => None,
    };
    let messages = match (room.room_id.as_ref(), room.room_name.as_ref()) {
        (Some(_), Some(_)) => vec!["must NOT have additional properties".to_string(); 2],
        (id, name) => match (branch(id, "roomId"), branch(name, "roomName")) {
            (None, _) | (_, None) => return Ok(()),
            (by_id, by_name) => by_id.into_iter().chain(by_name).collect(),
        },
    };
    let all = [
        messages,
        vec!["must match exactly one schema in oneOf".into()],
    ]
    .concat();
    Err(invalid_params(&all.join("\n ")))
}

/// What `rooms.changeArchivationState` takes.
#[derive(Object, Debug)]
pub struct ArchivationBody {
    /// The room's `_id`.
    pub rid: String,
    /// `archive` archives the room; anything else, or nothing, unarchives it.
    pub action: Option<String>,
}

impl RequestSchema for ArchivationBody {
    const CLOSED: bool = true;
}

/// What `rooms.delete` takes.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct DeleteRoomBody {
    pub room_id: String,
}

impl RequestSchema for DeleteRoomBody {
    const CLOSED: bool = true;
}

/// A room and whether it is the caller's favorite.
#[derive(Object, Debug)]
pub struct FavoriteBody {
    #[oai(flatten)]
    pub room: RoomNames,
    pub favorite: bool,
}

impl RequestSchema for FavoriteBody {
    const CLOSED: bool = true;
}

/// A page of rooms of any kind.
#[derive(Object)]
pub struct RoomsPageOk {
    pub rooms: Vec<RoomView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// The caller's rooms changed since a date; `remove` is always empty (rocketlite keeps no
/// record of deleted rooms).
#[derive(Object)]
pub struct RoomsGetOk {
    pub update: Vec<RoomView>,
    pub remove: Vec<RoomView>,
    pub success: bool,
}

/// The caller's subscriptions changed since a date; `remove` is always empty.
#[derive(Object)]
pub struct SubscriptionsGetOk {
    pub update: Vec<SubscriptionView>,
    pub remove: Vec<SubscriptionView>,
    pub success: bool,
}

/// One `directory` answer: a room (`type=channels`) or a user (`type=users`).
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct DirectoryItem {
    #[oai(rename = "_id")]
    pub id: String,
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub fname: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub t: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub users_count: Option<u64>,
    #[oai(skip_serializing_if_is_none)]
    pub ts: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub topic: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub description: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub archived: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub default: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub username: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub nickname: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub bio: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub created_at: Option<String>,
    /// Shown to holders of `view-full-other-user-info`.
    #[oai(skip_serializing_if_is_none)]
    pub emails: Option<Vec<super::views::EmailView>>,
}

impl From<DirectoryEntry> for DirectoryItem {
    fn from(entry: DirectoryEntry) -> Self {
        let blank = |id: String| DirectoryItem {
            id,
            name: None,
            fname: None,
            t: None,
            users_count: None,
            ts: None,
            topic: None,
            description: None,
            archived: None,
            default: None,
            username: None,
            nickname: None,
            bio: None,
            created_at: None,
            emails: None,
        };
        match entry {
            DirectoryEntry::Room(room) => DirectoryItem {
                name: Some(room.name.clone()),
                fname: Some(room.fname.clone()),
                t: Some(room.kind.letter().into()),
                users_count: Some(room.users_count),
                ts: Some(iso8601(room.created_at)),
                topic: room.topic.clone(),
                description: room.description.clone(),
                archived: Some(room.archived),
                default: Some(room.default),
                ..blank(room.id.to_string())
            },
            DirectoryEntry::User(user, full) => DirectoryItem {
                name: Some(user.name.clone()),
                username: Some(user.username.clone()),
                nickname: user.profile.nickname.clone(),
                bio: user.profile.bio.clone(),
                created_at: Some(iso8601(user.created_at)),
                emails: full.then(|| {
                    user.emails
                        .iter()
                        .map(|e| super::views::EmailView {
                            address: e.address.clone(),
                            verified: e.verified,
                        })
                        .collect()
                }),
                ..blank(user.id.to_string())
            },
        }
    }
}

/// What `directory` answers.
#[derive(Object)]
pub struct DirectoryOk {
    pub result: Vec<DirectoryItem>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// rooms.adminRooms' query (`isRoomsAdminRoomsProps`).
const ADMIN_ROOMS: QuerySchema = QuerySchema {
    params: &[
        ("filter", Kind::Text),
        (
            "types",
            Kind::ListOf(&["c", "d", "p", "l", "discussions", "teams"]),
        ),
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("query", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// subscriptions.get's query (`isSubscriptionsGetProps`).
const SUBSCRIPTIONS_GET: QuerySchema = QuerySchema {
    params: &[("updatedSince", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

/// directory's query (`isDirectoryProps`).
const DIRECTORY: QuerySchema = QuerySchema {
    params: &[
        ("text", Kind::Text),
        ("type", Kind::Text),
        ("workspace", Kind::Text),
        ("sort", Kind::Text),
        ("query", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
    ],
    closed: true,
    coerce_arrays: true,
};

/// Rooms of any kind and the caller's subscriptions.
#[derive(Default)]
pub struct RoomsApi;

#[OpenApi(prefix_path = "/api/v1")]
impl RoomsApi {
    /// Get a room
    ///
    /// A channel, or a private group the caller may see.
    #[oai(
        path = "/rooms.info",
        method = "get",
        operation_id = "roomsInfo",
        tag = "ApiTags::Rooms"
    )]
    async fn info(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<RoomOk> {
        let caller = auth.0;
        let room = RoomNames::new(room_id.0, room_name.0).room(Operation::RoomsInfo)?;
        call_read(
            &s,
            Operation::RoomsInfo,
            move |s| s.room_info(&caller, &room),
            |room| RoomOk {
                room: RoomView::from(&room),
                success: true,
            },
        )
    }

    /// Join a room
    ///
    /// A channel as `channels.join` joins it (`view-c-room`, and its join code unless the
    /// caller holds `join-without-join-code`); a private group only by its members.
    #[oai(
        path = "/rooms.join",
        method = "post",
        operation_id = "roomsJoin",
        tag = "ApiTags::Rooms"
    )]
    async fn join(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomsJoinBody>,
    ) -> ApiResult<RoomOk> {
        let op = Operation::RoomsAny(RoomOperation::Join);
        let b = body.0;
        one_room_to_join(&b.room)?;
        let room = b.room.room(op)?;
        let caller = auth.0;
        let code = b.join_code;
        call(
            &s,
            op,
            move |s| s.join_room(&caller, None, &room, code.as_deref()),
            |room| RoomOk {
                room: RoomView::from(&room),
                success: true,
            },
        )
        .await
    }

    /// Archive or unarchive a room
    ///
    /// `action: "archive"` archives the room (`archive-room`); anything else unarchives it
    /// (`unarchive-room`), as the families' archive and unarchive do.
    #[oai(
        path = "/rooms.changeArchivationState",
        method = "post",
        operation_id = "roomsChangeArchivationState",
        tag = "ApiTags::Rooms"
    )]
    async fn change_archivation_state(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<ArchivationBody>,
    ) -> ApiResult<SuccessOk> {
        let b = body.0;
        let archive = b.action.as_deref() == Some("archive");
        let op = Operation::RoomsAny(match archive {
            true => RoomOperation::Archive,
            false => RoomOperation::Unarchive,
        });
        let caller = auth.0;
        let room = crate::service::RoomRef::Id(RoomId(b.rid));
        call(
            &s,
            op,
            move |s| s.set_archived(&caller, None, &room, archive),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Delete a room
    ///
    /// A channel (`delete-c`) or a private group (`delete-p`) and every membership in it.
    #[oai(
        path = "/rooms.delete",
        method = "post",
        operation_id = "roomsDelete",
        tag = "ApiTags::Rooms"
    )]
    async fn delete(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<DeleteRoomBody>,
    ) -> ApiResult<SuccessOk> {
        let caller = auth.0;
        let room = crate::service::RoomRef::Id(RoomId(body.0.room_id));
        call(
            &s,
            Operation::RoomsAny(RoomOperation::Delete),
            move |s| s.delete_room(&caller, None, &room),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Leave a room
    ///
    /// Leaves a channel (`leave-c`) or a private group (`leave-p`). The last owner, or the
    /// last active owner, cannot leave (`error-you-are-last-owner`).
    #[oai(
        path = "/rooms.leave",
        method = "post",
        operation_id = "roomsLeave",
        tag = "ApiTags::Rooms"
    )]
    async fn leave(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<AnyRoomBody>,
    ) -> ApiResult<SuccessOk> {
        let op = Operation::RoomsAny(RoomOperation::Leave);
        let room = body.0.room.room(op)?;
        let caller = auth.0;
        call(
            &s,
            op,
            move |s| s.leave(&caller, None, &room),
            |_| SuccessOk { success: true },
        )
        .await
    }

    /// Mark a room a favorite
    ///
    /// The caller's own subscription; `favorite: false` unmarks it. Refused for a room the
    /// caller is not a member of, and for an archived room.
    #[oai(
        path = "/rooms.favorite",
        method = "post",
        operation_id = "roomsFavorite",
        tag = "ApiTags::Rooms"
    )]
    async fn favorite(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<FavoriteBody>,
    ) -> ApiResult<SuccessOk> {
        let op = Operation::RoomsAny(RoomOperation::Edit);
        let room = body.0.room.room(op)?;
        let (caller, favorite) = (auth.0, body.0.favorite);
        call(
            &s,
            op,
            move |s| s.set_favorite(&caller, &room, favorite),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// List rooms for administration
    ///
    /// Requires `view-room-administration`. Every room whose name or display name contains
    /// `filter` (ignoring case), of the `types` listed (`c`, `p`; all when none), default
    /// rooms first and then by name unless `sort` says otherwise.
    #[oai(
        path = "/rooms.adminRooms",
        method = "get",
        operation_id = "roomsAdminRooms",
        tag = "ApiTags::Rooms"
    )]
    async fn admin_rooms(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        filter: Query<Option<String>>,
        #[oai(name = "types[]")] types: Query<Option<Vec<String>>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
        sort: Query<Option<String>>,
    ) -> ListResult<RoomsPageOk> {
        let _ = (filter, types, count, offset, sort); // documented; read from the checked query
        query::refuse_query_and_fields(request)?;
        let q = query::check(request, &ADMIN_ROOMS)?;
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let list = AdminRoomsQuery {
            filter: q.text("filter"),
            types: q.list("types").unwrap_or_default(),
            page,
            sort: query::sort(q.text("sort"), Operation::RoomsAdminRooms)?,
        };
        admin_rooms_page(&s, auth, list, Operation::RoomsAdminRooms).await
    }

    /// List the caller's rooms
    ///
    /// Every room the caller is a member of; with `updatedSince` (an ISO-8601 date) only
    /// those changed after it.
    #[oai(
        path = "/rooms.get",
        method = "get",
        operation_id = "roomsGet",
        tag = "ApiTags::Rooms"
    )]
    async fn rooms_get(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ListResult<RoomsGetOk> {
        let since = query::date(updated_since.0, "updatedSince", Operation::RoomsGet)?;
        let caller = auth.0;
        call_list(
            &s,
            Operation::RoomsGet,
            move |s| s.caller_rooms(&caller, since),
            |rooms| RoomsGetOk {
                update: rooms.iter().map(RoomView::from).collect(),
                remove: vec![],
                success: true,
            },
        )
        .await
    }

    /// List the caller's subscriptions
    ///
    /// Every membership of the caller; with `updatedSince` (an ISO-8601 date) only those
    /// changed after it.
    #[oai(
        path = "/subscriptions.get",
        method = "get",
        operation_id = "subscriptionsGet",
        tag = "ApiTags::Subscriptions"
    )]
    async fn subscriptions_get(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ListResult<SubscriptionsGetOk> {
        let _ = updated_since; // documented; read from the checked query
        let q = query::check(request, &SUBSCRIPTIONS_GET)?;
        let since = query::date(
            q.text("updatedSince"),
            "updatedSince",
            Operation::SubscriptionsGet,
        )?;
        let caller = auth.0;
        let user = caller.user.clone();
        call_list(
            &s,
            Operation::SubscriptionsGet,
            move |s| s.caller_subscriptions(&caller, since),
            move |subs| SubscriptionsGetOk {
                update: subs
                    .iter()
                    .map(|(sub, room)| SubscriptionView::new(sub, room, &user))
                    .collect(),
                remove: vec![],
                success: true,
            },
        )
        .await
    }

    /// Search channels or users
    ///
    /// `type=channels` (default; public channels and the caller's private groups, needs
    /// `view-c-room`), `users` (active users, needs `view-outside-room` and `view-d-room`)
    /// or `teams` (rocketlite has none). `text` is a part of the name; one `sort` key at most,
    /// descending unless it says `1`; `count` (default 50, at most 100; `0` means 10).
    #[oai(
        path = "/directory",
        method = "get",
        operation_id = "directory",
        tag = "ApiTags::Rooms"
    )]
    async fn directory(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        text: Query<Option<String>>,
        #[oai(name = "type")] kind: Query<Option<String>>,
        workspace: Query<Option<String>>,
        sort: Query<Option<String>>,
        count: Query<Option<String>>,
        offset: Query<Option<String>>,
    ) -> ListResult<DirectoryOk> {
        let _ = (text, kind, workspace, sort, count, offset); // documented; read from the checked query
        // `query` is accepted and ignored, as Rocket.Chat 8.8 does: clients still send it.
        let q = query::check(request, &DIRECTORY)?;
        let verify = || ErrorResponse::bad_request(Failure::plain("Please verify the parameters"));
        let kind = match q.text("type").as_deref() {
            None | Some("channels") => DirectoryKind::Channels,
            Some("users") => DirectoryKind::Users,
            Some("teams") => DirectoryKind::Teams,
            Some(_) => return Err(verify()),
        };
        let mut sort = query::sort(q.text("sort"), Operation::Directory)?;
        if sort.len() > 1 {
            return Err(ErrorResponse::bad_request(Failure::plain(
                r#"This method support only one "sort" parameter"#,
            )));
        }
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let list = DirectoryQuery {
            kind,
            text: q.text("text").unwrap_or_default().trim().to_string(),
            sort: sort.pop(),
            offset: page.offset,
            limit: page.count.filter(|&n| n > 0).unwrap_or(10),
        };
        let caller = auth.0;
        call_list(
            &s,
            Operation::Directory,
            move |s| s.directory(&caller, &list),
            move |(entries, total)| DirectoryOk {
                count: entries.len() as u64,
                result: entries.into_iter().map(DirectoryItem::from).collect(),
                offset: page.offset as u64,
                total: total as u64,
                success: true,
            },
        )
        .await
    }

    /// Get the caller's subscription to a room
    ///
    /// The caller's membership of the room (`roles`, `archived`, ...), or `null` when the
    /// caller is not a member.
    #[oai(
        path = "/subscriptions.getOne",
        method = "get",
        operation_id = "subscriptionsGetOne",
        tag = "ApiTags::Subscriptions"
    )]
    async fn subscription(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
    ) -> ApiResult<SubscriptionOk> {
        let _ = room_id; // documents the parameter; the value comes from the checked query
        let q = query::check(request, &SUBSCRIPTIONS_GET_ONE)?;
        let room_id = q
            .text("roomId")
            .ok_or_else(|| invalid_params("must have required property 'roomId'"))?;
        let (caller, room_id) = (auth.0, RoomId(room_id));
        let user = caller.user.clone();
        call_read(
            &s,
            Operation::SubscriptionsGetOne,
            move |s| s.own_subscription(&caller, &room_id),
            move |found| SubscriptionOk {
                subscription: found.map(|(sub, room, notifications)| SubscriptionView {
                    notifications: notifications.into(),
                    ..SubscriptionView::new(&sub, &room, &user)
                }),
                success: true,
            },
        )
    }
}

/// A page of `rooms.adminRooms` (or of its private groups, `rooms.adminRooms.privateRooms`).
pub async fn admin_rooms_page(
    s: &Arc<Service>,
    auth: Auth,
    list: AdminRoomsQuery,
    operation: Operation,
) -> ListResult<RoomsPageOk> {
    let (caller, offset) = (auth.0, list.page.offset as u64);
    call_list(
        s,
        operation,
        move |s| s.admin_rooms(&caller, &list),
        move |(rooms, total)| RoomsPageOk {
            count: rooms.len() as u64,
            rooms: rooms.iter().map(RoomView::from).collect(),
            offset,
            total: total as u64,
            success: true,
        },
    )
    .await
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "roomsLeave" | "roomsFavorite" => json!({"success": true}),
        "roomsAdminRooms" => {
            json!({"rooms": [room_example("c")], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "roomsGet" => json!({"update": [room_example("c")], "remove": [], "success": true}),
        "subscriptionsGet" => {
            json!({"update": [{"_id": "SUBSCRIPTIONid1234", "rid": ROOM_ID, "u": {"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}, "name": "general", "fname": "general", "t": "c", "open": true, "alert": false, "unread": 0, "userMentions": 0, "groupMentions": 0, "roles": ["owner"], "archived": false, "ts": TS, "_updatedAt": TS}], "remove": [], "success": true})
        }
        "directory" => {
            json!({"result": [{"_id": ROOM_ID, "name": "general", "fname": "general", "t": "c", "usersCount": 2, "ts": TS, "archived": false, "default": true}], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "roomsInfo" => json!({"room": room_example("c"), "success": true}),
        "subscriptionsGetOne" => {
            json!({"subscription": {"_id": "SUBSCRIPTIONid1234", "rid": ROOM_ID, "u": {"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}, "name": "general", "fname": "general", "t": "c", "open": true, "alert": false, "unread": 0, "userMentions": 0, "groupMentions": 0, "roles": ["owner"], "archived": false, "ts": TS, "_updatedAt": TS}, "success": true})
        }
        "roomsJoin" => json!({"room": room_example("c"), "success": true}),
        "roomsChangeArchivationState" | "roomsDelete" => json!({"success": true}),
        _ => return None,
    })
}
