//! `rocketlite.audit`: every lifecycle change leaves one entry, written with the change; a
//! refusal or a no-op leaves none.

use serde_json::{Value, json};

use crate::common::{TestApp, forbidden};

async fn trail(app: &TestApp, query: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/rocketlite.audit{query}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn actions(body: &Value) -> Vec<String> {
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_deactivation_with_handovers_is_recorded_with_its_successors() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada_id = app.create_user("ada").await;
    let hall = app.create_room("c", "hall", &olga, &["ada"]).await;
    let den = app.create_room("p", "den", &olga, &["ada"]).await;
    let before = trail(&app, "").await["total"].as_u64().unwrap();

    // Refused without confirmRelinquish: nothing recorded.
    let (status, _) = app
        .set_active(&app.admin, &olga.user_id, false, false)
        .await;
    assert_eq!(status, 400);
    assert_eq!(trail(&app, "").await["total"], before);

    let (status, _) = app.set_active(&app.admin, &olga.user_id, false, true).await;
    assert_eq!(status, 200);
    let body = trail(&app, "").await;
    let new = body["total"].as_u64().unwrap() - before;
    assert_eq!(new, 3, "one deactivation and two ownerships: {body}");
    let entries = &body["entries"];
    // Newest first: the handovers were written after the deactivation entry.
    assert_eq!(
        actions(&body)[..3],
        ["room.owner.add", "room.owner.add", "user.deactivate"]
    );
    let deactivation = &entries[2];
    assert_eq!(
        deactivation["actor"],
        json!({"type": "user", "id": app.admin.user_id})
    );
    assert_eq!(deactivation["userId"], json!(olga.user_id));
    assert_eq!(deactivation["before"], json!({"active": true}));
    assert_eq!(deactivation["after"]["inactiveReason"], "deactivated");
    let mut handed: Vec<(String, String)> = deactivation["after"]["handovers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["roomName"].as_str().unwrap().into(),
                h["successorId"].as_str().unwrap().into(),
            )
        })
        .collect();
    handed.sort();
    assert_eq!(
        handed,
        [
            ("den".into(), ada_id.clone()),
            ("hall".into(), ada_id.clone())
        ]
    );
    let rooms: Vec<&Value> = entries.as_array().unwrap()[..2]
        .iter()
        .map(|e| &e["roomId"])
        .collect();
    assert!(rooms.contains(&&json!(hall)) && rooms.contains(&&json!(den)));
    assert_eq!(entries[0]["userId"], json!(ada_id));

    // A no-op records nothing: olga is inactive already.
    let (status, _) = app.set_active(&app.admin, &olga.user_id, false, true).await;
    assert_eq!(status, 200);
    assert_eq!(trail(&app, "").await["total"], body["total"]);

    // Filters: by the user an entry is about, by action, by actor.
    let about_olga = trail(&app, &format!("?userId={}", olga.user_id)).await;
    assert_eq!(
        actions(&about_olga),
        [
            "user.deactivate",
            "room.create",
            "room.create",
            "user.create"
        ]
    );
    let activations = trail(&app, "?action=user.activate").await;
    assert_eq!(activations["total"], 0);
    // Creating a room makes its creator the owner: olga's two rooms.
    let by_olga = trail(&app, &format!("?actorId={}", olga.user_id)).await;
    assert_eq!(actions(&by_olga), ["room.create", "room.create"]);
    assert_eq!(by_olga["entries"][1]["roomId"], json!(hall));
    assert_eq!(
        by_olga["entries"][1]["after"],
        json!({"name": "hall", "t": "c", "owner": "olga"})
    );
    let by_admin = trail(&app, &format!("?actorId={}&count=3", app.admin.user_id)).await;
    assert_eq!(
        actions(&by_admin),
        ["room.owner.add", "room.owner.add", "user.deactivate"]
    );
}

