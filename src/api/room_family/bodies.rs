//! The bodies the room families take and the answers they give.

use super::*;

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

pub(super) fn channel(room: Room) -> ChannelOk {
    ChannelOk {
        channel: RoomView::from(&room),
        success: true,
    }
}

pub(super) fn group(room: Room) -> GroupOk {
    GroupOk {
        group: RoomView::from(&room),
        success: true,
    }
}

pub(super) fn done(_: ()) -> SuccessOk {
    SuccessOk { success: true }
}

/// A query naming a room and nothing else (channels.roles).
pub(super) const ROOM_NAMES: query::QuerySchema = query::QuerySchema {
    params: &[
        ("roomId", query::Kind::Text),
        ("roomName", query::Kind::Text),
    ],
    closed: true,
    coerce_arrays: true,
};

/// channels.moderators' query (`isChannelsModeratorsProps`): a room, and user names it
/// ignores.
pub(super) const MODERATORS: query::QuerySchema = query::QuerySchema {
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
pub(super) const CHANNELS_LIST: query::QuerySchema = query::QuerySchema {
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
