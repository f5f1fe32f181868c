//! `channels.*`, `groups.*`, `rooms.info` and `subscriptions.getOne`. Channels and groups share
//! every rule; the two families differ only in room kind and response key.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::views::{RoomRoleView, RoomView, SubscriptionView, UserRef, UserView};
use super::{ApiResult, ApiTags, Page, call, call_read, invalid_params};
use crate::model::{Room, RoomId, RoomKind, UserId};
use crate::service::{Caller, NewRoom, Service};

/// What `channels.create` / `groups.create` take.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateRoomBody {
    /// The room name: letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Usernames to add after the creator, in this order; unknown ones are skipped.
    pub members: Option<Vec<String>>,
    pub read_only: Option<bool>,
}

// Rocket.Chat accepts more (`extraData`, `customFields`, `excludeSelf`); they are ignored.
impl RequestSchema for CreateRoomBody {
    const CLOSED: bool = false;
}

/// A room and a user in it.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomUserBody {
    pub room_id: String,
    pub user_id: String,
}

impl RequestSchema for RoomUserBody {
    const CLOSED: bool = true;
}

/// A channel.
#[derive(Object)]
pub struct ChannelOk {
    pub channel: RoomView,
    pub success: bool,
}

/// A private group.
#[derive(Object)]
pub struct GroupOk {
    pub group: RoomView,
    pub success: bool,
}

/// Any room.
#[derive(Object)]
pub struct RoomOk {
    pub room: RoomView,
    pub success: bool,
}

/// Success with nothing else to say.
#[derive(Object)]
pub struct SuccessOk {
    pub success: bool,
}

/// The members holding room roles.
#[derive(Object)]
pub struct RolesOk {
    pub roles: Vec<RoomRoleView>,
    pub success: bool,
}

/// One page of active members.
#[derive(Object)]
pub struct MembersOk {
    pub members: Vec<UserView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
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

fn channel(room: Room) -> ChannelOk {
    ChannelOk {
        channel: RoomView::from(&room),
        success: true,
    }
}

fn group(room: Room) -> GroupOk {
    GroupOk {
        group: RoomView::from(&room),
        success: true,
    }
}

fn done(_: ()) -> SuccessOk {
    SuccessOk { success: true }
}

fn required(value: Option<String>, name: &str) -> Result<String, super::ErrorResponse> {
    value.ok_or_else(|| invalid_params(&format!("must have required property '{name}'")))
}

/// The room family operations, shared by channels and groups.
struct Family {
    kind: RoomKind,
}

impl Family {
    async fn create<T: Send + 'static>(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        body: CreateRoomBody,
        view: fn(Room) -> T,
    ) -> ApiResult<T> {
        let new = NewRoom {
            kind: self.kind,
            name: body.name,
            members: body.members.unwrap_or_default(),
            read_only: body.read_only.unwrap_or(false),
        };
        call(service, move |s| s.create_room(&caller, new), view).await
    }

    async fn invite<T: Send + 'static>(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        body: RoomUserBody,
        view: fn(Room) -> T,
    ) -> ApiResult<T> {
        let kind = self.kind;
        call(
            service,
            move |s| s.invite(&caller, kind, &RoomId(body.room_id), &UserId(body.user_id)),
            view,
        )
        .await
    }

    async fn set_owner(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        body: RoomUserBody,
        add: bool,
    ) -> ApiResult<SuccessOk> {
        let kind = self.kind;
        call(
            service,
            move |s| match add {
                true => s.add_owner(&caller, kind, &RoomId(body.room_id), &UserId(body.user_id)),
                false => {
                    s.remove_owner(&caller, kind, &RoomId(body.room_id), &UserId(body.user_id))
                }
            },
            done,
        )
        .await
    }

    async fn roles(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room_id: Option<String>,
    ) -> ApiResult<RolesOk> {
        let (kind, room_id) = (self.kind, RoomId(required(room_id, "roomId")?));
        call_read(
            service,
            move |s| s.room_roles(&caller, kind, &room_id),
            |holders| RolesOk {
                roles: holders
                    .into_iter()
                    .map(|h| RoomRoleView {
                        id: h.subscription.id,
                        rid: h.subscription.room_id.to_string(),
                        u: UserRef {
                            id: h.user.id.to_string(),
                            username: h.user.username,
                            name: Some(h.user.name),
                        },
                        roles: h.subscription.roles,
                    })
                    .collect(),
                success: true,
            },
        )
    }

    async fn members(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room_id: Option<String>,
        page: Page,
    ) -> ApiResult<MembersOk> {
        let (kind, room_id) = (self.kind, RoomId(required(room_id, "roomId")?));
        call_read(
            service,
            move |s| s.room_members(&caller, kind, &room_id, page.offset, page.count),
            move |(members, total)| MembersOk {
                count: members.len() as u64,
                members: members.iter().map(|u| UserView::new(u, false)).collect(),
                offset: page.offset as u64,
                total: total as u64,
                success: true,
            },
        )
    }
}

const CHANNELS: Family = Family {
    kind: RoomKind::Channel,
};
const GROUPS: Family = Family {
    kind: RoomKind::Group,
};

