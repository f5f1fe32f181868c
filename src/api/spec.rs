//! Finishing the generated OpenAPI document: what poem-openapi cannot express is added here,
//! once, and the result is what the server serves and the repository commits.

use serde_json::{Value, json};

use super::auth::{AUTH_TOKEN_SCHEME, USER_ID_SCHEME};
use super::envelope::ErrorResponse;
use super::errors::{Operation, RoomOperation, example};
use super::examples::USER_ID;
use super::validate::CLOSED_MARKER;
use crate::service::ServiceError;

/// The document's description.
pub const DESCRIPTION: &str = "rocketlite speaks the Rocket.Chat REST API for user and room \
administration. Authenticate with `POST /api/v1/login`, then send `X-User-Id` and \
`X-Auth-Token` together on every other call. Operations tagged Extensions (`rocketlite.*`) \
are rocketlite's own, not Rocket.Chat's. rocketlite also serves SCIM 2.0 at `/scim/v2` for \
identity providers, with bearer tokens from `rocketlite.scimTokens.create`; SCIM describes \
itself at `/scim/v2/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, not here.";

/// Applies every fix-up to the raw document and pretty-prints it.
pub fn patch(raw: &str) -> String {
    let mut doc: Value = serde_json::from_str(raw).expect("poem-openapi writes valid JSON");
    close_marked_schemas(&mut doc);
    typed_nullable_refs(&mut doc);
    untyped_unions(&mut doc);
    tags_in_working_order(&mut doc);
    let schemas = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    for_each_operation(&mut doc, |operation| {
        require_both_auth_headers(operation);
        not_found_only_where_answered(operation);
        plain_json_media_type(operation);
        add_examples(operation);
        add_body_example(operation, &schemas);
        integer_paging(operation);
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("a Value serialises");
    text.push('\n');
    text
}

fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&mut Value)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            f(operation);
        }
    }
}

/// `additionalProperties: false` where the validator refuses extra properties.
fn close_marked_schemas(doc: &mut Value) {
    let marker = json!({ "type": CLOSED_MARKER });
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    for schema in schemas.into_iter().flat_map(|s| s.values_mut()) {
        if schema.get("additionalProperties") == Some(&marker) {
            schema["additionalProperties"] = Value::Bool(false);
        }
    }
}

/// A nullable `$ref` property as OpenAPI 3.0 wants it: `type: object, nullable: true` beside
/// `allOf: [$ref]` (poem-openapi puts `nullable` into an untyped `allOf` member).
fn typed_nullable_refs(doc: &mut Value) {
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    for schema in schemas.into_iter().flat_map(|s| s.values_mut()) {
        let properties = schema.get_mut("properties").and_then(Value::as_object_mut);
        for property in properties.into_iter().flat_map(|p| p.values_mut()) {
            if property.get("nullable") != Some(&Value::Bool(true)) {
                continue;
            }
            if let Some(all_of) = property.get_mut("allOf").and_then(Value::as_array_mut) {
                all_of.retain(|member| member.get("$ref").is_some());
                property["type"] = json!("object");
            }
        }
    }
}

/// The families in the order an administrator works through them; Swagger UI shows them so.
pub const TAG_ORDER: [&str; 10] = [
    "Authentication",
    "Users",
    "Channels",
    "Groups",
    "Rooms",
    "Subscriptions",
    "Permissions",
    "Settings",
    "Info",
    "Extensions",
];

/// poem-openapi lists the tags by name; list them in [`TAG_ORDER`], any other last.
fn tags_in_working_order(doc: &mut Value) {
    if let Some(tags) = doc.get_mut("tags").and_then(Value::as_array_mut) {
        let place = |tag: &Value| {
            let name = tag["name"].as_str().unwrap_or_default();
            TAG_ORDER
                .iter()
                .position(|t| *t == name)
                .unwrap_or(TAG_ORDER.len())
        };
        tags.sort_by_key(place);
    }
}

/// A union (`oneOf`/`anyOf`) is typed by its branches: poem-openapi also marks it `type:
/// object`, which refuses its string branch (a login's `password`) and made Swagger UI offer
/// `"password": {}` as the example.
fn untyped_unions(doc: &mut Value) {
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    for schema in schemas.into_iter().flat_map(|s| s.values_mut()) {
        if let Some(map) = schema.as_object_mut()
            && (map.contains_key("oneOf") || map.contains_key("anyOf"))
        {
            map.remove("type");
        }
    }
}

