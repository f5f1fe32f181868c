//! users.setActiveStatus: every outcome of contract section 2.

use serde_json::{Value, json};

use crate::common::{TestApp, forbidden, not_logged_in};

fn last_owner(rooms: &[&str]) -> Value {
    json!({
        "success": false,
        "error": "[user-last-owner]",
        "errorType": "user-last-owner",
        "details": {
            "shouldChangeOwner": rooms,
            "shouldBeRemoved": [],
            "resolution": rocketlite::api::LAST_OWNER_RESOLUTION,
        }
    })
}

#[tokio::test]
async fn deactivating_returns_the_id_and_new_status_also_when_unchanged() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let expected = json!({"user": {"_id": ada, "active": false}, "success": true});
    assert_eq!(
        app.set_active(&app.admin, &ada, false, false).await,
        (200, expected.clone())
    );
    assert_eq!(
        app.set_active(&app.admin, &ada, false, false).await,
        (200, expected)
    );
    let expected = json!({"user": {"_id": ada, "active": true}, "success": true});
    assert_eq!(
        app.set_active(&app.admin, &ada, true, false).await,
        (200, expected.clone())
    );
    assert_eq!(
        app.set_active(&app.admin, &ada, true, false).await,
        (200, expected)
    );
}

#[tokio::test]
async fn unknown_user_is_user_not_found_without_error_type() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    for id in ["nobody", ""] {
        let got = app.set_active(&app.admin, id, false, true).await;
        assert_eq!(
            got,
            (400, json!({"success": false, "error": "User not found"})),
            "{id:?}"
        );
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn callers_without_either_permission_are_forbidden_and_change_nothing() {
    let app = TestApp::new().await;
    let bob = app.user_session("bob").await;
    let ada = app.create_user("ada").await;
    let before = app.snapshot();
    assert_eq!(
        app.set_active(&bob, &ada, false, false).await,
        (403, forbidden())
    );
    assert_eq!(
        app.set_active(&bob, "nobody", false, false).await,
        (403, forbidden())
    );
    assert_eq!(app.snapshot(), before);
    assert_eq!(
        app.post(
            "/api/v1/users.setActiveStatus",
            None,
            json!({"userId": ada, "activeStatus": false})
        )
        .await,
        (401, not_logged_in())
    );
}

/// Grants `permission` to the role `bot` only, and returns a logged-in bot.
async fn bot_holding(app: &TestApp, permission: &str) -> crate::common::Session {
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": permission, "roles": ["admin", "bot"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.create_user_with_roles("moddy", &["bot"]).await;
    app.login("moddy", "moddy-password").await
}

#[tokio::test]
async fn a_moderator_holding_only_manage_moderation_actions_succeeds() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let moderator = bot_holding(&app, "manage-moderation-actions").await;
    assert_eq!(app.set_active(&moderator, &ada, false, false).await.0, 200);
}

#[tokio::test]
async fn a_caller_holding_only_edit_other_user_active_status_succeeds() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let editor = bot_holding(&app, "edit-other-user-active-status").await;
    assert_eq!(app.set_active(&editor, &ada, false, false).await.0, 200);
}

#[tokio::test]
async fn deactivating_the_last_active_admin_is_refused() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let (status, body) = app
        .set_active(&app.admin, &app.admin.user_id, false, true)
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "success": false,
            "error": "Leaving the app without an active admin is not allowed [error-action-not-allowed]",
            "errorType": "error-action-not-allowed",
            "details": {"method": "removeUserFromRole", "action": "Remove_last_admin"}
        })
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn an_admin_can_go_while_another_active_admin_remains_and_an_inactive_admin_never_trips_the_guard()
 {
    let app = TestApp::new().await;
    let second = app.create_user_with_roles("root", &["admin"]).await;
    assert_eq!(
        app.set_active(&app.admin, &second, false, false).await.0,
        200
    );
    // `root` is already inactive: "deactivating" it again is not the last-admin case.
    assert_eq!(
        app.set_active(&app.admin, &second, false, false).await.0,
        200
    );
    // With `root` inactive, the bootstrap admin is now the last active one.
    assert_eq!(
        app.set_active(&app.admin, &app.admin.user_id, false, false)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn the_last_owner_without_confirm_is_refused_naming_the_rooms_and_nothing_changes() {
    let app = TestApp::new().await;
    let owner = app.user_session("olga").await;
    app.create_user("ada").await;
    let general = app.create_room("c", "general", &owner, &["ada"]).await;
    app.create_room("p", "secret", &owner, &["ada"]).await;
    // A room where olga is alone neither blocks nor is listed.
    app.create_room("c", "solo", &owner, &[]).await;
    let before = app.snapshot();
    let (status, mut body) = app
        .set_active(&app.admin, &owner.user_id, false, false)
        .await;
    assert_eq!(status, 400);
    body["details"]["shouldChangeOwner"]
        .as_array_mut()
        .unwrap()
        .sort_by_key(|v| v.to_string());
    assert_eq!(body, last_owner(&["general", "secret"]));
    assert_eq!(
        app.snapshot(),
        before,
        "users, tokens, owners and subscriptions unchanged"
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&owner)).await.0,
        200,
        "the token still works"
    );
    assert_eq!(app.owners("channels", &general).await, vec!["olga"]);
}

