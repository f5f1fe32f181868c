//! `channels.*` and `groups.*`: one implementation for both room families. Each operation is
//! written once below, in `room_families!`, with the path, operation id and documentation it
//! has in each family; the kind decides the rest (the `t` value, permissions, error texts).
//! Beside it: the bodies and answers (`bodies`), the shared operations (`family`), and what
//! only one family has (`one_family`).

mod bodies;
mod family;
mod one_family;

pub use bodies::*;
use family::Family;
pub use one_family::{ChannelsOnlyApi, GroupsOnlyApi};

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
use crate::api::examples::{ROOM_ID, USER_ID, room_example, user_example};
use crate::model::{Role, Room, RoomId, RoomKind};
use crate::service::{
    Caller, MemberListQuery, NewRoom, Page, RoomEdit, RoomListScope, RoomRef, Service,
    ServiceError, ServiceResult,
};
use poem_openapi::types::ToJSON;
use serde_json::{Value, json};

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

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    let roles = json!({"roles": [{"_id": "SUBSCRIPTIONid1234", "rid": ROOM_ID, "u": {"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}, "roles": ["owner"]}], "success": true});
    let members = json!({"members": [user_example("ada", false)], "count": 1, "offset": 0, "total": 1, "success": true});
    Some(match operation {
        "channelsCreate"
        | "channelsInvite"
        | "channelsKick"
        | "channelsLeave"
        | "channelsAddAll"
        | "channelsRename"
        | "channelsSetReadOnly"
        | "channelsSetCustomFields"
        | "channelsSetType"
        | "channelsInfo"
        | "channelsJoin"
        | "channelsSetJoinCode"
        | "channelsSetDefault" => {
            json!({"channel": room_example("c"), "success": true})
        }
        "groupsCreate"
        | "groupsInvite"
        | "groupsAddAll"
        | "groupsRename"
        | "groupsSetReadOnly"
        | "groupsSetCustomFields"
        | "groupsSetType"
        | "groupsInfo" => {
            json!({"group": room_example("p"), "success": true})
        }
        "groupsKick" | "groupsLeave" => json!({"success": true}),
        "channelsAddModerator"
        | "channelsRemoveModerator"
        | "channelsAddLeader"
        | "channelsRemoveLeader"
        | "groupsAddModerator"
        | "groupsRemoveModerator"
        | "groupsAddLeader"
        | "groupsRemoveLeader"
        | "channelsArchive"
        | "channelsUnarchive"
        | "groupsArchive"
        | "groupsUnarchive"
        | "channelsDelete"
        | "groupsDelete"
        | "channelsClose"
        | "channelsOpen"
        | "groupsClose"
        | "groupsOpen" => {
            json!({"success": true})
        }
        "channelsSetTopic" | "groupsSetTopic" => {
            json!({"topic": "Release planning", "success": true})
        }
        "channelsSetDescription" | "groupsSetDescription" => {
            json!({"description": "Where releases are planned", "success": true})
        }
        "channelsSetAnnouncement" | "groupsSetAnnouncement" => {
            json!({"announcement": "Freeze on Friday", "success": true})
        }
        "channelsModerators" | "groupsModerators" => {
            json!({"moderators": [{"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}], "success": true})
        }
        "channelsList" | "channelsListJoined" => {
            json!({"channels": [room_example("c")], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "groupsList" | "groupsListAll" => {
            json!({"groups": [room_example("p")], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        "channelsAddOwner" | "channelsRemoveOwner" | "groupsAddOwner" | "groupsRemoveOwner" => {
            json!({"success": true})
        }
        "channelsRoles" | "groupsRoles" => roles,
        "channelsMembers" | "groupsMembers" => members,
        "channelsSetPurpose" | "groupsSetPurpose" => {
            json!({"purpose": "Where the team plans", "success": true})
        }
        _ => return None,
    })
}
