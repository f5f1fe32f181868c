//! Room administration: kick, leave, join, add-all, moderators and leaders, archiving (two
//! causes), type, deletion, settings and the room lists, with Rocket.Chat's exact bodies.

use serde_json::{Value, json};

use crate::common::{Session, TestApp, forbidden};

fn domain(reason: &str, code: &str, details: Option<Value>) -> Value {
    let mut body =
        json!({"success": false, "error": format!("{reason} [{code}]"), "errorType": code});
    if let Some(details) = details {
        body["details"] = details;
    }
    body
}

fn plain(message: &str) -> Value {
    json!({"success": false, "error": message})
}

const LAST_OWNER: &str = "You are the last owner. Please set new owner before leaving the room.";

/// Posts `body` as `who`; it must be refused with `status` and `expected`, changing nothing.
async fn refused(
    app: &TestApp,
    path: &str,
    who: &Session,
    body: Value,
    status: u16,
    expected: Value,
) {
    let before = app.snapshot();
    let got = app
        .post(&format!("/api/v1/{path}"), Some(who), body.clone())
        .await;
    assert_eq!(got, (status, expected), "{path} {body}");
    assert_eq!(app.snapshot(), before, "{path} {body} changed the store");
}

/// A table of refusals, checked in order as [`refused`] checks one; a row is
/// `path, who, body => status, expected;`.
macro_rules! refusals {
    ($app:ident; $($path:literal, $who:expr, $body:expr => $status:literal, $expected:expr;)+) => {
        $(refused(&$app, $path, $who, $body, $status, $expected).await;)+
    };
}

async fn ok(app: &TestApp, path: &str, who: &Session, body: Value) -> Value {
    let (status, answer) = app
        .post(&format!("/api/v1/{path}"), Some(who), body.clone())
        .await;
    assert_eq!(status, 200, "{path} {body}: {answer}");
    answer
}

/// The stored membership of `user_id` in `room`.
fn subscription(
    app: &TestApp,
    room: &str,
    user_id: &str,
) -> Option<rocketlite::model::Subscription> {
    app.service
        .store()
        .read(|tx| {
            tx.subscription(
                &rocketlite::model::RoomId(room.into()),
                &rocketlite::model::UserId(user_id.into()),
            )
        })
        .unwrap()
}

#[tokio::test]
async fn kick_takes_a_member_out_but_never_the_last_owner() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let carl_id = app.create_user("carl").await;
    let room = app.create_room("c", "hall", &olga, &["ada", "carl"]).await;
    let method = Some(json!({"method": "removeUserFromRoom"}));

    refusals! { app;
        "channels.kick", &olga, json!({"roomId": room, "username": "olga"})
            => 400, domain(LAST_OWNER, "error-you-are-last-owner", method.clone());
        "channels.kick", &ada, json!({"roomId": room, "username": "carl"})
            => 400, domain("Not allowed", "error-not-allowed", method.clone());
    }
    app.create_user("dora").await;
    refusals! { app;
        "channels.kick", &olga, json!({"roomId": room, "username": "dora"})
            => 400, domain("User is not in this room", "error-user-not-in-room", method.clone());
        "channels.kick", &olga, json!({"roomId": room, "username": "nobody"})
            => 400, domain(r#"The required "userId" or "username" param provided does not match any users"#, "error-invalid-user", None);
    }

    let answer = ok(
        &app,
        "channels.kick",
        &olga,
        json!({"roomId": room, "userId": carl_id}),
    )
    .await;
    assert_eq!(answer["channel"]["usersCount"], 2);
    assert!(subscription(&app, &room, &carl_id).is_none());

    // A private group answers success alone.
    let group = app.create_room("p", "den", &olga, &["ada"]).await;
    let answer = ok(
        &app,
        "groups.kick",
        &olga,
        json!({"roomId": group, "username": "ada"}),
    )
    .await;
    assert_eq!(answer, json!({"success": true}));
}

