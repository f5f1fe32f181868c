//! A request authenticated before its caller's deactivation or logout committed must not act
//! on that stale copy: every write use case re-reads its caller inside its own transaction.

use std::sync::Arc;

use rocketlite::model::{RoomId, RoomKind, UserId};
use rocketlite::service::{Caller, NewRoom, NewUser, Service, ServiceError, SetActiveStatus};
use serde_json::json;

use super::loopback::{Client, ServerData, assert_every_room_has_an_active_owner, start};
use crate::common::{ADMIN_PASSWORD, new_user, service_login, service_over};

/// Every write use case, run as `caller`.
fn write_use_cases(
    service: &Service,
    caller: &Caller,
    room: &RoomId,
    target: &UserId,
) -> Vec<(&'static str, Result<(), ServiceError>)> {
    vec![
        (
            "users.setActiveStatus (self-reactivation)",
            service
                .set_active_status(
                    caller,
                    &SetActiveStatus {
                        user_id: caller.user.id.clone(),
                        active: true,
                        confirm_relinquish: false,
                        plan_id: None,
                    },
                )
                .map(drop),
        ),
        (
            "users.setActiveStatus (another user)",
            service
                .set_active_status(
                    caller,
                    &SetActiveStatus {
                        user_id: target.clone(),
                        active: false,
                        confirm_relinquish: true,
                        plan_id: None,
                    },
                )
                .map(drop),
        ),
        (
            "channels.create",
            service
                .create_room(
                    caller,
                    NewRoom {
                        kind: RoomKind::Channel,
                        name: "stale-room".into(),
                        members: vec!["target".into()],
                        read_only: false,
                        custom_fields: Default::default(),
                    },
                )
                .map(drop),
        ),
        (
            "channels.invite",
            service
                .invite(
                    caller,
                    RoomKind::Channel,
                    &room.clone().into(),
                    &[target.clone().into()],
                )
                .map(drop),
        ),
        (
            "channels.addOwner",
            service.add_owner(
                caller,
                RoomKind::Channel,
                &room.clone().into(),
                &target.clone().into(),
            ),
        ),
        (
            "channels.removeOwner",
            service.remove_owner(
                caller,
                RoomKind::Channel,
                &room.clone().into(),
                &caller.user.id.clone().into(),
            ),
        ),
        (
            "users.create",
            service
                .create_user(
                    caller,
                    NewUser {
                        email: "fresh@example.org".into(),
                        name: "fresh".into(),
                        password: "fresh-password".into(),
                        username: "fresh".into(),
                        active: true,
                        roles: vec!["admin".into()],
                        verified: false,
                        join_default_channels: true,
                        custom_fields: None,
                    },
                )
                .map(drop),
        ),
        (
            "permissions.update",
            service
                .update_permissions(caller, &[("create-c".into(), vec!["user".into()])])
                .map(drop),
        ),
        ("logout", service.logout(caller)),
    ]
}

/// An admin `boss` who owns a channel with `target` and `other`, logged in; returns the
/// service, boss's caller resolved now, the room and target's id.
fn arrange() -> (Arc<Service>, Caller, RoomId, UserId) {
    let service = service_over(crate::common::test_store());
    let admin = service_login(&service, "admin", ADMIN_PASSWORD);
    let mut ids = Vec::new();
    for (name, roles) in [
        ("boss", vec!["admin", "user"]),
        ("target", vec!["user"]),
        ("other", vec!["user"]),
    ] {
        let user = service.create_user(&admin, new_user(name, &roles)).unwrap();
        ids.push(user.id);
    }
    let boss = service_login(&service, "boss", "boss-password");
    let room = service
        .create_room(
            &boss,
            NewRoom {
                kind: RoomKind::Channel,
                name: "boss-room".into(),
                members: vec!["other".into()],
                read_only: false,
                custom_fields: Default::default(),
            },
        )
        .unwrap();
    (service, boss, room.id, ids[1].clone())
}

/// Runs every write use case as `caller`: each must be refused as unauthorized, and the
/// store must be exactly as it was.
fn every_write_is_refused(
    service: &Service,
    caller: &Caller,
    room: &RoomId,
    target: &UserId,
    why: &str,
) {
    let before = service.store().dump().unwrap();
    for (name, result) in write_use_cases(service, caller, room, target) {
        assert!(
            matches!(result, Err(ServiceError::Unauthorized)),
            "{name} ran for {why}: {result:?}"
        );
        assert_eq!(service.store().dump().unwrap(), before, "{name} wrote");
    }
}

