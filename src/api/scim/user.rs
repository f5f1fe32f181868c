//! The SCIM User resource: a rocketlite user as JSON, and request bodies (POST, PUT, PATCH)
//! as the service's typed changes. Identity providers differ in how they send the same
//! thing: Okta patches without a path (`{"op":"replace","value":{"active":false}}`), Entra
//! with one (`{"op":"Replace","path":"active","value":"False"}`), or with paths as keys of a
//! path-less value; operation names in any case and booleans as strings are accepted.

use serde_json::{Map, Value, json};

use super::ScimError;
use super::filter::strip_urn;
use crate::model::{Email, iso8601};
use crate::service::{EmailSelector, ScimChange, ScimNewUser, ScimUser};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The most operations one PATCH may carry.
const MAX_OPERATIONS: usize = 100;

/// `user` as a SCIM resource; `base` is the SCIM root URL.
pub fn resource(scim: &ScimUser, base: &str) -> Value {
    let user = &scim.user;
    let mut out = Map::new();
    out.insert("schemas".into(), json!([USER_SCHEMA]));
    out.insert("id".into(), json!(user.id));
    if let Some(external) = &user.external_id {
        out.insert("externalId".into(), json!(external));
    }
    out.insert("userName".into(), json!(scim.user_name));
    out.insert("displayName".into(), json!(user.name));
    if !user.emails.is_empty() {
        let emails: Vec<Value> = user
            .emails
            .iter()
            .enumerate()
            .map(|(i, e)| {
                // Addresses no identity provider marked: the first is the one Rocket.Chat uses.
                let primary = e.primary.unwrap_or(i == 0);
                let mut email = json!({ "value": e.address, "primary": primary });
                if let Some(kind) = &e.kind {
                    email["type"] = json!(kind);
                }
                email
            })
            .collect();
        out.insert("emails".into(), Value::Array(emails));
    }
    out.insert("active".into(), json!(user.active));
    out.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": iso8601(user.created_at),
            "lastModified": iso8601(user.updated_at),
            "location": format!("{base}/Users/{}", user.id),
        }),
    );
    Value::Object(out)
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): which top-level attributes a
/// response keeps. `schemas` and `id` are always returned.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    include: Option<Vec<String>>,
    exclude: Vec<String>,
}

impl Selection {
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let names = |list: &str| -> Vec<String> {
            list.split(',')
                .map(|a| strip_urn(a.trim()))
                .map(|a| a.split('.').next().unwrap_or(a).to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect()
        };
        Selection {
            include: attributes.map(names).filter(|n| !n.is_empty()),
            exclude: excluded.map(names).unwrap_or_default(),
        }
    }

    pub fn apply(&self, mut resource: Value) -> Value {
        if let Value::Object(map) = &mut resource {
            map.retain(|key, _| {
                let key = key.to_ascii_lowercase();
                if key == "schemas" || key == "id" {
                    return true;
                }
                match &self.include {
                    Some(include) => include.contains(&key),
                    None => !self.exclude.contains(&key),
                }
            });
        }
        resource
    }
}

/// The value of `name` in `object`, the key compared case-insensitively (SCIM attribute
/// names are), with or without the User schema's URN; a `null` value included.
pub fn field<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(key, _)| strip_urn(key).eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// [`field`], a `null` counting as absent.
fn get<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    field(object, name).filter(|value| !value.is_null())
}

fn invalid(detail: String) -> ScimError {
    ScimError::bad_request("invalidValue", detail)
}

fn string(value: &Value, attr: &str) -> Result<String, ScimError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(invalid(format!("{attr} must be a string"))),
    }
}

/// A boolean, also as Entra sends it: `"True"` / `"False"`.
fn boolean(value: &Value, attr: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(format!("{attr} must be a boolean"))),
    }
}

/// The addresses of an `emails` value (a list, or one object), the primary first.
fn emails(value: &Value) -> Result<Vec<Email>, ScimError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![value.clone()],
        _ => return Err(invalid("emails must be a list".into())),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        let address = get(item, "value")
            .ok_or_else(|| invalid("every email needs a value".into()))
            .and_then(|v| string(v, "emails.value"))?;
        let kind = get(item, "type")
            .map(|v| string(v, "emails.type"))
            .transpose()?;
        let primary = get(item, "primary")
            .map(|v| boolean(v, "emails.primary"))
            .transpose()?;
        out.push(Email {
            address,
            verified: false,
            kind,
            primary,
        });
    }
    // Stable: the primary moves to the front (Rocket.Chat uses the first address), the
    // others keep their order.
    out.sort_by_key(|e| e.primary != Some(true));
    Ok(out)
}