#[tokio::test]
async fn updates_roles_ownership_and_deletions_are_recorded_and_only_admins_read_them() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada_id = app.create_user("ada").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;

    let (status, _) = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": ada_id, "data": {"name": "Ada L", "password": "new-secret"}}),
        )
        .await;
    assert_eq!(status, 200);
    let body = trail(&app, &format!("?userId={ada_id}&action=user.update")).await;
    let update = &body["entries"][0];
    assert_eq!(
        update["before"],
        json!({"name": "ada", "password": "(hidden)"})
    );
    assert_eq!(
        update["after"],
        json!({"name": "Ada L", "password": "(changed)"})
    );

    let (status, _) = app
        .post(
            "/api/v1/roles.addUserToRole",
            Some(&app.admin),
            json!({"username": "ada", "roleId": "bot"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            "/api/v1/channels.addOwner",
            Some(&olga),
            json!({"roomId": room, "userId": ada_id}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            "/api/v1/channels.delete",
            Some(&olga),
            json!({"roomId": room}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            "/api/v1/users.delete",
            Some(&app.admin),
            json!({"userId": ada_id}),
        )
        .await;
    assert_eq!(status, 200);
    let recent = trail(&app, "?count=4").await;
    assert_eq!(
        actions(&recent),
        [
            "user.delete",
            "room.delete",
            "room.owner.add",
            "user.role.add"
        ]
    );
    assert_eq!(recent["entries"][1]["before"]["name"], "hall");
    assert_eq!(recent["entries"][2]["actor"]["id"], json!(olga.user_id));
    assert_eq!(
        recent["entries"][3]["after"],
        json!({"roles": ["user", "bot"]})
    );
    assert_eq!(recent["count"], 4);

    let (status, bad) = app
        .get("/api/v1/rocketlite.audit?since=yesterday", Some(&app.admin))
        .await;
    assert_eq!(
        (status, bad["errorType"].clone()),
        (400, json!("error-since-param-invalid"))
    );
    let later = trail(&app, "?since=2100-01-01T00:00:00Z").await;
    assert_eq!(later["total"], 0);
    assert_eq!(
        app.get("/api/v1/rocketlite.audit", Some(&olga)).await,
        (403, forbidden())
    );
}

#[tokio::test]
async fn retention_prunes_only_entries_older_than_the_window() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let now = Arc::new(AtomicI64::new(1_764_000_000_000));
    let clock = {
        let now = Arc::clone(&now);
        Arc::new(move || now.load(Ordering::SeqCst)) as rocketlite::service::Clock
    };
    let service = rocketlite::service::Service::new(
        crate::common::test_store(),
        clock,
        Box::new(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7)),
    );
    service.seed_permissions().unwrap();
    service
        .bootstrap_admin(&rocketlite::service::AdminSeed {
            username: "admin".into(),
            password: Some("pw".into()),
            email: None,
            name: "Admin".into(),
        })
        .unwrap();
    let entries =
        |s: &rocketlite::service::Service| s.store().read(|tx| tx.audit_entries()).unwrap();
    assert_eq!(entries(&service).len(), 1, "the bootstrap admin's creation");
    // Three days later a sign-up; with a two-day window only the old entry goes.
    now.fetch_add(3 * DAY, Ordering::SeqCst);
    service
        .register_user(rocketlite::service::Registration {
            username: "ada".into(),
            email: "ada@example.org".into(),
            password: "ada-password".into(),
            name: Some("Ada".into()),
            custom_fields: None,
        })
        .unwrap();
    assert_eq!(entries(&service).len(), 2);
    assert_eq!(service.prune_audit(Some(2), None, 100).unwrap(), 1);
    let left = entries(&service);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].action, "user.create");
    assert_eq!(
        left[0].actor,
        rocketlite::model::Actor::User(left[0].user_id.clone().unwrap())
    );
    assert_eq!(service.prune_audit(Some(2), None, 100).unwrap(), 0);
}