/// poem-openapi lists an extractor's schemes as alternatives; both headers are needed. An
/// operation without them says so explicitly (`security: []`).
fn require_both_auth_headers(operation: &mut Value) {
    operation["security"] = match operation.get("security") {
        Some(_) => json!([{ USER_ID_SCHEME: [], AUTH_TOKEN_SCHEME: [] }]),
        None => json!([]),
    };
}

/// The operations that answer 404 (every other one shares the error type but never sends
/// it): `rooms.membersOrderedByRole` with Rocket.Chat's envelope, `roles.create` with its own
/// plain text.
const ANSWERS_NOT_FOUND: [&str; 2] = ["roomsMembersOrderedByRole", "rolesCreate"];

fn not_found_only_where_answered(operation: &mut Value) {
    let id = operation["operationId"].as_str().unwrap_or_default();
    if ANSWERS_NOT_FOUND.contains(&id) {
        return;
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        responses.remove("404");
    }
}

/// Responses are keyed `application/json`: generators file examples under that key, and the
/// `charset=utf-8` parameter the server adds does not change the media type.
fn plain_json_media_type(operation: &mut Value) {
    let responses = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut);
    for response in responses.into_iter().flat_map(|r| r.values_mut()) {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        if let Some(media) = content.remove("application/json; charset=utf-8") {
            content.insert("application/json".into(), media);
        }
    }
}

/// `count` and `offset` are integers to a client (the server also reads them as Rocket.Chat
/// does, from any number).
fn integer_paging(operation: &mut Value) {
    let params = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut);
    for param in params.into_iter().flatten() {
        if param["in"] == "query" && (param["name"] == "count" || param["name"] == "offset") {
            param["schema"] = json!({"type": "integer", "format": "int64"});
        }
    }
}

/// An example for the request body, so Swagger UI's "Try it out" starts from a request the
/// server accepts: the required properties, the one that names the room and the one that
/// names the user the operation acts on, and the property the operation is named after
/// (`topic` for `channelsSetTopic`), with plausible values (`tests/api/spec.rs` sends each
/// one and checks that it passes the body's validation).
fn add_body_example(operation: &mut Value, schemas: &Value) {
    let id = operation["operationId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(content) = operation
        .pointer_mut("/requestBody/content")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let example = Example { id: &id, schemas };
    for media in content.values_mut() {
        media["example"] = example.of(&media["schema"], None);
    }
}

/// How one operation's body example is made.
struct Example<'a> {
    /// The operation's id.
    id: &'a str,
    schemas: &'a Value,
}