#[tokio::test]
async fn leave_refuses_the_last_owner_and_the_last_active_owner() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let bob_id = app.create_user("bob").await;
    let room = app.create_room("c", "hall", &olga, &["ada", "bob"]).await;
    let method = Some(json!({"method": "leaveRoom"}));

    // The creator alone would be refused too; here others remain.
    refusals! { app;
        "channels.leave", &olga, json!({"roomId": room})
            => 400, domain(LAST_OWNER, "error-you-are-last-owner", method.clone());
        "rooms.leave", &olga, json!({"roomName": "hall"})
            => 400, domain(LAST_OWNER, "error-you-are-last-owner", method.clone());
    }

    // bob co-owns but is deactivated: olga is still the last *active* owner.
    ok(
        &app,
        "channels.addOwner",
        &olga,
        json!({"roomId": room, "userId": bob_id}),
    )
    .await;
    app.set_active(&app.admin, &bob_id, false, false).await;
    refusals! { app;
        "channels.leave", &olga, json!({"roomId": room})
            => 400, domain(LAST_OWNER, "error-you-are-last-owner", method.clone());
    }

    let carl = app.user_session("carl").await;
    refusals! { app;
        "channels.leave", &carl, json!({"roomId": room})
            => 400, domain("You are not in this room", "error-user-not-in-room", method.clone());
    }

    let answer = ok(&app, "channels.leave", &ada, json!({"roomId": room})).await;
    assert_eq!(answer["channel"]["_id"], json!(room));
    assert!(subscription(&app, &room, &ada.user_id).is_none());

    // With an active co-owner olga may go; groups and rooms answer success alone.
    let group = app.create_room("p", "den", &olga, &["carl"]).await;
    ok(
        &app,
        "groups.addOwner",
        &olga,
        json!({"roomId": group, "username": "carl"}),
    )
    .await;
    assert_eq!(
        ok(&app, "groups.leave", &olga, json!({"roomId": group})).await,
        json!({"success": true})
    );
    let (status, _) = app
        .get(&format!("/api/v1/groups.info?roomId={group}"), Some(&olga))
        .await;
    assert_eq!(status, 400, "olga no longer sees the group");
    assert_eq!(app.owners("groups", &group).await, ["carl"]);
}

#[tokio::test]
async fn join_asks_for_the_code_and_an_active_joiner_of_an_ownerless_room_owns_it() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "hall", &olga, &[]).await;
    let method = Some(json!({"method": "joinRoom"}));

    refusals! { app;
        "channels.setJoinCode", &olga, json!({"roomId": room, "joinCode": " "})
            => 400, plain(r#"The bodyParam "joinCode" is required"#);
        "channels.setJoinCode", &ada, json!({"roomId": room, "joinCode": "sesame"})
            => 400, domain("Editing room is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Editing_room"})));
    }
    let answer = ok(
        &app,
        "channels.setJoinCode",
        &olga,
        json!({"roomId": room, "joinCode": "sesame"}),
    )
    .await;
    assert_eq!(answer["channel"]["joinCodeRequired"], true);
    assert!(answer["channel"].get("joinCode").is_none());

    refusals! { app;
        "channels.join", &ada, json!({"roomId": room})
            => 400, domain("Code required", "error-code-required", method.clone());
        "channels.join", &ada, json!({"roomId": room, "joinCode": "open"})
            => 400, domain("Invalid code", "error-code-invalid", method.clone());
    }
    let answer = ok(
        &app,
        "channels.join",
        &ada,
        json!({"roomName": "hall", "joinCode": "sesame"}),
    )
    .await;
    assert_eq!(answer["channel"]["usersCount"], 2);
    // Joining again changes nothing; an admin needs no code.
    let before = app.snapshot();
    ok(
        &app,
        "channels.join",
        &ada,
        json!({"roomId": room, "joinCode": "sesame"}),
    )
    .await;
    assert_eq!(app.snapshot(), before);
    ok(&app, "channels.join", &app.admin, json!({"roomId": room})).await;

    // A private group cannot be joined.
    let group = app.create_room("p", "den", &olga, &[]).await;
    refusals! { app;
        "channels.join", &ada, json!({"roomId": group})
            => 400, domain(r#"The required "roomId" or "roomName" param provided does not match any channel"#, "error-room-not-found", None);
    }

    // olga (sole owner) deactivated with nobody to take over: the room has no active member.
    // Whoever joins next is its earliest-joined active member, and so its owner.
    let lone = app.create_room("c", "lone", &olga, &[]).await;
    app.set_active(&app.admin, &olga.user_id, false, true).await;
    ok(&app, "channels.join", &ada, json!({"roomId": lone})).await;
    assert_eq!(
        app.owners("channels", &lone).await.len(),
        2,
        "ada owns it beside inactive olga"
    );
    assert!(
        subscription(&app, &lone, &ada.user_id)
            .unwrap()
            .roles
            .contains(&"owner".into())
    );
}

