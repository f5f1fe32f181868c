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
        default_turned_off: false,
        topic: flags.0.then(|| names.1.clone()),
        description: flags.1.then(|| names.2.clone()),
        announcement: flags.2.then(|| names.3.clone()),
        custom_fields: [(names.0.clone(), serde_json::Value::from(names.1.clone()))]
            .into_iter()
            .collect(),
        archived: flags.1,
        join_code: flags.2.then(|| names.0.clone()),
        sys_mes: flags.0.then(|| vec![names.2.clone()]),
        muted: flags.1.then(|| names.1.clone()).into_iter().collect(),
        unmuted: flags.2.then(|| names.2.clone()).into_iter().collect(),
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

/// One SCIM request built from fuzz input: a method, a path among the ones that exist (or
/// any text), a query and a body that is usually a PATCH in one of the shapes identity
/// providers send, with arbitrary paths and values.
#[derive(Arbitrary, Debug)]
pub struct ScimRequest {
    method: u8,
    path: u8,
    tail: String,
    query: String,
    body: ScimBody,
}

#[derive(Arbitrary, Debug)]
enum ScimBody {
    None,
    Raw(String),
    Patch(Vec<(u8, Option<String>, ScimValue)>),
    Resource(Vec<(String, ScimValue)>),
}

#[derive(Arbitrary, Debug)]
enum ScimValue {
    Bool(bool),
    Text(String),
    Known(u8),
    Number(i64),
    Emails(Vec<(String, Option<String>, Option<bool>)>),
    Object(Vec<(String, bool)>),
}

