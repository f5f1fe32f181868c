//! `rocketlite.ownershipPlan`: the preview of a deactivation or deletion, binding through
//! `planId`.

use serde_json::{Value, json};

use crate::common::{TestApp, forbidden};

async fn plan(app: &TestApp, user_id: &str, action: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/rocketlite.ownershipPlan?userId={user_id}&action={action}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn plan_changed() -> Value {
    json!({"success": false, "error": "The ownership plan changed: ask rocketlite.ownershipPlan again [error-plan-changed]", "errorType": "error-plan-changed"})
}

#[tokio::test]
async fn the_plan_states_what_happens_and_binds_the_change() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada_id = app.create_user("ada").await;
    let bob_id = app.create_user("bob").await;
    let hall = app.create_room("c", "hall", &olga, &["ada", "bob"]).await;
    let den = app.create_room("p", "den", &olga, &["bob"]).await;
    let (status, _) = app
        .post(
            "/api/v1/groups.addOwner",
            Some(&olga),
            json!({"roomId": den, "userId": bob_id}),
        )
        .await;
    assert_eq!(status, 200);

    let body = plan(&app, &olga.user_id, "deactivate").await;
    assert_eq!(body["lastAdminRefusal"], false);
    assert_eq!(
        body["handovers"],
        json!([{"roomId": hall, "roomName": "hall", "successorId": ada_id, "successorUsername": "ada"}])
    );
    assert_eq!(
        body["unchanged"],
        json!([{"roomId": den, "roomName": "den"}])
    );
    let id = body["planId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 64);
    assert_eq!(
        plan(&app, &olga.user_id, "deactivate").await["planId"],
        json!(id),
        "stable"
    );
    assert_ne!(
        plan(&app, &olga.user_id, "delete").await["planId"],
        json!(id)
    );

    // The facts change (ada is deactivated: bob would take the hall): the plan refuses.
    app.set_active(&app.admin, &ada_id, false, false).await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.setActiveStatus",
            Some(&app.admin),
            json!({"userId": olga.user_id, "activeStatus": false, "confirmRelinquish": true, "planId": id}),
        )
        .await;
    assert_eq!(got, (400, plan_changed()));
    let got = app
        .post(
            "/api/v1/users.update",
            Some(&app.admin),
            json!({"userId": olga.user_id, "data": {"active": false}, "confirmRelinquish": true, "planId": id}),
        )
        .await;
    assert_eq!(got, (400, plan_changed()));
    assert_eq!(app.snapshot(), before);

    // A fresh plan names bob, and the change with it does exactly that.
    let fresh = plan(&app, &olga.user_id, "deactivate").await;
    assert_eq!(fresh["handovers"][0]["successorUsername"], "bob");
    let (status, _) = app
        .post(
            "/api/v1/users.setActiveStatus",
            Some(&app.admin),
            json!({"userId": olga.user_id, "activeStatus": false, "confirmRelinquish": true, "planId": fresh["planId"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        app.owners("channels", &hall)
            .await
            .contains(&"bob".to_string())
    );
}

#[tokio::test]
async fn deletion_plans_bind_users_delete_and_the_last_admin_shows() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let admin_plan = plan(&app, &app.admin.user_id, "delete").await;
    assert_eq!(admin_plan["lastAdminRefusal"], true);

    let body = plan(&app, &olga.user_id, "delete").await;
    let id = body["planId"].as_str().unwrap().to_string();
    // A new room olga owns alone, with another member: the plan is stale.
    app.create_user("ada").await;
    app.create_room("c", "hall", &olga, &["ada"]).await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.delete",
            Some(&app.admin),
            json!({"userId": olga.user_id, "confirmRelinquish": true, "planId": id}),
        )
        .await;
    assert_eq!(got, (400, plan_changed()));
    assert_eq!(app.snapshot(), before);
    let fresh = plan(&app, &olga.user_id, "delete").await;
    let (status, _) = app
        .post(
            "/api/v1/users.delete",
            Some(&app.admin),
            json!({"userId": olga.user_id, "confirmRelinquish": true, "planId": fresh["planId"]}),
        )
        .await;
    assert_eq!(status, 200);

    let (status, body) = app
        .get(
            "/api/v1/rocketlite.ownershipPlan?userId=x&action=archive",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (status, body["errorType"].clone()),
        (400, json!("invalid-params"))
    );
    let bob = app.user_session("bob").await;
    assert_eq!(
        app.get(
            &format!(
                "/api/v1/rocketlite.ownershipPlan?userId={}&action=delete",
                bob.user_id
            ),
            Some(&bob)
        )
        .await,
        (403, forbidden())
    );
}

/// A moderator who may deactivate but not see other users' groups learns their ids, not
/// their names, as users.info hides them from the same caller; the planId is the same.
#[tokio::test]
async fn the_plan_hides_private_group_names_from_a_caller_who_may_not_see_them() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    let hall = app.create_room("c", "hall", &olga, &["ada"]).await;
    let den = app.create_room("p", "secret-den", &olga, &["ada"]).await;
    let (status, body) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "edit-other-user-active-status", "roles": ["admin", "user"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let moderator = app.user_session("mod").await;
    let (status, seen) = app
        .get(
            &format!(
                "/api/v1/rocketlite.ownershipPlan?userId={}&action=deactivate",
                olga.user_id
            ),
            Some(&moderator),
        )
        .await;
    assert_eq!(status, 200, "{seen}");
    let full = plan(&app, &olga.user_id, "deactivate").await;
    assert_eq!(seen["planId"], full["planId"]);
    let names = |body: &Value| -> Vec<(String, Value)> {
        body["handovers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["roomId"].as_str().unwrap().to_string(),
                    h["roomName"].clone(),
                )
            })
            .collect()
    };
    let sorted = |mut pairs: Vec<(String, Value)>| {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs
    };
    assert_eq!(
        sorted(names(&seen)),
        sorted(vec![
            (hall.clone(), json!("hall")),
            (den.clone(), Value::Null)
        ])
    );
    assert!(!seen.to_string().contains("secret-den"), "{seen}");
    assert_eq!(
        sorted(names(&full)),
        sorted(vec![(hall, json!("hall")), (den, json!("secret-den"))])
    );
}
