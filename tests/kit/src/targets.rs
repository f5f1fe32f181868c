//! The fuzz targets' bodies. `cargo fuzz` runs them on generated inputs; `cargo test`
//! (tests/fuzz_corpora.rs) replays every committed corpus file through the same functions.

use arbitrary::{Arbitrary, Unstructured};
use rocketlite::api::{
    BodyFormat, CreateUserBody, RequestSchema, RoomUserBody, SetActiveStatusBody, parse_body,
};
use rocketlite::model::{Email, Profile, Room, RoomId, RoomKind, Subscription, User, UserId};
use rocketlite::store::{decode, encode};
use serde_json::json;

use crate::harness::Harness;
use crate::model::{Model, Op};

/// Arbitrary bytes never panic the body parser; valid bodies are always accepted with the
/// values they carry.
pub fn validator(data: &[u8]) {
    fn any<T: RequestSchema>(data: &[u8]) {
        let _ = parse_body::<T>(BodyFormat::Json, data);
        let _ = parse_body::<T>(BodyFormat::Form, data);
    }
    any::<SetActiveStatusBody>(data);
    any::<CreateUserBody>(data);
    any::<RoomUserBody>(data);

    let mut u = Unstructured::new(data);
    let Ok((user_id, active, confirm)) = <(String, bool, Option<bool>)>::arbitrary(&mut u) else {
        return;
    };
    let mut body = json!({"userId": user_id, "activeStatus": active});
    if let Some(confirm) = confirm {
        body["confirmRelinquish"] = json!(confirm);
    }
    let parsed = parse_body::<SetActiveStatusBody>(BodyFormat::Json, body.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("a valid body was refused: {body} -> {e:?}"));
    assert_eq!(parsed.user_id, user_id);
    assert_eq!(parsed.active_status, active);
    assert_eq!(parsed.confirm_relinquish, confirm);

    // The same body as a form carries the same values.
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("userId", &user_id);
    form.append_pair("activeStatus", &active.to_string());
    if let Some(confirm) = confirm {
        form.append_pair("confirmRelinquish", &confirm.to_string());
    }
    let form = form.finish();
    let parsed = parse_body::<SetActiveStatusBody>(BodyFormat::Form, form.as_bytes())
        .unwrap_or_else(|e| panic!("a valid form was refused: {form} -> {e:?}"));
    assert_eq!(parsed.user_id, user_id);
    assert_eq!(parsed.active_status, active);
    assert_eq!(parsed.confirm_relinquish, confirm);
}

/// Arbitrary bytes never panic the record decoder; records round-trip.
pub fn codec(data: &[u8]) {
    let _ = decode::<User>(data);
    let _ = decode::<Room>(data);
    let _ = decode::<Subscription>(data);
    let _ = decode::<Vec<String>>(data);
    if let Ok(user) = decode::<User>(data) {
        assert_eq!(decode::<User>(&encode(&user)).unwrap(), user);
    }

    let mut u = Unstructured::new(data);
    let Ok((names, flags, numbers)) = <(
        (String, String, String, String),
        (bool, bool, bool),
        (i64, i64, u64),
    )>::arbitrary(&mut u) else {
        return;
    };
    let user = User {
        id: UserId(names.0.clone()),
        username: names.1.clone(),
        name: names.2.clone(),
        emails: vec![Email {
            address: names.3.clone(),
            verified: flags.0,
            kind: flags.1.then(|| names.2.clone()),
            primary: None,
        }],
        password_hash: flags.1.then(|| names.3.clone()),
        active: flags.2,
        roles: vec![names.1.clone()],
        created_at: numbers.0,
        updated_at: numbers.1,
        last_login: flags.0.then_some(numbers.1),
        inactive_reason: (!flags.2).then(|| names.2.clone()),
        profile: Profile {
            bio: flags.1.then(|| names.2.clone()),
            nickname: None,
            status_text: flags.2.then(|| names.3.clone()),
            status_default: flags.0.then(|| names.1.clone()),
            status_expires_at: flags.1.then_some(numbers.0),
        },
        external_id: flags.2.then(|| names.0.clone()),
    };
    assert_eq!(decode::<User>(&encode(&user)).unwrap(), user);
    let room = Room {
        id: RoomId(names.0.clone()),
        name: names.1.clone(),
        fname: names.2.clone(),
        kind: if flags.0 {
            RoomKind::Group
        } else {
            RoomKind::Channel
        },
        creator_id: UserId(names.3.clone()),
        creator_username: names.1.clone(),
        read_only: flags.1,
        users_count: numbers.2,
        created_at: numbers.0,
        updated_at: numbers.1,
        default: false,
        topic: flags.0.then(|| names.1.clone()),
        description: flags.1.then(|| names.2.clone()),
        announcement: flags.2.then(|| names.3.clone()),
        custom_fields: [(names.0.clone(), serde_json::Value::from(names.1.clone()))]
            .into_iter()
            .collect(),
        archived: flags.1,
        join_code: flags.2.then(|| names.0.clone()),
    };
    assert_eq!(decode::<Room>(&encode(&room)).unwrap(), room);
    let sub = Subscription {
        id: names.2,
        room_id: room.id.clone(),
        user_id: user.id.clone(),
        join_seq: numbers.2,
        roles: vec![names.3],
        user_archived: flags.2,
        room_archived: flags.0,
        hidden: flags.1,
        favorite: flags.0 && flags.2,
        created_at: numbers.0,
        updated_at: numbers.1,
    };
    assert_eq!(decode::<Subscription>(&encode(&sub)).unwrap(), sub);
}

/// A sequence of operations: the service's outcome equals the model's after every step,
/// and the invariants hold throughout.
pub fn operations(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(ops) = Vec::<Op>::arbitrary(&mut u) else {
        return;
    };
    let mut model = Model::default();
    let mut harness = Harness::new(None);
    for op in ops.iter().take(64) {
        let predicted = model.apply(op);
        let actual = harness.apply(op);
        assert_eq!(actual, predicted, "outcome of {op:?}");
        harness.check(&model);
    }
}
