//! Drives the real service with model operations and checks it against the model: the
//! system under test of the property tests and of the `operations` fuzz target.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::{SeedableRng, rngs::StdRng};
use rocketlite::model::{Email, LoginToken, Role, RoomId, RoomKind, User, UserId};
use rocketlite::service::{
    DEFAULT_CHANNEL_ID, Registration, RoleGrant, RoleRevoke, RoomEdit, RoomRef, Secret,
    UserChanges, UserRef,
    AdminSeed, Caller, LoginLimits, LoginName, NewRoom, NewUser, Service, ServiceError,
    ScimChange, ScimNewUser, SetActiveStatus,
};
use rocketlite::store::{Store, StoreError};

use crate::model::{INITIAL_USERS, MAX_USERS, Model, Op, Outcome, password, room_name, username};

/// The service, the ids behind the model's slots, and every token it was handed.
pub struct Harness {
    service: Option<Service>,
    backing: Backing,
    clock: Arc<AtomicI64>,
    users: Vec<UserId>,
    rooms: Vec<RoomId>,
    /// Live tokens per user slot, newest last, each with the caller resolved when it was
    /// issued: every operation runs with that (possibly stale) copy, so the service must
    /// re-read its caller inside its own transaction.
    live: Vec<Vec<(LoginToken, Caller)>>,
    /// The newest caller of each slot whose token was revoked: a request authenticated just
    /// before its logout or deactivation committed. It must never be let through again.
    stale: Vec<Option<Caller>>,
    /// Tokens that were revoked; none may ever authenticate again.
    dead: Vec<(UserId, LoginToken)>,
    /// The SCIM token's secret the `Scim*` operations authenticate with.
    scim_secret: String,
}

/// The dump rows, on either engine, that name `id` outside the records of history: a
/// tombstone, rooms (which name their creator), the audit trail and SCIM tokens (which name
/// who made them). A deleted user or room must leave none. Table names are redb's
/// (`name<K, V> key = value`), then PostgreSQL's (`name {json}`).
pub fn rows_naming<'a>(dump: &'a [String], id: &str) -> Vec<&'a String> {
    const HISTORY: [&str; 8] = [
        "deleted_userid<",
        "roomid_room<",
        "seq_audit<",
        "scimtokenid_token<",
        "deleted_users ",
        "rooms ",
        "audit ",
        "scim_tokens ",
    ];
    dump.iter()
        .filter(|row| row.contains(id))
        .filter(|row| !HISTORY.iter().any(|table| row.starts_with(table)))
        .collect()
}

/// Where the harness's store lives.
#[derive(Clone, Debug)]
pub enum Backing {
    Memory,
    /// A redb file, reopened after every step.
    File(PathBuf),
    /// A PostgreSQL database (its URL), reconnected after every step.
    Postgres(String),
}

impl Backing {
    fn open(&self) -> Store {
        match self {
            Backing::Memory => Store::in_memory().expect("in-memory store"),
            Backing::File(path) => Store::open(path).expect("open the store file"),
            Backing::Postgres(url) => Store::open_postgres(url, 2).expect("connect to PostgreSQL"),
        }
    }
}

/// The `CREATE_TOKENS_FOR_USERS_SECRET` the harness's service runs with.
const TOKEN_SECRET: &str = "harness-token-secret";

/// A day on the service's clock.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Argon2 at its smallest cost: the rules are under test here, not the hash.
fn cheap_argon2() -> argon2::Params {
    argon2::Params::new(8, 1, 1, None).expect("valid argon2 parameters")
}