#[tokio::test]
async fn add_all_adds_every_user_or_only_active_ones() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada_id = app.create_user("ada").await;
    let bob_id = app.create_user("bob").await;
    app.set_active(&app.admin, &bob_id, false, false).await;
    let room = app.create_room("c", "hall", &olga, &[]).await;
    refusals! { app;
        "channels.addAll", &olga, json!({"roomId": room})
            => 400, json!({"success": false, "error": "Access to Method Forbidden [403]", "errorType": "403", "details": {"method": "addAllToRoom"}});
    }
    let answer = ok(
        &app,
        "channels.addAll",
        &app.admin,
        json!({"roomId": room, "activeUsersOnly": true}),
    )
    .await;
    // admin, olga, ada: bob is inactive.
    assert_eq!(answer["channel"]["usersCount"], 3);
    assert!(subscription(&app, &room, &ada_id).is_some());
    assert!(subscription(&app, &room, &bob_id).is_none());
    let answer = ok(&app, "channels.addAll", &app.admin, json!({"roomId": room})).await;
    assert_eq!(answer["channel"]["usersCount"], 4);
    assert!(subscription(&app, &room, &bob_id).unwrap().archived());
}

#[tokio::test]
async fn moderators_and_leaders_come_and_go_with_their_own_refusals() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    app.create_user("dora").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    let body = json!({"roomId": room, "username": "ada"});

    refusals! { app;
        "channels.addModerator", &ada, body.clone()
            => 400, domain("Not allowed", "error-not-allowed", Some(json!({"method": "addRoomModerator"})));
        "channels.addModerator", &olga, json!({"roomId": room, "username": "dora"})
            => 400, domain("User is not in this room", "error-user-not-in-room", Some(json!({"method": "addRoomModerator"})));
        "channels.removeModerator", &olga, body.clone()
            => 400, domain("User is not a moderator", "error-user-not-moderator", Some(json!({"method": "removeRoomModerator"})));
    }
    assert_eq!(
        ok(&app, "channels.addModerator", &olga, body.clone()).await,
        json!({"success": true})
    );
    refusals! { app;
        "channels.addModerator", &olga, body.clone()
            => 400, domain("User is already a moderator", "error-user-already-moderator", Some(json!({"method": "addRoomModerator"})));
    }
    let (_, mods) = app
        .get(
            &format!("/api/v1/channels.moderators?roomId={room}"),
            Some(&ada),
        )
        .await;
    assert_eq!(mods["moderators"][0]["username"], "ada");
    ok(&app, "channels.removeModerator", &olga, body.clone()).await;

    ok(&app, "channels.addLeader", &olga, body.clone()).await;
    refusals! { app;
        "channels.addLeader", &olga, body.clone()
            => 400, domain("User is already a leader", "error-user-already-leader", Some(json!({"method": "addRoomLeader"})));
    }
    ok(&app, "channels.removeLeader", &olga, body.clone()).await;
    refusals! { app;
        "channels.removeLeader", &olga, body.clone()
            => 400, domain("User is not a leader", "error-user-not-leader", Some(json!({"method": "removeRoomLeader"})));
    }
    assert!(
        subscription(&app, &room, &ada.user_id)
            .unwrap()
            .roles
            .is_empty()
    );
}

#[tokio::test]
async fn archiving_is_two_facts_and_neither_undoes_the_other() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada_id = app.create_user("ada").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    let archived = |app: &TestApp| subscription(app, &room, &ada_id).unwrap();

    // A deactivated member's subscription survives an archive round trip archived.
    app.set_active(&app.admin, &ada_id, false, false).await;
    ok(&app, "channels.archive", &olga, json!({"roomId": room})).await;
    let sub = archived(&app);
    assert!(sub.user_archived && sub.room_archived);
    refusals! { app;
        "channels.archive", &olga, json!({"roomId": room})
            => 400, domain("The channel, hall, is archived", "error-room-archived", None);
    }
    // Owners may archive, only admins unarchive.
    refusals! { app;
        "channels.unarchive", &olga, json!({"roomId": room})
            => 400, domain("Not authorized", "error-not-authorized", Some(json!({"method": "unarchiveRoom"})));
    }
    ok(
        &app,
        "channels.unarchive",
        &app.admin,
        json!({"roomId": room}),
    )
    .await;
    let sub = archived(&app);
    assert!(
        sub.user_archived && !sub.room_archived,
        "still archived: ada is inactive"
    );
    refusals! { app;
        "channels.unarchive", &app.admin, json!({"roomId": room})
            => 400, plain("The channel, hall, is not archived");
    }

    // And reactivating a member of an archived room leaves it archived.
    ok(&app, "channels.archive", &olga, json!({"roomId": room})).await;
    app.set_active(&app.admin, &ada_id, true, false).await;
    let sub = archived(&app);
    assert!(
        !sub.user_archived && sub.room_archived,
        "still archived: the room is"
    );
    let (_, info) = app
        .get(&format!("/api/v1/channels.info?roomId={room}"), Some(&olga))
        .await;
    assert_eq!(info["channel"]["archived"], true);

    // An archived room's membership and settings are frozen.
    let frozen = domain(
        "The channel, hall, is archived",
        "error-room-archived",
        None,
    );
    refusals! { app;
        "channels.kick", &olga, json!({"roomId": room, "userId": ada_id}) => 400, frozen.clone();
        "channels.leave", &olga, json!({"roomId": room}) => 400, frozen.clone();
        "channels.invite", &olga, json!({"roomId": room, "username": "admin"})
            => 400, frozen.clone();
        "channels.setTopic", &olga, json!({"roomId": room, "topic": "x"}) => 400, frozen.clone();
        "rooms.favorite", &olga, json!({"roomId": room, "favorite": true}) => 400, frozen;
    }
    let group = app.create_room("p", "den", &olga, &[]).await;
    ok(&app, "groups.archive", &olga, json!({"roomId": group})).await;
    refusals! { app;
        "groups.archive", &olga, json!({"roomId": group})
            => 400, domain("The private group, den, is archived", "error-room-archived", None);
    }
}

