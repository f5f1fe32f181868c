//! What a first start creates, against the real binary, as Rocket.Chat 8.8.1 does: the admin
//! from `ADMIN_*` with the role `admin` alone, and the bot user `rocket.cat`; and the exact
//! `Content-Type` of every JSON answer.

use std::net::SocketAddr;

use rocketlite_testkit::http::exchange;
use rocketlite_testkit::node;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_rocketlite");

async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    admin: &(String, String),
    body: Value,
) -> (u16, Value) {
    let headers = [
        ("X-User-Id", admin.0.as_str()),
        ("X-Auth-Token", admin.1.as_str()),
        ("Content-Type", "application/json"),
    ];
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let answer = exchange(addr, method, path, &headers, &body).await.unwrap();
    (answer.status, answer.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_creates_rocket_cat_and_an_admin_with_the_admin_role_alone() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = ["--data-dir", data.to_str().unwrap()];
    let (child, addr) = node::start(BIN, &args);
    let child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;

    let (status, me) = call(addr, "GET", "/api/v1/me", &admin, Value::Null).await;
    assert_eq!((status, &me["roles"]), (200, &json!(["admin"])), "{me}");

    let info = "/api/v1/users.info?username=rocket.cat";
    let (status, body) = call(addr, "GET", info, &admin, Value::Null).await;
    assert_eq!(status, 200, "{body}");
    let cat = &body["user"];
    assert_eq!(
        (&cat["_id"], &cat["username"], &cat["name"]),
        (
            &json!("rocket.cat"),
            &json!("rocket.cat"),
            &json!("Rocket.Cat")
        )
    );
    assert_eq!(
        (&cat["roles"], &cat["type"], &cat["active"]),
        (&json!(["bot"]), &json!("bot"), &json!(true))
    );
    // It has no password: no login as it.
    let login = json!({"user": "rocket.cat", "password": ""}).to_string();
    let answer = exchange(addr, "POST", "/api/v1/login", &[], &login)
        .await
        .unwrap();
    assert_ne!(answer.status, 200);

    // What Rocket.Chat's suites do with it: invite, promote, kick.
    let (status, created) = call(
        addr,
        "POST",
        "/api/v1/channels.create",
        &admin,
        json!({"name": "cats"}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let room = created["channel"]["_id"].as_str().unwrap().to_string();
    for (path, expected) in [
        ("/api/v1/channels.invite", 200),
        ("/api/v1/channels.addModerator", 200),
        ("/api/v1/channels.addOwner", 200),
        ("/api/v1/channels.addLeader", 200),
        ("/api/v1/channels.kick", 200),
    ] {
        let body = json!({"roomId": room, "userId": "rocket.cat"});
        let (status, answer) = call(addr, "POST", path, &admin, body).await;
        assert_eq!(status, expected, "{path}: {answer}");
    }
    drop(child);

    // A restart makes no second one; once deleted it stays deleted (ids are never reused).
    let (child, addr) = node::start(BIN, &args);
    let child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;
    let (_, list) = call(
        addr,
        "GET",
        "/api/v1/users.list?count=0",
        &admin,
        Value::Null,
    )
    .await;
    let cats = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["username"] == "rocket.cat")
        .count();
    assert_eq!(cats, 1, "{list}");
    let (status, body) = call(
        addr,
        "POST",
        "/api/v1/users.delete",
        &admin,
        json!({"userId": "rocket.cat"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    drop(child);
    let (child, addr) = node::start(BIN, &args);
    let _child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;
    let (status, _) = call(addr, "GET", info, &admin, Value::Null).await;
    assert_eq!(status, 400);
}

/// Rocket.Chat's suites compare the header exactly: `application/json`, no charset, on
/// successes and on every kind of refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_answer_is_labelled_application_json_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = node::start(BIN, &["--data-dir", dir.path().to_str().unwrap()]);
    let _child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;
    let auth = [
        ("X-User-Id", admin.0.as_str()),
        ("X-Auth-Token", admin.1.as_str()),
    ];
    let login = json!({"user": "admin", "password": node::ADMIN_PASS}).to_string();
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str, u16);
    let cases: [Case; 7] = [
        ("POST", "/api/v1/login", &[], &login, 200),
        ("GET", "/api/info", &[], "", 200),
        ("GET", "/api/v1/users.list", &auth, "", 200),
        ("GET", "/api/v1/users.info", &auth, "", 400),
        ("GET", "/api/v1/users.list", &[], "", 401),
        ("GET", "/api/v1/chat.getMessage", &auth, "", 404),
        ("POST", "/api/v1/login", &[], "{", 400),
    ];
    for (method, path, headers, body, status) in cases {
        let answer = exchange(addr, method, path, headers, body).await.unwrap();
        assert_eq!(answer.status, status, "{method} {path}: {:?}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{method} {path}"
        );
    }
}

/// The flags that duplicate a setting set it at start, as `OVERWRITE_SETTING_*` would, and an
/// administrator's later change stands until the next start with the flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_that_duplicate_a_setting_set_it_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = [
        "--data-dir",
        data.to_str().unwrap(),
        "--no-registration",
        "--login-expiration-days",
        "7",
    ];
    let (child, addr) = node::start(BIN, &args);
    let child = node::KillOnDrop(child);
    let admin = node::admin_headers(addr).await;
    for (id, value) in [
        ("Accounts_RegistrationForm", json!("Disabled")),
        ("Accounts_LoginExpiration", json!(7)),
    ] {
        let path = format!("/api/v1/settings/{id}");
        let (status, body) = call(addr, "GET", &path, &admin, Value::Null).await;
        assert_eq!((status, &body["value"]), (200, &value), "{id}: {body}");
    }
    let register = json!({"username": "eve", "email": "eve@example.org", "pass": "a-long-password", "name": "Eve"});
    let json = [("Content-Type", "application/json")];
    let answer = exchange(
        addr,
        "POST",
        "/api/v1/users.register",
        &json,
        &register.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(
        (answer.status, &answer.body["errorType"]),
        (400, &json!("error-user-registration-disabled")),
        "{}",
        answer.body
    );
    drop(child);
}