fn build_service(store: Store, clock: Arc<AtomicI64>) -> Service {
    // Seeded from the clock, so a reopened service never replays the ids and tokens the
    // first one generated: the run stays deterministic without colliding with itself.
    let seed = clock.load(Ordering::SeqCst) as u64;
    let clock_fn = Arc::new(move || clock.fetch_add(1, Ordering::SeqCst));
    let service = Service::new(store, clock_fn, Box::new(StdRng::seed_from_u64(seed)))
        .with_argon2_params(cheap_argon2())
        // The model knows no token expiry; `Advance` moves the clock by days.
        .with_login_expiration_days(u32::MAX)
        .with_login_limits(LoginLimits {
            max_failures_per_user: usize::MAX,
            max_failures_per_ip: usize::MAX,
            window_ms: 1,
            ip_window_ms: None,
        })
        .with_create_tokens_secret(Some(TOKEN_SECRET));
    // As the server does at start: the stored settings (the harness turns one on).
    service.reload_settings().expect("the settings read");
    service
}

impl Harness {
    /// A fresh store (a file at `file`, or memory) with the bootstrap admin in slot 0,
    /// logged in once, as `Model::default` describes.
    pub fn new(file: Option<PathBuf>) -> Self {
        Self::on(file.map_or(Backing::Memory, Backing::File))
    }

    /// Like [`Harness::new`], on any backing.
    pub fn on(backing: Backing) -> Self {
        let store = backing.open();
        let clock = Arc::new(AtomicI64::new(1_764_000_000_000));
        let service = build_service(store, clock.clone());
        service.seed_permissions().unwrap();
        service
            .bootstrap_admin(&AdminSeed {
                username: username(0),
                password: Some(password(0)),
                email: None,
                name: "Admin".into(),
            })
            .unwrap();
        service.ensure_default_channel().unwrap();
        let (admin, token) = service
            .login(&LoginName::Username(username(0)), &Secret::Plain(password(0)), None)
            .unwrap();
        let caller = service
            .authenticate(&admin.id, token.clone())
            .unwrap();
        let scim_secret = service.create_scim_token(&caller, "harness").unwrap().secret;
        // users.deleteOwnAccount is off by default; the model exercises it.
        service
            .overwrite_settings(&[("Accounts_AllowDeleteOwnAccount".into(), "true".into())])
            .unwrap();
        let mut harness = Harness {
            service: Some(service),
            backing,
            clock,
            users: vec![admin.id],
            rooms: vec![RoomId(DEFAULT_CHANNEL_ID.into())],
            live: vec![vec![(token, caller)]],
            stale: vec![None],
            dead: vec![],
            scim_secret,
        };
        for (slot, &admin) in INITIAL_USERS.iter().enumerate().skip(1) {
            assert_eq!(
                harness.execute(&Op::CreateUser { caller: 0, admin }),
                Outcome::Ok
            );
            let login = Op::Login {
                user: slot as u8,
                correct_password: true,
            };
            assert_eq!(harness.execute(&login), Outcome::Ok);
        }
        harness
    }

    /// The id behind a user slot, or one that names nobody for a slot past the end.
    fn user_id(&self, slot: usize) -> UserId {
        self.users
            .get(slot)
            .map_or(UserId("unknown-user-id".into()), UserId::clone)
    }

    /// After a change that may have deactivated `user`: its sessions are gone if it did.
    fn revoke_if_inactive(&mut self, slot: usize, user: &User) {
        if !user.active {
            self.revoke(slot, true);
        }
    }

    /// A new user slot with no session yet.
    fn add_slot(&mut self, id: UserId) {
        self.users.push(id);
        self.live.push(vec![]);
        self.stale.push(None);
    }

    fn service(&self) -> &Service {
        self.service
            .as_ref()
            .expect("the service is present between steps")
    }

    /// The store under the service, for tests that read or write it directly.
    pub fn store(&self) -> &Store {
        self.service().store()
    }

    /// The ids behind the model's user slots, in slot order.
    pub fn user_ids(&self) -> &[UserId] {
        &self.users
    }

    /// The ids behind the model's room slots, in slot order.
    pub fn room_ids(&self) -> &[RoomId] {
        &self.rooms
    }