#[tokio::test]
async fn set_type_moves_a_room_between_the_families_and_every_membership_follows() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let carl = app.user_session("carl").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    refusals! { app;
        "channels.setType", &olga, json!({"roomId": room, "type": "c"})
            => 400, plain("The channel type is the same as what it would be changed to.");
        "channels.setType", &olga, json!({"roomId": room})
            => 400, plain(r#"The bodyParam "type" is required"#);
        "channels.setType", &ada, json!({"roomId": room, "type": "p"})
            => 400, domain("Editing room is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Editing_room"})));
        "channels.setType", &olga, json!({"roomId": room, "type": "x"})
            => 400, domain("error-invalid-room-type", "error-invalid-room-type", Some(json!({"function": "RocketChat.saveRoomType", "type": "x"})));
    }
    let answer = ok(
        &app,
        "channels.setType",
        &olga,
        json!({"roomId": room, "type": "p"}),
    )
    .await;
    assert_eq!(answer["channel"]["t"], "p");
    let (_, sub) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&ada),
        )
        .await;
    assert_eq!(sub["subscription"]["t"], "p");
    // Now a group: no longer a channel, and hidden from non-members.
    let (status, _) = app
        .get(&format!("/api/v1/channels.info?roomId={room}"), Some(&olga))
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .get(&format!("/api/v1/groups.info?roomId={room}"), Some(&carl))
        .await;
    assert_eq!(status, 400);
    let answer = ok(
        &app,
        "groups.setType",
        &olga,
        json!({"roomId": room, "type": "c"}),
    )
    .await;
    assert_eq!(answer["group"]["t"], "c");
}

#[tokio::test]
async fn delete_takes_the_room_and_every_membership_in_one_go() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "hall", &olga, &["ada"]).await;
    refusals! { app;
        "channels.delete", &ada, json!({"roomId": room})
            => 400, domain("Not allowed", "error-not-allowed", Some(json!({"method": "eraseRoom"})));
    }
    assert_eq!(
        ok(&app, "channels.delete", &olga, json!({"roomName": "hall"})).await,
        json!({"success": true})
    );
    // The audit trail keeps its history of the room; nothing else names it.
    let dump = app.snapshot();
    let left: Vec<&String> = rocketlite_testkit::harness::rows_naming(&dump, &room)
        .into_iter()
        .filter(|row| !row.starts_with("deleted_users "))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let record = dump
        .iter()
        .filter(|row| row.contains(&room))
        .find(|row| row.starts_with("roomid_room<") || row.starts_with("rooms "));
    assert_eq!(record, None, "the room record is gone");
    // The name is free again.
    app.create_room("c", "hall", &ada, &[]).await;
}

