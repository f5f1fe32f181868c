//! SCIM 2.0 at `/scim/v2`: tokens from `rocketlite.scimTokens.*`, deactivation as Okta and
//! Entra send it through the rules of users.setActiveStatus (last admin, last owner by the
//! relinquish policy, tokens revoked, the audit trail with actor SCIM, idempotence), filters,
//! SCIM's errors, and refusals that change nothing.

use rocketlite::service::ScimRelinquish;
use serde_json::{Value, json};

use crate::common::{TestApp, forbidden, not_logged_in};

const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn okta_deactivation(active: bool) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": active}}],
    })
}

fn entra_patch(op: &str, path: &str, value: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": op, "path": path, "value": value}],
    })
}

/// Asserts a SCIM error with this status (and scimType, if given), in SCIM's media type.
fn assert_scim_error(got: &(u16, String, Value), status: u16, scim_type: Option<&str>) {
    let (code, content_type, body) = got;
    assert_eq!(*code, status, "{body}");
    assert_eq!(content_type, "application/scim+json");
    assert_eq!(body["schemas"], json!([ERROR_SCHEMA]), "{body}");
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
}

async fn audit_entries(app: &TestApp) -> Vec<Value> {
    let (status, body) = app
        .get("/api/v1/rocketlite.audit?count=100", Some(&app.admin))
        .await;
    assert_eq!(status, 200, "{body}");
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn tokens_are_shown_once_kept_hashed_and_stop_working_when_revoked() {
    let app = TestApp::new().await;
    let (status, created) = app
        .post(
            "/api/v1/rocketlite.scimTokens.create",
            Some(&app.admin),
            json!({"name": "Okta"}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    let token_id = created["token"]["_id"].as_str().unwrap().to_string();
    assert_eq!(created["token"]["name"], "Okta");
    assert_eq!(created["token"]["createdBy"], json!(app.admin.user_id));
    // Only the digest is stored: the secret appears in no row.
    assert!(app.snapshot().iter().all(|row| !row.contains(&secret)));

    let (status, list) = app
        .get("/api/v1/rocketlite.scimTokens.list", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(list["tokens"][0]["_id"], json!(token_id));
    assert!(!list.to_string().contains(&secret), "{list}");

    // Not an admin: refused, nothing written.
    let ada = app.user_session("ada").await;
    let before = app.snapshot();
    let (status, body) = app
        .post(
            "/api/v1/rocketlite.scimTokens.create",
            Some(&ada),
            json!({"name": "mine"}),
        )
        .await;
    assert_eq!((status, body), (403, forbidden()));
    assert_eq!(app.snapshot(), before);

    let (status, _, body) = app.scim("GET", "/Users", &secret, None).await;
    assert_eq!(status, 200, "{body}");
    // A wrong key for the right id, and the Rocket.Chat headers, do not authenticate.
    let forged = format!("{token_id}.{}", "0".repeat(64));
    assert_scim_error(&app.scim("GET", "/Users", &forged, None).await, 401, None);
    let resp = app
        .client
        .get("/scim/v2/Users")
        .header("X-User-Id", app.admin.user_id.as_str())
        .header("X-Auth-Token", app.admin.token.as_str())
        .send()
        .await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);

    let (status, _) = app
        .post(
            "/api/v1/rocketlite.scimTokens.revoke",
            Some(&app.admin),
            json!({"tokenId": token_id}),
        )
        .await;
    assert_eq!(status, 200);
    assert_scim_error(&app.scim("GET", "/Users", &secret, None).await, 401, None);
    let (status, body) = app
        .post(
            "/api/v1/rocketlite.scimTokens.revoke",
            Some(&app.admin),
            json!({"tokenId": token_id}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errorType"], "error-invalid-token");
    let actions: Vec<Value> = audit_entries(&app)
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert!(actions.contains(&json!("scim.token.create")));
    assert!(actions.contains(&json!("scim.token.revoke")));
    // Without a login, the token endpoints answer as every other endpoint does.
    let (status, body) = app.get("/api/v1/rocketlite.scimTokens.list", None).await;
    assert_eq!((status, body), (401, not_logged_in()));
}

#[tokio::test]
async fn okta_and_entra_deactivations_hand_rooms_over_revoke_sessions_and_are_audited() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    let hall = app.create_room("c", "hall", &olga, &["ada"]).await;
    let (token_id, secret) = app.scim_token("Okta").await;
    let path = format!("/Users/{}", olga.user_id);

    // Okta: a path-less replace.
    let (status, content_type, body) = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(false)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "application/scim+json");
    assert_eq!(body["active"], false);
    assert!(
        app.owners("channels", &hall)
            .await
            .contains(&"ada".to_string())
    );
    let (status, _) = app.get("/api/v1/me", Some(&olga)).await;
    assert_eq!(status, 401, "the deactivated user's session must end");

    let entries = audit_entries(&app).await;
    let scim_actor = json!({"type": "scim", "id": token_id});
    let deactivation = entries
        .iter()
        .find(|e| e["action"] == "user.deactivate")
        .unwrap();
    assert_eq!(deactivation["actor"], scim_actor);
    assert_eq!(deactivation["userId"], json!(olga.user_id));
    assert_eq!(deactivation["after"]["handovers"][0]["roomName"], "hall");
    let handover = entries
        .iter()
        .find(|e| e["action"] == "room.owner.add")
        .unwrap();
    assert_eq!(handover["actor"], scim_actor);

    // Idempotent: the same request again changes and records nothing.
    let before = app.snapshot();
    let (status, _, body) = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(false)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["active"], false);
    assert_eq!(app.snapshot(), before);

    // Entra: a path, an operation name in any case, booleans as strings.
    let (status, _, body) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("Replace", "active", json!("True"))),
        )
        .await;
    assert_eq!((status, body["active"].clone()), (200, json!(true)));
    let (status, _, body) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("replace", "active", json!("False"))),
        )
        .await;
    assert_eq!((status, body["active"].clone()), (200, json!(false)));
    // Entra's check afterwards: the user found by userName reads inactive.
    let (status, _, list) = app
        .scim(
            "GET",
            "/Users?filter=userName%20eq%20%22OLGA%22",
            &secret,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["active"], false);
}

