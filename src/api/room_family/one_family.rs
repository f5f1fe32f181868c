//! The operations only one family has: channels' and groups' lists and lookups.

use super::*;

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
) -> Result<(Page, Vec<crate::service::SortKey>), crate::api::ErrorResponse> {
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