#[tokio::test]
async fn settings_answer_as_rocket_chat_and_refuse_the_same_value() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let room = app.create_room("c", "hall", &olga, &[]).await;
    app.create_room("c", "taken", &olga, &[]).await;
    let r = |extra: Value| {
        let mut body = json!({"roomId": room});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    assert_eq!(
        ok(
            &app,
            "channels.setTopic",
            &olga,
            r(json!({"topic": "plans"}))
        )
        .await,
        json!({"topic": "plans", "success": true})
    );
    refusals! { app;
        "channels.setTopic", &olga, r(json!({"topic": "plans"}))
            => 400, plain("The channel topic is the same as what it would be changed to.");
        "channels.setTopic", &olga, r(json!({}))
            => 400, plain(r#"The bodyParam "topic" is required"#);
    }
    assert_eq!(
        ok(
            &app,
            "channels.setDescription",
            &olga,
            r(json!({"description": "d"}))
        )
        .await,
        json!({"description": "d", "success": true})
    );
    assert_eq!(
        ok(
            &app,
            "channels.setAnnouncement",
            &olga,
            r(json!({"announcement": "a"}))
        )
        .await,
        json!({"announcement": "a", "success": true})
    );
    let answer = ok(
        &app,
        "channels.setReadOnly",
        &olga,
        r(json!({"readOnly": true})),
    )
    .await;
    assert_eq!(answer["channel"]["ro"], true);
    refusals! { app;
        "channels.setReadOnly", &olga, r(json!({"readOnly": true}))
            => 400, plain("The channel read only setting is the same as what it would be changed to.");
    }
    let answer = ok(
        &app,
        "channels.setCustomFields",
        &olga,
        r(json!({"customFields": {"team": "core"}})),
    )
    .await;
    assert_eq!(answer["channel"]["customFields"], json!({"team": "core"}));
    refusals! { app;
        "channels.setCustomFields", &olga, r(json!({}))
            => 400, plain(r#"The bodyParam "customFields" is required with a type like object."#);
    }

    refusals! { app;
        "channels.rename", &olga, r(json!({"name": "taken"}))
            => 400, domain("A channel with name 'taken' exists", "error-duplicate-channel-name", Some(json!({"function": "RocketChat.getValidRoomName", "channel_name": "taken"})));
        "channels.rename", &olga, r(json!({"name": "hall"}))
            => 400, plain("The channel name is the same as what it would be renamed to.");
    }
    let answer = ok(&app, "channels.rename", &olga, r(json!({"name": "atrium"}))).await;
    assert_eq!(answer["channel"]["name"], "atrium");
    let (status, _) = app
        .get("/api/v1/channels.info?roomName=hall", Some(&olga))
        .await;
    assert_eq!(status, 400, "the old name is released");
    app.create_room("c", "hall", &olga, &[]).await;

    // setDefault needs view-room-administration too, and swaps Rocket.Chat's two codes.
    refusals! { app;
        "channels.setDefault", &olga, r(json!({"default": true}))
            => 400, domain("Viewing room administration is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Viewing_room_administration"})));
        "channels.setDefault", &app.admin, r(json!({}))
            => 400, json!({"success": false, "error": r#"The bodyParam "default" is required"#, "errorType": "error-channels-setdefault-is-same"});
    }
    let answer = ok(
        &app,
        "channels.setDefault",
        &app.admin,
        r(json!({"default": true})),
    )
    .await;
    assert_eq!(answer["channel"]["default"], true);
    let zoe = app.create_user("zoe").await;
    assert!(
        subscription(&app, &room, &zoe).is_some(),
        "a new user joins the default channel"
    );
    // Turned off, the key stays and says false, as in Rocket.Chat; a room never made
    // default has no such key.
    let answer = ok(
        &app,
        "channels.setDefault",
        &app.admin,
        r(json!({"default": false})),
    )
    .await;
    assert_eq!(answer["channel"]["default"], false, "{answer}");
    let never = app.create_room("c", "never-default", &olga, &[]).await;
    let (_, info) = app
        .get(
            &format!("/api/v1/channels.info?roomId={never}"),
            Some(&olga),
        )
        .await;
    assert!(info["channel"].get("default").is_none(), "{info}");
}

#[tokio::test]
async fn close_open_and_favorite_are_the_callers_own() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "hall", &olga, &[]).await;
    let body = json!({"roomId": room});
    refusals! { app;
        "channels.open", &olga, body.clone()
            => 400, plain("The channel, hall, is already open to the sender");
    }
    ok(&app, "channels.close", &olga, body.clone()).await;
    let (_, sub) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&olga),
        )
        .await;
    assert_eq!(sub["subscription"]["open"], false);
    refusals! { app;
        "channels.close", &olga, body.clone()
            => 400, plain("The channel, hall, is already closed to the sender");
        "channels.close", &ada, body.clone()
            => 400, plain(r#"The user/callee is not in the channel "hall."#);
    }
    ok(&app, "channels.open", &olga, body.clone()).await;

    refusals! { app;
        "rooms.favorite", &ada, json!({"roomId": room, "favorite": true})
            => 400, domain("You must be part of a room to favorite it", "error-invalid-subscription", Some(json!({"method": "toggleFavorite"})));
    }
    ok(
        &app,
        "rooms.favorite",
        &olga,
        json!({"roomName": "hall", "favorite": true}),
    )
    .await;
    let (_, sub) = app
        .get(
            &format!("/api/v1/subscriptions.getOne?roomId={room}"),
            Some(&olga),
        )
        .await;
    assert_eq!(sub["subscription"]["f"], true);
    let group = app.create_room("p", "den", &olga, &[]).await;
    ok(&app, "groups.close", &olga, json!({"roomId": group})).await;
    refusals! { app;
        "groups.open", &ada, json!({"roomId": group})
            => 400, domain(r#"The required "roomId" or "roomName" param provided does not match any group"#, "error-room-not-found", None);
    }
    ok(&app, "groups.open", &olga, json!({"roomId": group})).await;
    refusals! { app;
        "groups.open", &olga, json!({"roomId": group})
            => 400, plain("The private group, den, is already open for the sender");
    }
}

#[tokio::test]
async fn room_lists_show_what_the_caller_may_see() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    app.create_room("c", "beta", &olga, &[]).await;
    app.create_room("c", "alpha", &olga, &["ada"]).await;
    app.create_room("p", "den", &olga, &["ada"]).await;
    app.create_room("p", "attic", &olga, &[]).await;
    let names = |body: &Value, key: &str| -> Vec<String> {
        body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };

    let (status, all) = app.get("/api/v1/channels.list", Some(&ada)).await;
    assert_eq!(status, 200);
    assert_eq!(names(&all, "channels"), ["alpha", "beta"]);
    assert_eq!(
        (
            all["total"].clone(),
            all["count"].clone(),
            all["offset"].clone()
        ),
        (json!(2), json!(2), json!(0))
    );
    let (_, page) = app
        .get(
            "/api/v1/channels.list?count=1&offset=1&sort=%7B%22name%22%3A-1%7D",
            Some(&ada),
        )
        .await;
    assert_eq!(names(&page, "channels"), ["alpha"]);
    let (_, joined) = app.get("/api/v1/channels.list.joined", Some(&ada)).await;
    assert_eq!(names(&joined, "channels"), ["alpha"]);
    let (_, mine) = app.get("/api/v1/groups.list", Some(&ada)).await;
    assert_eq!(names(&mine, "groups"), ["den"]);
    assert_eq!(
        app.get("/api/v1/groups.listAll", Some(&ada)).await,
        (403, forbidden())
    );
    let (_, every) = app.get("/api/v1/groups.listAll", Some(&app.admin)).await;
    assert_eq!(names(&every, "groups"), ["attic", "den"]);

    let (status, info) = app
        .get("/api/v1/groups.info?roomName=den", Some(&ada))
        .await;
    assert_eq!((status, info["group"]["name"].clone()), (200, json!("den")));
    assert_eq!(
        app.get("/api/v1/groups.info?roomName=attic", Some(&ada))
            .await,
        (
            400,
            domain(
                r#"The required "roomId" or "roomName" param provided does not match any group"#,
                "error-room-not-found",
                None
            )
        )
    );
}

