//! The room family operations, shared by channels and groups: each takes the family's kind.

use super::*;

/// The room family operations, shared by channels and groups.
pub(super) struct Family {
    pub(super) kind: RoomKind,
}

impl Family {
    pub(super) async fn create<T: Send + 'static>(
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

    pub(super) async fn invite<T: Send + 'static>(
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

    pub(super) async fn set_owner(
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
    pub(super) async fn write<T: Send + 'static, U>(
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
    pub(super) async fn edit<U>(
        &self,
        service: &Arc<Service>,
        caller: Caller,
        room: RoomNames,
        edit: Result<RoomEdit, ServiceError>,
        view: impl FnOnce(Room) -> U,
    ) -> ApiResult<U> {
        let operation = Operation::Room(RoomOperation::Edit, self.kind);
        let edit = edit.map_err(|e| crate::api::to_response(e, operation))?;
        self.write(
            service,
            RoomOperation::Edit,
            room,
            move |s, kind, room| s.edit_room(&caller, kind, room, edit),
            view,
        )
        .await
    }

    pub(super) async fn set_room_role(
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

    pub(super) async fn roles(
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

    pub(super) async fn members(
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