/// Every security-relevant change leaves an entry: a permission's roles, another user's
/// sessions ended, a login token minted for a user, the default channel the server created.
/// A no-op leaves none.
#[tokio::test]
async fn permission_changes_forced_logouts_and_minted_tokens_are_recorded() {
    let app = TestApp::with_token_secret("mint").await;
    let ada_id = app.create_user("ada").await;
    let ada = app.login("ada", "ada-password").await;
    app.service.ensure_default_channel().unwrap();
    let general = trail(&app, "?action=room.create").await;
    assert_eq!(general["entries"][0]["actor"], json!({"type": "server"}));
    assert_eq!(general["entries"][0]["roomId"], json!("GENERAL"));

    let grant = json!({"permissions": [{"_id": "create-c", "roles": ["admin"]}]});
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            grant.clone(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let updates = trail(&app, "?action=permission.update").await;
    assert_eq!(updates["total"], 1, "{updates}");
    assert_eq!(
        updates["entries"][0]["after"],
        json!({"permission": "create-c", "roles": ["admin"]})
    );
    assert_eq!(
        updates["entries"][0]["actor"],
        json!({"type": "user", "id": app.admin.user_id})
    );
    // The same roles again: nothing to record.
    app.post("/api/v1/permissions.update", Some(&app.admin), grant)
        .await;
    assert_eq!(trail(&app, "?action=permission.update").await["total"], 1);

    let (status, body) = app
        .post(
            "/api/v1/users.createToken",
            Some(&app.admin),
            json!({"userId": ada_id, "secret": "mint"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let minted = trail(&app, "?action=user.token.create").await;
    assert_eq!(minted["entries"][0]["userId"], json!(ada_id));
    assert!(
        !minted
            .to_string()
            .contains(body["data"]["authToken"].as_str().unwrap())
    );

    // Logging oneself out is not recorded; ending another user's sessions is.
    let (status, _) = app.post("/api/v1/logout", Some(&ada), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(trail(&app, "?action=user.logout").await["total"], 0);
    let (status, body) = app
        .post(
            "/api/v1/users.logout",
            Some(&app.admin),
            json!({"userId": ada_id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let forced = trail(&app, "?action=user.logout").await;
    assert_eq!(forced["total"], 1);
    assert_eq!(forced["entries"][0]["userId"], json!(ada_id));
}

/// The trail is listed a batch at a time (pages across batch boundaries come out whole and
/// in order), and the bound keeps only the newest entries.
#[tokio::test]
async fn long_trails_page_across_batches_and_the_bound_keeps_the_newest() {
    use rocketlite::model::{Actor, AuditEntry};
    let app = TestApp::new().await;
    let base = trail(&app, "").await["total"].as_u64().unwrap();
    app.service
        .store()
        .write(|tx| {
            for i in 0..2500u64 {
                tx.append_audit(AuditEntry {
                    seq: 0,
                    at: i as i64,
                    actor: Actor::Server,
                    action: if i % 2 == 0 { "test.even" } else { "test.odd" }.into(),
                    user_id: None,
                    room_id: None,
                    before: json!(null),
                    after: json!({"i": i}),
                })?;
            }
            Ok::<(), rocketlite::store::StoreError>(())
        })
        .unwrap();
    let numbers = |body: &Value| -> Vec<u64> {
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["after"]["i"].as_u64())
            .collect()
    };
    let all = trail(&app, "?count=0").await;
    assert_eq!(all["total"].as_u64().unwrap(), base + 2500);
    assert_eq!(numbers(&all)[..3], [2499, 2498, 2497]);
    // Odd ones from the 600th on: they straddle the store's batches of 1,000.
    let odd = trail(&app, "?action=test.odd&offset=600&count=100").await;
    assert_eq!(odd["total"], 1250);
    let expected: Vec<u64> = (0..100).map(|k| 2499 - 2 * (600 + k)).collect();
    assert_eq!(numbers(&odd), expected);

    assert_eq!(app.service.prune_audit(None, Some(1000), 600).unwrap(), 600);
    let left = (base + 2500 - 600) as usize - 1000;
    assert_eq!(
        app.service.prune_audit(None, Some(1000), 5000).unwrap(),
        left
    );
    assert_eq!(app.service.prune_audit(None, Some(1000), 5000).unwrap(), 0);
    let kept = trail(&app, "?count=0").await;
    assert_eq!(kept["total"], 1000);
    assert_eq!(numbers(&kept)[0], 2499);
    assert_eq!(*numbers(&kept).last().unwrap(), 1500);
}
