//! `rooms.*` look-ups: `rooms.isMember`, `rooms.nameExists` and `rooms.autocomplete.*`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::errors::Operation;
use super::own_account::selector;
use super::query::{self, Kind, QuerySchema};
use super::{ApiResult, ApiTags, call_read, invalid_params};
use crate::api::examples::ROOM_ID;
use crate::model::{Room, RoomId, UserId};
use crate::service::{Page, RoomRef, RoomScope, Service, UserRef};
use serde_json::{Value, json};

/// One room an autocomplete found.
#[derive(Object)]
pub struct RoomItem {
    #[oai(rename = "_id")]
    pub id: String,
    pub name: String,
    pub fname: String,
    /// `c` for a channel, `p` for a private group.
    pub t: String,
}

impl From<&Room> for RoomItem {
    fn from(room: &Room) -> Self {
        RoomItem {
            id: room.id.to_string(),
            name: room.name.clone(),
            fname: room.fname.clone(),
            t: room.kind.letter().into(),
        }
    }
}

/// What `rooms.autocomplete.*` answers.
#[derive(Object)]
pub struct RoomItemsOk {
    pub items: Vec<RoomItem>,
    pub success: bool,
}

/// What `rooms.autocomplete.channelAndPrivate.withPagination` answers.
#[derive(Object)]
pub struct RoomItemsPageOk {
    pub items: Vec<RoomItem>,
    pub total: u64,
    pub success: bool,
}

/// What `rooms.isMember` answers.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct IsMemberOk {
    pub is_member: bool,
    pub success: bool,
}

/// What `rooms.nameExists` answers.
#[derive(Object)]
pub struct ExistsOk {
    pub exists: bool,
    pub success: bool,
}

/// What a room autocomplete's `selector` holds.
#[derive(serde::Deserialize)]
struct RoomSelector {
    #[serde(default)]
    name: String,
}