#[tokio::test]
async fn admin_rooms_rooms_get_subscriptions_get_and_directory() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    app.create_room("c", "alpha", &olga, &["ada"]).await;
    app.create_room("p", "den", &olga, &["ada"]).await;
    app.create_room("p", "attic", &olga, &[]).await;
    let names = |body: &Value, key: &str| -> Vec<String> {
        let mut n: Vec<String> = body[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };

    assert_eq!(
        app.get("/api/v1/rooms.adminRooms", Some(&ada)).await,
        (400, plain("error-not-authorized"))
    );
    let (_, rooms) = app
        .get(
            "/api/v1/rooms.adminRooms?filter=A&types=p",
            Some(&app.admin),
        )
        .await;
    assert_eq!(names(&rooms, "rooms"), ["attic"]);
    assert_eq!(rooms["total"], 1);
    let (status, body) = app
        .get(
            "/api/v1/rooms.adminRooms?types[]=discussion",
            Some(&app.admin),
        )
        .await;
    assert_eq!(
        (status, body["errorType"].clone()),
        (400, json!("invalid-params"))
    );

    let (_, mine) = app.get("/api/v1/rooms.get", Some(&ada)).await;
    assert_eq!(names(&mine, "update"), ["alpha", "den"]);
    let (_, later) = app
        .get(
            "/api/v1/rooms.get?updatedSince=2100-01-01T00:00:00Z",
            Some(&ada),
        )
        .await;
    assert_eq!(later["update"], json!([]));
    assert_eq!(
        app.get("/api/v1/rooms.get?updatedSince=soon", Some(&ada))
            .await,
        (
            400,
            domain(
                r#"The "updatedSince" query parameter must be a valid date."#,
                "error-updatedSince-param-invalid",
                None
            )
        )
    );
    let (_, subs) = app.get("/api/v1/subscriptions.get", Some(&ada)).await;
    assert_eq!(names(&subs, "update"), ["alpha", "den"]);
    assert_eq!(
        app.get("/api/v1/subscriptions.get?updatedSince=soon", Some(&ada))
            .await,
        (
            400,
            domain(
                r#"The "lastUpdate" query parameter must be a valid date."#,
                "error-roomId-param-invalid",
                None
            )
        )
    );

    // Channels: public ones and the caller's groups, never someone else's group.
    let (_, found) = app
        .get(
            "/api/v1/directory?text=a&sort=%7B%22name%22%3A1%7D",
            Some(&ada),
        )
        .await;
    let got: Vec<&str> = found["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["alpha"]);
    let (_, found) = app.get("/api/v1/directory?text=de", Some(&ada)).await;
    assert_eq!(found["result"][0]["name"], "den");
    let (_, users) = app
        .get("/api/v1/directory?type=users&text=OLG", Some(&ada))
        .await;
    assert_eq!(users["result"][0]["username"], "olga");
    assert!(users["result"][0].get("emails").is_none());
    let (_, users) = app
        .get("/api/v1/directory?type=users&text=olga", Some(&app.admin))
        .await;
    assert_eq!(
        users["result"][0]["emails"][0]["address"],
        "olga@example.org"
    );
    assert_eq!(
        app.get("/api/v1/directory?type=planets", Some(&ada)).await,
        (400, plain("Please verify the parameters"))
    );
    assert_eq!(
        app.get(
            "/api/v1/directory?sort=%7B%22name%22%3A1%2C%22ts%22%3A1%7D",
            Some(&ada)
        )
        .await,
        (
            400,
            plain(r#"This method support only one "sort" parameter"#)
        )
    );
}

#[tokio::test]
async fn the_remaining_room_refusals_answer_as_rocket_chat() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "hall", &olga, &[]).await;

    refusals! { app;
        "channels.rename", &olga, json!({"roomId": room, "name": "a b"})
            => 400, domain("a b is not a valid room name.", "error-invalid-room-name", Some(json!({"function": "RocketChat.getValidRoomName", "channel_name": "a b"})));
        "channels.rename", &olga, json!({"roomId": room})
            => 400, plain(r#"The bodyParam "name" is required"#);
    }
    ok(
        &app,
        "channels.setDescription",
        &olga,
        json!({"roomId": room, "description": "d"}),
    )
    .await;
    refusals! { app;
        "channels.setDescription", &olga, json!({"roomId": room, "description": "d"})
            => 400, plain("The channel description is the same as what it would be changed to.");
        "channels.open", &ada, json!({"roomId": room})
            => 400, plain(r#"The user/callee is not in the channel "hall"."#);
        "rooms.leave", &ada, json!({"roomId": room})
            => 400, domain("You are not in this room", "error-user-not-in-room", Some(json!({"method": "leaveRoom"})));
    }

    // Without create-p nobody may make a channel private, even an owner with edit-room.
    let (status, _) = app
        .post(
            "/api/v1/permissions.update",
            Some(&app.admin),
            json!({"permissions": [{"_id": "create-p", "roles": ["admin"]}]}),
        )
        .await;
    assert_eq!(status, 200);
    refusals! { app;
        "channels.setType", &olga, json!({"roomId": room, "type": "p"})
            => 400, domain("Changing a public channel to a private room is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Change_Room_Type"})));
    }

    // An archived room has no moderators to list, as Rocket.Chat answers.
    ok(&app, "channels.archive", &olga, json!({"roomId": room})).await;
    assert_eq!(
        app.get(
            &format!("/api/v1/channels.moderators?roomId={room}"),
            Some(&olga)
        )
        .await,
        (
            400,
            domain(
                "The channel, hall, is archived",
                "error-room-archived",
                None
            )
        )
    );
    refusals! { app;
        "channels.join", &ada, json!({"roomId": room})
            => 400, domain("The channel, hall, is archived", "error-room-archived", None);
        "channels.addAll", &app.admin, json!({"roomId": room})
            => 400, domain("The channel, hall, is archived", "error-room-archived", None);
    }
}

