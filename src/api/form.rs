//! HTML form bodies (`application/x-www-form-urlencoded`) as the JSON object Rocket.Chat's
//! router hands its validators (`Object.fromEntries(formData)` in `packages/http-router`):
//! flat, every value a string, the last of a repeated key winning. Brackets mean nothing
//! (`user[username]` is a key of its own), so a form cannot carry an array or an object; the
//! validator coerces the strings as ajv's `coerceTypes` does.

use serde_json::{Map, Value};

/// The body's pairs as one JSON object.
pub fn to_json(bytes: &[u8]) -> Value {
    let fields: Map<String, Value> = form_urlencoded::parse(bytes)
        .map(|(key, value)| (key.into_owned(), Value::String(value.into_owned())))
        .collect();
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::to_json;
    use serde_json::json;

    #[test]
    fn reads_forms_like_rocket_chat() {
        let cases = [
            (
                "user=admin&password=p%40ss+word",
                json!({"user": "admin", "password": "p@ss word"}),
            ),
            ("a=1&a=2", json!({"a": "2"})),
            ("members[]=x", json!({"members[]": "x"})),
            ("user[username]=ada", json!({"user[username]": "ada"})),
            ("=x&flag", json!({"": "x", "flag": ""})),
            ("", json!({})),
        ];
        for (form, expected) in cases {
            assert_eq!(to_json(form.as_bytes()), expected, "{form}");
        }
    }
}