const SELECTOR: QuerySchema = QuerySchema {
    params: &[("selector", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

const SELECTOR_PAGE: QuerySchema = QuerySchema {
    params: &[
        ("selector", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
        ("sort", Kind::Text),
        ("query", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

const IS_MEMBER: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("userId", Kind::Text),
        ("username", Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

const NAME_EXISTS: QuerySchema = QuerySchema {
    params: &[("roomName", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

const AVAILABLE_FOR_TEAMS: QuerySchema = QuerySchema {
    params: &[("name", Kind::Text)],
    closed: true,
    coerce_arrays: true,
};

/// The `name` of the required `selector` of a query that takes nothing else.
fn selector_name(request: &Request) -> Result<String, super::ErrorResponse> {
    name_in_selector(&query::check(request, &SELECTOR)?)
}

/// The `name` of a required `selector`.
fn name_in_selector(q: &query::Checked) -> Result<String, super::ErrorResponse> {
    let raw = q
        .text("selector")
        .ok_or_else(|| invalid_params("must have required property 'selector'"))?;
    Ok(selector::<RoomSelector>(&raw)?.name)
}

/// Look-ups over rooms.
#[derive(Default)]
pub struct RoomLookupsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Rooms")]
impl RoomLookupsApi {
    /// Whether a user is in a room
    ///
    /// `roomId` and one of `userId` or `username`; the caller must be able to see the room.
    #[oai(
        path = "/rooms.isMember",
        method = "get",
        operation_id = "roomsIsMember"
    )]
    async fn is_member(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        #[oai(name = "userId")] user_id: Query<Option<String>>,
        username: Query<Option<String>>,
    ) -> ApiResult<IsMemberOk> {
        let _ = (room_id, user_id, username); // documented; read from the checked query
        let q = query::check(request, &IS_MEMBER)?;
        let non_empty = |name| q.text(name).filter(|v| !v.is_empty());
        let room = non_empty("roomId")
            .ok_or_else(|| invalid_params("must have required property 'roomId'"))?;
        let user = match (non_empty("userId"), non_empty("username")) {
            (Some(id), None) => UserRef::Id(UserId(id)),
            (None, Some(name)) => UserRef::Username(name),
            _ => return Err(invalid_params("must match exactly one schema in oneOf")),
        };
        let caller = auth.0;
        let room = RoomRef::Id(RoomId(room));
        call_read(
            &s,
            Operation::RoomsIsMember,
            |s| s.is_member(&caller, &room, &user),
            |is_member| IsMemberOk {
                is_member,
                success: true,
            },
        )
    }

    /// Whether a room name is taken
    ///
    /// Whether a room of any kind has exactly this name.
    #[oai(
        path = "/rooms.nameExists",
        method = "get",
        operation_id = "roomsNameExists"
    )]
    async fn name_exists(
        &self,
        request: &Request,
        _auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomName")] room_name: Query<Option<String>>,
    ) -> ApiResult<ExistsOk> {
        let _ = room_name; // documented; read from the checked query
        let q = query::check(request, &NAME_EXISTS)?;
        let name = q
            .text("roomName")
            .ok_or_else(|| invalid_params("must have required property 'roomName'"))?;
        call_read(
            &s,
            Operation::RoomsInfo,
            |s| s.room_name_exists(&name),
            |exists| ExistsOk {
                exists,
                success: true,
            },
        )
    }

    /// Find one's rooms by the start of their name
    ///
    /// `selector` is JSON `{"name": "..."}`: up to ten of the caller's channels and groups
    /// whose name starts with it, by name.
    #[oai(
        path = "/rooms.autocomplete.channelAndPrivate",
        method = "get",
        operation_id = "roomsAutocompleteChannelAndPrivate"
    )]
    async fn channel_and_private(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        selector: Query<Option<String>>,
    ) -> ApiResult<RoomItemsOk> {
        let _ = selector; // documented; read from the checked query
        autocomplete(&s, auth, RoomScope::Joined, &selector_name(request)?)
    }

    /// Find one's rooms by the start of their name, a page at a time
    ///
    /// As `rooms.autocomplete.channelAndPrivate`, paginated with `offset` and `count`.
    #[oai(
        path = "/rooms.autocomplete.channelAndPrivate.withPagination",
        method = "get",
        operation_id = "roomsAutocompleteChannelAndPrivateWithPagination"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn channel_and_private_page(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        selector: Query<Option<String>>,
        count: Query<Option<f64>>,
        offset: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ApiResult<RoomItemsPageOk> {
        let _ = (selector, count, offset, sort); // documented; read from the checked query
        query::refuse_query_and_fields(request)?;
        let q = query::check(request, &SELECTOR_PAGE)?;
        let name = name_in_selector(&q)?;
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let caller = auth.0;
        call_read(
            &s,
            Operation::RoomsAutocomplete,
            |s| s.autocomplete_rooms(&caller, RoomScope::Joined, &name, Some(page)),
            |(rooms, total)| RoomItemsPageOk {
                items: rooms.iter().map(RoomItem::from).collect(),
                total: total as u64,
                success: true,
            },
        )
    }

    /// Find rooms by the start of their name, as an admin
    ///
    /// `selector` is JSON `{"name": "..."}`: up to ten channels and groups whose name or
    /// display name starts with it. Requires `view-room-administration`.
    #[oai(
        path = "/rooms.autocomplete.adminRooms",
        method = "get",
        operation_id = "roomsAutocompleteAdminRooms"
    )]
    async fn admin_rooms(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        selector: Query<Option<String>>,
    ) -> ApiResult<RoomItemsOk> {
        let _ = selector; // documented; read from the checked query
        autocomplete(&s, auth, RoomScope::All, &selector_name(request)?)
    }

    /// Find the rooms one owns by the start of their name
    ///
    /// Up to ten rooms the caller owns whose name starts with `name` (rocketlite has no
    /// teams, so every one is available for a team).
    #[oai(
        path = "/rooms.autocomplete.availableForTeams",
        method = "get",
        operation_id = "roomsAutocompleteAvailableForTeams"
    )]
    async fn available_for_teams(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        name: Query<Option<String>>,
    ) -> ApiResult<RoomItemsOk> {
        let _ = name; // documented; read from the checked query
        let q = query::check(request, &AVAILABLE_FOR_TEAMS)?;
        let name = q.text("name").unwrap_or_default();
        autocomplete(&s, auth, RoomScope::Owned, &name)
    }
}

fn autocomplete(s: &Service, auth: Auth, scope: RoomScope, name: &str) -> ApiResult<RoomItemsOk> {
    let caller = auth.0;
    call_read(
        s,
        Operation::RoomsAutocomplete,
        |s| s.autocomplete_rooms(&caller, scope, name, None),
        |(rooms, _)| RoomItemsOk {
            items: rooms.iter().map(RoomItem::from).collect(),
            success: true,
        },
    )
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "roomsIsMember" => json!({"isMember": true, "success": true}),
        "roomsNameExists" => json!({"exists": true, "success": true}),
        "roomsAutocompleteChannelAndPrivate"
        | "roomsAutocompleteAdminRooms"
        | "roomsAutocompleteAvailableForTeams" => {
            json!({"items": [{"_id": ROOM_ID, "name": "general", "fname": "general", "t": "c"}], "success": true})
        }
        "roomsAutocompleteChannelAndPrivateWithPagination" => {
            json!({"items": [{"_id": ROOM_ID, "name": "general", "fname": "general", "t": "c"}], "total": 1, "success": true})
        }
        _ => return None,
    })
}