impl ScimValue {
    fn json(&self) -> serde_json::Value {
        const KNOWN: [&str; 6] = ["False", "True", "ada", "bob", "x@example.org", ""];
        match self {
            ScimValue::Bool(b) => json!(b),
            ScimValue::Text(s) => json!(s),
            ScimValue::Known(i) => json!(KNOWN[*i as usize % KNOWN.len()]),
            ScimValue::Number(n) => json!(n),
            ScimValue::Emails(list) => json!(list
                .iter()
                .map(|(value, kind, primary)| json!({"value": value, "type": kind, "primary": primary}))
                .collect::<Vec<_>>()),
            ScimValue::Object(fields) => {
                serde_json::Value::Object(fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
            }
        }
    }
}

/// Arbitrary SCIM requests through the whole app never crash it or answer 500; every answer
/// is SCIM's media type, every error SCIM's error body with its status; a refusal changes
/// nothing; and no request leaves a room with an active member but no active owner, or the
/// server without an active admin.
pub fn scim(data: &[u8]) {
    use rocketlite::service::{AdminSeed, LoginName, NewRoom, NewUser, Secret, Service};
    use rocketlite::store::{Store, prelude::*};
    use std::sync::Arc;

    let mut u = Unstructured::new(data);
    let Ok(requests) = Vec::<ScimRequest>::arbitrary(&mut u) else {
        return;
    };
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(1_764_000_000_000));
    let service = Service::new(
        Store::in_memory().unwrap(),
        Arc::new(move || clock.fetch_add(1, std::sync::atomic::Ordering::SeqCst)),
        Box::new(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7)),
    )
    .with_argon2_params(argon2::Params::new(8, 1, 1, None).unwrap());
    service.seed_permissions().unwrap();
    let seed = AdminSeed {
        username: "admin".into(),
        password: Some("admin-pw".into()),
        email: None,
        name: "Admin".into(),
    };
    service.bootstrap_admin(&seed).unwrap();
    let session = |name: &str| {
        let (user, token) = service
            .login(&LoginName::Username(name.into()), &Secret::Plain(format!("{name}-pw")), None)
            .unwrap();
        service.authenticate(&user.id, token).unwrap()
    };
    let admin = session("admin");
    let mut ids = vec![admin.user.id.to_string()];
    for name in ["ada", "bob"] {
        let new = NewUser {
            email: format!("{name}@example.org"),
            name: name.into(),
            password: format!("{name}-pw"),
            username: name.into(),
            active: true,
            roles: vec!["user".into()],
            verified: true,
            join_default_channels: false,
            custom_fields: None,
        };
        ids.push(service.create_user(&admin, new).unwrap().id.to_string());
    }
    // ada alone owns hall, with bob in it: deactivating ada hands it over.
    let hall = NewRoom {
        kind: RoomKind::Channel,
        name: "hall".into(),
        members: vec!["bob".into()],
        read_only: false,
        custom_fields: Default::default(),
    };
    let hall = service.create_room(&session("ada"), hall).unwrap().id;
    let secret = service.create_scim_token(&admin, "fuzz").unwrap().secret;
    let service = Arc::new(service);
    let app = rocketlite::api::app(Arc::clone(&service), Default::default());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for request in requests.iter().take(16) {
        const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        let method = METHODS[request.method as usize % METHODS.len()];
        let path = match request.path % 8 {
            0 => "/Users".to_string(),
            1..=3 => format!("/Users/{}", ids[request.path as usize % ids.len()]),
            4 => "/Users/.search".to_string(),
            5 => "/ServiceProviderConfig".to_string(),
            6 => format!("/Schemas/{}", request.tail),
            _ => format!("/{}", request.tail),
        };
        let query: String = form_urlencoded::byte_serialize(request.query.as_bytes()).collect();
        let uri = format!("/scim/v2{path}?filter={query}");
        let body = match &request.body {
            ScimBody::None => String::new(),
            ScimBody::Raw(text) => text.clone(),
            ScimBody::Patch(ops) => {
                const OPS: [&str; 5] = ["replace", "Replace", "add", "remove", "move"];
                let ops: Vec<_> = ops
                    .iter()
                    .map(|(op, path, value)| {
                        let mut o = json!({"op": OPS[*op as usize % OPS.len()], "value": value.json()});
                        if let Some(path) = path {
                            o["path"] = json!(path);
                        }
                        o
                    })
                    .collect();
                json!({"Operations": ops}).to_string()
            }
            ScimBody::Resource(fields) => serde_json::Value::Object(
                fields.iter().map(|(k, v)| (k.clone(), v.json())).collect(),
            )
            .to_string(),
        };
        let Ok(parsed) = uri.parse::<poem::http::Uri>() else {
            continue;
        };
        let req = poem::Request::builder()
            .method(method.parse().unwrap())
            .uri(parsed)
            .header("Authorization", format!("Bearer {secret}"))
            .body(body.clone());
        let before = service.store().dump().unwrap();
        let resp = runtime.block_on(poem::Endpoint::get_response(&app, req));
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = runtime.block_on(resp.into_body().into_vec()).unwrap();
        let what = format!("{method} {uri} {body}");
        assert!(status < 500, "{what} -> {status}");
        if status != 204 {
            assert_eq!(content_type, "application/scim+json", "{what}");
        }
        if status >= 400 {
            let error: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(error["status"], json!(status.to_string()), "{what}");
            assert_eq!(
                error["schemas"],
                json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
                "{what}"
            );
            assert_eq!(service.store().dump().unwrap(), before, "{what} changed the store");
        }
        // The invariants, over the only room and the users that can be in it.
        service
            .store()
            .read(|tx| -> Result<(), StoreError> {
                let active = |id: &UserId| -> Result<bool, StoreError> {
                    Ok(tx.user(id)?.is_some_and(|u| u.active))
                };
                let (mut member, mut owner) = (false, false);
                for id in tx.member_ids_in_join_order(&hall)? {
                    member |= active(&id)?;
                    owner |= active(&id)? && tx.is_owner(&hall, &id)?;
                }
                assert!(!member || owner, "{what} left hall without an active owner");
                let admins = tx.user_ids_with_role(rocketlite::model::Role::Admin)?;
                let mut any = false;
                for id in &admins {
                    any |= active(id)?;
                }
                assert!(any, "{what} left no active admin");
                Ok(())
            })
            .unwrap();
    }
}
