//! The reference model of rocketlite's rules over a small pool of users and rooms, and the
//! operations both the property tests and the fuzzers draw. It predicts each operation's
//! outcome from first principles, independently of the service code it checks.

use std::collections::BTreeSet;

use arbitrary::Arbitrary;

/// How many users and rooms the pool holds at most; slot `i` is user `u{i}` / room `r{i}`.
pub const MAX_USERS: usize = 7;
pub const MAX_ROOMS: usize = 4;

/// One operation. Indices name pool slots; a slot that does not exist yet makes the
/// operation a no-op (`Skipped`), except `SetActive`, where it names an unknown user id.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    CreateUser {
        caller: u8,
        admin: bool,
    },
    /// Self-service sign-up (`users.register`), as nobody in particular.
    Register,
    Login {
        user: u8,
        correct_password: bool,
    },
    Logout {
        user: u8,
    },
    CreateRoom {
        caller: u8,
        private: bool,
        members: Vec<u8>,
    },
    Invite {
        caller: u8,
        room: u8,
        target: u8,
    },
    AddOwner {
        caller: u8,
        room: u8,
        target: u8,
    },
    RemoveOwner {
        caller: u8,
        room: u8,
        target: u8,
    },
    SetActive {
        caller: u8,
        target: u8,
        active: bool,
        confirm: bool,
    },
    /// `users.logout`: every session of `target` ends (another user's need an admin).
    LogoutEverywhere {
        caller: u8,
        target: u8,
    },
    /// `users.update` changing `roles` (admin or not) and/or `active`.
    UpdateUser {
        caller: u8,
        target: u8,
        admin: Option<bool>,
        active: Option<bool>,
        confirm: bool,
    },
    /// `users.delete`.
    DeleteUser {
        caller: u8,
        target: u8,
        confirm: bool,
    },
    /// `users.deleteOwnAccount` with the right password digest (the harness turns the
    /// setting on): the caller goes by the rules of users.delete.
    DeleteOwnAccount {
        caller: u8,
        confirm: bool,
    },
    /// `users.deactivateIdle` for the role `user` (which every account holds).
    DeactivateIdle {
        caller: u8,
        days: u8,
    },
    /// Time passes: the service's clock moves on by whole days.
    Advance {
        days: u8,
    },
    /// `roles.addUserToRole`: the global role `admin` (no room) or the room role `owner`.
    AddUserToRole {
        caller: u8,
        target: u8,
        room: Option<u8>,
    },
    /// `roles.removeUserFromRole`, likewise: one more way out of `admin` and of `owner`.
    RemoveUserFromRole {
        caller: u8,
        target: u8,
        room: Option<u8>,
    },
    /// `users.createToken` with the server's secret: a new session for `target`.
    CreateToken {
        caller: u8,
        target: u8,
    },
    /// `*.kick`: `target` is taken out of the room.
    Kick {
        caller: u8,
        room: u8,
        target: u8,
    },
    /// `rooms.banUser`: `target` leaves the room as by a kick and stays out.
    Ban {
        caller: u8,
        room: u8,
        target: u8,
    },
    /// `rooms.unbanUser`: the ban goes; nobody joins by it.
    Unban {
        caller: u8,
        room: u8,
        target: u8,
    },
    /// `*.leave`: the caller leaves the room.
    Leave {
        caller: u8,
        room: u8,
    },
    /// `channels.join`, or `rooms.join` (`any_kind`), which finds a room of either kind.
    Join {
        caller: u8,
        room: u8,
        any_kind: bool,
    },
    /// `*.setType`: a channel becomes private, a private group public.
    SetType {
        caller: u8,
        room: u8,
    },
    /// `*.archive` (`archived: true`) or `*.unarchive`.
    Archive {
        caller: u8,
        room: u8,
        archived: bool,
        /// Through `rooms.changeArchivationState` (any kind) instead of the family's route:
        /// the same rules.
        via_rooms: bool,
    },
    /// `*.delete` (or `rooms.delete`, `via_rooms`): the room and its memberships go.
    DeleteRoom {
        caller: u8,
        room: u8,
        via_rooms: bool,
    },
    /// SCIM `PATCH /Users/{id}` setting `active`, with the harness's token and the default
    /// relinquish policy (hand over): no caller, no session, the same rules.
    ScimSetActive {
        target: u8,
        active: bool,
    },
    /// SCIM `DELETE /Users/{id}`.
    ScimDelete {
        target: u8,
    },
    /// SCIM `POST /Users`: a new active user, joined to the default rooms like a sign-up.
    ScimCreate,
}

