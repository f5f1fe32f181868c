//! Query strings checked the way Rocket.Chat's `ajvQuery` validators and `parseJsonQuery`
//! check them, beyond what the typed parameters of a handler already parse: refused extra
//! keys, the `sort` object, the unsupported `query` and `fields`.

use poem::Request;

use super::errors::{Operation, to_response};
use super::{ErrorResponse, invalid_params};
use crate::service::{ServiceError, SortKey};

/// The keys of the request's query string, decoded, in order.
pub fn keys(request: &Request) -> Vec<String> {
    let query = request.uri().query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect()
}

/// Refuses a key outside `allowed`, as a schema with `additionalProperties: false` does.
pub fn only_keys(request: &Request, allowed: &[&str]) -> Result<(), ErrorResponse> {
    match keys(request).iter().all(|k| allowed.contains(&k.as_str())) {
        true => Ok(()),
        false => Err(invalid_params("must NOT have additional properties")),
    }
}

/// A `sort` parameter as `parseJsonQuery` reads it: a JSON object whose values are `1` or
/// `-1`; anything else is Rocket.Chat's `error-invalid-sort`, quoting what was sent.
pub fn sort(raw: Option<String>, operation: Operation) -> Result<Vec<SortKey>, ErrorResponse> {
    let Some(raw) = raw else {
        return Ok(vec![]);
    };
    let invalid = || to_response(ServiceError::InvalidSort(raw.clone()), operation);
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(&raw) else {
        return Err(invalid());
    };
    fields
        .iter()
        .map(|(field, direction)| match direction.as_f64() {
            Some(d) if d == 1.0 || d == -1.0 => Ok(SortKey {
                field: field.clone(),
                descending: d < 0.0,
            }),
            _ => Err(invalid()),
        })
        .collect()
}

/// Refuses `query` and `fields`: Rocket.Chat 8 ignores them unless an unsafe environment
/// switch is set and drops them in 9.0; rocketlite never applies them, so it says so rather
/// than answer as if they had been.
pub fn refuse_query_and_fields(request: &Request) -> Result<(), ErrorResponse> {
    match keys(request)
        .iter()
        .find(|k| *k == "query" || *k == "fields")
    {
        Some(key) => Err(invalid_params(&format!(
            "the parameter '{key}' is not supported (Rocket.Chat 8 ignores it and 9 removes it)"
        ))),
        None => Ok(()),
    }
}