    /// Closes the file and opens it again; the state must be identical.
    pub fn reopen(&mut self) {
        if matches!(self.backing, Backing::Memory) {
            return;
        }
        let before = self.store().dump().unwrap();
        let store = self.service.take().unwrap().into_store();
        drop(store);
        let store = self.backing.open();
        self.service = Some(build_service(store, self.clock.clone()));
        assert_eq!(
            self.store().dump().unwrap(),
            before,
            "reopening changed the state"
        );
    }

    /// The caller of a slot as resolved when its newest token was issued; without a live
    /// token, the stale caller of its last revoked one; else a bogus token, authenticated.
    fn caller(&self, slot: usize) -> Result<Caller, ServiceError> {
        if let Some((_, caller)) = self.live[slot].last() {
            return Ok(caller.clone());
        }
        if let Some(stale) = &self.stale[slot] {
            return Ok(stale.clone());
        }
        self.service().authenticate(
            &self.users[slot],
            LoginToken::from_client("no-token".into()),
        )
    }

    /// Revokes the harness's record of a slot's tokens (all, or the newest).
    fn revoke(&mut self, slot: usize, all: bool) {
        let keep = if all {
            0
        } else {
            self.live[slot].len().saturating_sub(1)
        };
        for (token, caller) in self.live[slot].drain(keep..) {
            self.dead.push((caller.user.id.clone(), token));
            self.stale[slot] = Some(caller);
        }
    }

    /// Applies `op` to the service and reports what happened, checking that a refusal
    /// changed nothing and that, afterwards, every room with an active member has an active
    /// owner (the absolute invariant, whatever the room was like before).
    pub fn apply(&mut self, op: &Op) -> Outcome {
        let before = self.store().dump().unwrap();
        let activity_before = self.activity();
        let trail_before = self.trail_len();
        let outcome = self.execute(op);
        if outcome.is_refusal() {
            assert_eq!(
                self.store().dump().unwrap(),
                before,
                "{op:?} was refused ({outcome:?}) but changed the store"
            );
        }
        self.check_activity_audited(op, &activity_before, trail_before);
        for room in 0..self.rooms.len() {
            let (active_member, active_owner) = self.room_activity(room);
            assert!(
                !active_member || active_owner,
                "{op:?} left room {room} with an active member but no active owner"
            );
        }
        outcome
    }

    /// Each user slot's stored `active` flag (`None` once deleted).
    fn activity(&self) -> Vec<Option<bool>> {
        self.users
            .iter()
            .map(|id| self.store().read(|tx| tx.user(id)).unwrap().map(|u| u.active))
            .collect()
    }

    fn trail_len(&self) -> usize {
        self.store().read(|tx| tx.audit_entries()).unwrap().len()
    }

    /// The audit trail follows activity exactly: a user who was deactivated, reactivated or
    /// deleted by the step has one new entry saying so; a user whose activity did not
    /// change has none (a no-op records nothing).
    fn check_activity_audited(&self, op: &Op, before: &[Option<bool>], trail_before: usize) {
        let trail = self.store().read(|tx| tx.audit_entries()).unwrap();
        let new = &trail[trail_before..];
        let after = self.activity();
        for (slot, id) in self.users.iter().enumerate() {
            let was = before.get(slot).copied().flatten();
            let expected = match (was, after[slot]) {
                (Some(true), Some(false)) => Some("user.deactivate"),
                (Some(false), Some(true)) => Some("user.activate"),
                (Some(_), None) => Some("user.delete"),
                _ => None,
            };
            let lifecycle: Vec<&str> = new
                .iter()
                .filter(|e| e.user_id.as_ref() == Some(id))
                .map(|e| e.action.as_str())
                .filter(|a| ["user.deactivate", "user.activate", "user.delete"].contains(a))
                .collect();
            let wanted: Vec<&str> = expected.into_iter().collect();
            assert_eq!(lifecycle, wanted, "{op:?}: the audit trail of u{slot}");
        }
    }

