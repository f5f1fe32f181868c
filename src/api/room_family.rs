//! `channels.*` and `groups.*`: one implementation for both room families. Each operation is
//! written once below, in `room_families!`, with the path, operation id and documentation it
//! has in each family; the kind decides the rest (the `t` value, permissions, error texts).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::errors::{Operation, RoomOperation};
use super::names::{InviteNames, RoomNames, UserNames};
use super::views::{RoomRoleView, RoomView, UserRef, UserView};
use super::{ApiResult, ApiTags, call, call_read, query};
use crate::model::{Room, RoomKind};
use crate::service::{Caller, MemberListQuery, NewRoom, Page, Service};

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

/// A room (`roomId` or `roomName`) and a member (`userId`, `username` or `user`).
#[derive(Object, Debug)]
pub struct RoomUserBody {
    #[oai(flatten)]
    pub room: RoomNames,
    #[oai(flatten)]
    pub user: UserNames,
}

// Rocket.Chat's routes check these bodies by hand, so other keys pass.
impl RequestSchema for RoomUserBody {
    const CLOSED: bool = false;
}

/// A room (`roomId` or `roomName`) and the users to add: one, or lists in `userIds` /
/// `usernames`.
#[derive(Object, Debug)]
pub struct InviteBody {
    #[oai(flatten)]
    pub room: RoomNames,
    #[oai(flatten)]
    pub users: InviteNames,
}

