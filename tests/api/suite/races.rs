//! Clients racing each other through the real server on a loopback port: concurrent
//! deactivations, reactivations, every other way out of a room's ownership, kicks and leaves.
//! Afterwards every room with an active member has an active owner. Run on redb here, and on
//! PostgreSQL by `tests/api_postgres.rs`.

use serde_json::json;

use super::loopback::{
    Client, Race, ServerData, assert_every_room_has_an_active_owner, co_owned_rooms, start,
};
use crate::common::ADMIN_PASSWORD;

use rocketlite_testkit::http::request;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deactivations_of_co_owners_never_leave_a_room_ownerless() {
    let data = ServerData::new();
    let (addr, stop, handle) = start(&data).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;
    let second_admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;

    const ROOMS: usize = 12;
    let mut rooms = Vec::new();
    let mut owner_pairs = Vec::new();
    for i in 0..ROOMS {
        let (a, b, m) = (format!("a{i}"), format!("b{i}"), format!("m{i}"));
        let a_id = admin.create_user(&a).await;
        let b_id = admin.create_user(&b).await;
        admin.create_user(&m).await;
        let (status, body) = admin
            .post(
                "/api/v1/channels.create",
                json!({"name": format!("room{i}"), "members": [a, b, m]}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let room = body["channel"]["_id"].as_str().unwrap().to_string();
        for user in [&a_id, &b_id] {
            let (status, body) = admin
                .post(
                    "/api/v1/channels.addOwner",
                    json!({"roomId": room, "userId": user}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, _) = admin
            .post(
                "/api/v1/channels.removeOwner",
                json!({"roomId": room, "userId": admin.user_id}),
            )
            .await;
        assert_eq!(status, 200);
        rooms.push(room);
        owner_pairs.push((a_id, b_id));
    }

    // Round 1: both owners of every room at once, without confirmRelinquish.
    let mut tasks = Vec::new();
    for (a, b) in &owner_pairs {
        for (who, target) in [(&admin, a), (&second_admin, b)] {
            let (addr, uid, token, target) = (
                who.addr,
                who.user_id.clone(),
                who.token.clone(),
                target.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let client = Client {
                    addr,
                    user_id: uid,
                    token,
                };
                client
                    .post(
                        "/api/v1/users.setActiveStatus",
                        json!({"userId": target, "activeStatus": false}),
                    )
                    .await
            }));
        }
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    for pair in results.chunks(2) {
        let successes = pair.iter().filter(|(s, _)| *s == 200).count();
        assert_eq!(
            successes, 1,
            "exactly one of two competing owner deactivations wins: {pair:?}"
        );
        assert!(
            pair.iter()
                .any(|(_, b)| b["errorType"] == "user-last-owner")
        );
    }

    // Round 2: the remaining owners with confirmRelinquish, racing reactivations of the others.
    let mut tasks = Vec::new();
    for (a, b) in owner_pairs.iter().cloned() {
        for (target, active) in [(a.clone(), false), (b.clone(), false), (a, true), (b, true)] {
            let (addr, uid, token) = (admin.addr, admin.user_id.clone(), admin.token.clone());
            tasks.push(tokio::spawn(async move {
                let client = Client { addr, user_id: uid, token };
                client
                    .post("/api/v1/users.setActiveStatus", json!({"userId": target, "activeStatus": active, "confirmRelinquish": true}))
                    .await
            }));
        }
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }

    stop.send(()).unwrap();
    handle.await.unwrap();
    let store = data.open_store();
    assert_every_room_has_an_active_owner(&store, &rooms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn co_owner_churn_under_load_keeps_every_room_owned() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let data = ServerData::new();
    let (addr, stop, handle) = start(&data).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;

    // 4 shared rooms of 6 users (the admin is in none).
    let (users, rooms) = co_owned_rooms(&admin, "w", "shared", 6).await;

    let race = Race::new(&["ok", "last-owner"]);
    let mut tasks = Vec::new();
    for client in 0..8u64 {
        let (c, users, race) = (admin.clone(), users.clone(), race.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(client);
            while race.running() {
                let target = &users[rng.random_range(0..users.len())];
                let body = json!({
                    "userId": target,
                    "activeStatus": rng.random_bool(0.4),
                    "confirmRelinquish": rng.random_bool(0.1),
                });
                let (status, resp) = c.post("/api/v1/users.setActiveStatus", body).await;
                match status {
                    200 => race.count("ok"),
                    400 if resp["errorType"] == "user-last-owner" => race.count("last-owner"),
                    _ => panic!("unexpected {status}: {resp}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    race.report("churn");

    stop.send(()).unwrap();
    handle.await.unwrap();
    let store = data.open_store();
    assert_every_room_has_an_active_owner(&store, &rooms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_way_out_racing_set_active_status_keeps_every_room_owned() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let data = ServerData::new();
    let (addr, stop, handle) = start(&data).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;
    // 8 users in 4 shared rooms, each with a creator and a co-owner.
    let (users, rooms) = co_owned_rooms(&admin, "x", "race", 8).await;
    // Identity providers deprovision alongside the admins, through SCIM.
    let (_, token) = admin
        .post(
            "/api/v1/rocketlite.scimTokens.create",
            json!({"name": "race"}),
        )
        .await;
    let bearer = format!("Bearer {}", token["secret"].as_str().unwrap());

    let race = Race::new(&[
        "scim ok",
        "users.setActiveStatus ok",
        "users.update ok",
        "users.deactivateIdle ok",
        "users.delete ok",
        "roles.removeUserFromRole ok",
        "roles.addUserToRole ok",
    ]);
    let mut tasks = Vec::new();
    for client in 0..8u64 {
        let (c, users, rooms) = (admin.clone(), users.clone(), rooms.clone());
        let (bearer, race) = (bearer.clone(), race.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(100 + client);
            while race.running() {
                let pick = rng.random_range(0..users.len());
                let target = &users[pick];
                let confirm = rng.random_bool(0.3);
                // The owner role in one of the rooms, taken away or given back by username.
                let owner_role = json!({"username": format!("x{pick}"), "roleId": "owner",
                    "roomId": rooms[rng.random_range(0..rooms.len())]});
                let roll = rng.random_range(0..1000);
                if roll < 100 {
                    // Okta's form and Entra's, alternately.
                    let active = rng.random_bool(0.5);
                    let body = match roll % 2 {
                        0 => json!({"Operations": [{"op": "replace", "value": {"active": active}}]}),
                        _ => json!({"Operations": [{"op": "Replace", "path": "active",
                            "value": if active { "True" } else { "False" }}]}),
                    };
                    let path = format!("/scim/v2/Users/{target}");
                    let headers = [("Authorization", bearer.as_str())];
                    let (status, resp) = request(c.addr, "PATCH", &path, &headers, &body.to_string())
                        .await
                        .unwrap();
                    let kind = match status {
                        200 => "ok",
                        404 => "deleted",
                        _ => panic!("SCIM PATCH: unexpected {status}: {resp}"),
                    };
                    race.count(format!("scim {kind}"));
                    continue;
                }
                let (path, body) = match roll {
                    100..380 => (
                        "users.setActiveStatus",
                        json!({"userId": target, "activeStatus": rng.random_bool(0.5), "confirmRelinquish": confirm}),
                    ),
                    380..760 => (
                        "users.update",
                        json!({"userId": target, "data": {"active": rng.random_bool(0.4)}, "confirmRelinquish": confirm}),
                    ),
                    760..840 => ("users.deactivateIdle", json!({"daysIdle": 0})),
                    840..930 => {
                        let mut body = owner_role;
                        body["scope"] = body["roomId"].take();
                        body.as_object_mut().unwrap().remove("roomId");
                        ("roles.removeUserFromRole", body)
                    }
                    930..990 => ("roles.addUserToRole", owner_role),
                    // Only the co-owners x4..x7 may go for good, so the others keep racing.
                    _ => (
                        "users.delete",
                        json!({"userId": users[4 + rng.random_range(0..4)], "confirmRelinquish": confirm}),
                    ),
                };
                let (status, resp) = c.post(&format!("/api/v1/{path}"), body).await;
                let kind = match (status, resp["errorType"].as_str(), resp["error"].as_str()) {
                    (200, ..) => "ok",
                    (400, Some("user-last-owner" | "error-remove-last-owner"), _) => "last-owner",
                    (400, Some("error-user-not-in-role" | "error-user-already-in-role"), _) => {
                        "no-change"
                    }
                    (400, Some("error-invalid-user"), _) | (400, None, Some("User not found")) => {
                        "deleted"
                    }
                    _ => panic!("{path}: unexpected {status}: {resp}"),
                };
                race.count(format!("{path} {kind}"));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    race.report("every way out");
    stop.send(()).unwrap();
    handle.await.unwrap();
    let store = data.open_store();
    assert_every_room_has_an_active_owner(&store, &rooms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kicks_and_leaves_racing_deactivations_never_leave_a_room_ownerless() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    let data = ServerData::new();
    let (addr, stop, handle) = start(&data).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;
    // 8 users in 4 shared channels, each with a creator and a co-owner.
    let (users, rooms) = co_owned_rooms(&admin, "k", "kick", 8).await;

    let race = Race::new(&[
        "channels.kick ok",
        "channels.leave ok",
        "channels.join ok",
        "users.setActiveStatus ok",
        "channels.leave last-owner",
    ]);
    let mut tasks = Vec::new();
    // Two admin clients deactivate, reactivate and kick.
    for client in 0..2u64 {
        let (c, users, rooms) = (admin.clone(), users.clone(), rooms.clone());
        let race = race.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(200 + client);
            while race.running() {
                let target = &users[rng.random_range(0..users.len())];
                let room = &rooms[rng.random_range(0..rooms.len())];
                let (path, body) = match rng.random_range(0..10) {
                    0..5 => (
                        "users.setActiveStatus",
                        json!({"userId": target, "activeStatus": rng.random_bool(0.5), "confirmRelinquish": rng.random_bool(0.5)}),
                    ),
                    _ => ("channels.kick", json!({"roomId": room, "userId": target})),
                };
                let (status, resp) = c.post(&format!("/api/v1/{path}"), body).await;
                let kind = match (status, resp["errorType"].as_str()) {
                    (200, _) => "ok",
                    (400, Some("user-last-owner" | "error-you-are-last-owner")) => "last-owner",
                    (400, Some("error-user-not-in-room")) => "not-member",
                    _ => panic!("{path}: unexpected {status}: {resp}"),
                };
                race.count(format!("{path} {kind}"));
            }
        }));
    }
    // Each user leaves and joins again, logging in again after a reactivation.
    for (i, _) in users.iter().enumerate() {
        let (rooms, race) = (rooms.clone(), race.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(300 + i as u64);
            let mut me: Option<Client> = None;
            while race.running() {
                let Some(c) = me.clone() else {
                    let body = json!({"user": format!("k{i}"), "password": "pw"}).to_string();
                    let (status, resp) = request(addr, "POST", "/api/v1/login", &[], &body)
                        .await
                        .unwrap();
                    if status == 200 {
                        me = Some(Client {
                            addr,
                            user_id: resp["data"]["userId"].as_str().unwrap().into(),
                            token: resp["data"]["authToken"].as_str().unwrap().into(),
                        });
                    } else {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                    continue;
                };
                let room = &rooms[rng.random_range(0..rooms.len())];
                let path = if rng.random_bool(0.5) {
                    "channels.leave"
                } else {
                    "channels.join"
                };
                let (status, resp) = c
                    .post(&format!("/api/v1/{path}"), json!({"roomId": room}))
                    .await;
                let kind = match (status, resp["errorType"].as_str()) {
                    (200, _) => "ok",
                    (401, _) => {
                        me = None; // deactivated meanwhile: its tokens are gone
                        "logged-out"
                    }
                    (400, Some("error-you-are-last-owner")) => "last-owner",
                    (400, Some("error-user-not-in-room")) => "not-member",
                    _ => panic!("{path}: unexpected {status}: {resp}"),
                };
                race.count(format!("{path} {kind}"));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    race.report("kicks and leaves");
    stop.send(()).unwrap();
    handle.await.unwrap();
    let store = data.open_store();
    assert_every_room_has_an_active_owner(&store, &rooms);
}