impl Example<'_> {
    /// What a property named this is given, where its type allows it.
    fn value(&self, name: &str) -> Option<Value> {
        Some(match name {
            "user" => json!("admin"),
            "username" => json!("ada"),
            "email" => json!("ada@example.org"),
            "password" | "pass" => json!("change-me-to-a-long-secret"),
            "name" if self.id.starts_with("users") => json!("Ada Lovelace"),
            "name" if self.id.starts_with("roles") => json!("moderator"),
            "name" if self.id.starts_with("rocketliteScim") => json!("Okta"),
            "name" => json!("lobby"),
            "userId" => json!(USER_ID),
            "roomId" | "scope" => json!("GENERAL"),
            "roomName" => json!("general"),
            "activeStatus" => json!(false),
            "confirmRelinquish" => json!(true),
            "members" | "usernames" => json!(["ada"]),
            "userIds" => json!([USER_ID]),
            "roles" => json!(["user"]),
            "roleId" => json!("moderator"),
            "role" => json!("user"),
            "permissions" => json!([{"_id": "create-c", "roles": ["admin", "user"]}]),
            "daysIdle" => json!(30),
            "message" => json!("In a meeting"),
            "description" if self.id.starts_with("roles") => json!("Moderates rooms"),
            "topic" | "description" | "announcement" => json!("Where the team meets"),
            "type" => json!("c"),
            "joinCode" => json!("1234"),
            "customFields" => json!({"team": "ops"}),
            "secret" => json!("the server's CREATE_TOKENS_FOR_USERS_SECRET"),
            "tokenId" => json!("a token id from rocketlite.scimTokens.list"),
            "value" => json!(true),
            "data" if self.id == "usersSetPreferences" => json!({"sidebarViewMode": "condensed"}),
            "rid" => json!("GENERAL"),
            "tokenName" => json!("deploy"),
            "notifications" => json!({"desktopNotifications": "mentions"}),
            "action" => json!("archive"),
            "data" => json!({"name": "Ada Lovelace"}),
            _ => return None,
        })
    }

    /// Whether an object with these properties gets `key` in its example.
    fn wanted(&self, key: &str, required: &[&str], properties: &[&String]) -> bool {
        const USER_NAMES: [&str; 3] = ["userId", "user", "username"];
        let has = |k: &str| properties.iter().any(|p| p.as_str() == k);
        // One name for the user, the most precise the body takes.
        let user_name = USER_NAMES.into_iter().find(|k| has(k));
        // What an operation needs beyond its schema's required list.
        let extra: &[&str] = match self.id {
            "usersRegister" => &["name"],
            "rolesUpdate" => &["description"],
            "rolesAddUserToRole" | "rolesRemoveUserFromRole" => &["roleId"],
            _ => &[],
        };
        required.contains(&key)
            || extra.contains(&key)
            || key == "roomId"
            || Some(key) == user_name
            || (key == "password" && has("user"))
            || key == "value"
            || (!USER_NAMES.contains(&key) && self.id.to_lowercase().contains(&key.to_lowercase()))
    }

    /// An example value for `schema` (a property called `name`, if it is one).
    fn of(&self, schema: &Value, name: Option<&str>) -> Value {
        let named = name.and_then(|n| self.value(n));
        if let Some(target) = schema["$ref"].as_str() {
            if let Some(object) = named.clone().filter(Value::is_object) {
                return object;
            }
            let key = target.rsplit('/').next().unwrap_or_default();
            return self.of(&self.schemas[key], name);
        }
        for union in ["allOf", "oneOf", "anyOf"] {
            if let Some(first) = schema[union].as_array().and_then(|b| b.first()) {
                return self.of(first, name);
            }
        }
        if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
            return first.clone();
        }
        match schema["type"].as_str() {
            Some("object") if schema.get("properties").is_some() => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let properties = schema["properties"].as_object();
                let keys: Vec<&String> = properties.into_iter().flat_map(|p| p.keys()).collect();
                let mut out = serde_json::Map::new();
                for (key, property) in properties.into_iter().flatten() {
                    if self.wanted(key, &required, &keys) {
                        out.insert(key.clone(), self.of(property, Some(key)));
                    }
                }
                Value::Object(out)
            }
            Some("object") => named.unwrap_or_else(|| json!({})),
            Some("array") => named.unwrap_or_else(|| json!([self.of(&schema["items"], None)])),
            Some("boolean") => named.filter(Value::is_boolean).unwrap_or(json!(true)),
            Some("integer") | Some("number") => named.filter(Value::is_number).unwrap_or(json!(1)),
            Some("string") => named.filter(Value::is_string).unwrap_or(json!("text")),
            _ => named.unwrap_or(json!(true)),
        }
    }
}

/// Examples for each response: the operation's own where it has them, the shared error
/// bodies otherwise.
fn add_examples(operation: &mut Value) {
    let id = operation["operationId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        let examples = examples_for(&id, status);
        for media in content.values_mut() {
            match examples.as_slice() {
                [] => {}
                [(_, one)] => media["example"] = one.clone(),
                many => {
                    let named: serde_json::Map<String, Value> = many
                        .iter()
                        .map(|(name, value)| (name.to_string(), json!({ "value": value })))
                        .collect();
                    media["examples"] = Value::Object(named);
                }
            }
        }
    }
}

/// The success body of each operation: each family keeps its own beside its handlers.
fn ok_example(operation: &str) -> Option<Value> {
    let families: [fn(&str) -> Option<Value>; 14] = [
        super::extensions::ok_example,
        super::moderation::ok_example,
        super::own_account::ok_example,
        super::permissions::ok_example,
        super::personal_tokens::ok_example,
        super::roles::ok_example,
        super::room_family::ok_example,
        super::room_lookups::ok_example,
        super::room_settings::ok_example,
        super::room_views::ok_example,
        super::rooms::ok_example,
        super::session::ok_example,
        super::settings::ok_example,
        super::users::ok_example,
    ];
    families.iter().find_map(|family| family(operation))
}

