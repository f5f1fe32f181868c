//! `rooms.info`, `rooms.leave`, `rooms.favorite` and `subscriptions.getOne`: rooms of any
//! kind, and the caller's membership.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::errors::{Operation, RoomOperation};
use super::names::RoomNames;
use super::query::{self, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::views::{RoomView, SubscriptionView};
use super::{ApiResult, ApiTags, call, call_read, invalid_params};
use crate::model::RoomId;
use crate::service::Service;

/// subscriptions.getOne's query, as `isSubscriptionsGetOneProps` reads it.
const SUBSCRIPTIONS_GET_ONE: QuerySchema = QuerySchema {
    params: &[("roomId", Kind::Text)],
    closed: true,
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

/// Rooms of any kind and the caller's subscriptions.
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
                subscription: found.map(|(sub, room)| SubscriptionView::new(&sub, &room, &user)),
                success: true,
            },
        )
    }
}