/// What an operation did, as both sides report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Skipped,
    Unauthorized,
    Forbidden,
    NotAllowed,
    UserNotFound,
    LastAdmin,
    /// The rooms named in `shouldChangeOwner`.
    LastOwner(BTreeSet<String>),
    LoginFailed,
    UserNotActivated,
    RoomNotFound,
    NotMember,
    AlreadyOwner,
    NotOwner,
    LastRoomOwner,
    /// users.update without the permission a change needs.
    EditNotAllowed,
    /// An invite whose users are all unknown (here: deleted).
    EmptyInviteList,
    /// users.deactivateIdle's count.
    Deactivated(usize),
    /// roles.addUserToRole for a role the user holds.
    AlreadyInRole,
    /// roles.removeUserFromRole for a role the user does not hold.
    NotInRole,
    /// roles.addUserToRole without `access-permissions`.
    AccessDenied,
    /// users.createToken for another user without `user-generate-access-token`; a room
    /// archived or unarchived without the permission.
    NotAuthorized,
    /// A ban of a user banned already.
    AlreadyBanned,
    /// An unban of a member.
    NotBanned,
    /// An unban of a user neither banned nor a member.
    NoBanNorMembership,
    /// An invite of a banned user.
    UserBanned,
    /// A change of membership or settings in an archived room; archiving it again.
    RoomArchived,
    /// channels.unarchive of a channel that is not archived.
    RoomNotArchived,
    /// A room setting without `edit-room`.
    EditRoomNotAllowed,
    /// A room type change without `create-c` / `create-p`.
    ChangeTypeNotAllowed,
    /// Anything the model does not predict; never equal to a prediction.
    Unexpected(String),
}

impl Outcome {
    /// Whether the operation was refused (and so must have changed nothing).
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Outcome::Ok | Outcome::Skipped | Outcome::Deactivated(_))
    }
}

#[derive(Clone, Debug)]
pub struct ModelUser {
    pub active: bool,
    pub admin: bool,
    /// Holds the global role `user`: every account but the bootstrap admin, which Rocket.Chat
    /// creates with `admin` alone. Idle deactivation (of role `user`) passes it over.
    pub plain_user_role: bool,
    /// Live login tokens.
    pub sessions: usize,
    /// Deleted: the slot names nobody any more.
    pub deleted: bool,
    /// When it was last seen (created or logged in): the day, and the event's place in the
    /// run, which orders events within a day as the service's clock does.
    pub seen: (u32, u64),
}

#[derive(Clone, Debug)]
pub struct ModelRoom {
    pub private: bool,
    /// User slots in join order.
    pub members: Vec<usize>,
    pub owners: BTreeSet<usize>,
    /// Users `rooms.banUser` keeps out.
    pub banned: BTreeSet<usize>,
    pub archived: bool,
    /// Deleted: the slot names no room any more.
    pub deleted: bool,
}

/// How the pool starts: slot 0 is the bootstrap admin; then another admin and two plain
/// users; everyone logged in once. A rich start reaches interesting states in few steps.
pub const INITIAL_USERS: [bool; 4] = [true, true, false, false];

/// Room slot 0 is the default channel `GENERAL`: the bootstrap admin owns it and every user
/// created or signed up afterwards joins it.
pub const DEFAULT_ROOM: usize = 0;

/// The whole reference state.
#[derive(Clone, Debug)]
pub struct Model {
    pub users: Vec<ModelUser>,
    pub rooms: Vec<ModelRoom>,
    /// Whole days since the start.
    pub day: u32,
    /// Events that set a user's `seen` so far.
    pub events: u64,
    /// The prediction for the last operation applied.
    pub last: Outcome,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            // Each initial user was created, then logged in, in slot order.
            users: INITIAL_USERS
                .iter()
                .enumerate()
                .map(|(slot, &admin)| ModelUser {
                    active: true,
                    admin,
                    plain_user_role: slot != 0,
                    sessions: 1,
                    deleted: false,
                    seen: (0, 2 * slot as u64 + 1),
                })
                .collect(),
            day: 0,
            events: 2 * INITIAL_USERS.len() as u64,
            rooms: vec![ModelRoom {
                private: false,
                members: (0..INITIAL_USERS.len()).collect(),
                owners: BTreeSet::from([0]),
                banned: BTreeSet::new(),
                archived: false,
                deleted: false,
            }],
            last: Outcome::Skipped,
        }
    }
}

