//! List parameters as Rocket.Chat reads them: `count`/`offset` defaults and caps, `sort` as a
//! JSON object of ±1 (else `error-invalid-sort`), and each list's filters.

use serde_json::{Value, json};

use crate::common::TestApp;

fn usernames(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn users_list_sorts_pages_and_filters_by_email() {
    let app = TestApp::new().await;
    for name in ["carol", "Bob", "ada"] {
        app.create_user(name).await;
    }
    let list = |q: &str| format!("/api/v1/users.list?{q}");
    let (status, body) = app.get(&list(""), Some(&app.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(usernames(&body, "users"), ["ada", "admin", "Bob", "carol"]);
    let (_, body) = app
        .get(&list("sort=%7B%22username%22%3A-1%7D"), Some(&app.admin))
        .await;
    assert_eq!(usernames(&body, "users"), ["carol", "Bob", "admin", "ada"]);
    let (_, body) = app
        .get(
            &list(&format!(
                "sort={}&count=2&offset=1",
                urlencode(r#"{"createdAt":-1}"#)
            )),
            Some(&app.admin),
        )
        .await;
    assert_eq!(usernames(&body, "users"), ["Bob", "carol"]);
    assert_eq!(
        (&body["count"], &body["offset"], &body["total"]),
        (&json!(2), &json!(1), &json!(4))
    );
    let (_, body) = app.get(&list("count=0"), Some(&app.admin)).await;
    assert_eq!(body["count"], 4);
    let (_, body) = app.get(&list("count=1.9"), Some(&app.admin)).await;
    assert_eq!(body["count"], 1);
    let (_, body) = app
        .get(&list("email=BOB@example.org"), Some(&app.admin))
        .await;
    assert_eq!(
        (usernames(&body, "users"), &body["total"]),
        (vec!["Bob".to_string()], &json!(1))
    );

    let ada = app.login("ada", "ada-password").await;
    let before = app.snapshot();
    for raw in ["{\"username\":2}", "username", "{\"name\":\"asc\"}", "null"] {
        let (status, body) = app
            .get(&list(&format!("sort={}", urlencode(raw))), Some(&app.admin))
            .await;
        let expected = json!({
            "success": false,
            "error": format!("Invalid sort parameter provided: \"{raw}\" [error-invalid-sort]"),
            "errorType": "error-invalid-sort",
            "details": {"helperMethod": "parseJsonQuery"}
        });
        assert_eq!((status, body), (400, expected), "{raw}");
    }
    for q in [
        "count=abc",
        "filter=x",
        "query=%7B%7D",
        "fields=%7B%7D",
        "email=",
    ] {
        let (status, body) = app.get(&list(q), Some(&app.admin)).await;
        assert_eq!(
            (status, &body["errorType"]),
            (400, &json!("invalid-params")),
            "{q}: {body}"
        );
    }
    // Looking up by email needs view-full-other-user-info.
    let (status, _) = app.get(&list("email=bob@example.org"), Some(&ada)).await;
    assert_eq!(status, 403);
    assert_eq!(app.snapshot(), before);
}

fn urlencode(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[tokio::test]
async fn members_are_filtered_sorted_and_paged() {
    let app = TestApp::new().await;
    for name in ["ada", "bob", "abe"] {
        app.create_user(name).await;
    }
    let room = app
        .create_room("p", "den", &app.admin, &["ada", "bob", "abe"])
        .await;
    let members = |q: &str| format!("/api/v1/groups.members?roomId={room}&{q}");
    let (_, body) = app.get(&members(""), Some(&app.admin)).await;
    assert_eq!(usernames(&body, "members"), ["abe", "ada", "admin", "bob"]);
    let (_, body) = app.get(&members("filter=A"), Some(&app.admin)).await;
    assert_eq!(usernames(&body, "members"), ["abe", "ada", "admin"]);
    let (_, body) = app
        .get(
            &members(&format!("sort={}&count=2", urlencode(r#"{"username":-1}"#))),
            Some(&app.admin),
        )
        .await;
    assert_eq!(usernames(&body, "members"), ["bob", "admin"]);
    assert_eq!(body["total"], 4);
    // Everyone is offline: rocketlite tracks no presence.
    let (_, body) = app
        .get(&members("status[]=online&status[]=away"), Some(&app.admin))
        .await;
    assert_eq!(
        (usernames(&body, "members").len(), &body["total"]),
        (0, &json!(0))
    );
    let (_, body) = app
        .get(&members("status[]=offline"), Some(&app.admin))
        .await;
    assert_eq!(body["total"], 4);
    let (status, body) = app.get(&members("status=offline"), Some(&app.admin)).await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("invalid-params")),
        "{body}"
    );
    let (status, body) = app.get(&members("sort=x"), Some(&app.admin)).await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("error-invalid-sort")),
        "{body}"
    );
}

#[tokio::test]
async fn validated_queries_are_read_like_rocket_chats_router() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let room = app.create_room("c", "hall", &app.admin, &["ada"]).await;
    // A one-item array stands for its item (ajv's 'array' coercion)...
    for path in [
        format!("/api/v1/users.info?userId%5B%5D={ada}"),
        format!("/api/v1/subscriptions.getOne?roomId%5B%5D={room}"),
        format!("/api/v1/channels.roles?roomId%5B0%5D={room}"),
        "/api/v1/licenses.info?loadValues%5B%5D=true".into(),
    ] {
        let (status, body) = app.get(&path, Some(&app.admin)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // ... numbers as JavaScript's Number() reads them ...
    for (q, count) in [
        ("count=0x2", 2),
        ("count=2e0", 2),
        ("count=1.9", 1),
        ("count=", 2),
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/users.list?{q}"), Some(&app.admin))
            .await;
        assert_eq!(
            (status, &body["count"]),
            (200, &json!(count)),
            "{q}: {body}"
        );
    }
    // ... and a repeated key is an array, which a scalar refuses.
    for path in [
        format!("/api/v1/users.info?userId={ada}&userId={ada}"),
        "/api/v1/users.list?count=1&count=2".into(),
        format!("/api/v1/channels.roles?roomId={room}&roomName=hall"),
        "/api/v1/channels.roles".into(),
        format!("/api/v1/channels.roles?roomId[x]={room}"),
        format!("/api/v1/subscriptions.getOne?roomId={room}&extra=1"),
        "/api/v1/licenses.info?loadValues=true&loadValues=false".into(),
    ] {
        let (status, body) = app.get(&path, Some(&app.admin)).await;
        assert_eq!(
            (status, &body["errorType"]),
            (400, &json!("invalid-params")),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn permissions_list_all_reads_updated_since() {
    let app = TestApp::new().await;
    let (status, all) = app
        .get("/api/v1/permissions.listAll", Some(&app.admin))
        .await;
    assert_eq!(status, 200);
    // Every permission was stored at first start, after this date.
    let since = "/api/v1/permissions.listAll?updatedSince=2020-01-01T00:00:00.000Z";
    assert_eq!(app.get(since, Some(&app.admin)).await, (200, all.clone()));
    // After the last change: nothing; then one grant changes and only it is listed.
    let newest = all["update"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["_updatedAt"].as_str().unwrap().to_string())
        .max()
        .unwrap();
    let since = format!("/api/v1/permissions.listAll?updatedSince={newest}");
    let (status, none) = app.get(&since, Some(&app.admin)).await;
    assert_eq!((status, &none["update"]), (200, &json!([])), "{none}");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let change = json!({"permissions": [{"_id": "view-l-room", "roles": ["admin"]}]});
    let (status, _) = app
        .post("/api/v1/permissions.update", Some(&app.admin), change)
        .await;
    assert_eq!(status, 200);
    let (_, changed) = app.get(&since, Some(&app.admin)).await;
    let ids: Vec<&str> = changed["update"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["view-l-room"], "{changed}");
    let got = app
        .get(
            "/api/v1/permissions.listAll?updatedSince=yesterday",
            Some(&app.admin),
        )
        .await;
    let expected = json!({
        "success": false,
        "error": "The \"updatedSince\" query parameter must be a valid date. [error-updatedSince-param-invalid]",
        "errorType": "error-updatedSince-param-invalid"
    });
    assert_eq!(got, (400, expected));
    let (status, body) = app
        .get(
            "/api/v1/permissions.listAll?since=2026-01-01",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (status, &body["errorType"]),
        (400, &json!("invalid-params"))
    );
}

/// The attack of issue 27: a plain user moves its own address around the victim's and reads
/// its position in lists sorted by email. For callers who may not see addresses, every sort
/// and search by them is ignored, so the answer is the same wherever its address lies; holders
/// of `view-full-other-user-info` still get the email order.
#[tokio::test]
async fn sorting_by_addresses_the_caller_may_not_see_is_ignored() {
    let app = TestApp::new().await;
    app.create_user("victim").await; // victim@example.org
    let eve = app.user_session("eve").await;
    let lists = [
        format!(
            "/api/v1/users.list?count=0&sort={}",
            urlencode(r#"{"emails.address":1}"#)
        ),
        format!(
            "/api/v1/users.list?count=0&sort={}",
            urlencode(r#"{"emails":-1}"#)
        ),
        format!(
            "/api/v1/users.listByStatus?count=0&sort={}",
            urlencode(r#"{"emails.address":1}"#)
        ),
        format!(
            "/api/v1/directory?type=users&sort={}",
            urlencode(r#"{"email":1}"#)
        ),
    ];
    let mut answers: Vec<Vec<Value>> = Vec::new();
    for address in ["aaaa@example.org", "zzzz@example.org"] {
        let (status, body) = app
            .post(
                "/api/v1/users.update",
                Some(&eve),
                json!({"userId": eve.user_id, "data": {"email": address}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let mut bodies = Vec::new();
        for path in &lists {
            let (status, body) = app.get(path, Some(&eve)).await;
            assert_eq!(status, 200, "{path}: {body}");
            let key = if path.contains("directory") {
                "result"
            } else {
                "users"
            };
            bodies.push(json!(usernames(&body, key)));
        }
        answers.push(bodies);
    }
    assert_eq!(answers[0], answers[1], "the order follows eve's address");
    // An admin sees the addresses, so the sort applies: aaaa < admin < victim < zzzz.
    let (_, body) = app.get(&lists[0], Some(&app.admin)).await;
    let order = usernames(&body, "users");
    let (eve_at, victim_at) = (
        order.iter().position(|u| u == "eve").unwrap(),
        order.iter().position(|u| u == "victim").unwrap(),
    );
    assert!(victim_at < eve_at, "{order:?}");
}
