//! Moderation of a room's members: `rooms.banUser`, `rooms.unbanUser`, `rooms.bannedUsers`,
//! `rooms.muteUser` and `rooms.unmuteUser`.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::{Object, OpenApi, Union, param::Query};

use super::auth::Auth;
use super::body::{Body, RequestSchema};
use super::call::{ListResult, call_list};
use super::errors::Operation;
use super::query::{self, Kind, QuerySchema};
use super::room_family::SuccessOk;
use super::{ApiResult, ApiTags, call, invalid_params};
use crate::api::examples::USER_ID;
use crate::model::{RoomId, UserId};
use crate::service::{Page, Service, UserRef};
use serde_json::{Value, json};

/// A room and one of its users, by `userId` or by `username` (`isRoomsBanUserProps`).
#[derive(Union, Debug)]
#[oai(one_of)]
pub enum RoomMemberBody {
    ById(RoomMemberById),
    ByName(RoomMemberByName),
}

/// The user by its `_id`.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomMemberById {
    #[oai(validator(min_length = 1))]
    pub user_id: String,
    #[oai(validator(min_length = 1))]
    pub room_id: String,
}

/// The user by its username.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoomMemberByName {
    #[oai(validator(min_length = 1))]
    pub username: String,
    #[oai(validator(min_length = 1))]
    pub room_id: String,
}

impl RequestSchema for RoomMemberBody {
    const CLOSED: bool = false;
    const CLOSED_NESTED: &'static [&'static str] = &["RoomMemberById", "RoomMemberByName"];
}

impl RoomMemberBody {
    /// The room and the user named.
    pub fn parts(self) -> (RoomId, UserRef) {
        match self {
            RoomMemberBody::ById(b) => (RoomId(b.room_id), UserRef::Id(UserId(b.user_id))),
            RoomMemberBody::ByName(b) => (RoomId(b.room_id), UserRef::Username(b.username)),
        }
    }
}

/// One banned user.
#[derive(Object)]
pub struct BannedUser {
    #[oai(rename = "_id")]
    pub id: String,
    pub username: String,
    pub name: String,
}

/// What `rooms.bannedUsers` answers.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct BannedUsersOk {
    pub banned_users: Vec<BannedUser>,
    pub count: u64,
    pub offset: u64,
    pub total: u64,
    pub success: bool,
}

const BANNED_USERS: QuerySchema = QuerySchema {
    params: &[
        ("roomId", Kind::Text),
        ("count", Kind::Number),
        ("offset", Kind::Number),
    ],
    closed: true,
    coerce_arrays: true,
};

/// Bans from rooms.
#[derive(Default)]
pub struct ModerationApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Rooms")]
impl ModerationApi {
    /// Ban a member from a room
    ///
    /// Requires `ban-user` in the room (admins, owners, moderators). The member leaves the
    /// room, its room roles with it, and invites and joins refuse it until it is unbanned.
    /// The room's last (active) owner cannot be banned.
    #[oai(
        path = "/rooms.banUser",
        method = "post",
        operation_id = "roomsBanUser"
    )]
    async fn ban(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomMemberBody>,
    ) -> ApiResult<SuccessOk> {
        let (rid, user) = body.0.parts();
        let caller = auth.0;
        call(
            &s,
            Operation::RoomsBan,
            move |s| s.ban_user(&caller, &rid, &user),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Lift a ban
    ///
    /// Requires `ban-user` in the room. The user may be invited or join again; it is not
    /// added by this.
    #[oai(
        path = "/rooms.unbanUser",
        method = "post",
        operation_id = "roomsUnbanUser"
    )]
    async fn unban(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomMemberBody>,
    ) -> ApiResult<SuccessOk> {
        let (rid, user) = body.0.parts();
        let caller = auth.0;
        call(
            &s,
            Operation::RoomsBan,
            move |s| s.unban_user(&caller, &rid, &user),
            |()| SuccessOk { success: true },
        )
        .await
    }

    /// Mute a member
    ///
    /// Requires `mute-user` in the room (admins, owners, moderators). The member's username
    /// joins the room's `muted` list (in a read-only room, leaves `unmuted`).
    #[oai(
        path = "/rooms.muteUser",
        method = "post",
        operation_id = "roomsMuteUser"
    )]
    async fn mute(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomMemberBody>,
    ) -> ApiResult<SuccessOk> {
        set_muted(&s, auth, body.0, true).await
    }

    /// Unmute a member
    ///
    /// Requires `mute-user` in the room. The member's username leaves the room's `muted`
    /// list (in a read-only room, joins `unmuted`: it may speak there).
    #[oai(
        path = "/rooms.unmuteUser",
        method = "post",
        operation_id = "roomsUnmuteUser"
    )]
    async fn unmute(
        &self,
        auth: Auth,
        s: Data<&Arc<Service>>,
        body: Body<RoomMemberBody>,
    ) -> ApiResult<SuccessOk> {
        set_muted(&s, auth, body.0, false).await
    }

    /// List the users banned from a room
    ///
    /// For anyone who may see the room (401 `unauthorized` otherwise), oldest ban first.
    #[oai(
        path = "/rooms.bannedUsers",
        method = "get",
        operation_id = "roomsBannedUsers"
    )]
    async fn banned_users(
        &self,
        request: &Request,
        auth: Auth,
        s: Data<&Arc<Service>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        count: Query<Option<f64>>,
        offset: Query<Option<f64>>,
    ) -> ListResult<BannedUsersOk> {
        let _ = (room_id, count, offset); // documented; read from the checked query
        let q = query::check(request, &BANNED_USERS)?;
        let rid = q
            .text("roomId")
            .ok_or_else(|| invalid_params("must have required property 'roomId'"))?;
        if rid.is_empty() {
            return Err(invalid_params("must NOT have fewer than 1 characters"));
        }
        let page = Page::new(q.number("offset"), q.number("count"), s.count_limits());
        let (caller, rid) = (auth.0, RoomId(rid));
        call_list(
            &s,
            Operation::RoomsBannedUsers,
            move |s| s.banned_users(&caller, &rid, page),
            move |(users, total)| BannedUsersOk {
                count: users.len() as u64,
                banned_users: users
                    .into_iter()
                    .map(|u| BannedUser {
                        id: u.id.to_string(),
                        username: u.username,
                        name: u.name,
                    })
                    .collect(),
                offset: page.offset as u64,
                total: total as u64,
                success: true,
            },
        )
        .await
    }
}

async fn set_muted(
    s: &Arc<Service>,
    auth: Auth,
    body: RoomMemberBody,
    mute: bool,
) -> ApiResult<SuccessOk> {
    let (rid, user) = body.parts();
    let caller = auth.0;
    call(
        s,
        Operation::RoomsMute(mute),
        move |s| s.set_muted(&caller, &rid, &user, mute),
        |()| SuccessOk { success: true },
    )
    .await
}

/// The success bodies of this file's operations, for the spec's examples.
pub(super) fn ok_example(operation: &str) -> Option<Value> {
    Some(match operation {
        "roomsBanUser" | "roomsUnbanUser" | "roomsMuteUser" | "roomsUnmuteUser" => {
            json!({"success": true})
        }
        "roomsBannedUsers" => {
            json!({"bannedUsers": [{"_id": USER_ID, "username": "ada", "name": "Ada Lovelace"}], "count": 1, "offset": 0, "total": 1, "success": true})
        }
        _ => return None,
    })
}