pub fn username(slot: usize) -> String {
    format!("u{slot}")
}

pub fn room_name(slot: usize) -> String {
    match slot {
        DEFAULT_ROOM => "general".into(),
        _ => format!("r{slot}"),
    }
}

pub fn password(slot: usize) -> String {
    format!("password-{slot}")
}

impl Model {
    fn logged_in(&self, caller: usize) -> bool {
        self.users
            .get(caller)
            .is_some_and(|u| u.active && u.sessions > 0)
    }

    fn is_active(&self, user: usize) -> bool {
        self.users[user].active
    }

    /// Marks `user` seen now.
    fn see(&mut self, user: usize) {
        self.users[user].seen = (self.day, self.events);
        self.events += 1;
    }

    /// Whether an active admin other than `user` exists.
    fn another_active_admin(&self, user: usize) -> bool {
        (0..self.users.len()).any(|u| u != user && self.users[u].admin && self.users[u].active)
    }

    /// The caller checks of the admin-only user operations: logged in, then an admin.
    fn admin_caller(&self, caller: u8) -> Result<usize, Outcome> {
        let caller = caller as usize;
        if caller >= self.users.len() {
            return Err(Outcome::Skipped);
        }
        if !self.logged_in(caller) {
            return Err(Outcome::Unauthorized);
        }
        if !self.users[caller].admin {
            return Err(Outcome::Forbidden);
        }
        Ok(caller)
    }

    /// The service's `room_op` checks for addOwner and removeOwner, then what they add: the
    /// target exists (looked up before set-owner is checked), the caller may set owners.
    fn owner_op(&self, caller: u8, room: u8, target: u8) -> Result<(usize, usize), Outcome> {
        let (caller, room, target) = self.room_op(caller, room, target)?;
        if self.users[target].deleted {
            return Err(Outcome::UserNotFound);
        }
        if !self.may_set_owner(caller, room) {
            return Err(Outcome::NotAllowed);
        }
        Ok((room, target))
    }

    /// `active_status::departure`: an active user may go unless it is the last active admin,
    /// or (without `confirm`) the last active owner of a room with other active members; the
    /// rooms to hand over, with their successors.
    fn departure(&self, user: usize, confirm: bool) -> Result<Vec<(usize, usize)>, Outcome> {
        let u = &self.users[user];
        if !u.active {
            return Ok(vec![]);
        }
        if u.admin && !self.another_active_admin(user) {
            return Err(Outcome::LastAdmin);
        }
        let handovers = self.handovers(user);
        if !handovers.is_empty() && !confirm {
            let names = handovers.iter().map(|&(room, _)| room_name(room)).collect();
            return Err(Outcome::LastOwner(names));
        }
        Ok(handovers)
    }

    /// Reactivates `user`; rooms it is the first active member of again get it as owner.
    fn reactivate(&mut self, user: usize) {
        self.users[user].active = true;
        for room in 0..self.rooms.len() {
            if self.rooms[room].members.contains(&user) {
                self.ensure_active_owner(room);
            }
        }
    }

    /// The checks of an admin-only operation on a user, in the service's order: the caller
    /// (see `admin_caller`), then the target exists.
    fn admin_on_user(&self, caller: u8, target: u8) -> Result<usize, Outcome> {
        self.admin_caller(caller)?;
        self.existing_user(target)
    }

    /// The target slot, if it names a user that exists.
    fn existing_user(&self, target: u8) -> Result<usize, Outcome> {
        let target = target as usize;
        if target >= self.users.len() || self.users[target].deleted {
            return Err(Outcome::UserNotFound);
        }
        Ok(target)
    }

    /// users.setActiveStatus on an existing `target`, once the caller is checked.
    fn set_active(&mut self, target: usize, active: bool, confirm: bool) -> Outcome {
        if active {
            self.reactivate(target);
            return Outcome::Ok;
        }
        match self.departure(target, confirm) {
            Ok(handovers) => self.deactivate(target, handovers),
            Err(outcome) => return outcome,
        }
        Outcome::Ok
    }