#[tokio::test]
async fn the_last_active_admin_is_refused_as_a_scim_error_changing_nothing() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Entra").await;
    let before = app.snapshot();
    let got = app
        .scim(
            "PATCH",
            &format!("/Users/{}", app.admin.user_id),
            &secret,
            Some(entra_patch("Replace", "active", json!(false))),
        )
        .await;
    assert_scim_error(&got, 409, None);
    assert!(
        got.2["detail"].as_str().unwrap().contains("admin"),
        "{}",
        got.2
    );
    assert_eq!(app.snapshot(), before);
    // SCIM never deletes an admin at all.
    let got = app
        .scim(
            "DELETE",
            &format!("/Users/{}", app.admin.user_id),
            &secret,
            None,
        )
        .await;
    assert_scim_error(&got, 403, None);
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn the_refuse_policy_keeps_sole_owned_rooms_and_changes_nothing() {
    let app = TestApp::with_scim_policy(ScimRelinquish::Refuse).await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    app.create_room("p", "den", &olga, &["ada"]).await;
    let (_, secret) = app.scim_token("Okta").await;
    let path = format!("/Users/{}", olga.user_id);
    let before = app.snapshot();
    let got = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(false)))
        .await;
    assert_scim_error(&got, 409, None);
    assert!(
        got.2["detail"].as_str().unwrap().contains("den"),
        "{}",
        got.2
    );
    assert_eq!(app.snapshot(), before);
    assert_scim_error(&app.scim("DELETE", &path, &secret, None).await, 409, None);
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn delete_removes_the_account_through_the_rules_of_users_delete() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    app.create_user("ada").await;
    let hall = app.create_room("c", "hall", &olga, &["ada"]).await;
    let (token_id, secret) = app.scim_token("Okta").await;
    let path = format!("/Users/{}", olga.user_id);
    let (status, _, body) = app.scim("DELETE", &path, &secret, None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_scim_error(&app.scim("GET", &path, &secret, None).await, 404, None);
    assert_eq!(app.owners("channels", &hall).await, ["ada"]);
    let entries = audit_entries(&app).await;
    let deletion = entries
        .iter()
        .find(|e| e["action"] == "user.delete")
        .unwrap();
    assert_eq!(deletion["actor"], json!({"type": "scim", "id": token_id}));
}