#[tokio::test]
async fn save_room_settings_checks_every_change_before_writing_any() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let room = app.create_room("c", "plans", &olga, &["ada"]).await;
    let save = |body: Value| {
        let mut body = body;
        body["rid"] = json!(room);
        body
    };
    // A member without edit-room, an unknown room, and a change that needs another right
    // next to one that is allowed: each refused, nothing written.
    refusals! { app;
        "rooms.saveRoomSettings", &ada, save(json!({"roomTopic": "mine"}))
            => 400, domain("Editing room is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Editing_room"})));
        "rooms.saveRoomSettings", &olga, json!({"rid": "nowhere", "roomTopic": "x"})
            => 400, domain("Invalid room", "error-invalid-room", Some(json!({"method": "saveRoomSettings"})));
        "rooms.saveRoomSettings", &olga, save(json!({"roomTopic": "new topic", "default": true}))
            => 400, domain("Viewing room administration is not allowed", "error-action-not-allowed", Some(json!({"method": "saveRoomSettings", "action": "Viewing_room_administration"})));
    }
    // Everything at once; the same values again change nothing and are no refusal.
    let all = save(json!({
        "roomName": "plans-2026",
        "roomTopic": "the year",
        "roomAnnouncement": "read me",
        "roomDescription": "what we plan",
        "roomCustomFields": {"team": "ops"},
        "readOnly": true,
        "systemMessages": ["uj", "ul"],
        "joinCode": "1234",
        "featured": true
    }));
    let answer = ok(&app, "rooms.saveRoomSettings", &olga, all.clone()).await;
    assert_eq!(answer, json!({"rid": room, "success": true}));
    let (_, info) = app
        .get(&format!("/api/v1/channels.info?roomId={room}"), Some(&olga))
        .await;
    let channel = &info["channel"];
    assert_eq!(
        (
            &channel["name"],
            &channel["topic"],
            &channel["announcement"],
            &channel["description"],
            &channel["customFields"],
            &channel["ro"],
            &channel["sysMes"],
            &channel["joinCodeRequired"]
        ),
        (
            &json!("plans-2026"),
            &json!("the year"),
            &json!("read me"),
            &json!("what we plan"),
            &json!({"team": "ops"}),
            &json!(true),
            &json!(["uj", "ul"]),
            &json!(true)
        ),
        "{info}"
    );
    let before = app.snapshot();
    ok(&app, "rooms.saveRoomSettings", &olga, all).await;
    assert_eq!(app.snapshot(), before, "the same values changed nothing");
    // The type, as setType checks it; an admin may make it default.
    ok(
        &app,
        "rooms.saveRoomSettings",
        &olga,
        save(json!({"roomType": "p"})),
    )
    .await;
    let answer = ok(
        &app,
        "rooms.saveRoomSettings",
        &app.admin,
        save(json!({"default": true})),
    )
    .await;
    assert_eq!(answer["success"], true);
    let (_, info) = app
        .get(&format!("/api/v1/groups.info?roomId={room}"), Some(&olga))
        .await;
    assert_eq!(
        (&info["group"]["t"], &info["group"]["default"]),
        (&json!("p"), &json!(true)),
        "{info}"
    );
}