    /// users.delete on an existing `target`, once the caller is checked.
    fn delete(&mut self, target: usize, confirm: bool) -> Outcome {
        match self.departure(target, confirm) {
            Ok(handovers) => self.deactivate(target, handovers),
            Err(outcome) => return outcome,
        }
        for r in &mut self.rooms {
            r.members.retain(|&m| m != target);
            r.owners.remove(&target);
        }
        self.users[target].deleted = true;
        Outcome::Ok
    }

    /// Deactivates `user` after its handovers (already checked).
    fn deactivate(&mut self, user: usize, handovers: Vec<(usize, usize)>) {
        for (room, successor) in handovers {
            self.rooms[room].owners.insert(successor);
        }
        let u = &mut self.users[user];
        u.active = false;
        u.sessions = 0;
    }

    /// Whether a caller may see the room: channels always; groups for members and admins
    /// (`view-other-user-channels`).
    fn can_see(&self, caller: usize, room: usize) -> bool {
        let r = &self.rooms[room];
        !r.deleted && (!r.private || r.members.contains(&caller) || self.users[caller].admin)
    }

    /// `set-owner` is granted to `admin` and, inside a room, to its owners.
    fn may_set_owner(&self, caller: usize, room: usize) -> bool {
        self.users[caller].admin || self.rooms[room].owners.contains(&caller)
    }

    /// The checks every room operation starts with, in the service's order: the slots exist,
    /// the caller is logged in, the caller may see the room.
    fn room_op(&self, caller: u8, room: u8, target: u8) -> Result<(usize, usize, usize), Outcome> {
        let (caller, room, target) = (caller as usize, room as usize, target as usize);
        if caller >= self.users.len() || room >= self.rooms.len() || target >= self.users.len() {
            return Err(Outcome::Skipped);
        }
        if !self.logged_in(caller) {
            return Err(Outcome::Unauthorized);
        }
        if !self.can_see(caller, room) {
            return Err(Outcome::RoomNotFound);
        }
        Ok((caller, room, target))
    }

