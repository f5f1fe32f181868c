//! Rocket.Chat's REST rate limiter, over loopback against the real server: each route's
//! calls from one address counted per window, the call past the limit refused with
//! Rocket.Chat's 429 and headers, admins (`api-bypass-rate-limit`) never counted, its
//! settings honoured at once, and `OVERWRITE_SETTING_*` read at start.

use serde_json::json;

use super::loopback::{Client, ServerData, start_with};
use crate::common::ADMIN_PASSWORD;
use rocketlite_testkit::http::{Answer, exchange};

async fn get(client: &Client, path: &str) -> Answer {
    let headers = [
        ("X-User-Id", client.user_id.as_str()),
        ("X-Auth-Token", client.token.as_str()),
    ];
    exchange(client.addr, "GET", path, &headers, "")
        .await
        .unwrap()
}

/// The seconds a 429 says to wait.
fn wait_seconds(answer: &Answer) -> u64 {
    let text = answer.body["error"].as_str().unwrap_or_default();
    text.split("You must wait ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", answer.body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_route_is_limited_per_address_and_admins_pass() {
    let data = ServerData::new();
    let mut config = data.config();
    // The limiter on, as by default; with an hour's window, so that no machine is too slow
    // for the eleventh call to fall in the window of the first.
    config.overwrite_settings = vec![(
        "API_Enable_Rate_Limiter_Limit_Time_Default".into(),
        "3600000".into(),
    )];
    let (addr, stop, handle) = start_with(config).await;
    let admin = Client::login(addr, "admin", ADMIN_PASSWORD).await;
    admin.create_user("ada").await;
    let ada = Client::login(addr, "ada", "pw").await;
    let info = "/api/v1/users.info?username=ada";
    for call in 1..=10u64 {
        let answer = get(&ada, info).await;
        assert_eq!(answer.status, 200, "call {call}: {:?}", answer.body);
        assert_eq!(answer.header("x-ratelimit-limit"), Some("10"));
        let remaining = (10 - call).to_string();
        assert_eq!(
            answer.header("x-ratelimit-remaining"),
            Some(remaining.as_str())
        );
        let reset: i64 = answer.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!(reset > now && reset <= now + 3_600_000, "{reset} vs {now}");
    }
    let refused = get(&ada, info).await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    let seconds = wait_seconds(&refused);
    assert!((1..=3600).contains(&seconds), "{seconds}");
    assert_eq!(
        refused.body,
        json!({"success": false, "error": format!("Error, too many requests. Please slow down. You must wait {seconds} seconds before trying this endpoint again. [error-too-many-requests]")})
    );
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    // Another route has its own count.
    let me = get(&ada, "/api/v1/me").await;
    assert_eq!(
        (me.status, me.header("x-ratelimit-remaining")),
        (200, Some("9"))
    );
    // An admin holds api-bypass-rate-limit: never counted, no headers.
    for _ in 0..15 {
        let answer = get(&admin, info).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.header("x-ratelimit-limit"), None);
    }
    // Logins count per address whatever the password: the join-code and password guessers'
    // door. Two logins so far; eight more, then the eleventh is refused.
    for _ in 0..8 {
        let body = json!({"user": "ada", "password": "wrong"}).to_string();
        let answer = exchange(addr, "POST", "/api/v1/login", &[], &body)
            .await
            .unwrap();
        assert_eq!(answer.status, 401, "{:?}", answer.body);
    }
    let body = json!({"user": "ada", "password": "pw"}).to_string();
    let answer = exchange(addr, "POST", "/api/v1/login", &[], &body)
        .await
        .unwrap();
    assert_eq!(answer.status, 429, "{:?}", answer.body);
    // Sign-ups: one per window per address (Rate_Limiter_Limit_RegisterUser).
    for (n, expected) in [(1, 200), (2, 429)] {
        let body = json!({"username": format!("new{n}"), "email": format!("new{n}@example.org"), "pass": "pw-new", "name": "New"});
        let answer = exchange(
            addr,
            "POST",
            "/api/v1/users.register",
            &[],
            &body.to_string(),
        )
        .await
        .unwrap();
        assert_eq!(answer.status, expected, "{:?}", answer.body);
        assert_eq!(answer.header("x-ratelimit-limit"), Some("1"));
    }

    // The settings take effect at once: a new limit starts a new window.
    let (status, body) = admin
        .post(
            "/api/v1/settings/API_Enable_Rate_Limiter_Limit_Calls_Default",
            json!({"value": 100}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let answer = get(&ada, info).await;
    assert_eq!(
        (answer.status, answer.header("x-ratelimit-limit")),
        (200, Some("100"))
    );
    let (status, _) = admin
        .post(
            "/api/v1/settings/API_Enable_Rate_Limiter",
            json!({"value": false}),
        )
        .await;
    assert_eq!(status, 200);
    for _ in 0..120 {
        let answer = get(&ada, info).await;
        assert_eq!(
            (answer.status, answer.header("x-ratelimit-limit")),
            (200, None)
        );
    }
    stop.send(()).unwrap();
    handle.await.unwrap();
}

/// Rocket.Chat's `OVERWRITE_SETTING_<id>` at start, through the binary's environment, as
/// Rocket.Chat's own client suites set `OVERWRITE_SETTING_API_Enable_Rate_Limiter=false`.
#[tokio::test]
async fn overwrite_setting_variables_are_read_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    for (value, expected) in [("2", [200, 200, 429]), ("50", [200, 200, 200])] {
        let (child, addr) = rocketlite_testkit::node::start_with_env(
            env!("CARGO_BIN_EXE_rocketlite"),
            &["--data-dir", data_dir],
            &[
                ("OVERWRITE_SETTING_API_Enable_Rate_Limiter", "true"),
                (
                    "OVERWRITE_SETTING_API_Enable_Rate_Limiter_Limit_Calls_Default",
                    value,
                ),
            ],
        );
        let mut child = rocketlite_testkit::node::KillOnDrop(child);
        let mut got = Vec::new();
        for _ in 0..3 {
            let body = json!({"user": "nobody", "password": "x"}).to_string();
            let answer = exchange(addr, "POST", "/api/v1/login", &[], &body)
                .await
                .unwrap();
            got.push(if answer.status == 429 { 429 } else { 200 });
        }
        assert_eq!(got, expected, "OVERWRITE_SETTING_…=={value}");
        let _ = child.0.kill();
        let _ = child.0.wait();
    }
}