    fn execute(&mut self, op: &Op) -> Outcome {
        let users = self.users.len();
        let rooms = self.rooms.len();
        let result = match *op {
            Op::CreateUser { caller, admin } => {
                let caller = caller as usize;
                if users >= MAX_USERS || caller >= users {
                    return Outcome::Skipped;
                }
                let slot = users;
                let roles = if admin {
                    vec!["admin".into(), "user".into()]
                } else {
                    vec!["user".into()]
                };
                let created = self.caller(caller).and_then(|c| {
                    self.service().create_user(
                        &c,
                        NewUser {
                            email: format!("{}@example.org", username(slot)),
                            name: username(slot),
                            password: password(slot),
                            username: username(slot),
                            active: true,
                            roles,
                            verified: false,
                            join_default_channels: true,
                            custom_fields: None,
                        },
                    )
                });
                created.map(|user| self.add_slot(user.id))
            }
            Op::Register => {
                if users >= MAX_USERS {
                    return Outcome::Skipped;
                }
                let slot = users;
                let registered = self.service().register_user(Registration {
                    username: username(slot),
                    email: format!("{}@example.org", username(slot)),
                    password: password(slot),
                    name: Some(username(slot)),
                    custom_fields: None,
                });
                registered.map(|user| self.add_slot(user.id))
            }
            Op::ScimCreate => {
                if users >= MAX_USERS {
                    return Outcome::Skipped;
                }
                let slot = users;
                let new = ScimNewUser {
                    user_name: username(slot),
                    display_name: username(slot),
                    emails: vec![Email {
                        address: format!("{}@example.org", username(slot)),
                        verified: false,
                        kind: Some("work".into()),
                        primary: Some(true),
                    }],
                    active: true,
                    external_id: Some(format!("idp-{slot}")),
                    password: Some(password(slot)),
                };
                let service = self.service();
                service
                    .scim_authenticate(&self.scim_secret)
                    .and_then(|client| service.scim_create_user(&client, new))
                    .map(|user| self.add_slot(user.user.id))
            }
            Op::Login {
                user,
                correct_password,
            } => {
                let user = user as usize;
                if user >= users {
                    return Outcome::Skipped;
                }
                let pw = if correct_password {
                    password(user)
                } else {
                    "wrong".into()
                };
                let service = self.service();
                service
                    .login(&LoginName::Username(username(user)), &Secret::Plain(pw), Some("127.0.0.1"))
                    .and_then(|(u, token)| {
                        let caller = service.authenticate(&u.id, token.clone())?;
                        Ok((token, caller))
                    })
                    .map(|session| self.live[user].push(session))
            }
            Op::Logout { user } => {
                let user = user as usize;
                if user >= users {
                    return Outcome::Skipped;
                }
                self.caller(user)
                    .and_then(|c| self.service().logout(&c))
                    .map(|()| self.revoke(user, false))
            }
            Op::CreateRoom {
                caller,
                private,
                ref members,
            } => {
                let caller = caller as usize;
                if rooms >= crate::model::MAX_ROOMS || caller >= users {
                    return Outcome::Skipped;
                }
                let members = members
                    .iter()
                    .map(|&m| m as usize)
                    .filter(|&m| m < users)
                    .map(username)
                    .collect();
                let new = NewRoom {
                    kind: if private {
                        RoomKind::Group
                    } else {
                        RoomKind::Channel
                    },
                    name: room_name(rooms),
                    members,
                    read_only: false,
                    custom_fields: Default::default(),
                };
                self.caller(caller)
                    .and_then(|c| self.service().create_room(&c, new))
                    .map(|room| self.rooms.push(room.id))
            }
            Op::Invite {
                caller,
                room,
                target,
            }
            | Op::AddOwner {
                caller,
                room,
                target,
            }
            | Op::RemoveOwner {
                caller,
                room,
                target,
            } => {
                let (caller, room, target) = (caller as usize, room as usize, target as usize);
                if caller >= users || room >= rooms || target >= users {
                    return Outcome::Skipped;
                }
                let kind = self.room_kind(room);
                let room_ref = RoomRef::Id(self.rooms[room].clone());
                let target_ref = UserRef::Id(self.users[target].clone());
                self.caller(caller).and_then(|c| {
                    let s = self.service();
                    match op {
                        Op::Invite { .. } => s
                            .invite(&c, kind, &room_ref, std::slice::from_ref(&target_ref))
                            .map(drop),
                        Op::AddOwner { .. } => s.add_owner(&c, kind, &room_ref, &target_ref),
                        _ => s.remove_owner(&c, kind, &room_ref, &target_ref),
                    }
                })
            }
            Op::SetActive {
                caller,
                target,
                active,
                confirm,
            } => {
                let caller = caller as usize;
                if caller >= users {
                    return Outcome::Skipped;
                }
                let target = target as usize;
                let req = SetActiveStatus {
                    user_id: self.user_id(target),
                    active,
                    confirm_relinquish: confirm,
                    plan_id: None,
                };
                self.caller(caller)
                    .and_then(|c| self.service().set_active_status(&c, &req))
                    .map(|user| self.revoke_if_inactive(target, &user))
            }
            Op::LogoutEverywhere { caller, target } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users || target >= users {
                    return Outcome::Skipped;
                }
                let id = self.users[target].clone();
                self.caller(caller)
                    .and_then(|c| self.service().logout_everywhere(&c, Some(&id)))
                    .map(|_| self.revoke(target, true))
            }
            Op::UpdateUser {
                caller,
                target,
                admin,
                active,
                confirm,
            } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users {
                    return Outcome::Skipped;
                }
                let name = UserRef::Id(self.user_id(target));
                let roles = admin.map(|a| match a {
                    true => vec!["admin".to_string(), "user".to_string()],
                    false => vec!["user".to_string()],
                });
                let changes = UserChanges {
                    roles,
                    active,
                    ..UserChanges::default()
                };
                self.caller(caller)
                    .and_then(|c| self.service().update_user(&c, &name, changes, confirm, None))
                    .map(|user| self.revoke_if_inactive(target, &user))
            }
            Op::DeleteUser {
                caller,
                target,
                confirm,
            } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users {
                    return Outcome::Skipped;
                }
                let name = UserRef::Id(self.user_id(target));
                self.caller(caller)
                    .and_then(|c| self.service().delete_user(&c, &name, confirm, None))
                    .map(|()| self.revoke(target, true))
            }
            Op::DeleteOwnAccount { caller, confirm } => {
                let caller = caller as usize;
                if caller >= users {
                    return Outcome::Skipped;
                }
                let digest = sha256_hex(&password(caller));
                self.caller(caller)
                    .and_then(|c| self.service().delete_own_account(&c, &digest, confirm))
                    .map(|()| self.revoke(caller, true))
            }
            Op::ScimSetActive { target, active } => {
                let id = self.user_id(target as usize);
                let service = self.service();
                service
                    .scim_authenticate(&self.scim_secret)
                    .and_then(|client| {
                        service.scim_change_user(&client, &id, vec![ScimChange::Active(active)])
                    })
                    .map(|user| self.revoke_if_inactive(target as usize, &user.user))
            }
            Op::ScimDelete { target } => {
                let id = self.user_id(target as usize);
                let service = self.service();
                service
                    .scim_authenticate(&self.scim_secret)
                    .and_then(|client| service.scim_delete_user(&client, &id))
                    .map(|()| self.revoke(target as usize, true))
            }
            Op::DeactivateIdle { caller, days } => {
                let caller = caller as usize;
                if caller >= users {
                    return Outcome::Skipped;
                }
                let before: Vec<bool> = self.users.iter().map(|id| self.is_active(id)).collect();
                let count = self.caller(caller).and_then(|c| {
                    self.service()
                        .deactivate_idle(&c, f64::from(days), Role::User.as_str())
                });
                return match count {
                    Ok(count) => {
                        for (slot, was_active) in before.into_iter().enumerate() {
                            if was_active && !self.is_active(&self.users[slot].clone()) {
                                self.revoke(slot, true);
                            }
                        }
                        Outcome::Deactivated(count)
                    }
                    Err(e) => outcome_of(e),
                };
            }
            Op::Advance { days } => {
                self.clock.fetch_add(i64::from(days) * DAY_MS, Ordering::SeqCst);
                Ok(())
            }
            Op::AddUserToRole {
                caller,
                target,
                room,
            }
            | Op::RemoveUserFromRole {
                caller,
                target,
                room,
            } => {
                let (caller, target) = (caller as usize, target as usize);
                let room = room.map(usize::from);
                if caller >= users || target >= users || room.is_some_and(|r| r >= rooms) {
                    return Outcome::Skipped;
                }
                let (role, room) = match room {
                    None => (Role::Admin, None),
                    Some(r) => (Role::Owner, Some(self.rooms[r].clone())),
                };
                let role_id = Some(role.as_str().to_string());
                self.caller(caller).and_then(|c| {
                    let s = self.service();
                    match op {
                        Op::AddUserToRole { .. } => s.add_user_to_role(
                            &c,
                            RoleGrant {
                                user: UserRef::Username(username(target)),
                                role_id,
                                room,
                            },
                        ),
                        _ => s.remove_user_from_role(
                            &c,
                            RoleRevoke {
                                username: username(target),
                                role_id,
                                scope: room,
                            },
                        ),
                    }
                    .map(drop)
                })
            }
            Op::Kick { caller, room, .. }
            | Op::Ban { caller, room, .. }
            | Op::Unban { caller, room, .. }
            | Op::Leave { caller, room }
            | Op::Join { caller, room, .. }
            | Op::SetType { caller, room }
            | Op::Archive { caller, room, .. }
            | Op::DeleteRoom { caller, room, .. } => {
                let (caller, room) = (caller as usize, room as usize);
                if caller >= users || room >= rooms {
                    return Outcome::Skipped;
                }
                let target = match *op {
                    Op::Kick { target, .. } | Op::Ban { target, .. } | Op::Unban { target, .. } => {
                        target as usize
                    }
                    _ => caller,
                };
                if target >= users {
                    return Outcome::Skipped;
                }
                let kind = self.room_kind(room);
                let room_ref = RoomRef::Id(self.rooms[room].clone());
                let target_ref = UserRef::Id(self.users[target].clone());
                self.caller(caller).and_then(|c| {
                    let s = self.service();
                    match *op {
                        Op::Kick { .. } => s.kick(&c, kind, &room_ref, &target_ref).map(drop),
                        Op::Ban { .. } => s.ban_user(&c, &self.rooms[room], &target_ref),
                        Op::Unban { .. } => s.unban_user(&c, &self.rooms[room], &target_ref),
                        Op::Leave { .. } => s.leave(&c, Some(kind), &room_ref).map(drop),
                        Op::Join { any_kind: false, .. } => {
                            s.join_channel(&c, &room_ref, None).map(drop)
                        }
                        Op::Join { any_kind: true, .. } => {
                            s.join_room(&c, None, &room_ref, None).map(drop)
                        }
                        Op::SetType { .. } => {
                            let to = match kind {
                                RoomKind::Channel => "p",
                                RoomKind::Group => "c",
                            };
                            s.edit_room(&c, kind, &room_ref, RoomEdit::Type(to.into()))
                                .map(drop)
                        }
                        // The rooms.* routes name no family: any kind is found.
                        Op::Archive {
                            archived,
                            via_rooms,
                            ..
                        } => s.set_archived(&c, (!via_rooms).then_some(kind), &room_ref, archived),
                        Op::DeleteRoom { via_rooms, .. } => {
                            s.delete_room(&c, (!via_rooms).then_some(kind), &room_ref)
                        }
                        _ => unreachable!("only room operations reach here"),
                    }
                })
            }
            Op::CreateToken { caller, target } => {
                let (caller, target) = (caller as usize, target as usize);
                if caller >= users || target >= users {
                    return Outcome::Skipped;
                }
                let id = self.users[target].clone();
                let minted = self.caller(caller).and_then(|c| {
                    let service = self.service();
                    let (user, token) = service.create_token(&c, id.as_str(), TOKEN_SECRET)?;
                    let session = service.authenticate(&user, token.clone())?;
                    Ok((token, session))
                });
                minted.map(|session| self.live[target].push(session))
            }
        };
        match result {
            Ok(()) => Outcome::Ok,
            Err(e) => outcome_of(e),
        }
    }

    /// The kind of a room slot; a deleted room is asked for as a channel (any kind finds
    /// nothing).
    fn room_kind(&self, room: usize) -> RoomKind {
        self.store()
            .read(|tx| tx.room(&self.rooms[room]))
            .unwrap()
            .map_or(RoomKind::Channel, |r| r.kind)
    }

    fn is_active(&self, user: &UserId) -> bool {
        self.store()
            .read(|tx| tx.user(user))
            .unwrap()
            .is_some_and(|u| u.active)
    }

    /// (has an active member, has an active owner) for a room slot.
    fn room_activity(&self, room: usize) -> (bool, bool) {
        let id = &self.rooms[room];
        self.store()
            .read(|tx| crate::invariant::room_activity(tx, id))
            .unwrap()
    }

    fn slot_of(&self, id: &UserId) -> usize {
        self.users
            .iter()
            .position(|u| u == id)
            .expect("every stored user has a slot")
    }

    /// Checks the store against the model and the invariants that hold after every step.
    pub fn check(&self, model: &Model) {
        assert_eq!(self.users.len(), model.users.len(), "user count");
        assert_eq!(self.rooms.len(), model.rooms.len(), "room count");
        let mut active_admins = 0;
        let dump = self.store().dump().unwrap();
        for (slot, expected) in model.users.iter().enumerate() {
            let id = &self.users[slot];
            let stored = self.store().read(|tx| tx.user(id)).unwrap();
            if expected.deleted {
                assert!(stored.is_none(), "deleted u{slot} is still stored");
                let left = rows_naming(&dump, id.as_str());
                assert!(left.is_empty(), "deleted u{slot} left rows: {left:?}");
                assert!(self.live[slot].is_empty(), "deleted u{slot} holds a session");
                continue;
            }
            let user = stored.expect("user stored");
            assert_eq!(user.active, expected.active, "active flag of u{slot}");
            assert_eq!(
                user.has_role(Role::Admin),
                expected.admin,
                "admin role of u{slot}"
            );
            active_admins += usize::from(user.active && expected.admin);
            let hashes = self.store().read(|tx| tx.token_hashes_of(id)).unwrap();
            assert_eq!(hashes.len(), expected.sessions, "live tokens of u{slot}");
            assert_eq!(self.live[slot].len(), expected.sessions);
            if !user.active {
                assert!(hashes.is_empty(), "inactive u{slot} holds a token");
            }
            for (token, _) in &self.live[slot] {
                assert!(
                    self.service()
                        .authenticate(id, token.clone())
                        .is_ok()
                );
            }
        }
        assert!(active_admins >= 1, "no active admin remains");
        assert!(
            model.every_room_owned(),
            "the model itself broke the invariant"
        );
        for (user, token) in &self.dead {
            assert!(
                self.service()
                    .authenticate(user, token.clone())
                    .is_err(),
                "a revoked token authenticates"
            );
        }
        for (slot, expected) in model.rooms.iter().enumerate() {
            let id = &self.rooms[slot];
            let (members, owners) = self
                .store()
                .read(|tx| {
                    Ok::<_, StoreError>((tx.member_ids_in_join_order(id)?, tx.owner_ids(id)?))
                })
                .unwrap();
            let members: Vec<usize> = members.iter().map(|m| self.slot_of(m)).collect();
            let owners: BTreeSet<usize> = owners.iter().map(|o| self.slot_of(o)).collect();
            assert_eq!(
                members, expected.members,
                "members of r{slot} in join order"
            );
            assert_eq!(owners, expected.owners, "owners of r{slot}");
            let stored = self.store().read(|tx| tx.room(id)).unwrap();
            match stored {
                None => assert!(expected.deleted, "r{slot} is gone from the store"),
                Some(room) => {
                    assert!(!expected.deleted, "deleted r{slot} is still stored");
                    assert_eq!(room.archived, expected.archived, "archived flag of r{slot}");
                    assert_eq!(room.kind == RoomKind::Group, expected.private, "type of r{slot}");
                    assert_eq!(room.users_count, expected.members.len() as u64, "usersCount of r{slot}");
                }
            }
            // Archiving is two facts: each membership carries the room's and the user's cause.
            for &member in &expected.members {
                let sub = self
                    .store()
                    .read(|tx| tx.subscription(id, &self.users[member]))
                    .unwrap()
                    .expect("a member has a subscription");
                assert_eq!(sub.room_archived, expected.archived, "room cause on u{member} in r{slot}");
                assert_eq!(sub.user_archived, !model.users[member].active, "user cause on u{member} in r{slot}");
            }
        }
    }
}