    /// Applies `op`, records and returns the predicted outcome.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        let outcome = self.predict_and_apply(op);
        self.last = outcome.clone();
        outcome
    }

    fn predict_and_apply(&mut self, op: &Op) -> Outcome {
        let users = self.users.len();
        let rooms = self.rooms.len();
        match *op {
            Op::CreateUser { caller, admin } => {
                let caller = caller as usize;
                if users >= MAX_USERS || caller >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                if !self.users[caller].admin {
                    return Outcome::Forbidden;
                }
                self.add_user(admin);
                Outcome::Ok
            }
            Op::Register | Op::ScimCreate => {
                if users >= MAX_USERS {
                    return Outcome::Skipped;
                }
                self.add_user(false);
                Outcome::Ok
            }
            Op::Login {
                user,
                correct_password,
            } => {
                let user = user as usize;
                if user >= users {
                    return Outcome::Skipped;
                }
                if !correct_password || self.users[user].deleted {
                    return Outcome::LoginFailed;
                }
                if !self.users[user].active {
                    return Outcome::UserNotActivated;
                }
                self.users[user].sessions += 1;
                self.see(user);
                Outcome::Ok
            }
            Op::Logout { user } => {
                let user = user as usize;
                if user >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(user) {
                    return Outcome::Unauthorized;
                }
                self.users[user].sessions -= 1;
                Outcome::Ok
            }
            Op::CreateRoom {
                caller,
                private,
                ref members,
            } => {
                let caller = caller as usize;
                if rooms >= MAX_ROOMS || caller >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                // create-c / create-p
                if !self.holds_a_base_role(caller) {
                    return Outcome::Forbidden;
                }
                let mut joined = vec![caller];
                for &m in members {
                    let m = m as usize;
                    if m < users && !self.users[m].deleted && !joined.contains(&m) {
                        joined.push(m);
                    }
                }
                self.rooms.push(ModelRoom {
                    private,
                    members: joined,
                    owners: BTreeSet::from([caller]),
                    banned: BTreeSet::new(),
                    archived: false,
                    deleted: false,
                });
                Outcome::Ok
            }
            Op::Invite {
                caller,
                room,
                target,
            } => {
                let (caller, room, target) = match self.room_op(caller, room, target) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                let r = &self.rooms[room];
                if r.archived {
                    return Outcome::RoomArchived;
                }
                let allowed = if r.members.contains(&caller) {
                    // add-user-to-joined-room: admin, owner, moderator
                    self.users[caller].admin || r.owners.contains(&caller)
                } else {
                    // add-user-to-any-c-room: admin; add-user-to-any-p-room: nobody
                    !r.private && self.users[caller].admin
                };
                if !allowed {
                    return Outcome::NotAllowed;
                }
                if self.users[target].deleted {
                    return Outcome::EmptyInviteList;
                }
                if self.rooms[room].banned.contains(&target) {
                    return Outcome::UserBanned;
                }
                let r = &mut self.rooms[room];
                if !r.members.contains(&target) {
                    r.members.push(target);
                    self.ensure_active_owner(room);
                }
                Outcome::Ok
            }
            Op::AddOwner {
                caller,
                room,
                target,
            } => {
                let (room, target) = match self.owner_op(caller, room, target) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                let r = &mut self.rooms[room];
                if !r.members.contains(&target) {
                    return Outcome::NotMember;
                }
                if !r.owners.insert(target) {
                    return Outcome::AlreadyOwner;
                }
                Outcome::Ok
            }
            Op::RemoveOwner {
                caller,
                room,
                target,
            } => {
                let (room, target) = match self.owner_op(caller, room, target) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                let r = &self.rooms[room];
                if !r.members.contains(&target) {
                    return Outcome::NotMember;
                }
                if !r.owners.contains(&target) {
                    return Outcome::NotOwner;
                }
                if self.owner_removal_refused(room, target) {
                    return Outcome::LastRoomOwner;
                }
                self.rooms[room].owners.remove(&target);
                Outcome::Ok
            }
            Op::SetActive {
                caller,
                target,
                active,
                confirm,
            } => {
                match self.admin_on_user(caller, target) {
                    Ok(target) => self.set_active(target, active, confirm),
                    Err(outcome) => outcome,
                }
            }
            Op::LogoutEverywhere { caller, target } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users || target >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                if caller != target && !self.users[caller].admin {
                    return Outcome::Forbidden;
                }
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                self.users[target].sessions = 0;
                Outcome::Ok
            }
            Op::UpdateUser {
                caller,
                target,
                admin,
                active,
                confirm,
            } => {
                let caller = caller as usize;
                if caller >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                let target = target as usize;
                if target >= users || self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                // Every right users.update checks is the admin's alone; a user may edit
                // itself, but not its roles (unless unchanged) or its active flag.
                let caller_admin = self.users[caller].admin;
                let t = &self.users[target];
                // The roles sent always include `user`: a change for whoever lacks it.
                let roles_change = admin.is_some_and(|a| a != t.admin || !t.plain_user_role);
                if (caller != target || roles_change || active.is_some()) && !caller_admin {
                    return Outcome::EditNotAllowed;
                }
                let new_admin = admin.unwrap_or(t.admin);
                if t.active && t.admin && !new_admin && !self.another_active_admin(target) {
                    return Outcome::LastAdmin;
                }
                let handovers = match active {
                    Some(false) => match self.departure(target, confirm) {
                        Ok(handovers) => handovers,
                        Err(outcome) => return outcome,
                    },
                    _ => vec![],
                };
                let was_active = t.active;
                self.users[target].admin = new_admin;
                if admin.is_some() {
                    self.users[target].plain_user_role = true;
                }
                match active {
                    Some(false) if was_active => self.deactivate(target, handovers),
                    Some(true) if !was_active => self.reactivate(target),
                    _ => {}
                }
                Outcome::Ok
            }
            Op::DeleteUser {
                caller,
                target,
                confirm,
            } => match self.admin_on_user(caller, target) {
                Ok(target) => self.delete(target, confirm),
                Err(outcome) => outcome,
            },
            Op::DeleteOwnAccount { caller, confirm } => {
                let caller = caller as usize;
                if caller >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                self.delete(caller, confirm)
            }
            Op::DeactivateIdle { caller, days } => {
                if let Err(outcome) = self.admin_caller(caller) {
                    return outcome;
                }
                let mut idle: Vec<usize> = (0..users)
                    .filter(|&u| {
                        let user = &self.users[u];
                        !user.deleted
                            && user.active
                            && user.plain_user_role
                            && user.seen.0 + u32::from(days) <= self.day
                    })
                    .collect();
                idle.sort_by_key(|&u| self.users[u].seen);
                let mut count = 0;
                for user in idle {
                    // With confirmation only the last-admin refusal remains: it is skipped.
                    if let Ok(handovers) = self.departure(user, true) {
                        self.deactivate(user, handovers);
                        count += 1;
                    }
                }
                Outcome::Deactivated(count)
            }
            Op::Advance { days } => {
                self.day += u32::from(days);
                Outcome::Ok
            }
            Op::AddUserToRole {
                caller,
                target,
                room,
            } => {
                let (caller, target, room) = match self.role_op(caller, target, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                if self.holds(target, room) {
                    return Outcome::AlreadyInRole;
                }
                if !self.users[caller].admin {
                    return Outcome::AccessDenied;
                }
                match room {
                    None => self.users[target].admin = true,
                    // Only a member's membership carries room roles; else nothing changes.
                    Some(room) if self.rooms[room].members.contains(&target) => {
                        self.rooms[room].owners.insert(target);
                    }
                    Some(_) => {}
                }
                Outcome::Ok
            }
            Op::RemoveUserFromRole {
                caller,
                target,
                room,
            } => {
                let (caller, target, room) = match self.role_op(caller, target, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if !self.users[caller].admin {
                    return Outcome::Forbidden;
                }
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                if !self.holds(target, room) {
                    return Outcome::NotInRole;
                }
                match room {
                    None => {
                        let t = &self.users[target];
                        if t.active && !self.another_active_admin(target) {
                            return Outcome::LastAdmin;
                        }
                        self.users[target].admin = false;
                    }
                    Some(room) => {
                        if self.owner_removal_refused(room, target) {
                            return Outcome::LastRoomOwner;
                        }
                        self.rooms[room].owners.remove(&target);
                    }
                }
                Outcome::Ok
            }
            Op::Kick {
                caller,
                room,
                target,
            } => {
                let (caller, room, target) = match self.room_op(caller, room, target) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if self.rooms[room].archived {
                    return Outcome::RoomArchived;
                }
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                // remove-user: admins, and owners of the room (the model has no moderators).
                if !self.may_set_owner(caller, room) {
                    return Outcome::NotAllowed;
                }
                self.take_out(room, target)
            }
            Op::Ban {
                caller,
                room,
                target,
            }
            | Op::Unban {
                caller,
                room,
                target,
            } => {
                let (caller, room, target) = match self.room_op(caller, room, target) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if self.rooms[room].archived {
                    return Outcome::RoomArchived;
                }
                // ban-user: admins, owners (and moderators, which the model has none of).
                if !self.may_set_owner(caller, room) {
                    return Outcome::NotAllowed;
                }
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                let banned = self.rooms[room].banned.contains(&target);
                match (matches!(op, Op::Ban { .. }), banned) {
                    (true, true) => Outcome::AlreadyBanned,
                    (true, false) => {
                        let outcome = self.take_out(room, target);
                        if outcome == Outcome::Ok {
                            self.rooms[room].banned.insert(target);
                        }
                        outcome
                    }
                    (false, true) => {
                        self.rooms[room].banned.remove(&target);
                        Outcome::Ok
                    }
                    (false, false) => match self.rooms[room].members.contains(&target) {
                        true => Outcome::NotBanned,
                        false => Outcome::NoBanNorMembership,
                    },
                }
            }
            Op::Leave { caller, room } => {
                let (caller, room) = match self.own_room_op(caller, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if self.rooms[room].archived {
                    return Outcome::RoomArchived;
                }
                // leave-c / leave-p
                if !self.holds_a_base_role(caller) {
                    return Outcome::NotAllowed;
                }
                self.take_out(room, caller)
            }
            Op::Join {
                caller,
                room,
                any_kind: true,
            } => {
                let (caller, room) = (caller as usize, room as usize);
                if caller >= users || room >= rooms {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                let r = &self.rooms[room];
                if r.deleted {
                    return Outcome::RoomNotFound;
                }
                if r.archived {
                    return Outcome::RoomArchived;
                }
                // Nobody joins a private group uninvited; a member's join changes nothing.
                if r.private {
                    return match r.members.contains(&caller) {
                        true => Outcome::Ok,
                        false => Outcome::NotAllowed,
                    };
                }
                self.join_channel(caller, room)
            }
            Op::Join {
                caller,
                room,
                any_kind: false,
            } => {
                let (caller, room) = match self.own_room_op(caller, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                let r = &self.rooms[room];
                if r.private {
                    return Outcome::RoomNotFound;
                }
                if r.archived {
                    return Outcome::RoomArchived;
                }
                self.join_channel(caller, room)
            }
            Op::SetType { caller, room } => {
                let (caller, room) = match self.own_room_op(caller, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                if self.rooms[room].archived {
                    return Outcome::RoomArchived;
                }
                // edit-room: admins and owners; create-c / create-p: holders of `admin` or `user`.
                if !self.may_set_owner(caller, room) {
                    return Outcome::EditRoomNotAllowed;
                }
                if !self.holds_a_base_role(caller) {
                    return Outcome::ChangeTypeNotAllowed;
                }
                self.rooms[room].private = !self.rooms[room].private;
                Outcome::Ok
            }
            Op::Archive {
                caller,
                room,
                archived,
                ..
            } => {
                let (caller, room) = match self.own_room_op(caller, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                let r = &self.rooms[room];
                match (archived, r.archived) {
                    (true, true) => return Outcome::RoomArchived,
                    (false, false) if !r.private => return Outcome::RoomNotArchived,
                    _ => {}
                }
                // archive-room: admins and owners; unarchive-room: admins.
                let allowed = match archived {
                    true => self.may_set_owner(caller, room),
                    false => self.users[caller].admin,
                };
                if !allowed {
                    return Outcome::NotAuthorized;
                }
                self.rooms[room].archived = archived;
                Outcome::Ok
            }
            Op::DeleteRoom { caller, room, .. } => {
                let (caller, room) = match self.own_room_op(caller, room) {
                    Ok(slots) => slots,
                    Err(outcome) => return outcome,
                };
                // delete-c / delete-p: admins and owners.
                if !self.may_set_owner(caller, room) {
                    return Outcome::NotAllowed;
                }
                let r = &mut self.rooms[room];
                r.deleted = true;
                r.members.clear();
                r.owners.clear();
                Outcome::Ok
            }
            // SCIM has no caller to check, and its policy hands over, as confirmRelinquish does.
            // It may deactivate an admin but never bring one back: that is for a human admin.
            Op::ScimSetActive { target, active } => match self.existing_user(target) {
                Ok(target) if active && self.users[target].admin && !self.users[target].active => {
                    Outcome::Forbidden
                }
                Ok(target) => self.set_active(target, active, true),
                Err(outcome) => outcome,
            },
            // ... and it never deletes an admin (nor changes one's credentials).
            Op::ScimDelete { target } => match self.existing_user(target) {
                Ok(target) if self.users[target].admin => Outcome::Forbidden,
                Ok(target) => self.delete(target, true),
                Err(outcome) => outcome,
            },
            Op::CreateToken { caller, target } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users || target >= users {
                    return Outcome::Skipped;
                }
                if !self.logged_in(caller) {
                    return Outcome::Unauthorized;
                }
                if self.users[target].deleted {
                    return Outcome::UserNotFound;
                }
                if caller != target && !self.users[caller].admin {
                    return Outcome::NotAuthorized;
                }
                if !self.users[target].active {
                    return Outcome::UserNotActivated;
                }
                self.users[target].sessions += 1;
                Outcome::Ok
            }
        }
    }

    /// `room_op` for an operation on the room itself, by `caller` alone.
    fn own_room_op(&self, caller: u8, room: u8) -> Result<(usize, usize), Outcome> {
        self.room_op(caller, room, caller)
            .map(|(caller, room, _)| (caller, room))
    }

    /// Kick and leave: `user` goes from `room` unless it is no member, or the room's last
    /// (active) owner.
    fn take_out(&mut self, room: usize, user: usize) -> Outcome {
        let r = &self.rooms[room];
        if !r.members.contains(&user) {
            return Outcome::NotMember;
        }
        if r.owners.contains(&user) && self.owner_removal_refused(room, user) {
            return Outcome::LastRoomOwner;
        }
        let r = &mut self.rooms[room];
        r.members.retain(|&m| m != user);
        r.owners.remove(&user);
        Outcome::Ok
    }

    /// The slots of a roles operation, checked in the service's order: they exist, the
    /// caller is logged in.
    fn role_op(
        &self,
        caller: u8,
        target: u8,
        room: Option<u8>,
    ) -> Result<(usize, usize, Option<usize>), Outcome> {
        let (caller, target) = (caller as usize, target as usize);
        let room = room.map(usize::from);
        if caller >= self.users.len()
            || target >= self.users.len()
            || room.is_some_and(|r| r >= self.rooms.len())
        {
            return Err(Outcome::Skipped);
        }
        if !self.logged_in(caller) {
            return Err(Outcome::Unauthorized);
        }
        Ok((caller, target, room))
    }

    /// Whether `user` holds `admin` (no room) or `owner` in `room`.
    fn holds(&self, user: usize, room: Option<usize>) -> bool {
        match room {
            None => self.users[user].admin,
            Some(room) => self.rooms[room].owners.contains(&user),
        }
    }

    /// `rooms::check_owner_removal`: an owner may not stop owning when no owner would
    /// remain, nor, while active, when only inactive owners would.
    fn owner_removal_refused(&self, room: usize, target: usize) -> bool {
        let others: Vec<usize> = self.rooms[room]
            .owners
            .iter()
            .copied()
            .filter(|&o| o != target)
            .collect();
        let other_active = others.iter().any(|&o| self.is_active(o));
        others.is_empty() || (self.is_active(target) && !other_active)
    }

    /// A join of a channel the caller may see and that is not archived: `view-c-room`, then
    /// the caller becomes its newest member (a member's join changes nothing).
    fn join_channel(&mut self, caller: usize, room: usize) -> Outcome {
        // view-c-room
        if !self.holds_a_base_role(caller) {
            return Outcome::NotAllowed;
        }
        // A banned user cannot see the channel to join it.
        if self.rooms[room].banned.contains(&caller) {
            return Outcome::NotAllowed;
        }
        if !self.rooms[room].members.contains(&caller) {
            self.rooms[room].members.push(caller);
            self.ensure_active_owner(room);
        }
        Outcome::Ok
    }

    /// Holds `admin` or `user`, the roles granted what every account may do (create, join
    /// and leave rooms); the bootstrap admin stripped of `admin` holds neither.
    fn holds_a_base_role(&self, slot: usize) -> bool {
        self.users[slot].admin || self.users[slot].plain_user_role
    }

    /// A new active account, the newest member of the default room.
    fn add_user(&mut self, admin: bool) {
        self.users.push(ModelUser {
            active: true,
            admin,
            plain_user_role: true,
            sessions: 0,
            deleted: false,
            seen: (0, 0),
        });
        let slot = self.users.len() - 1;
        self.see(slot);
        if !self.rooms[DEFAULT_ROOM].deleted {
            self.rooms[DEFAULT_ROOM].members.push(slot);
            self.ensure_active_owner(DEFAULT_ROOM);
        }
    }

    /// The absolute invariant, restored: a room with an active member but no active owner
    /// gets its earliest-joined active member as owner.
    fn ensure_active_owner(&mut self, room: usize) {
        let r = &self.rooms[room];
        if r.owners.iter().any(|&o| self.is_active(o)) {
            return;
        }
        if let Some(&first) = r.members.iter().find(|&&m| self.is_active(m)) {
            self.rooms[room].owners.insert(first);
        }
    }

    /// Whether every room with an active member has an active owner.
    pub fn every_room_owned(&self) -> bool {
        self.rooms.iter().all(|r| {
            !r.members.iter().any(|&m| self.is_active(m))
                || r.owners.iter().any(|&o| self.is_active(o))
        })
    }

    /// Rooms where `user` is the last active owner and another active member exists, with
    /// the earliest-joined such member.
    fn handovers(&self, user: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, r) in self.rooms.iter().enumerate() {
            if !r.owners.contains(&user) || r.owners.iter().any(|&o| o != user && self.is_active(o))
            {
                continue;
            }
            if let Some(&successor) = r.members.iter().find(|&&m| m != user && self.is_active(m)) {
                out.push((i, successor));
            }
        }
        out
    }
}
