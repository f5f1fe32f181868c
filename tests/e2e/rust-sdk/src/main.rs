//! The last-owner story through a progenitor-generated client:
//! `cargo run -- BASE_URL ADMIN_USER ADMIN_PASS`.

#[allow(clippy::all, dead_code, unused_imports)]
mod client {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

use client::{Client, Error, types};
use reqwest::header::{HeaderMap, HeaderValue};

fn authed(base: &str, user_id: &str, token: &str) -> Client {
    // progenitor ignores security schemes: the two headers go on every request.
    let mut headers = HeaderMap::new();
    headers.insert("X-User-Id", HeaderValue::from_str(user_id).unwrap());
    headers.insert("X-Auth-Token", HeaderValue::from_str(token).unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    Client::new_with_client(base, http)
}

async fn login(base: &str, user: &str, password: &str) -> Client {
    let anonymous = Client::new(base);
    let body = types::LoginBody {
        user: Some(types::LoginUser::String(user.to_string())),
        username: None,
        email: None,
        password: Some(types::LoginPassword::String(password.to_string())),
        resume: None,
        code: None,
    };
    let ok = anonymous.login(&body).await.expect("login").into_inner();
    println!("logged in as {user} ({})", ok.data.user_id);
    authed(base, &ok.data.user_id, &ok.data.auth_token)
}

fn new_user(name: &str) -> types::CreateUserBody {
    types::CreateUserBody {
        email: format!("{name}@example.org"),
        name: name.to_string(),
        password: format!("{name}-password"),
        username: name.to_string(),
        active: None,
        roles: vec![],
        verified: None,
        join_default_channels: None,
        require_password_change: None,
        send_welcome_email: None,
        set_random_password: None,
        nickname: None,
        bio: None,
        status_text: None,
        custom_fields: Default::default(),
        fields: None,
        free_switch_extension: None,
        phones: vec![],
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, admin_user, admin_pass] = &args[..] else {
        panic!("usage: rust-sdk BASE_URL ADMIN_USER ADMIN_PASS");
    };
    let suffix = std::process::id();
    let (olga, ada) = (format!("olga{suffix}"), format!("ada{suffix}"));

    let admin = login(base, admin_user, admin_pass).await;
    let olga_id = admin.users_create(&new_user(&olga)).await.expect("create olga").into_inner().user.id;
    admin.users_create(&new_user(&ada)).await.expect("create ada");

    let as_olga = login(base, &olga, &format!("{olga}-password")).await;
    let room = types::CreateRoomBody { name: format!("story{suffix}"), members: vec![ada.clone()], read_only: None, custom_fields: Default::default() };
    let channel = as_olga.channels_create(&room).await.expect("channels.create").into_inner().channel;
    println!("{olga} created #{} and is its sole owner", channel.name);

    let deactivate = |confirm: Option<bool>| types::SetActiveStatusBody {
        user_id: olga_id.clone(),
        active_status: false,
        confirm_relinquish: confirm,
        // rocketlite's extension (rocketlite.ownershipPlan); Rocket.Chat clients leave it out.
        plan_id: None,
    };
    match admin.users_set_active_status(&deactivate(None)).await {
        Err(Error::ErrorResponse(refusal)) => {
            assert_eq!(refusal.status().as_u16(), 400);
            let failure: &types::Failure = &refusal;
            assert_eq!(failure.error_type.as_deref(), Some("user-last-owner"));
            println!(
                "refused as a typed error: {} {:?}",
                failure.error.as_deref().unwrap_or_default(),
                failure.details
            );
        }
        other => panic!("expected the user-last-owner refusal, got {other:?}"),
    }

    let done = admin.users_set_active_status(&deactivate(Some(true))).await.expect("deactivate").into_inner();
    assert!(!done.user.active);
    println!("deactivated {olga} with confirmRelinquish");

    let roles = admin.channels_roles(Some(&channel.id), None).await.expect("channels.roles").into_inner();
    let owners: Vec<&str> = roles
        .roles
        .iter()
        .filter(|r| r.roles.iter().any(|role| role == "owner"))
        .map(|r| r.u.username.as_str())
        .collect();
    assert!(owners.contains(&ada.as_str()), "{ada} must own the channel now: {owners:?}");
    println!("new owner from channels.roles: {ada} (owners: {owners:?})");
    println!("rust_sdk: all steps passed");
}
