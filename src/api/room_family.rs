//! `channels.*` and `groups.*`: one implementation for both room families. Each operation is
//! written once below, in `room_families!`, with the path, operation id and documentation it
//! has in each family; the kind decides the rest (the `t` value, permissions, error texts).

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{ListResult, call_list};
use super::errors::{Operation, RoomOperation};
use super::names::{InviteNames, RoomNames, UserNames};
use super::views::{RoomRoleView, RoomView, UserRef, UserView};
use super::{ApiResult, ApiTags, call, call_read, query};
use crate::model::{Role, Room, RoomId, RoomKind};
use crate::service::{
    Caller, MemberListQuery, NewRoom, Page, RoomEdit, RoomListScope, RoomRef, Service,
    ServiceError, ServiceResult,
};
use poem_openapi::types::ToJSON;

/// What `channels.create` / `groups.create` take.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct CreateRoomBody {
    /// The room name: letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// Usernames to add after the creator, in this order; unknown ones are skipped.
    pub members: Option<Vec<String>>,
    pub read_only: Option<bool>,
    /// Stored and shown with the room, as `*.setCustomFields` sets them.
    pub custom_fields: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

// Rocket.Chat accepts more (`extraData`, `excludeSelf`); they are ignored.
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

/// A room (`roomId` or `roomName`) and nothing else.
#[derive(Object, Debug)]
pub struct RoomBody {
    #[oai(flatten)]
    pub room: RoomNames,
}

impl RequestSchema for RoomBody {
    const CLOSED: bool = false;
}