#[tokio::test]
async fn rooms_change_archivation_state_and_rooms_delete_take_any_room() {
    let app = TestApp::new().await;
    let olga = app.user_session("olga").await;
    let ada = app.user_session("ada").await;
    let group = app.create_room("p", "crew", &olga, &["ada"]).await;
    // A member without the permissions, and a room that does not exist: refused, nothing
    // changes.
    refusals! { app;
        "rooms.changeArchivationState", &ada, json!({"rid": group, "action": "archive"})
            => 400, domain("Not authorized", "error-not-authorized", Some(json!({"method": "archiveRoom"})));
        "rooms.delete", &olga, json!({"roomId": "nowhere"})
            => 400, domain("Invalid room", "error-invalid-room", Some(json!({"method": "eraseRoom"})));
    }
    ok(
        &app,
        "rooms.changeArchivationState",
        &olga,
        json!({"rid": group, "action": "archive"}),
    )
    .await;
    let (_, info) = app
        .get(&format!("/api/v1/groups.info?roomId={group}"), Some(&olga))
        .await;
    assert_eq!(info["group"]["archived"], true, "{info}");
    // Any other action unarchives (an admin holds unarchive-room).
    ok(
        &app,
        "rooms.changeArchivationState",
        &app.admin,
        json!({"rid": group}),
    )
    .await;
    let (_, info) = app
        .get(&format!("/api/v1/groups.info?roomId={group}"), Some(&olga))
        .await;
    assert!(info["group"].get("archived").is_none(), "{info}");
    ok(&app, "rooms.delete", &olga, json!({"roomId": group})).await;
    let (status, _) = app
        .get(&format!("/api/v1/groups.info?roomId={group}"), Some(&olga))
        .await;
    assert_eq!(status, 400, "the group is gone");
}