#[test]
fn a_caller_deactivated_after_authentication_is_refused_by_every_write_and_nothing_changes() {
    let (service, boss, room, target) = arrange();
    let admin = service_login(&service, "admin", ADMIN_PASSWORD);
    service
        .set_active_status(
            &admin,
            &SetActiveStatus {
                user_id: boss.user.id.clone(),
                active: false,
                confirm_relinquish: true,
                plan_id: None,
            },
        )
        .unwrap();
    every_write_is_refused(&service, &boss, &room, &target, "a deactivated caller");
}

#[test]
fn a_caller_whose_token_was_revoked_after_authentication_is_refused_and_nothing_changes() {
    let (service, boss, room, target) = arrange();
    // The same token, used by a request that was authenticated before the logout committed.
    service.logout(&boss.clone()).unwrap();
    every_write_is_refused(&service, &boss, &room, &target, "a revoked token");
}

#[test]
fn a_fresh_caller_still_passes_every_write() {
    // The control for the two tests above: the same calls from a live caller do run.
    let (service, boss, room, target) = arrange();
    let refused: Vec<_> = write_use_cases(&service, &boss, &room, &target)
        .into_iter()
        .filter(|(_, r)| matches!(r, Err(ServiceError::Unauthorized)))
        .map(|(name, _)| name)
        .collect();
    assert!(refused.is_empty(), "refused for a live caller: {refused:?}");
}

/// The attack of the issue, over loopback HTTP: a victim races its own deactivation with
/// self-reactivations, and with channel creations. Prints what it measured.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_a_deactivation_with_the_victims_own_writes_never_wins() {
    const ROUNDS: usize = 10;
    let data = ServerData::new();
    let (addr, stop, handle) = start(&data).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;
    let (mut still_active, mut reactivations_ok, mut rooms_created) = (0, 0, 0);
    let mut rooms = Vec::new();
    for round in 0..ROUNDS {
        // A second admin deactivated while sending 8 self-reactivations.
        let name = format!("victim{round}");
        let victim_id = admin
            .create_user_with_roles(&name, &["admin", "user"])
            .await;
        let victim = Client::login(addr, &name, "pw").await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let victim = victim.clone();
            let body = json!({"userId": victim.user_id, "activeStatus": true});
            tasks.push(tokio::spawn(async move {
                victim.post("/api/v1/users.setActiveStatus", body).await
            }));
        }
        let (status, body) = admin
            .post(
                "/api/v1/users.setActiveStatus",
                json!({"userId": victim_id, "activeStatus": false}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for task in tasks {
            reactivations_ok += usize::from(task.await.unwrap().0 == 200);
        }
        let (_, info) = admin
            .get(&format!("/api/v1/users.info?userId={victim_id}"))
            .await;
        still_active += usize::from(info["user"]["active"] == json!(true));

        // A plain user deactivated with confirmRelinquish while creating 12 channels.
        let (owner, member) = (format!("owner{round}"), format!("member{round}"));
        let owner_id = admin.create_user(&owner).await;
        admin.create_user(&member).await;
        let creator = Client::login(addr, &owner, "pw").await;
        let mut tasks = Vec::new();
        for i in 0..12 {
            let creator = creator.clone();
            let body = json!({"name": format!("r{round}-{i}"), "members": [member]});
            tasks.push(tokio::spawn(async move {
                creator.post("/api/v1/channels.create", body).await
            }));
        }
        let (status, body) = admin
            .post(
                "/api/v1/users.setActiveStatus",
                json!({"userId": owner_id, "activeStatus": false, "confirmRelinquish": true}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        for task in tasks {
            let (status, body) = task.await.unwrap();
            if status == 200 {
                rooms_created += 1;
                rooms.push(body["channel"]["_id"].as_str().unwrap().to_string());
            }
        }
    }
    eprintln!(
        "stale-caller race, {ROUNDS} rounds: victim still active after its deactivation in \
         {still_active}; {reactivations_ok} of {} self-reactivations answered 200 (each before \
         the deactivation committed); {rooms_created} of {} channels created",
        ROUNDS * 8,
        ROUNDS * 12
    );
    assert_eq!(still_active, 0, "a deactivated admin reactivated himself");
    stop.send(()).unwrap();
    handle.await.unwrap();
    let store = data.open_store();
    assert_every_room_has_an_active_owner(&store, &rooms);
}