/// Public channels.
pub struct ChannelsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Channels")]
impl ChannelsApi {
    /// Create a channel
    ///
    /// Creates a public channel. The caller becomes its first member and owner; `members` join
    /// after it in the order given. Requires `create-c`.
    #[oai(
        path = "/channels.create",
        method = "post",
        operation_id = "channelsCreate"
    )]
    async fn create(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<CreateRoomBody>,
    ) -> ApiResult<ChannelOk> {
        CHANNELS.create(&s, auth.0, body.0, channel).await
    }

    /// Invite a user to a channel
    ///
    /// Adds the user as the newest member; inviting a member again changes nothing. Requires
    /// `add-user-to-joined-room` (caller in the channel) or `add-user-to-any-c-room`.
    #[oai(
        path = "/channels.invite",
        method = "post",
        operation_id = "channelsInvite"
    )]
    async fn invite(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<ChannelOk> {
        CHANNELS.invite(&s, auth.0, body.0, channel).await
    }

    /// Make a member an owner of a channel
    ///
    /// Requires `set-owner`, globally or as an owner of this channel.
    #[oai(
        path = "/channels.addOwner",
        method = "post",
        operation_id = "channelsAddOwner"
    )]
    async fn add_owner(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<SuccessOk> {
        CHANNELS.set_owner(&s, auth.0, body.0, true).await
    }

    /// Remove an owner of a channel
    ///
    /// Requires `set-owner`. The last owner cannot be removed, nor the last active one.
    #[oai(
        path = "/channels.removeOwner",
        method = "post",
        operation_id = "channelsRemoveOwner"
    )]
    async fn remove_owner(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<SuccessOk> {
        CHANNELS.set_owner(&s, auth.0, body.0, false).await
    }

    /// List a channel's role holders
    ///
    /// Members holding room roles (`owner`, `moderator`, `leader`), inactive ones included,
    /// sorted by username.
    #[oai(
        path = "/channels.roles",
        method = "get",
        operation_id = "channelsRoles"
    )]
    async fn roles(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
    ) -> ApiResult<RolesOk> {
        CHANNELS.roles(&s, auth.0, room_id.0).await
    }

    /// List a channel's members
    ///
    /// Active members, sorted by username, paginated with `offset` and `count`.
    #[oai(
        path = "/channels.members",
        method = "get",
        operation_id = "channelsMembers"
    )]
    async fn members(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersOk> {
        CHANNELS
            .members(&s, auth.0, room_id.0, Page::new(offset.0, count.0))
            .await
    }
}

/// Private groups: visible only to their members and to holders of `view-other-user-channels`.
pub struct GroupsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Groups")]
impl GroupsApi {
    /// Create a private group
    ///
    /// Creates a private group. The caller becomes its first member and owner; `members` join
    /// after it in the order given. Requires `create-p`.
    #[oai(
        path = "/groups.create",
        method = "post",
        operation_id = "groupsCreate"
    )]
    async fn create(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<CreateRoomBody>,
    ) -> ApiResult<GroupOk> {
        GROUPS.create(&s, auth.0, body.0, group).await
    }

    /// Invite a user to a private group
    ///
    /// Adds the user as the newest member; inviting a member again changes nothing. Requires
    /// `add-user-to-joined-room` (caller in the group) or `add-user-to-any-p-room`.
    #[oai(
        path = "/groups.invite",
        method = "post",
        operation_id = "groupsInvite"
    )]
    async fn invite(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<GroupOk> {
        GROUPS.invite(&s, auth.0, body.0, group).await
    }

    /// Make a member an owner of a private group
    ///
    /// Requires `set-owner`, globally or as an owner of this group.
    #[oai(
        path = "/groups.addOwner",
        method = "post",
        operation_id = "groupsAddOwner"
    )]
    async fn add_owner(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<SuccessOk> {
        GROUPS.set_owner(&s, auth.0, body.0, true).await
    }

    /// Remove an owner of a private group
    ///
    /// Requires `set-owner`. The last owner cannot be removed, nor the last active one.
    #[oai(
        path = "/groups.removeOwner",
        method = "post",
        operation_id = "groupsRemoveOwner"
    )]
    async fn remove_owner(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomUserBody>,
    ) -> ApiResult<SuccessOk> {
        GROUPS.set_owner(&s, auth.0, body.0, false).await
    }

    /// List a private group's role holders
    ///
    /// Members holding room roles (`owner`, `moderator`, `leader`), inactive ones included,
    /// sorted by username.
    #[oai(path = "/groups.roles", method = "get", operation_id = "groupsRoles")]
    async fn roles(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
    ) -> ApiResult<RolesOk> {
        GROUPS.roles(&s, auth.0, room_id.0).await
    }

    /// List a private group's members
    ///
    /// Active members, sorted by username, paginated with `offset` and `count`.
    #[oai(
        path = "/groups.members",
        method = "get",
        operation_id = "groupsMembers"
    )]
    async fn members(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<MembersOk> {
        GROUPS
            .members(&s, auth.0, room_id.0, Page::new(offset.0, count.0))
            .await
    }
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
    ) -> ApiResult<RoomOk> {
        let (caller, room_id) = (auth.0, RoomId(required(room_id.0, "roomId")?));
        call_read(
            &s,
            move |s| s.room_info(&caller, &room_id),
            |room| RoomOk {
                room: RoomView::from(&room),
                success: true,
            },
        )
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
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
    ) -> ApiResult<SubscriptionOk> {
        let (caller, room_id) = (auth.0, RoomId(required(room_id.0, "roomId")?));
        let user = caller.user.clone();
        call_read(
            &s,
            move |s| s.own_subscription(&caller, &room_id),
            move |found| SubscriptionOk {
                subscription: found.map(|(sub, room)| SubscriptionView::new(&sub, &room, &user)),
                success: true,
            },
        )
    }
}