/// Rocket.Chat's name: `displayName`, else `name.formatted`, else given and family name,
/// else the username.
fn display_name(body: &Value, user_name: &str) -> Result<String, ScimError> {
    if let Some(display) = get(body, "displayName") {
        let display = string(display, "displayName")?;
        if !display.trim().is_empty() {
            return Ok(display);
        }
    }
    if let Some(name) = get(body, "name") {
        if let Some(formatted) = get(name, "formatted") {
            let formatted = string(formatted, "name.formatted")?;
            if !formatted.trim().is_empty() {
                return Ok(formatted);
            }
        }
        let part = |key| get(name, key).and_then(Value::as_str).unwrap_or("");
        let joined = format!("{} {}", part("givenName"), part("familyName"));
        if !joined.trim().is_empty() {
            return Ok(joined.trim().to_string());
        }
    }
    Ok(user_name.to_string())
}

fn user_name(body: &Value) -> Result<String, ScimError> {
    match get(body, "userName") {
        Some(value) => string(value, "userName"),
        None => Err(invalid("userName is required".into())),
    }
}

/// A `POST /Users` body.
pub fn new_user(body: &Value) -> Result<ScimNewUser, ScimError> {
    let user_name = user_name(body)?;
    Ok(ScimNewUser {
        display_name: display_name(body, &user_name)?,
        emails: get(body, "emails")
            .map(emails)
            .transpose()?
            .unwrap_or_default(),
        active: get(body, "active")
            .map(|v| boolean(v, "active"))
            .transpose()?
            .unwrap_or(true),
        external_id: get(body, "externalId")
            .map(|v| string(v, "externalId"))
            .transpose()?,
        password: get(body, "password")
            .map(|v| string(v, "password"))
            .transpose()?,
        user_name,
    })
}

/// A `PUT /Users/{id}` body: the whole resource. What it leaves out is cleared, but
/// `active` and `password`, which stay as they are.
pub fn replacement(body: &Value) -> Result<Vec<ScimChange>, ScimError> {
    let new = new_user(body)?;
    let mut changes = vec![
        ScimChange::UserName(new.user_name),
        ScimChange::DisplayName(new.display_name),
        ScimChange::Emails(new.emails),
        ScimChange::ExternalId(new.external_id),
    ];
    if let Some(active) = get(body, "active") {
        changes.push(ScimChange::Active(boolean(active, "active")?));
    }
    if let Some(password) = new.password {
        changes.push(ScimChange::Password(Some(password)));
    }
    Ok(changes)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PatchOp {
    Add,
    Replace,
    Remove,
}

/// A `PATCH /Users/{id}` body (RFC 7644 §3.5.2).
pub fn patch(body: &Value) -> Result<Vec<ScimChange>, ScimError> {
    let syntax = |detail: &str| ScimError::bad_request("invalidSyntax", detail.to_string());
    if let Some(schemas) = get(body, "schemas")
        && !schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == PATCH_SCHEMA))
    {
        return Err(syntax("schemas must list the PatchOp schema"));
    }
    let operations = get(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("Operations must be a list"))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(invalid(format!(
            "a PATCH takes at most {MAX_OPERATIONS} operations"
        )));
    }
    let mut changes = Vec::new();
    for operation in operations {
        let op = match get(operation, "op").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("add") => PatchOp::Add,
            Some(op) if op.eq_ignore_ascii_case("replace") => PatchOp::Replace,
            Some(op) if op.eq_ignore_ascii_case("remove") => PatchOp::Remove,
            _ => return Err(syntax("op must be add, replace or remove")),
        };
        // RFC 7643 §2.5: null is unassigned, so setting it is removing.
        let (op, value) = match field(operation, "value") {
            Some(Value::Null) if op != PatchOp::Remove => (PatchOp::Remove, None),
            other => (op, other.filter(|v| !v.is_null())),
        };
        match get(operation, "path") {
            Some(path) => {
                let path = string(path, "path")?;
                changes.extend(change_at(op, &path, value)?);
            }
            None if op == PatchOp::Remove => {
                return Err(ScimError::bad_request(
                    "noTarget",
                    "remove needs a path".into(),
                ));
            }
            None => {
                let Some(Value::Object(attributes)) = value else {
                    return Err(invalid("a patch without a path needs an object".into()));
                };
                for (key, value) in attributes {
                    let (op, value) = match value {
                        Value::Null => (PatchOp::Remove, None),
                        value => (op, Some(value)),
                    };
                    changes.extend(change_at(op, key, value)?);
                }
            }
        }
    }
    Ok(changes)
}