/// The model's name for a service error.
fn outcome_of(error: ServiceError) -> Outcome {
    use ServiceError as E;
    match error {
        E::Unauthorized => Outcome::Unauthorized,
        E::Forbidden | E::ScimAdminProtected => Outcome::Forbidden,
        E::NotAllowed => Outcome::NotAllowed,
        E::UserNotFound => Outcome::UserNotFound,
        E::LastAdmin => Outcome::LastAdmin,
        E::LastOwner(rooms) => Outcome::LastOwner(rooms.into_iter().collect()),
        E::LoginFailed => Outcome::LoginFailed,
        E::UserNotActivated => Outcome::UserNotActivated,
        E::RoomNotFound => Outcome::RoomNotFound,
        E::NotMember => Outcome::NotMember,
        E::RoomRoleHeld(Role::Owner) => Outcome::AlreadyOwner,
        E::RoomRoleMissing(Role::Owner) => Outcome::NotOwner,
        E::RoomArchived(_) => Outcome::RoomArchived,
        E::RoomNotArchived(_) => Outcome::RoomNotArchived,
        E::EditRoomNotAllowed => Outcome::EditRoomNotAllowed,
        E::ChangeTypeNotAllowed(_) => Outcome::ChangeTypeNotAllowed,
        E::LastRoomOwner => Outcome::LastRoomOwner,
        E::EmptyInviteList => Outcome::EmptyInviteList,
        E::EditNotAllowed(_) => Outcome::EditNotAllowed,
        E::AlreadyInRole => Outcome::AlreadyInRole,
        E::NotInRole => Outcome::NotInRole,
        E::AccessPermissionsDenied => Outcome::AccessDenied,
        E::NotAuthorized => Outcome::NotAuthorized,
        E::AlreadyBanned => Outcome::AlreadyBanned,
        E::NotBanned => Outcome::NotBanned,
        E::NoBanNorMembership => Outcome::NoBanNorMembership,
        E::UserBanned => Outcome::UserBanned,
        other => Outcome::Unexpected(other.to_string()),
    }
}

/// Lowercase hex SHA-256 of `text`: what a client sends as a password digest.
fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