/// The examples of `status` in `operation`. Error bodies come from the error table itself
/// (`errors::example`), so they show exactly what the server sends.
fn examples_for(operation: &str, status: &str) -> Vec<(&'static str, Value)> {
    use ServiceError as E;
    let required = |at: &str| {
        let missing = E::invalid_param(at, crate::service::ParamProblem::Required);
        example(missing, Operation::Authenticate)
    };
    match (operation, status) {
        ("usersSetActiveStatus", "400") => {
            let op = Operation::SetActiveStatus;
            vec![
                ("invalidParams", required("activeStatus")),
                (
                    "lastOwner",
                    example(E::LastOwner(vec!["general".into()]), op),
                ),
                ("lastAdmin", example(E::LastAdmin, op)),
                ("userNotFound", example(E::UserNotFound, op)),
                ("planChanged", example(E::PlanChanged, op)),
            ]
        }
        ("usersUpdate", "400") => {
            let op = Operation::UsersUpdate;
            vec![
                (
                    "lastOwner",
                    example(E::LastOwner(vec!["general".into()]), op),
                ),
                ("lastAdmin", example(E::LastAdmin, op)),
                (
                    "notAllowed",
                    example(E::EditNotAllowed(crate::service::EditRight::OtherUser), op),
                ),
                ("userNotFound", example(E::UserNotFound, op)),
                ("planChanged", example(E::PlanChanged, op)),
            ]
        }
        ("usersDelete", "400") => {
            let op = Operation::UsersDelete;
            vec![
                (
                    "lastOwner",
                    example(E::LastOwner(vec!["general".into()]), op),
                ),
                ("lastAdmin", example(E::LastAdmin, op)),
                ("userNotFound", example(E::UserNotFound, op)),
                ("planChanged", example(E::PlanChanged, op)),
            ]
        }
        ("usersRegister", "400") => {
            let op = Operation::UsersRegister;
            vec![
                ("usernameTaken", example(E::UsernameTaken("ada".into()), op)),
                (
                    "emailTaken",
                    example(E::EmailTaken("ada@example.org".into()), op),
                ),
                ("disabled", example(E::RegistrationDisabled, op)),
            ]
        }
        ("rocketliteScimTokensRevoke", "400") => vec![(
            "tokenNotFound",
            example(E::ScimTokenNotFound, Operation::ScimTokens),
        )],
        ("rolesCreate", "404") => vec![("notFound", json!("404 Not Found"))],
        ("channelsLeave" | "groupsLeave" | "channelsKick" | "groupsKick", "400") => {
            use crate::model::RoomKind as K;
            let kind = if operation.starts_with("channels") {
                K::Channel
            } else {
                K::Group
            };
            let op = match operation.ends_with("Kick") {
                true => RoomOperation::Kick,
                false => RoomOperation::Leave,
            };
            let op = Operation::Room(op, kind);
            vec![
                ("lastOwner", example(E::LastRoomOwner, op)),
                ("notMember", example(E::NotMember, op)),
                ("archived", example(E::RoomArchived("general".into()), op)),
                ("roomNotFound", example(E::RoomNotFound, op)),
            ]
        }
        ("roomsLeave", "400") => {
            let op = Operation::RoomsAny(RoomOperation::Leave);
            vec![
                ("lastOwner", example(E::LastRoomOwner, op)),
                ("notMember", example(E::NotMember, op)),
            ]
        }
        ("channelsJoin", "400") => {
            let op = Operation::Room(RoomOperation::Join, crate::model::RoomKind::Channel);
            vec![
                ("codeRequired", example(E::JoinCodeRequired, op)),
                ("codeInvalid", example(E::JoinCodeInvalid, op)),
                ("archived", example(E::RoomArchived("general".into()), op)),
            ]
        }
        ("channelsArchive" | "groupsArchive" | "channelsUnarchive" | "groupsUnarchive", "400") => {
            use crate::model::RoomKind as K;
            let kind = if operation.starts_with("channels") {
                K::Channel
            } else {
                K::Group
            };
            let archive = !operation.ends_with("Unarchive");
            let op = Operation::Room(
                if archive {
                    RoomOperation::Archive
                } else {
                    RoomOperation::Unarchive
                },
                kind,
            );
            let state = match archive {
                true => E::RoomArchived("general".into()),
                false => E::RoomNotArchived("general".into()),
            };
            vec![
                ("state", example(state, op)),
                ("notAuthorized", example(E::NotAuthorized, op)),
            ]
        }
        ("channelsSetType" | "groupsSetType", "400") => {
            use crate::model::RoomKind as K;
            let (kind, to) = if operation.starts_with("channels") {
                (K::Channel, K::Group)
            } else {
                (K::Group, K::Channel)
            };
            let op = Operation::Room(RoomOperation::Edit, kind);
            vec![
                ("same", example(E::Unchanged("type"), op)),
                ("notAllowed", example(E::ChangeTypeNotAllowed(to), op)),
                ("editNotAllowed", example(E::EditRoomNotAllowed, op)),
            ]
        }
        ("rolesUpdate", "400") => {
            let op = Operation::RolesUpdate;
            vec![
                ("protected", example(E::RoleProtected, op)),
                ("enterprise", example(E::EnterpriseOnly, op)),
                ("notAllowed", example(E::AccessPermissionsDenied, op)),
            ]
        }
        ("rolesDelete", "400") => {
            let op = Operation::RolesDelete;
            vec![
                ("protected", example(E::RoleProtected, op)),
                ("roleNotFound", example(E::RoleNotFound, op)),
            ]
        }
        ("rolesAddUserToRole", "400") => {
            let op = Operation::RolesAddUserToRole;
            vec![
                ("roleNotFound", example(E::RoleNotFound, op)),
                ("alreadyInRole", example(E::AlreadyInRole, op)),
                ("notAllowed", example(E::AccessPermissionsDenied, op)),
                ("userNotFound", example(E::UserNotFound, op)),
            ]
        }
        ("rolesRemoveUserFromRole", "400") => {
            let op = Operation::RolesRemoveUserFromRole;
            vec![
                ("lastAdmin", example(E::LastAdmin, op)),
                ("lastOwner", example(E::LastRoomOwner, op)),
                ("notInRole", example(E::NotInRole, op)),
                ("userNotFound", example(E::UserNotFound, op)),
            ]
        }
        ("rolesGetUsersInRole", "400") => {
            let op = Operation::RolesGetUsersInRole;
            vec![
                ("roleNotFound", example(E::RoleNotFound, op)),
                ("roleMissing", example(E::RoleParamMissing, op)),
                ("notAllowed", example(E::NotAllowed, op)),
            ]
        }
        ("rolesSync", "400") => vec![(
            "invalidDate",
            example(E::InvalidDate("updatedSince"), Operation::RolesSync),
        )],
        ("usersCreateToken", "400") => {
            let op = Operation::UsersCreateToken;
            vec![
                ("notAuthorized", example(E::NotAuthorized, op)),
                ("notActivated", example(E::UserNotActivated, op)),
                ("userNotFound", example(E::UserNotFound, op)),
            ]
        }
        ("usersSetStatus", "400") => {
            let op = Operation::UsersSetStatus;
            vec![
                ("neither", example(E::StatusMatchError, op)),
                ("pastExpiry", example(E::PastExpiry, op)),
                ("userNotFound", example(E::UserNotFound, op)),
            ]
        }
        ("usersSetStatus", "403") => vec![(
            "otherUser",
            example(E::Forbidden, Operation::UsersSetStatus),
        )],
        ("usersGetPresence", "400") => vec![(
            "userNotFound",
            example(E::UserNotFound, Operation::UsersGetPresence),
        )],
        ("login", "401") => vec![
            ("unauthorized", example(E::LoginFailed, Operation::Login)),
            (
                "notActivated",
                example(E::UserNotActivated, Operation::Login),
            ),
        ],
        (_, "200") => ok_example(operation)
            .into_iter()
            .map(|v| ("ok", v))
            .collect(),
        (_, "400") => vec![("invalidParams", required("userId"))],
        (_, "401") => vec![(
            "notLoggedIn",
            example(E::Unauthorized, Operation::Authenticate),
        )],
        (_, "403") => vec![("forbidden", example(E::Forbidden, Operation::Authenticate))],
        (_, "404") => vec![(
            "notVisible",
            example(E::Forbidden, Operation::RoomsMembersByRole),
        )],
        (_, "413") => vec![("tooLarge", ErrorResponse::too_large().body())],
        (_, "429") => vec![(
            "tooManyRequests",
            ErrorResponse::too_many_requests(42).body(),
        )],
        (_, "500") => vec![("internal", ErrorResponse::internal().body())],
        (_, "503") => vec![("busy", ErrorResponse::busy().body())],
        _ => vec![],
    }
}