/// Defines a body of a room and one more field, checked by hand as Rocket.Chat's routes do.
macro_rules! room_field_bodies {
    ($($(#[doc = $doc:literal])* $name:ident { $wire:literal $field:ident: $ty:ty })*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Object, Debug)]
            pub struct $name {
                #[oai(flatten)]
                pub room: RoomNames,
                #[oai(rename = $wire)]
                pub $field: Option<$ty>,
            }

            impl RequestSchema for $name {
                const CLOSED: bool = false;
            }
        )*
    };
}

room_field_bodies! {
    /// A room and its new name.
    RenameBody { "name" name: String }
    /// A room and its new topic (empty clears it).
    TopicBody { "topic" topic: String }
    /// A room and its new description (empty clears it).
    DescriptionBody { "description" description: String }
    /// A room and its new purpose: its description under the older name (empty clears it).
    PurposeBody { "purpose" purpose: String }
    /// A room and its new announcement (empty clears it).
    AnnouncementBody { "announcement" announcement: String }
    /// A room and whether only owners, moderators and admins may post.
    ReadOnlyBody { "readOnly" read_only: bool }
    /// A room and its new custom fields (they replace the old ones).
    CustomFieldsBody { "customFields" custom_fields: std::collections::BTreeMap<String, serde_json::Value> }
    /// A room and its new type: `c` (public channel) or `p` (private group).
    TypeBody { "type" kind: String }
    /// A channel and whether every new user joins it.
    DefaultBody { "default" default: bool }
    /// A channel and the code `channels.join` will ask for.
    JoinCodeBody { "joinCode" join_code: String }
    /// A channel and, when it has one, its join code.
    JoinBody { "joinCode" join_code: String }
    /// A room and whether only active users join.
    AddAllBody { "activeUsersOnly" active_users_only: bool }
}

/// A room's new topic.
#[derive(Object)]
pub struct TopicOk {
    pub topic: String,
    pub success: bool,
}

/// A room's new description.
#[derive(Object)]
pub struct DescriptionOk {
    pub description: String,
    pub success: bool,
}

/// A room's new purpose (its description).
#[derive(Object)]
pub struct PurposeOk {
    pub purpose: String,
    pub success: bool,
}

/// A room's new announcement.
#[derive(Object)]
pub struct AnnouncementOk {
    pub announcement: String,
    pub success: bool,
}

/// A room's moderators.
#[derive(Object)]
pub struct ModeratorsOk {
    pub moderators: Vec<UserRef>,
    pub success: bool,
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

/// Role holders as `*.roles` and `rooms.roles` show them.
pub fn role_views(holders: Vec<crate::service::RoomOwner>) -> Vec<RoomRoleView> {
    holders
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
        .collect()
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
    coerce_arrays: true,
};

/// channels.moderators' query (`isChannelsModeratorsProps`): a room, and user names it
/// ignores.
const MODERATORS: query::QuerySchema = query::QuerySchema {
    params: &[
        ("roomId", query::Kind::Text),
        ("roomName", query::Kind::Text),
        ("userId", query::Kind::Text),
        ("username", query::Kind::Text),
        ("user", query::Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// channels.list's query (`isChannelsListProps`).
const CHANNELS_LIST: query::QuerySchema = query::QuerySchema {
    params: &[
        ("_id", query::Kind::Text),
        ("query", query::Kind::Text),
        ("sort", query::Kind::Text),
        ("fields", query::Kind::Text),
        ("count", query::Kind::Number),
        ("offset", query::Kind::Number),
    ],
    closed: true,
    coerce_arrays: true,
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
            custom_fields: body.custom_fields.unwrap_or_default().into_iter().collect(),
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

    /// Runs one room write of this family and shapes its answer.
    async fn write<T: Send + 'static, U>(
        &self,
        service: &Arc<Service>,
        op: RoomOperation,
        room: RoomNames,
        work: impl FnOnce(&Service, RoomKind, &RoomRef) -> ServiceResult<T> + Send + 'static,
        view: impl FnOnce(T) -> U,
    ) -> ApiResult<U> {
        let (kind, operation) = (self.kind, Operation::Room(op, self.kind));
        let room = room.room(operation)?;
        call(service, operation, move |s| work(s, kind, &room), view).await
    }

    /// One `edit-room` change; `None` is the refusal Rocket.Chat's route gives a missing field.
    async fn edit<U>(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room: RoomNames,
        edit: Result<RoomEdit, ServiceError>,
        view: impl FnOnce(Room) -> U,
    ) -> ApiResult<U> {
        let operation = Operation::Room(RoomOperation::Edit, self.kind);
        let edit = edit.map_err(|e| super::to_response(e, operation))?;
        self.write(
            service,
            RoomOperation::Edit,
            room,
            move |s, kind, room| s.edit_room(&caller, kind, room, edit),
            view,
        )
        .await
    }

    async fn set_room_role(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        body: RoomUserBody,
        role: Role,
        grant: bool,
    ) -> ApiResult<SuccessOk> {
        let op = match (role, grant) {
            (Role::Moderator, true) => RoomOperation::AddModerator,
            (Role::Moderator, false) => RoomOperation::RemoveModerator,
            (_, true) => RoomOperation::AddLeader,
            (_, false) => RoomOperation::RemoveLeader,
        };
        let user = body.user.user(Operation::Room(op, self.kind))?;
        self.write(
            service,
            op,
            body.room,
            move |s, kind, room| s.set_room_role(&caller, kind, room, &user, role, grant),
            done,
        )
        .await
    }

    async fn roles(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room: RoomNames,
    ) -> ListResult<RolesOk> {
        let kind = self.kind;
        let operation = Operation::Room(RoomOperation::Roles, kind);
        let room = room.room(operation)?;
        call_list(
            service,
            operation,
            move |s| s.room_roles(&caller, kind, &room),
            |holders| RolesOk {
                roles: role_views(holders),
                success: true,
            },
        )
        .await
    }

    async fn members(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room: RoomNames,
        query: MemberListQuery,
    ) -> ListResult<MembersOk> {
        let kind = self.kind;
        let operation = Operation::Room(RoomOperation::Members, kind);
        let room = room.room(operation)?;
        let page = query.page;
        call_list(
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
        .await
    }
}

/// What distinguishes one room family's API from the other's.
trait RoomFamilyApi {
    /// The success body of `create` and `invite`: `{"channel": …}` or `{"group": …}`.
    type Ok;
    /// The success body of `kick` and `leave`: the channel, or just success for a group.
    type LeftOk;
    const FAMILY: Family;
    fn view(room: Room) -> Self::Ok;
    fn left(room: Room) -> Self::LeftOk;
}

/// Public channels.
#[derive(Default)]
pub struct ChannelsApi;

impl RoomFamilyApi for ChannelsApi {
    type Ok = ChannelOk;
    type LeftOk = ChannelOk;
    const FAMILY: Family = Family {
        kind: RoomKind::Channel,
    };
    fn view(room: Room) -> ChannelOk {
        channel(room)
    }
    fn left(room: Room) -> ChannelOk {
        channel(room)
    }
}

/// Private groups: visible only to their members and to holders of `view-other-user-channels`.
#[derive(Default)]
pub struct GroupsApi;

impl RoomFamilyApi for GroupsApi {
    type Ok = GroupOk;
    type LeftOk = SuccessOk;
    const FAMILY: Family = Family {
        kind: RoomKind::Group,
    };
    fn view(room: Room) -> GroupOk {
        group(room)
    }
    fn left(_: Room) -> SuccessOk {
        SuccessOk { success: true }
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
        ) -> ListResult<RolesOk> {
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
        ) -> ListResult<MembersOk> {
            let operation = Operation::Room(RoomOperation::Members, Self::FAMILY.kind);
            if query::keys(request).iter().any(|k| k == "status") {
                return Err(super::invalid_params("must be array"));
            }
            query::refuse_query_and_fields(request)?;
            let list = MemberListQuery {
                page: Page::new(offset.0, count.0, s.count_limits()),
                sort: query::sort(sort.0, operation)?,
                filter: filter.0,
                status: status.0,
            };
            let room = RoomNames::new(room_id.0, room_name.0);
            Self::FAMILY.members(&s, auth.0, room, list).await
        }
    }
    {
        /// Remove a member from a channel
        ///
        /// Requires `remove-user` (admins, owners, moderators). The channel's last owner, or its
        /// last active owner while active, cannot be removed (`error-you-are-last-owner`).
        channels "/channels.kick" "channelsKick" "post";
        /// Remove a member from a private group
        ///
        /// Requires `remove-user` (admins, owners, moderators). The group's last owner, or its
        /// last active owner while active, cannot be removed (`error-you-are-last-owner`).
        groups "/groups.kick" "groupsKick";
        async fn kick(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::LeftOk> {
            let caller = auth.0;
            let op = Operation::Room(RoomOperation::Kick, Self::FAMILY.kind);
            let user = body.0.user.user(op)?;
            Self::FAMILY
                .write(&s, RoomOperation::Kick, body.0.room, move |s, kind, room| {
                    s.kick(&caller, kind, room, &user)
                }, Self::left)
                .await
        }
    }
    {
        /// Leave a channel
        ///
        /// Requires `leave-c`. The last owner, or the last active owner, cannot leave
        /// (`error-you-are-last-owner`): make someone else an owner first.
        channels "/channels.leave" "channelsLeave" "post";
        /// Leave a private group
        ///
        /// Requires `leave-p`. The last owner, or the last active owner, cannot leave
        /// (`error-you-are-last-owner`): make someone else an owner first.
        groups "/groups.leave" "groupsLeave";
        async fn leave(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::LeftOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Leave, body.0.room, move |s, kind, room| {
                    s.leave(&caller, Some(kind), room)
                }, Self::left)
                .await
        }
    }
    {
        /// Add every user to a channel
        ///
        /// Requires `add-all-to-room`. Every user who is not a member joins, oldest account
        /// first (only active ones with `activeUsersOnly`); at most 500 at once.
        channels "/channels.addAll" "channelsAddAll" "post";
        /// Add every user to a private group
        ///
        /// Requires `add-all-to-room`. Every user who is not a member joins, oldest account
        /// first (only active ones with `activeUsersOnly`); at most 500 at once.
        groups "/groups.addAll" "groupsAddAll";
        async fn add_all(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<AddAllBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let caller = auth.0;
            let active = body.0.active_users_only.unwrap_or(false);
            Self::FAMILY
                .write(&s, RoomOperation::AddAll, body.0.room, move |s, kind, room| {
                    s.add_all(&caller, kind, room, active)
                }, Self::view)
                .await
        }
    }
    {
        /// Make a member a moderator of a channel
        ///
        /// Requires `set-moderator` (admins, owners).
        channels "/channels.addModerator" "channelsAddModerator" "post";
        /// Make a member a moderator of a private group
        ///
        /// Requires `set-moderator` (admins, owners).
        groups "/groups.addModerator" "groupsAddModerator";
        async fn add_moderator(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_room_role(&s, auth.0, body.0, Role::Moderator, true).await
        }
    }
    {
        /// Remove a moderator of a channel
        ///
        /// Requires `set-moderator` (admins, owners).
        channels "/channels.removeModerator" "channelsRemoveModerator" "post";
        /// Remove a moderator of a private group
        ///
        /// Requires `set-moderator` (admins, owners).
        groups "/groups.removeModerator" "groupsRemoveModerator";
        async fn remove_moderator(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_room_role(&s, auth.0, body.0, Role::Moderator, false).await
        }
    }
    {
        /// Make a member a leader of a channel
        ///
        /// Requires `set-leader` (admins, owners).
        channels "/channels.addLeader" "channelsAddLeader" "post";
        /// Make a member a leader of a private group
        ///
        /// Requires `set-leader` (admins, owners).
        groups "/groups.addLeader" "groupsAddLeader";
        async fn add_leader(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_room_role(&s, auth.0, body.0, Role::Leader, true).await
        }
    }
    {
        /// Remove a leader of a channel
        ///
        /// Requires `set-leader` (admins, owners).
        channels "/channels.removeLeader" "channelsRemoveLeader" "post";
        /// Remove a leader of a private group
        ///
        /// Requires `set-leader` (admins, owners).
        groups "/groups.removeLeader" "groupsRemoveLeader";
        async fn remove_leader(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomUserBody>,
        ) -> ApiResult<SuccessOk> {
            Self::FAMILY.set_room_role(&s, auth.0, body.0, Role::Leader, false).await
        }
    }
    {
        /// Archive a channel
        ///
        /// Requires `archive-room` (admins, owners). Every subscription is archived; members
        /// can no longer join, leave, be kicked or change the channel's settings until it is
        /// unarchived. A deactivated member's subscription stays archived for that reason too.
        channels "/channels.archive" "channelsArchive" "post";
        /// Archive a private group
        ///
        /// Requires `archive-room` (admins, owners). Every subscription is archived; members
        /// can no longer join, leave, be kicked or change the group's settings until it is
        /// unarchived. A deactivated member's subscription stays archived for that reason too.
        groups "/groups.archive" "groupsArchive";
        async fn archive(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<SuccessOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Archive, body.0.room, move |s, kind, room| {
                    s.set_archived(&caller, Some(kind), room, true)
                }, done)
                .await
        }
    }
    {
        /// Unarchive a channel
        ///
        /// Requires `unarchive-room` (admins). Subscriptions of deactivated members stay
        /// archived until they are reactivated.
        channels "/channels.unarchive" "channelsUnarchive" "post";
        /// Unarchive a private group
        ///
        /// Requires `unarchive-room` (admins). Subscriptions of deactivated members stay
        /// archived until they are reactivated.
        groups "/groups.unarchive" "groupsUnarchive";
        async fn unarchive(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<SuccessOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Unarchive, body.0.room, move |s, kind, room| {
                    s.set_archived(&caller, Some(kind), room, false)
                }, done)
                .await
        }
    }
    {
        /// Delete a channel
        ///
        /// Requires `delete-c` (admins, owners). The channel and every membership go in one
        /// transaction.
        channels "/channels.delete" "channelsDelete" "post";
        /// Delete a private group
        ///
        /// Requires `delete-p` (admins, owners). The group and every membership go in one
        /// transaction.
        groups "/groups.delete" "groupsDelete";
        async fn delete(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<SuccessOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Delete, body.0.room, move |s, kind, room| {
                    s.delete_room(&caller, Some(kind), room)
                }, done)
                .await
        }
    }
    {
        /// Hide a channel from the caller's list
        ///
        /// The caller's own subscription (`open: false`); closing a closed channel is refused.
        channels "/channels.close" "channelsClose" "post";
        /// Hide a private group from the caller's list
        ///
        /// The caller's own subscription (`open: false`); closing a closed group is refused.
        groups "/groups.close" "groupsClose";
        async fn close(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<SuccessOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Close, body.0.room, move |s, kind, room| {
                    s.set_hidden(&caller, kind, room, true)
                }, done)
                .await
        }
    }
    {
        /// Show a channel in the caller's list again
        ///
        /// The caller's own subscription (`open: true`); opening an open channel is refused.
        channels "/channels.open" "channelsOpen" "post";
        /// Show a private group in the caller's list again
        ///
        /// The caller's own subscription (`open: true`); opening an open group is refused.
        groups "/groups.open" "groupsOpen";
        async fn open(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RoomBody>,
        ) -> ApiResult<SuccessOk> {
            let caller = auth.0;
            Self::FAMILY
                .write(&s, RoomOperation::Open, body.0.room, move |s, kind, room| {
                    s.set_hidden(&caller, kind, room, false)
                }, done)
                .await
        }
    }
    {
        /// Rename a channel
        ///
        /// Requires `edit-room` (admins, owners, moderators). The name follows the rules of
        /// `channels.create` and stays unique.
        channels "/channels.rename" "channelsRename" "post";
        /// Rename a private group
        ///
        /// Requires `edit-room` (admins, owners, moderators). The name follows the rules of
        /// `groups.create` and stays unique.
        groups "/groups.rename" "groupsRename";
        async fn rename(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<RenameBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let edit = body.0.name.filter(|n| !n.trim().is_empty()).map(RoomEdit::Rename)
                .ok_or(ServiceError::BodyParamRequired("name"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, Self::view).await
        }
    }
    {
        /// Set a channel's topic
        ///
        /// Requires `edit-room`. An empty topic clears it.
        channels "/channels.setTopic" "channelsSetTopic" "post";
        /// Set a private group's topic
        ///
        /// Requires `edit-room`. An empty topic clears it.
        groups "/groups.setTopic" "groupsSetTopic";
        async fn set_topic(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<TopicBody>,
        ) -> ApiResult<TopicOk> {
            let edit = body.0.topic.map(RoomEdit::Topic).ok_or(ServiceError::BodyParamRequired("topic"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, |room| TopicOk {
                topic: room.topic.unwrap_or_default(),
                success: true,
            }).await
        }
    }
    {
        /// Set a channel's description
        ///
        /// Requires `edit-room`. An empty description clears it.
        channels "/channels.setDescription" "channelsSetDescription" "post";
        /// Set a private group's description
        ///
        /// Requires `edit-room`. An empty description clears it.
        groups "/groups.setDescription" "groupsSetDescription";
        async fn set_description(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<DescriptionBody>,
        ) -> ApiResult<DescriptionOk> {
            let edit = body.0.description.map(RoomEdit::Description)
                .ok_or(ServiceError::BodyParamRequired("description"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, |room| DescriptionOk {
                description: room.description.unwrap_or_default(),
                success: true,
            }).await
        }
    }
    {
        /// Set a channel's purpose
        ///
        /// The description under Rocket.Chat's older name; requires `edit-room`. An empty
        /// purpose clears it.
        channels "/channels.setPurpose" "channelsSetPurpose" "post";
        /// Set a private group's purpose
        ///
        /// The description under Rocket.Chat's older name; requires `edit-room`. An empty
        /// purpose clears it.
        groups "/groups.setPurpose" "groupsSetPurpose";
        async fn set_purpose(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<PurposeBody>,
        ) -> ApiResult<PurposeOk> {
            let edit = body.0.purpose.map(RoomEdit::Purpose)
                .ok_or(ServiceError::BodyParamRequired("purpose"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, |room| PurposeOk {
                purpose: room.description.unwrap_or_default(),
                success: true,
            }).await
        }
    }
    {
        /// Set a channel's announcement
        ///
        /// Requires `edit-room`. An empty announcement clears it.
        channels "/channels.setAnnouncement" "channelsSetAnnouncement" "post";
        /// Set a private group's announcement
        ///
        /// Requires `edit-room`. An empty announcement clears it.
        groups "/groups.setAnnouncement" "groupsSetAnnouncement";
        async fn set_announcement(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<AnnouncementBody>,
        ) -> ApiResult<AnnouncementOk> {
            let edit = body.0.announcement.map(RoomEdit::Announcement)
                .ok_or(ServiceError::BodyParamRequired("announcement"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, |room| AnnouncementOk {
                announcement: room.announcement.unwrap_or_default(),
                success: true,
            }).await
        }
    }
    {
        /// Make a channel read-only, or not
        ///
        /// Requires `edit-room`. Setting the value it has is refused.
        channels "/channels.setReadOnly" "channelsSetReadOnly" "post";
        /// Make a private group read-only, or not
        ///
        /// Requires `edit-room`. Setting the value it has is refused.
        groups "/groups.setReadOnly" "groupsSetReadOnly";
        async fn set_read_only(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<ReadOnlyBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let edit = body.0.read_only.map(RoomEdit::ReadOnly)
                .ok_or(ServiceError::BodyParamRequired("readOnly"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, Self::view).await
        }
    }
    {
        /// Replace a channel's custom fields
        ///
        /// Requires `edit-room`. At most 4 KiB of JSON.
        channels "/channels.setCustomFields" "channelsSetCustomFields" "post";
        /// Replace a private group's custom fields
        ///
        /// Requires `edit-room`. At most 4 KiB of JSON.
        groups "/groups.setCustomFields" "groupsSetCustomFields";
        async fn set_custom_fields(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<CustomFieldsBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let edit = body.0.custom_fields
                .map(|f| RoomEdit::CustomFields(f.into_iter().collect()))
                .ok_or(ServiceError::BodyParamRequired("customFields"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, Self::view).await
        }
    }
    {
        /// Make a channel private, or public again
        ///
        /// Requires `edit-room`, and `create-p` to make it private (`create-c` for public).
        /// Every membership follows; the answer shows the room with its new type.
        channels "/channels.setType" "channelsSetType" "post";
        /// Make a private group public, or private again
        ///
        /// Requires `edit-room`, and `create-c` to make it public (`create-p` for private).
        /// Every membership follows; the answer shows the room with its new type.
        groups "/groups.setType" "groupsSetType";
        async fn set_type(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            body: Body<TypeBody>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let edit = body.0.kind.filter(|t| !t.trim().is_empty()).map(RoomEdit::Type)
                .ok_or(ServiceError::BodyParamRequired("type"));
            Self::FAMILY.edit(&s, auth.0, body.0.room, edit, Self::view).await
        }
    }
    {
        /// Show a channel's details
        ///
        /// Any logged-in user may read a channel.
        channels "/channels.info" "channelsInfo" "get";
        /// Show a private group's details
        ///
        /// Members, and holders of `view-other-user-channels`, may read a group.
        groups "/groups.info" "groupsInfo";
        async fn info(
            &self,
            auth: Auth,
            s: Data<&Arc<Service>>,
            #[oai(name = "roomId")] room_id: Query<Option<String>>,
            #[oai(name = "roomName")] room_name: Query<Option<String>>,
        ) -> ApiResult<<Self as RoomFamilyApi>::Ok> {
            let kind = Self::FAMILY.kind;
            let operation = Operation::Room(RoomOperation::Read, kind);
            let room = RoomNames::new(room_id.0, room_name.0).room(operation)?;
            let caller = auth.0;
            call_read(&s, operation, move |s| s.room_of_kind(&caller, kind, &room), Self::view)
        }
    }
    {
        /// List a channel's moderators
        ///
        /// Members holding the room role `moderator`.
        channels "/channels.moderators" "channelsModerators" "get";
        /// List a private group's moderators
        ///
        /// Members holding the room role `moderator`.
        groups "/groups.moderators" "groupsModerators";
        async fn moderators(
            &self,
            request: &Request,
            auth: Auth,
            s: Data<&Arc<Service>>,
            #[oai(name = "roomId")] room_id: Query<Option<String>>,
            #[oai(name = "roomName")] room_name: Query<Option<String>>,
        ) -> ListResult<ModeratorsOk> {
            let kind = Self::FAMILY.kind;
            let operation = Operation::Room(RoomOperation::Read, kind);
            let mut names = RoomNames::new(room_id.0, room_name.0);
            // Rocket.Chat validates channels.moderators' query (isChannelsModeratorsProps).
            if kind == RoomKind::Channel {
                let q = query::check(request, &MODERATORS)?;
                query::one_room_name(&q)?;
                names = RoomNames::new(q.text("roomId"), q.text("roomName"));
            }
            let room = names.room(operation)?;
            let caller = auth.0;
            call_list(
                &s,
                operation,
                move |s| s.room_role_holders(&caller, kind, &room, Role::Moderator),
                |users| ModeratorsOk {
                    moderators: users
                        .into_iter()
                        .map(|u| UserRef { id: u.id.to_string(), username: u.username, name: Some(u.name) })
                        .collect(),
                    success: true,
                },
            )
            .await
        }
    }
}

/// A page of channels.
#[derive(Object)]
pub struct ChannelsPageOk {
    pub channels: Vec<RoomView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// A page of private groups.
#[derive(Object)]
pub struct GroupsPageOk {
    pub groups: Vec<RoomView>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

/// A list query: paging and sort; `query` and `fields` are refused as everywhere.
fn list_query(
    request: &Request,
    offset: Option<f64>,
    count: Option<f64>,
    sort: Option<String>,
    operation: Operation,
    limits: crate::service::CountLimits,
) -> Result<(Page, Vec<crate::service::SortKey>), super::ErrorResponse> {
    query::refuse_query_and_fields(request)?;
    Ok((
        Page::new(offset, count, limits),
        query::sort(sort, operation)?,
    ))
}

/// Runs one room list and shapes its page.
async fn room_page<T: ToJSON + Send + 'static>(
    service: &Arc<Service>,
    caller: Caller,
    kind: RoomKind,
    scope: RoomListScope,
    only: Option<RoomId>,
    (page, sort): (Page, Vec<crate::service::SortKey>),
    shape: fn(Vec<RoomView>, u64, u64, u64) -> T,
) -> ListResult<T> {
    call_list(
        service,
        Operation::Room(RoomOperation::Read, kind),
        move |s| s.list_rooms(&caller, kind, scope, only.as_ref(), page, &sort),
        move |(rooms, total)| {
            let views: Vec<RoomView> = rooms.iter().map(RoomView::from).collect();
            let count = views.len() as u64;
            shape(views, count, page.offset as u64, total as u64)
        },
    )
    .await
}

fn channels_page(channels: Vec<RoomView>, count: u64, offset: u64, total: u64) -> ChannelsPageOk {
    ChannelsPageOk {
        channels,
        count,
        offset,
        total,
        success: true,
    }
}

fn groups_page(groups: Vec<RoomView>, count: u64, offset: u64, total: u64) -> GroupsPageOk {
    GroupsPageOk {
        groups,
        count,
        offset,
        total,
        success: true,
    }
}

/// The operations only public channels have.
#[derive(Default)]
pub struct ChannelsOnlyApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Channels")]
impl ChannelsOnlyApi {
    /// Join a channel
    ///
    /// Requires `view-c-room`, and the channel's join code when it has one (unless the caller
    /// holds `join-without-join-code`). Joining again changes nothing.
    #[oai(
        path = "/channels.join",
        method = "post",
        operation_id = "channelsJoin"
    )]
    async fn join(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<JoinBody>,
    ) -> ApiResult<ChannelOk> {
        let caller = auth.0;
        let code = body.0.join_code;
        ChannelsApi::FAMILY
            .write(
                &s,
                RoomOperation::Join,
                body.0.room,
                move |s, _, room| s.join_channel(&caller, room, code.as_deref()),
                channel,
            )
            .await
    }

    /// Set a channel's join code
    ///
    /// Requires `edit-room`. From then on `channels.join` asks for the code (except from
    /// holders of `join-without-join-code`); the code itself is never shown.
    #[oai(
        path = "/channels.setJoinCode",
        method = "post",
        operation_id = "channelsSetJoinCode"
    )]
    async fn set_join_code(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<JoinCodeBody>,
    ) -> ApiResult<ChannelOk> {
        let caller = auth.0;
        let code = body.0.join_code.unwrap_or_default();
        ChannelsApi::FAMILY
            .write(
                &s,
                RoomOperation::SetJoinCode,
                body.0.room,
                move |s, _, room| s.set_join_code(&caller, room, &code),
                channel,
            )
            .await
    }

    /// Make a channel a default channel, or not
    ///
    /// Requires `edit-room` and `view-room-administration`. Every user created afterwards
    /// joins the default channels.
    #[oai(
        path = "/channels.setDefault",
        method = "post",
        operation_id = "channelsSetDefault"
    )]
    async fn set_default(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<DefaultBody>,
    ) -> ApiResult<ChannelOk> {
        let edit = body
            .0
            .default
            .map(RoomEdit::Default)
            .ok_or(ServiceError::BodyParamRequired("default"));
        ChannelsApi::FAMILY
            .edit(&s, auth.0, body.0.room, edit, channel)
            .await
    }

    /// List channels
    ///
    /// Every public channel for holders of `view-c-room`; only the joined ones for holders
    /// of `view-joined-room` alone. Sorted by name unless `sort` says otherwise.
    #[oai(path = "/channels.list", method = "get", operation_id = "channelsList")]
    async fn list(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        offset: Query<Option<f64>>,
        count: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<ChannelsPageOk> {
        let op = Operation::Room(RoomOperation::Read, RoomKind::Channel);
        let only = query::check(request, &CHANNELS_LIST)?
            .text("_id")
            .map(RoomId);
        let q = list_query(request, offset.0, count.0, sort.0, op, s.count_limits())?;
        room_page(
            &s,
            auth.0,
            RoomKind::Channel,
            RoomListScope::Visible,
            only,
            q,
            channels_page,
        )
        .await
    }

    /// List the caller's channels
    ///
    /// The public channels the caller is a member of.
    #[oai(
        path = "/channels.list.joined",
        method = "get",
        operation_id = "channelsListJoined"
    )]
    async fn list_joined(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        offset: Query<Option<f64>>,
        count: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<ChannelsPageOk> {
        let op = Operation::Room(RoomOperation::Read, RoomKind::Channel);
        let q = list_query(request, offset.0, count.0, sort.0, op, s.count_limits())?;
        room_page(
            &s,
            auth.0,
            RoomKind::Channel,
            RoomListScope::Joined,
            None,
            q,
            channels_page,
        )
        .await
    }
}

/// The operations only private groups have.
#[derive(Default)]
pub struct GroupsOnlyApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Groups")]
impl GroupsOnlyApi {
    /// List the caller's private groups
    ///
    /// The private groups the caller is a member of.
    #[oai(path = "/groups.list", method = "get", operation_id = "groupsList")]
    async fn list(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        offset: Query<Option<f64>>,
        count: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<GroupsPageOk> {
        let op = Operation::Room(RoomOperation::Read, RoomKind::Group);
        let q = list_query(request, offset.0, count.0, sort.0, op, s.count_limits())?;
        room_page(
            &s,
            auth.0,
            RoomKind::Group,
            RoomListScope::Joined,
            None,
            q,
            groups_page,
        )
        .await
    }

    /// List every private group
    ///
    /// Requires `view-room-administration`.
    #[oai(
        path = "/groups.listAll",
        method = "get",
        operation_id = "groupsListAll"
    )]
    async fn list_all(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        offset: Query<Option<f64>>,
        count: Query<Option<f64>>,
        sort: Query<Option<String>>,
    ) -> ListResult<GroupsPageOk> {
        let op = Operation::Room(RoomOperation::Read, RoomKind::Group);
        let q = list_query(request, offset.0, count.0, sort.0, op, s.count_limits())?;
        room_page(
            &s,
            auth.0,
            RoomKind::Group,
            RoomListScope::All,
            None,
            q,
            groups_page,
        )
        .await
    }
}
