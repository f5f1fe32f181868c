//! Every login form Rocket.Chat's clients send: `user` as a string or a selector, `username`,
//! `email`, a password or its SHA-256 digest, `resume`; and 401 for anything incomplete.

use rocketlite::model::{User, UserId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{ADMIN_PASSWORD, TestApp};

const LOGIN: &str = "/api/v1/login";

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unauthorized() -> Value {
    json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"})
}

#[tokio::test]
async fn every_accepted_form_logs_in() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada").await;
    let digest = json!({"digest": hex_sha256("ada-password"), "algorithm": "sha-256"});
    let bodies = [
        json!({"user": "ada", "password": "ada-password"}),
        json!({"user": "ADA@example.org", "password": "ada-password"}),
        json!({"username": "ada", "password": "ada-password"}),
        json!({"email": "ada@example.org", "password": "ada-password"}),
        json!({"user": {"username": "ada"}, "password": "ada-password"}),
        json!({"user": {"email": "ada@example.org"}, "password": "ada-password"}),
        json!({"user": {"id": ada}, "password": "ada-password"}),
        json!({"user": "ada", "password": digest}),
        json!({"user": {"username": "ada"}, "password": digest, "code": "123456"}),
        // A string user wins over username, which wins over a selector.
        json!({"user": "ada", "username": "admin", "password": "ada-password"}),
        json!({"user": {"username": "admin"}, "username": "ada", "password": "ada-password"}),
    ];
    for body in bodies {
        let (status, resp) = app.post(LOGIN, None, body.clone()).await;
        assert_eq!(status, 200, "{body}: {resp}");
        assert_eq!(resp["data"]["userId"], json!(ada), "{body}");
    }
}

#[tokio::test]
async fn resume_logs_in_again_with_the_same_token_and_wins_over_a_password() {
    let app = TestApp::new().await;
    let session = app.user_session("ada").await;
    for body in [
        json!({"resume": session.token}),
        json!({"resume": session.token, "user": "admin", "password": ADMIN_PASSWORD}),
    ] {
        let (status, resp) = app.post(LOGIN, None, body.clone()).await;
        assert_eq!(status, 200, "{body}: {resp}");
        assert_eq!(resp["data"]["userId"], json!(session.user_id));
        assert_eq!(resp["data"]["authToken"], json!(session.token));
    }
    let (status, _) = app.post("/api/v1/logout", Some(&session), json!({})).await;
    assert_eq!(status, 200);
    let got = app
        .post(LOGIN, None, json!({"resume": session.token}))
        .await;
    assert_eq!(got, (401, unauthorized()));
}

#[tokio::test]
async fn incomplete_or_malformed_logins_are_401_and_change_nothing() {
    let app = TestApp::new().await;
    app.create_user("ada").await;
    let before = app.snapshot();
    let bodies = [
        json!({}),
        json!({"user": "ada"}),
        json!({"password": "ada-password"}),
        json!({"user": {}, "password": "ada-password"}),
        json!({"user": {"username": "ada", "email": "ada@example.org"}, "password": "ada-password"}),
        json!({"user": "ada", "password": {"digest": hex_sha256("ada-password"), "algorithm": "md5"}}),
        json!({"user": "ada", "password": {"digest": hex_sha256("ada-password").to_uppercase(), "algorithm": "sha-256"}}),
        json!({"user": "ada", "password": ""}),
        json!({"resume": "not-a-token"}),
    ];
    for body in bodies {
        let got = app.post(LOGIN, None, body.clone()).await;
        assert_eq!(got, (401, unauthorized()), "{body}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn old_hashes_verify_until_the_next_login_replaces_them() {
    let app = TestApp::new().await;
    let ada = UserId(app.create_user("ada").await);
    // Put back a hash as earlier builds stored it: argon2id over the password itself.
    let legacy = {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default()
            .hash_password_with_salt(b"ada-password", b"0123456789abcdef")
            .unwrap()
            .to_string()
    };
    let store = app.service.store();
    let record = |store: &rocketlite::store::Store| -> User {
        store.read(|tx| tx.user(&ada)).unwrap().unwrap()
    };
    let current = record(store);
    let mut old = current.clone();
    old.password_hash = Some(legacy.clone());
    store
        .write(move |tx| tx.put_user(&old, Some(&current)))
        .unwrap();

    // A digest cannot be checked against it; the password can, and replaces it.
    let digest = json!({"digest": hex_sha256("ada-password"), "algorithm": "sha-256"});
    let got = app
        .post(LOGIN, None, json!({"user": "ada", "password": digest}))
        .await;
    assert_eq!(got, (401, unauthorized()));
    assert_eq!(record(store).password_hash, Some(legacy.clone()));
    let (status, _) = app
        .post(
            LOGIN,
            None,
            json!({"user": "ada", "password": "ada-password"}),
        )
        .await;
    assert_eq!(status, 200);
    let upgraded = record(store).password_hash.unwrap();
    assert!(upgraded.starts_with("sha256:$argon2id$"), "{upgraded}");
    for password in [digest, json!("ada-password")] {
        let (status, _) = app
            .post(LOGIN, None, json!({"user": "ada", "password": password}))
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        record(store).password_hash.unwrap(),
        upgraded,
        "upgraded once"
    );
}