/// What one operation on one path changes. Attributes rocketlite does not store (`name`,
/// `title`, the enterprise extension, ...) change nothing.
fn change_at(op: PatchOp, path: &str, value: Option<&Value>) -> Result<Vec<ScimChange>, ScimError> {
    let (attr, selector, sub) = split_path(path)?;
    let needed = || value.ok_or_else(|| invalid(format!("{path} needs a value")));
    let required = || {
        ScimError::bad_request(
            "mutability",
            format!("{path} is required and cannot be removed"),
        )
    };
    let change = match (attr.as_str(), op) {
        ("active" | "username" | "displayname", PatchOp::Remove) => return Err(required()),
        ("active", _) => ScimChange::Active(boolean(needed()?, "active")?),
        ("username", _) => ScimChange::UserName(string(needed()?, "userName")?),
        ("displayname", _) => ScimChange::DisplayName(string(needed()?, "displayName")?),
        ("externalid", PatchOp::Remove) => ScimChange::ExternalId(None),
        ("externalid", _) => ScimChange::ExternalId(Some(string(needed()?, "externalId")?)),
        ("password", PatchOp::Remove) => ScimChange::Password(None),
        ("password", _) => ScimChange::Password(Some(string(needed()?, "password")?)),
        ("emails", PatchOp::Remove) => match (selector, sub.as_deref()) {
            // A value names the addresses to remove; without one, all go.
            (None, None) => match value {
                Some(listed) => {
                    return Ok(emails(listed)?
                        .into_iter()
                        .map(|e| ScimChange::RemoveEmails(Some(EmailSelector::Value(e.address))))
                        .collect());
                }
                None => ScimChange::RemoveEmails(None),
            },
            (None, Some("value")) => ScimChange::RemoveEmails(Some(EmailSelector::Primary)),
            (Some(selector), None | Some("value")) => ScimChange::RemoveEmails(Some(selector)),
            _ => return Ok(Vec::new()),
        },
        ("emails", op) => match (selector, sub.as_deref()) {
            (None, None) if op == PatchOp::Add => ScimChange::AddEmails(emails(needed()?)?),
            (None, None) => ScimChange::Emails(emails(needed()?)?),
            (selector, None | Some("value")) => {
                let value = needed()?;
                let address = match (value, &sub) {
                    (Value::Object(_), None) => get(value, "value")
                        .ok_or_else(|| invalid("the email needs a value".into()))?,
                    _ => value,
                };
                ScimChange::SetEmail {
                    selector: selector.unwrap_or(EmailSelector::Primary),
                    value: string(address, "emails.value")?,
                }
            }
            _ => return Ok(Vec::new()),
        },
        _ => return Ok(Vec::new()),
    };
    Ok(vec![change])
}

/// `emails[type eq "work"].value` as (`emails`, the selector, `value`); names lowercased.
fn split_path(path: &str) -> Result<(String, Option<EmailSelector>, Option<String>), ScimError> {
    let path = strip_urn(path.trim());
    let bad = || ScimError::bad_request("invalidPath", format!("cannot read the path {path}"));
    let lower = |s: &str| s.to_ascii_lowercase();
    let Some((head, tail)) = path.split_once('[') else {
        return Ok(match path.split_once('.') {
            Some((head, sub)) => (lower(head), None, Some(lower(sub))),
            None => (lower(path), None, None),
        });
    };
    let (filter, rest) = tail.split_once(']').ok_or_else(bad)?;
    let selector = selector(filter).ok_or_else(bad)?;
    let sub = match rest.strip_prefix('.') {
        Some(sub) => Some(lower(sub)),
        None if rest.is_empty() => None,
        None => return Err(bad()),
    };
    Ok((lower(head), Some(selector), sub))
}

/// The address a value filter names: `type eq "work"`, `value eq "a@b.c"`, `primary eq true`.
fn selector(filter: &str) -> Option<EmailSelector> {
    let mut words = filter.trim().splitn(3, char::is_whitespace);
    let (attr, op, literal) = (words.next()?, words.next()?, words.next()?.trim());
    if !op.eq_ignore_ascii_case("eq") {
        return None;
    }
    let text = || serde_json::from_str::<String>(literal).ok();
    match attr.to_ascii_lowercase().as_str() {
        "type" => text().map(EmailSelector::Kind),
        "value" => text().map(EmailSelector::Value),
        "primary" if literal.eq_ignore_ascii_case("true") => Some(EmailSelector::Primary),
        _ => None,
    }
}
