//! Query strings checked the way Rocket.Chat's `ajvQuery` validators check them, beyond what
//! the typed parameters of a handler already parse: refused extra keys.

use poem::Request;

use super::{ErrorResponse, invalid_params};

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