impl RequestSchema for InviteBody {
    const CLOSED: bool = false;
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

/// A query naming a room and nothing else (channels.roles).
const ROOM_NAMES: query::QuerySchema = query::QuerySchema {
    params: &[
        ("roomId", query::Kind::Text),
        ("roomName", query::Kind::Text),
    ],
    closed: true,
};

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
        call(
            service,
            Operation::Room(RoomOperation::Create, self.kind),
            move |s| s.create_room(&caller, new),
            view,
        )
        .await
    }

    async fn invite<T: Send + 'static>(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        body: InviteBody,
        view: fn(Room) -> T,
    ) -> ApiResult<T> {
        let kind = self.kind;
        let operation = Operation::Room(RoomOperation::Invite, kind);
        let room = body.room.room(operation)?;
        let users = body.users.users(operation)?;
        call(
            service,
            operation,
            move |s| s.invite(&caller, kind, &room, &users),
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
        let operation = Operation::Room(
            match add {
                true => RoomOperation::AddOwner,
                false => RoomOperation::RemoveOwner,
            },
            kind,
        );
        let room = body.room.room(operation)?;
        let user = body.user.user(operation)?;
        call(
            service,
            operation,
            move |s| match add {
                true => s.add_owner(&caller, kind, &room, &user),
                false => s.remove_owner(&caller, kind, &room, &user),
            },
            done,
        )
        .await
    }

    async fn roles(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room: RoomNames,
    ) -> ApiResult<RolesOk> {
        let kind = self.kind;
        let operation = Operation::Room(RoomOperation::Roles, kind);
        let room = room.room(operation)?;
        call_read(
            service,
            operation,
            move |s| s.room_roles(&caller, kind, &room),
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
        room: RoomNames,
        query: MemberListQuery,
    ) -> ApiResult<MembersOk> {
        let kind = self.kind;
        let operation = Operation::Room(RoomOperation::Members, kind);
        let room = room.room(operation)?;
        let page = query.page;
        call_read(
            service,
            operation,
            move |s| s.room_members(&caller, kind, &room, &query),
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

/// What distinguishes one room family's API from the other's.
trait RoomFamilyApi {
    /// The success body of `create` and `invite`: `{"channel": …}` or `{"group": …}`.
    type Ok;
    const FAMILY: Family;
    fn view(room: Room) -> Self::Ok;
}

/// Public channels.
pub struct ChannelsApi;

impl RoomFamilyApi for ChannelsApi {
    type Ok = ChannelOk;
    const FAMILY: Family = Family {
        kind: RoomKind::Channel,
    };
    fn view(room: Room) -> ChannelOk {
        channel(room)
    }
}

/// Private groups: visible only to their members and to holders of `view-other-user-channels`.
pub struct GroupsApi;

impl RoomFamilyApi for GroupsApi {
    type Ok = GroupOk;
    const FAMILY: Family = Family {
        kind: RoomKind::Group,
    };
    fn view(room: Room) -> GroupOk {
        group(room)
    }
}

/// Emits the `#[OpenApi]` impls of both families from one list of operations: each names its
/// path, operation id and documentation per family, then its handler, written once.
macro_rules! room_families {
    ($({
        $(#[doc = $cdoc:literal])* channels $cpath:literal $cid:literal $method:literal;
        $(#[doc = $gdoc:literal])* groups $gpath:literal $gid:literal;
        $($handler:tt)*
    })*) => {
        #[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Channels")]
        impl ChannelsApi {
            $(
                $(#[doc = $cdoc])*
                #[oai(path = $cpath, method = $method, operation_id = $cid)]
                $($handler)*
            )*
        }

        #[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Groups")]
        impl GroupsApi {
            $(
                $(#[doc = $gdoc])*
                #[oai(path = $gpath, method = $method, operation_id = $gid)]
                $($handler)*
            )*
        }
    };
}

room_families! {
    {
        /// Create a channel
        ///
        /// Creates a public channel. The caller becomes its first member and owner; `members` join
        /// after it in the order given. Requires `create-c`.
        channels "/channels.create" "channelsCreate" "post";
        /// Create a private group
        ///
        /// Creates a private group. The caller becomes its first member and owner; `members` join
        /// after it in the order given. Requires `create-p`.
        groups "/groups.create" "groupsCreate";
        async fn create(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<CreateRoomBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            Self::FAMILY.create(&s, auth.0, body.0, Self::view).await
        }
    }
    {
        /// Invite a user to a channel
        ///
        /// Adds the user as the newest member; inviting a member again changes nothing. Requires
        /// `add-user-to-joined-room` (caller in the channel) or `add-user-to-any-c-room`.
        channels "/channels.invite" "channelsInvite" "post";
        /// Invite a user to a private group
        ///
        /// Adds the user as the newest member; inviting a member again changes nothing. Requires
        /// `add-user-to-joined-room` (caller in the group) or `add-user-to-any-p-room`.
        groups "/groups.invite" "groupsInvite";
        async fn invite(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<InviteBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            Self::FAMILY.invite(&s, auth.0, body.0, Self::view).await
        }
    }
    {
        /// Make a member an owner of a channel
        ///
        /// Requires `set-owner`, globally or as an owner of this channel.
        channels "/channels.addOwner" "channelsAddOwner" "post";
        /// Make a member an owner of a private group
        ///
        /// Requires `set-owner`, globally or as an owner of this group.
        groups "/groups.addOwner" "groupsAddOwner";
        async fn add_owner(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_owner(&s, auth.0, body.0, true).await
        }
    }
    {
        /// Remove an owner of a channel
        ///
        /// Requires `set-owner`. The last owner cannot be removed, nor the last active one.
        channels "/channels.removeOwner" "channelsRemoveOwner" "post";
        /// Remove an owner of a private group
        ///
        /// Requires `set-owner`. The last owner cannot be removed, nor the last active one.
        groups "/groups.removeOwner" "groupsRemoveOwner";
        async fn remove_owner(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_owner(&s, auth.0, body.0, false).await
        }
    }
    {
        /// List a channel's role holders
        ///
        /// Members holding room roles (`owner`, `moderator`, `leader`), inactive ones included,
        /// sorted by username.
        channels "/channels.roles" "channelsRoles" "get";
        /// List a private group's role holders
        ///
        /// Members holding room roles (`owner`, `moderator`, `leader`), inactive ones included,
        /// sorted by username.
        groups "/groups.roles" "groupsRoles";
        async fn roles(
            &self,
            request: &Request,
            auth: Auth,
            s: Data<&Arc<Service>>,
            #[oai(name = "roomId")] room_id: Query<Option<String>>,
            #[oai(name = "roomName")] room_name: Query<Option<String>>,
        ) -> ApiResult<RolesOk> {
            let mut room = RoomNames::new(room_id.0, room_name.0);
            // Rocket.Chat validates channels.roles' query (isChannelsRolesProps), not groups.roles'.
            if Self::FAMILY.kind == RoomKind::Channel {
                let q = query::check(request, &ROOM_NAMES)?;
                query::one_room_name(&q)?;
                room = RoomNames::new(q.text("roomId"), q.text("roomName"));
            }
            Self::FAMILY.roles(&s, auth.0, room).await
        }
    }
    {
        /// List a channel's members
        ///
        /// Active members, sorted by username, paginated with `offset` and `count`.
        channels "/channels.members" "channelsMembers" "get";
        /// List a private group's members
        ///
        /// Active members, sorted by username, paginated with `offset` and `count`.
        groups "/groups.members" "groupsMembers";
        async fn members(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            request: &Request,
            #[oai(name = "roomId")] room_id: Query<Option<String>>,
            #[oai(name = "roomName")] room_name: Query<Option<String>>,
            offset: Query<Option<f64>>,
            count: Query<Option<f64>>,
            sort: Query<Option<String>>,
            /// A part of the username or name to look for, ignoring case.
            filter: Query<Option<String>>,
            /// Presences to keep; rocketlite tracks none, so every member is `offline`.
            #[oai(name = "status[]")]
            status: Query<Option<Vec<String>>>,
        ) -> ApiResult<MembersOk> {
            let operation = Operation::Room(RoomOperation::Members, Self::FAMILY.kind);
            if query::keys(request).iter().any(|k| k == "status") {
                return Err(super::invalid_params("must be array"));
            }
            query::refuse_query_and_fields(request)?;
            let list = MemberListQuery {
                page: Page::new(offset.0, count.0),
                sort: query::sort(sort.0, operation)?,
                filter: filter.0,
                status: status.0,
            };
            let room = RoomNames::new(room_id.0, room_name.0);
            Self::FAMILY.members(&s, auth.0, room, list).await
        }
    }
}