#[tokio::test]
async fn confirm_relinquish_hands_each_room_to_its_earliest_joined_active_member() {
    let app = TestApp::new().await;
    let owner = app.user_session("olga").await;
    let first = app.create_user("first").await;
    app.create_user("second").await;
    app.create_user("third").await;
    let general = app
        .create_room("c", "general", &owner, &["first", "second", "third"])
        .await;
    let secret = app
        .create_room("p", "secret", &owner, &["third", "second"])
        .await;
    // The earliest member of general is inactive, so the next one takes over.
    assert_eq!(
        app.set_active(&app.admin, &first, false, false).await.0,
        200
    );

    let (status, body) = app
        .set_active(&app.admin, &owner.user_id, false, true)
        .await;
    assert_eq!(
        (status, &body["user"]["active"]),
        (200, &json!(false)),
        "{body}"
    );
    // The deactivated owner keeps its role, as in Rocket.Chat.
    assert_eq!(
        app.owners("channels", &general).await,
        vec!["olga", "second"]
    );
    assert_eq!(app.owners("groups", &secret).await, vec!["olga", "third"]);
}

#[tokio::test]
async fn an_inactive_co_owner_does_not_count_as_a_remaining_owner() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let pete = app.create_user("pete").await;
    app.create_user("ada").await;
    let room = app
        .create_room("c", "general", &olga, &["pete", "ada"])
        .await;
    app.post(
        "/api/v1/channels.addOwner",
        Some(&olga),
        json!({"roomId": room, "userId": pete}),
    )
    .await;
    assert_eq!(
        app.set_active(&app.admin, &pete, false, false).await.0,
        200,
        "olga is still an active owner"
    );
    let got = app
        .set_active(&app.admin, &olga.user_id, false, false)
        .await;
    assert_eq!(got, (400, last_owner(&["general"])));
    assert_eq!(
        app.set_active(&app.admin, &olga.user_id, false, true)
            .await
            .0,
        200
    );
    assert_eq!(
        app.owners("channels", &room).await,
        vec!["ada", "olga", "pete"]
    );
}

#[tokio::test]
async fn an_active_co_owner_means_no_handover_and_no_refusal() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let pete = app.create_user("pete").await;
    app.create_user("ada").await;
    let room = app
        .create_room("c", "general", &olga, &["ada", "pete"])
        .await;
    app.post(
        "/api/v1/channels.addOwner",
        Some(&olga),
        json!({"roomId": room, "userId": pete}),
    )
    .await;
    assert_eq!(
        app.set_active(&app.admin, &olga.user_id, false, false)
            .await
            .0,
        200
    );
    assert_eq!(app.owners("channels", &room).await, vec!["olga", "pete"]);
}

#[tokio::test]
async fn a_room_without_another_active_member_neither_blocks_nor_changes() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.create_user("ada").await;
    let room = app.create_room("p", "quiet", &olga, &["ada"]).await;
    assert_eq!(app.set_active(&app.admin, &ada, false, false).await.0, 200);
    assert_eq!(
        app.set_active(&app.admin, &olga.user_id, false, false)
            .await
            .0,
        200
    );
    assert_eq!(app.owners("groups", &room).await, vec!["olga"]);
    let (status, _) = app
        .get(
            &format!("/api/v1/rooms.info?roomId={room}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "the room is never deleted");
}

#[tokio::test]
async fn deactivation_revokes_every_token_and_reactivation_restores_none() {
    let app = TestApp::new().await;
    let first = app.user_session("ada").await;
    let second = app.login("ada", "ada-password").await;
    assert_eq!(
        app.set_active(&app.admin, &first.user_id, false, false)
            .await
            .0,
        200
    );
    for session in [&first, &second] {
        assert_eq!(
            app.get("/api/v1/me", Some(session)).await,
            (401, not_logged_in())
        );
    }
    let dump = app.snapshot().join("\n");
    assert!(
        !dump.contains(
            &rocketlite::model::LoginToken::from_client(first.token.clone())
                .hash()
                .0
        )
    );
    let got = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "ada", "password": "ada-password"}),
        )
        .await;
    assert_eq!(
        got,
        (
            401,
            json!({"success": false, "status": "error", "error": "error-user-is-not-activated", "message": "User is not activated"})
        )
    );
    assert_eq!(
        app.set_active(&app.admin, &first.user_id, true, false)
            .await
            .0,
        200
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&first)).await,
        (401, not_logged_in())
    );
    let fresh = app.login("ada", "ada-password").await;
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.0, 200);
}

#[tokio::test]
async fn subscriptions_are_archived_on_deactivation_and_unarchived_on_reactivation() {
    let app = TestApp::new().await;
    let ada_id = app.create_user("ada").await;
    let room = app.create_room("c", "general", &app.admin, &["ada"]).await;
    let archived = |app: &TestApp| {
        let room = room.clone();
        let ada_id = ada_id.clone();
        let store = app.service.store();
        store
            .read(|tx| {
                tx.subscription(
                    &rocketlite::model::RoomId(room.clone()),
                    &rocketlite::model::UserId(ada_id.clone()),
                )
            })
            .unwrap()
            .unwrap()
            .archived()
    };
    assert!(!archived(&app));
    app.set_active(&app.admin, &ada_id, false, false).await;
    assert!(archived(&app));
    app.set_active(&app.admin, &ada_id, true, false).await;
    assert!(!archived(&app));
    let ada = app.login("ada", "ada-password").await;
    let (_, body) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&ada),
        )
        .await;
    assert_eq!(body["subscription"]["archived"], false);
}
