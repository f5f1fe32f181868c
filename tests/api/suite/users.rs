//! users.create, users.info and users.list.

use serde_json::json;

use crate::common::{TestApp, forbidden};

#[tokio::test]
async fn create_returns_the_rocket_chat_user_shape() {
    let app = TestApp::new().await;
    let (status, body) = app
        .post(
            "/api/v1/users.create",
            Some(&app.admin),
            json!({"username": "ada", "email": "ada@example.org", "name": "Ada", "password": "pw", "verified": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let user = &body["user"];
    assert_eq!(user["_id"].as_str().unwrap().len(), 17);
    assert_eq!(user["username"], "ada");
    assert_eq!(user["name"], "Ada");
    assert_eq!(
        user["emails"],
        json!([{"address": "ada@example.org", "verified": true}])
    );
    assert_eq!(user["active"], true);
    assert_eq!(user["roles"], json!(["user"]));
    assert_eq!(user["type"], "user");
    assert_eq!(body["success"], true);
    app.login("ada", "pw").await;
}

#[tokio::test]
async fn create_needs_the_create_user_permission_and_changes_nothing_without_it() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    let got = app
        .post(
            "/api/v1/users.create",
            Some(&ada),
            json!({"username": "bob", "email": "bob@example.org", "name": "Bob", "password": "pw"}),
        )
        .await;
    assert_eq!(got, (403, forbidden()));
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn taken_username_or_email_is_error_field_unavailable() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let before = app.snapshot();
    for (username, email, taken) in [
        ("ADA", "other@example.org", "ADA"),
        ("other", "Ada@Example.org", "Ada@Example.org"),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/users.create",
                Some(&app.admin),
                json!({"username": username, "email": email, "name": "x", "password": "pw"}),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(
            body["error"],
            format!("{taken} is already in use :( [error-field-unavailable]")
        );
        assert_eq!(body["errorType"], "error-field-unavailable");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn invalid_username_email_and_roles_are_refused() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let cases = [
        (
            json!({"username": "a b", "email": "ab@example.org", "name": "x", "password": "pw"}),
            "error-input-is-not-a-valid-field",
        ),
        (
            json!({"username": "ab", "email": "not-an-email", "name": "x", "password": "pw"}),
            "error-invalid-email",
        ),
        (
            json!({"username": "ab", "email": "ab@example.org", "name": "", "password": "pw"}),
            "error-the-field-is-required",
        ),
        (
            // Rocket.Chat's validateUserData: "The field Roles consist invalid role id".
            json!({"username": "ab", "email": "ab@example.org", "name": "x", "password": "pw", "roles": ["emperor"]}),
            "error-action-not-allowed",
        ),
    ];
    for (body, code) in cases {
        let (status, resp) = app
            .post("/api/v1/users.create", Some(&app.admin), body)
            .await;
        assert_eq!(
            (status, resp["errorType"].as_str()),
            (400, Some(code)),
            "{resp}"
        );
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn info_finds_by_id_or_username_and_hides_emails_from_others() {
    let app = TestApp::new().await;
    let ada_id = app.create_user("ada").await;
    let bob = app.user_session("bob").await;
    let (status, body) = app
        .get(
            &format!("/api/v1/users.info?userId={ada_id}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["username"], "ada");
    assert_eq!(body["user"]["emails"][0]["address"], "ada@example.org");
    let (status, body) = app.get("/api/v1/users.info?username=ada", Some(&bob)).await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["_id"], ada_id.as_str());
    assert!(body["user"].get("emails").is_none(), "{body}");
    let (status, body) = app.get("/api/v1/users.info?username=bob", Some(&bob)).await;
    assert_eq!(status, 200);
    assert!(body["user"]["emails"].is_array());
}

#[tokio::test]
async fn info_of_an_unknown_user_is_user_not_found_with_a_dot() {
    let app = TestApp::new().await;
    let got = app
        .get("/api/v1/users.info?userId=nobody", Some(&app.admin))
        .await;
    assert_eq!(
        got,
        (400, json!({"success": false, "error": "User not found."}))
    );
}

#[tokio::test]
async fn list_includes_inactive_users_and_pages() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    app.create_user("bob").await;
    assert_eq!(app.set_active(&app.admin, &ada, false, false).await.0, 200);
    let (status, body) = app
        .get("/api/v1/users.list?offset=0&count=1", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 3);
    assert_eq!(body["count"], 1);
    assert_eq!(body["offset"], 0);
    assert_eq!(body["users"][0]["username"], "ada");
    assert_eq!(body["users"][0]["active"], false);
    let (_, all) = app.get("/api/v1/users.list", Some(&app.admin)).await;
    let names: Vec<_> = all["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("ada"), json!("admin"), json!("bob")]);
}

#[tokio::test]
async fn over_long_fields_and_lists_are_refused_before_anything_is_stored() {
    let app = TestApp::new().await;
    let before = app.snapshot();
    let huge = "a".repeat(1000 * 1000);
    let base =
        json!({"username": "ada", "email": "ada@example.org", "name": "Ada", "password": "pw"});
    for (field, value, message) in [
        (
            "username",
            json!("a".repeat(81)),
            "/username must NOT have more than 80 characters",
        ),
        (
            "username",
            json!(huge),
            "/username must NOT have more than 80 characters",
        ),
        (
            "name",
            json!("n".repeat(121)),
            "/name must NOT have more than 120 characters",
        ),
        (
            "email",
            json!(format!("{}@example.org", "e".repeat(250))),
            "/email must NOT have more than 254 characters",
        ),
        (
            "password",
            json!("p".repeat(1025)),
            "/password must NOT have more than 1024 bytes",
        ),
        (
            "roles",
            json!(vec!["user"; 33]),
            "/roles must NOT have more than 32 items",
        ),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let (status, resp) = app
            .post("/api/v1/users.create", Some(&app.admin), body)
            .await;
        assert_eq!(status, 400, "{field}: {resp}");
        assert_eq!(resp, crate::common::invalid_params(message), "{field}");
        assert!(resp.to_string().len() < 500, "the value is echoed back");
        assert_eq!(app.snapshot(), before, "{field} changed the store");
    }
    // At the bounds, and with duplicate roles, which are stored once.
    let mut body = base.clone();
    body["username"] = json!("a".repeat(80));
    body["name"] = json!("é".repeat(120));
    body["roles"] = json!(["user", "bot", "user"]);
    let (status, resp) = app
        .post("/api/v1/users.create", Some(&app.admin), body)
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["user"]["roles"], json!(["user", "bot"]));
}

#[tokio::test]
async fn over_long_room_names_and_member_lists_are_refused() {
    let app = TestApp::new().await;
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    for (body, message) in [
        (
            json!({"name": "r".repeat(81)}),
            "/name must NOT have more than 80 characters",
        ),
        (
            json!({"name": "room", "members": vec!["ada"; 1001]}),
            "/members must NOT have more than 1000 items",
        ),
    ] {
        let (status, resp) = app.post("/api/v1/channels.create", Some(&ada), body).await;
        assert_eq!(status, 400, "{resp}");
        assert_eq!(resp, crate::common::invalid_params(message));
        assert_eq!(app.snapshot(), before);
    }
    let (status, resp) = app
        .post(
            "/api/v1/groups.create",
            Some(&ada),
            json!({"name": "r".repeat(80), "members": vec!["ada"; 1000]}),
        )
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["group"]["usersCount"], 1);
}

/// Rocket.Chat's reserved names on every path: `all`, `here` and its system names
/// (`admin`, `administrator`, `system`, `user`) in any case are refused to new accounts
/// (users.create, users.register, SCIM) with `error-blocked-username`; a rename to a system
/// name fails as `error-could-not-save-identity`, to a reserved one as blocked. Nothing is
/// written; changing only the case of one's own name is no rename.
#[tokio::test]
async fn reserved_usernames_are_refused_on_every_path() {
    let app = TestApp::new().await;
    let blocked = |name: &str| {
        json!({
            "success": false,
            "error": format!("{name} is blocked and can't be used! [error-blocked-username]"),
            "errorType": "error-blocked-username",
            "details": {"method": "checkUsernameAvailability", "field": name},
        })
    };
    let ada = app.user_session("ada").await;
    let (_, secret) = app.scim_token("Okta").await;
    let before = app.snapshot();
    for name in [
        "admin",
        "Admin",
        "all",
        "HERE",
        "system",
        "user",
        "Administrator",
    ] {
        let (status, body) = app
            .post(
                "/api/v1/users.create",
                Some(&app.admin),
                json!({"username": name, "email": "x@example.org", "name": "X", "password": "pw"}),
            )
            .await;
        assert_eq!((status, body), (400, blocked(name)), "users.create {name}");
        let (status, body) = app
            .post(
                "/api/v1/users.register",
                None,
                json!({"username": name, "email": "x@example.org", "name": "X", "pass": "pw"}),
            )
            .await;
        assert_eq!(
            (status, body),
            (400, blocked(name)),
            "users.register {name}"
        );
        let (status, _, body) = app
            .scim("POST", "/Users", &secret, Some(json!({"userName": name})))
            .await;
        assert_eq!(status, 400, "SCIM {name}: {body}");
        assert_eq!(
            body["detail"],
            json!(format!(
                "{name} is blocked and can't be used! [error-blocked-username]"
            ))
        );
    }
    let identity = json!({
        "success": false,
        "error": "Could not save user identity [error-could-not-save-identity]",
        "errorType": "error-could-not-save-identity",
        "details": {"method": "saveUser"},
    });
    for (name, expected) in [
        ("administrator", identity.clone()),
        ("SYSTEM", identity),
        ("all", blocked("all")),
        ("Here", blocked("Here")),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/users.update",
                Some(&app.admin),
                json!({"userId": ada.user_id, "data": {"username": name}}),
            )
            .await;
        assert_eq!((status, body), (400, expected), "rename to {name}");
    }
    let (status, _, body) = app
        .scim(
            "PATCH",
            &format!("/Users/{}", ada.user_id),
            &secret,
            Some(json!({"Operations": [{"op": "replace", "path": "userName", "value": "user"}]})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(app.snapshot(), before);
    // The bootstrap admin keeps its name; a case change of one's own name is no rename.
    for (who, name) in [(&app.admin, "admin"), (&ada, "Ada")] {
        let (status, body) = app
            .post(
                "/api/v1/users.update",
                Some(who),
                json!({"userId": who.user_id, "data": {"username": name}}),
            )
            .await;
        assert_eq!(status, 200, "{name}: {body}");
    }
}