#[tokio::test]
async fn created_users_are_found_by_filters_and_paged() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Okta").await;
    for (name, external, active) in [("kim", "00uA", true), ("lee", "00uB", false)] {
        let (status, _, body) = app
            .scim(
                "POST",
                "/Users",
                &secret,
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "externalId": external,
                    "name": {"givenName": name.to_uppercase(), "familyName": "Doe"},
                    "emails": [{"value": format!("{name}@example.org"), "type": "work", "primary": true}],
                    "active": active,
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["displayName"], format!("{} Doe", name.to_uppercase()));
        assert_eq!(body["emails"][0]["type"], "work");
        assert_eq!(body["active"], active);
    }
    // The users exist for Rocket.Chat's API too.
    let (status, info) = app
        .get("/api/v1/users.info?username=kim", Some(&app.admin))
        .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["user"]["emails"][0]["address"], "kim@example.org");

    let search = |filter: &str| {
        let q: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        format!("/Users?filter={q}")
    };
    let names = |body: &Value| -> Vec<String> {
        body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, _, body) = app
        .scim("GET", &search(r#"externalId eq "00uB""#), &secret, None)
        .await;
    assert_eq!(names(&body), ["lee"]);
    // externalId is case-exact; userName is not.
    let (_, _, body) = app
        .scim("GET", &search(r#"externalId eq "00ub""#), &secret, None)
        .await;
    assert_eq!(body["totalResults"], 0);
    let (_, _, body) = app
        .scim("GET", &search(r#"userName eq "KIM""#), &secret, None)
        .await;
    assert_eq!(names(&body), ["kim"]);
    let (_, _, body) = app
        .scim("GET", &search("active eq false"), &secret, None)
        .await;
    assert_eq!(names(&body), ["lee"]);
    let (_, _, body) = app
        .scim(
            "GET",
            &search(r#"emails[type eq "work"] and not (userName sw "l")"#),
            &secret,
            None,
        )
        .await;
    assert_eq!(names(&body), ["kim"]);
    // Three users (admin, kim, lee) by username; the second page of one.
    let (_, _, body) = app
        .scim("GET", "/Users?startIndex=2&count=1", &secret, None)
        .await;
    assert_eq!(
        (
            body["totalResults"].clone(),
            body["startIndex"].clone(),
            body["itemsPerPage"].clone()
        ),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!(names(&body), ["kim"]);
    for bad in [r#"userName eq"#, r#"title eq "boss""#, "(active eq true"] {
        let got = app.scim("GET", &search(bad), &secret, None).await;
        assert_scim_error(&got, 400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn bad_requests_get_scim_errors_and_change_nothing() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let cy = app.create_user("cy").await;
    let (_, secret) = app.scim_token("Okta").await;
    let before = app.snapshot();
    let cases = [
        (
            "POST",
            "/Users".to_string(),
            json!({"displayName": "No Name"}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": "  "}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": "a\u{1}b"}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": format!("{}@example.org", "a".repeat(243))}),
            400,
            Some("invalidValue"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": "ADA"}),
            409,
            Some("uniqueness"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": "bo", "emails": [{"value": "ada@example.org"}]}),
            409,
            Some("uniqueness"),
        ),
        (
            "POST",
            "/Users".to_string(),
            json!({"userName": "bo", "active": "maybe"}),
            400,
            Some("invalidValue"),
        ),
        (
            "PATCH",
            format!("/Users/{}", app.admin.user_id),
            json!({"Operations": [{"op": "move", "path": "active", "value": false}]}),
            400,
            Some("invalidSyntax"),
        ),
        (
            "PATCH",
            format!("/Users/{}", app.admin.user_id),
            json!({"Operations": [{"op": "remove", "path": "active"}]}),
            400,
            Some("mutability"),
        ),
        (
            "PATCH",
            format!("/Users/{}", app.admin.user_id),
            json!({"Operations": [{"op": "remove"}]}),
            400,
            Some("noTarget"),
        ),
        (
            "PATCH",
            format!("/Users/{cy}"),
            json!({"Operations": [{"op": "replace", "path": "userName", "value": "ada"}]}),
            409,
            Some("uniqueness"),
        ),
        (
            "PUT",
            "/Users/nobody".to_string(),
            json!({"userName": "bo"}),
            404,
            None,
        ),
        ("GET", "/Groups".to_string(), Value::Null, 404, None),
        (
            "DELETE",
            "/ServiceProviderConfig".to_string(),
            Value::Null,
            405,
            None,
        ),
    ];
    for (method, path, body, status, scim_type) in cases {
        let body = (!body.is_null()).then_some(body);
        let got = app.scim(method, &path, &secret, body).await;
        assert_scim_error(&got, status, scim_type);
        assert_eq!(app.snapshot(), before, "{method} {path} changed the store");
    }
}

#[tokio::test]
async fn put_replaces_the_resource_but_keeps_activity_and_password() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Okta").await;
    let (status, _, created) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(
                json!({"userName": "kim", "externalId": "x1", "password": "kim-secret-1",
                "emails": [{"value": "kim@example.org"}]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let (status, _, body) = app
        .scim(
            "PUT",
            &path,
            &secret,
            Some(json!({"userName": "kim2", "displayName": "Kim Two"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], "kim2");
    assert_eq!(body["displayName"], "Kim Two");
    assert!(body.get("externalId").is_none(), "{body}");
    assert!(body.get("emails").is_none(), "{body}");
    assert_eq!(body["active"], true);
    // The password set at creation still logs in.
    app.login("kim2", "kim-secret-1").await;
    // attributes= keeps only what is asked for (and id, schemas).
    let (_, _, body) = app
        .scim("GET", &format!("{path}?attributes=userName"), &secret, None)
        .await;
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
}

#[tokio::test]
async fn entra_addresses_an_email_by_its_type_also_inside_a_path_less_value() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Entra").await;
    let (status, _, created) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(json!({"userName": "kim", "displayName": "Kim",
                "emails": [{"value": "kim@home.example", "type": "home"},
                           {"value": "kim@work.example", "type": "work", "primary": true},
                           {"value": "KIM@work.example", "type": "work"}]})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    // The primary comes first; an address given twice is kept once.
    let values: Vec<&str> = created["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["kim@work.example", "kim@home.example"]);
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let (status, _, body) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch(
                "Replace",
                r#"emails[type eq "work"].value"#,
                json!("kim@new.example"),
            )),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["emails"][0]["value"], "kim@new.example");
    assert_eq!(body["emails"][0]["type"], "work");
    // Entra also puts paths as keys of a path-less value; unknown attributes change nothing.
    let (status, _, body) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(json!({"Operations": [{"op": "Add", "value": {
                "emails[type eq \"home\"].value": "kim@other.example",
                "name.givenName": "Kimberly",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "R&D",
            }}]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["emails"][1]["value"], "kim@other.example");
    assert_eq!(body["displayName"], "Kim");
    // A blank displayName is refused: every user has a name.
    let before = app.snapshot();
    let got = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("replace", "displayName", json!(" "))),
        )
        .await;
    assert_scim_error(&got, 400, Some("invalidValue"));
    assert_eq!(app.snapshot(), before);
    // The old address is free again for someone else.
    let (status, _, _) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(json!({"userName": "lee", "emails": [{"value": "kim@work.example"}]})),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_scim_token_cannot_take_an_admin_over() {
    let app = TestApp::new().await;
    let boss = app.create_user_with_roles("boss", &["admin", "user"]).await;
    let (_, secret) = app.scim_token("Okta").await;
    let path = format!("/Users/{boss}");
    let before = app.snapshot();
    for change in [
        entra_patch("replace", "password", json!("taken-over-1")),
        entra_patch("replace", "userName", json!("boss2")),
        entra_patch("add", "emails", json!([{"value": "evil@example.org"}])),
        json!({"Operations": [{"op": "replace", "value": {"emails": [{"value": "evil@example.org", "primary": true}]}}]}),
    ] {
        let got = app
            .scim("PATCH", &path, &secret, Some(change.clone()))
            .await;
        assert_scim_error(&got, 403, None);
        assert_eq!(app.snapshot(), before, "{change}");
    }
    assert_scim_error(&app.scim("DELETE", &path, &secret, None).await, 403, None);
    assert_eq!(app.snapshot(), before);
    // Its name and its activity are the IdP's to change: a leaver who is an admin goes too.
    let (status, _, body) = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(false)))
        .await;
    assert_eq!(
        (status, body["active"].clone()),
        (200, json!(false)),
        "{body}"
    );
}

#[tokio::test]
async fn resending_the_same_password_keeps_sessions_and_null_clears() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Okta").await;
    let (status, _, created) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(
                json!({"userName": "kim", "password": "kim-secret-1", "externalId": "x1",
                "emails": [{"value": "a@example.org"}, {"value": "b@example.org"},
                           {"value": "c@example.org"}]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let path = format!("/Users/{}", created["id"].as_str().unwrap());
    let kim = app.login("kim", "kim-secret-1").await;
    // Okta's password sync pushes the same password again: the session survives.
    let before = app.snapshot();
    let (status, _, _) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("replace", "password", json!("kim-secret-1"))),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.snapshot(), before);
    let (status, _) = app.get("/api/v1/me", Some(&kim)).await;
    assert_eq!(status, 200);
    // null is unassigned; a listed value removes only those addresses.
    let (status, _, body) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(json!({"Operations": [
                {"op": "replace", "value": {"externalId": null}},
                {"op": "remove", "path": "emails", "value": [{"value": "B@example.org"}]},
            ]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("externalId").is_none(), "{body}");
    let values: Vec<&str> = body["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["a@example.org", "c@example.org"]);
    // A filter on one address: type and value must hold on the same one.
    let (_, _, list) = app
        .scim(
            "GET",
            "/Users?filter=emails%5Bvalue%20eq%20%22c%40example.org%22%5D",
            &secret,
            None,
        )
        .await;
    assert_eq!(list["totalResults"], 1, "{list}");
}

#[tokio::test]
async fn a_scim_token_learns_nothing_of_an_admins_password_and_cannot_reactivate_one() {
    let app = TestApp::new().await;
    let boss = app.create_user_with_roles("boss", &["admin", "user"]).await;
    let (_, secret) = app.scim_token("Okta").await;
    let path = format!("/Users/{boss}");
    let before = app.snapshot();
    // The right password and a wrong one get the same answer, and neither is written.
    let mut answers = Vec::new();
    for guess in ["boss-password", "wrong-guess-1"] {
        let got = app
            .scim(
                "PATCH",
                &path,
                &secret,
                Some(entra_patch("replace", "password", json!(guess))),
            )
            .await;
        assert_scim_error(&got, 403, None);
        assert_eq!(app.snapshot(), before, "{guess}");
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1]);
    // Not even the case of its username, nor its display name.
    for change in [
        entra_patch("replace", "userName", json!("BOSS")),
        entra_patch("replace", "displayName", json!("Mallory")),
        entra_patch("replace", "externalId", json!("idp-1")),
    ] {
        let got = app
            .scim("PATCH", &path, &secret, Some(change.clone()))
            .await;
        assert_scim_error(&got, 403, None);
        assert_eq!(app.snapshot(), before, "{change}");
    }
    // Repeating what it holds is no change.
    let (status, _, _) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("replace", "userName", json!("boss"))),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.snapshot(), before);
    // A leaver who is an admin goes, but only a human admin brings one back.
    let (status, _, body) = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(false)))
        .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    let deactivated = app.snapshot();
    for guess in ["boss-password", "wrong-guess-2"] {
        let got = app
            .scim(
                "PATCH",
                &path,
                &secret,
                Some(entra_patch("replace", "password", json!(guess))),
            )
            .await;
        assert_scim_error(&got, 403, None);
    }
    let got = app
        .scim("PATCH", &path, &secret, Some(okta_deactivation(true)))
        .await;
    assert_scim_error(&got, 403, None);
    let got = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("Replace", "active", json!("True"))),
        )
        .await;
    assert_scim_error(&got, 403, None);
    assert_eq!(app.snapshot(), deactivated);
    let (status, body) = app
        .post(
            "/api/v1/login",
            None,
            json!({"user": "boss", "password": "boss-password"}),
        )
        .await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn create_bounds_the_external_id_and_email_types_as_patch_does() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Okta").await;
    let before = app.snapshot();
    for body in [
        json!({"userName": "kim", "externalId": "x".repeat(255)}),
        json!({"userName": "kim", "emails": [{"value": "kim@example.org", "type": "w".repeat(65)}]}),
    ] {
        let got = app.scim("POST", "/Users", &secret, Some(body)).await;
        assert_scim_error(&got, 400, Some("invalidValue"));
        assert_eq!(app.snapshot(), before);
    }
    // The same bounds on PATCH.
    let (status, _, kim) = app
        .scim("POST", "/Users", &secret, Some(json!({"userName": "kim"})))
        .await;
    assert_eq!(status, 201, "{kim}");
    let path = format!("/Users/{}", kim["id"].as_str().unwrap());
    let before = app.snapshot();
    let got = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch(
                "add",
                "emails",
                json!([{"value": "kim@example.org", "type": "w".repeat(65)}]),
            )),
        )
        .await;
    assert_scim_error(&got, 400, Some("invalidValue"));
    assert_eq!(app.snapshot(), before);
    // At the bound it is stored.
    let (status, _, body) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(json!({"userName": "lee", "externalId": "x".repeat(254),
                "emails": [{"value": "lee@example.org", "type": "w".repeat(64)}]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// The userNames of a list response, in order.
fn user_names(body: &Value) -> Vec<String> {
    body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_string())
        .collect()
}

fn filter_path(filter: &str) -> String {
    let q: String = form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("/Users?filter={q}")
}

#[tokio::test]
async fn okta_and_entra_user_names_as_email_addresses_round_trip_exactly() {
    let app = TestApp::new().await;
    let (_, secret) = app.scim_token("Okta").await;
    // RFC 7643's smallest valid User, as Okta sends it by default.
    let minimal = |name: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name});
    let (status, _, john) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(minimal("John.Doe@Example.com")),
        )
        .await;
    assert_eq!(status, 201, "{john}");
    assert_eq!(john["userName"], "John.Doe@Example.com");
    assert_eq!(john["displayName"], "John.Doe@Example.com");
    let john_id = john["id"].as_str().unwrap().to_string();
    // Rocket.Chat's API sees a valid username derived from it.
    let (status, info) = app
        .get("/api/v1/users.info?username=John.Doe", Some(&app.admin))
        .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["user"]["_id"], john_id.as_str());
    assert_eq!(info["user"]["username"], "John.Doe");

    // The same userName in another case is taken, and refusing it changes nothing.
    let before = app.snapshot();
    let got = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(minimal("john.doe@example.COM")),
        )
        .await;
    assert_scim_error(&got, 409, Some("uniqueness"));
    assert_eq!(app.snapshot(), before);

    // Another address with the same local part gets the next free username; a reserved
    // local part is skipped the same way.
    let (status, _, other) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(minimal("john.doe@other.org")),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let (status, _, admin_like) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(minimal("admin@example.com")),
        )
        .await;
    assert_eq!(status, 201, "{admin_like}");
    for (id, username) in [(&other["id"], "john.doe-1"), (&admin_like["id"], "admin-1")] {
        let (_, info) = app
            .get(
                &format!("/api/v1/users.info?userId={}", id.as_str().unwrap()),
                Some(&app.admin),
            )
            .await;
        assert_eq!(info["user"]["username"], username, "{info}");
    }

    // Entra's lookup before it creates: `userName eq`, case-insensitive, answered exactly.
    let (_, _, found) = app
        .scim(
            "GET",
            &filter_path(r#"userName eq "JOHN.DOE@EXAMPLE.COM""#),
            &secret,
            None,
        )
        .await;
    assert_eq!(user_names(&found), ["John.Doe@Example.com"]);
    assert_eq!(found["Resources"][0]["id"], john_id.as_str());
    // The derived username is not a SCIM userName of anybody.
    let (_, _, none) = app
        .scim(
            "GET",
            &filter_path(r#"userName eq "john.doe""#),
            &secret,
            None,
        )
        .await;
    assert_eq!(none["totalResults"], 0, "{none}");
    let (_, _, scanned) = app
        .scim(
            "GET",
            &filter_path(r#"userName ew "@example.com""#),
            &secret,
            None,
        )
        .await;
    assert_eq!(
        user_names(&scanned),
        ["admin@example.com", "John.Doe@Example.com"]
    );

    // A rename to another address keeps the username; to a valid username, it is one.
    let path = format!("/Users/{john_id}");
    let (status, _, renamed) = app
        .scim(
            "PATCH",
            &path,
            &secret,
            Some(entra_patch("Replace", "userName", json!("jd@example.com"))),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["userName"], "jd@example.com");
    let (_, _, got) = app.scim("GET", &path, &secret, None).await;
    assert_eq!(got["userName"], "jd@example.com");
    // The audit says what changed, though the account record's fields stayed.
    let latest = audit_entries(&app).await[0].clone();
    assert_eq!(
        (&latest["action"], &latest["before"], &latest["after"]),
        (
            &json!("user.update"),
            &json!({"userName": "John.Doe@Example.com"}),
            &json!({"userName": "jd@example.com"})
        ),
        "{latest}"
    );
    let (_, info) = app
        .get(
            &format!("/api/v1/users.info?userId={john_id}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(info["user"]["username"], "John.Doe");
    // Taking another's kept userName, or its username, is refused and changes nothing.
    let before = app.snapshot();
    for taken in ["admin@example.com", "ADMIN-1"] {
        let got = app
            .scim(
                "PATCH",
                &path,
                &secret,
                Some(entra_patch("replace", "userName", json!(taken))),
            )
            .await;
        assert_scim_error(&got, 409, Some("uniqueness"));
        assert_eq!(app.snapshot(), before, "{taken}");
    }
    let (status, _, plain) = app
        .scim("PUT", &path, &secret, Some(json!({"userName": "johnny"})))
        .await;
    assert_eq!(status, 200, "{plain}");
    assert_eq!(plain["userName"], "johnny");
    let (_, info) = app
        .get(
            &format!("/api/v1/users.info?userId={john_id}"),
            Some(&app.admin),
        )
        .await;
    assert_eq!(info["user"]["username"], "johnny");
    let (_, _, gone) = app
        .scim(
            "GET",
            &filter_path(r#"userName eq "jd@example.com""#),
            &secret,
            None,
        )
        .await;
    assert_eq!(gone["totalResults"], 0, "{gone}");

    // A deleted user's userName is free again.
    let other_path = format!("/Users/{}", other["id"].as_str().unwrap());
    let (status, _, _) = app.scim("DELETE", &other_path, &secret, None).await;
    assert_eq!(status, 204);
    let (status, _, again) = app
        .scim(
            "POST",
            "/Users",
            &secret,
            Some(minimal("john.doe@other.org")),
        )
        .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["userName"], "john.doe@other.org");
}
