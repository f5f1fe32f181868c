//! Query strings read the way Rocket.Chat's router reads them (`qs`: a repeated key or `k[]`
//! makes an array, `k[x]` an object) and checked the way its `ajvQuery` validators check them
//! (`coerceTypes: 'array'`: a one-item array stands for its item, numbers and booleans come
//! from strings); plus `parseJsonQuery`'s `sort` and the unsupported `query` and `fields`.
//! Operations whose Rocket.Chat route validates its query declare a [`QuerySchema`] and take
//! their values from [`Checked`]; the typed parameters beside it document them in the spec.

use std::collections::BTreeMap;

use poem::Request;
use serde_json::Value;

use super::errors::{Operation, to_response};
use super::{ErrorResponse, invalid_params};
use crate::service::{ServiceError, SortKey};

/// The JSON type a query parameter must have after coercion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A number as JavaScript's `Number()` reads a string (`5`, `1.5`, `1e1`, `0x10`); an
    /// empty value counts as absent.
    Number,
    /// A [`Kind::Number`] that must be whole (`type: 'integer'`).
    Integer,
    /// `true` or `false`.
    Flag,
    /// An array of strings; a single value counts as a one-item array (`coerceTypes: 'array'`).
    List,
    /// A string from a fixed set.
    OneOf(&'static [&'static str]),
    /// An array of strings from a fixed set.
    ListOf(&'static [&'static str]),
}

/// The query schema of one operation: its parameters, and whether others are refused.
pub struct QuerySchema {
    pub params: &'static [(&'static str, Kind)],
    pub closed: bool,
    /// Compiled with `ajvQuery` (`coerceTypes: 'array'`: `k[]=v` stands for `k=v`); false
    /// for validators compiled with the plain `ajv`, which refuse an array for a scalar.
    pub coerce_arrays: bool,
}

/// The checked parameters, by name.
#[derive(Debug, Default)]
pub struct Checked(BTreeMap<String, Value>);

impl Checked {
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).and_then(Value::as_str).map(str::to_string)
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        self.0.get(name).and_then(Value::as_f64)
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name).and_then(Value::as_bool)
    }

    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let items = self.0.get(name)?.as_array()?;
        Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// Whether `name` was sent (and was not an empty number).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// A date parameter named `param`: absent or blank is none; otherwise an ISO-8601 date, or
/// the `InvalidDate` refusal in `operation`'s words.
pub fn date(
    value: Option<String>,
    param: &'static str,
    operation: Operation,
) -> Result<Option<crate::model::Millis>, ErrorResponse> {
    match value.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => crate::model::parse_iso8601(&text)
            .map(Some)
            .ok_or_else(|| to_response(ServiceError::InvalidDate(param), operation)),
    }
}

/// `oneOf [{roomId} | {roomName}]`, each closed: exactly one of the two, with ajv's messages.
pub fn one_room_name(query: &Checked) -> Result<(), ErrorResponse> {
    let messages = match (query.has("roomId"), query.has("roomName")) {
        (true, false) | (false, true) => return Ok(()),
        (false, false) => [
            "must have required property 'roomId'",
            "must have required property 'roomName'",
        ],
        (true, true) => ["must NOT have additional properties"; 2],
    };
    let all = [&messages[..], &["must match exactly one schema in oneOf"]].concat();
    Err(invalid_params(&all.join("\n ")))
}

/// Reads the query as `qs` does and checks it against `schema` as `ajvQuery` would, with
/// ajv's message for the first failure.
pub fn check(request: &Request, schema: &QuerySchema) -> Result<Checked, ErrorResponse> {
    let mut checked = BTreeMap::new();
    for (name, value) in parse_qs(request.uri().query().unwrap_or("")) {
        let Some(&(_, kind)) = schema.params.iter().find(|(n, _)| *n == name) else {
            if schema.closed {
                return Err(invalid_params("must NOT have additional properties"));
            }
            continue;
        };
        if let Kind::List | Kind::ListOf(_) = kind {
            // ajv's 'array' coercion: a single value is a one-item array.
            let items = match value {
                Value::String(_) => vec![value],
                Value::Array(items) => items,
                _ => return Err(invalid_params("must be array")),
            };
            for item in &items {
                match (kind, item) {
                    (Kind::ListOf(allowed), Value::String(s)) if !allowed.contains(&s.as_str()) => {
                        return Err(invalid_params("must be equal to one of the allowed values"));
                    }
                    (_, Value::String(_)) => {}
                    _ => return Err(invalid_params("must be string")),
                }
            }
            checked.insert(name, Value::Array(items));
            continue;
        }
        // ajv's 'array' coercion: a one-item array stands for its item.
        let value = match value {
            Value::Array(mut items) if items.len() == 1 && schema.coerce_arrays => items.remove(0),
            other => other,
        };
        if let (Kind::OneOf(allowed), Value::String(s)) = (kind, &value)
            && !allowed.contains(&s.as_str())
        {
            return Err(invalid_params("must be equal to one of the allowed values"));
        }
        let coerced = match (kind, &value) {
            (Kind::Text | Kind::OneOf(_), Value::String(_)) => Some(value.clone()),
            (Kind::Number | Kind::Integer, Value::String(s)) if s.trim().is_empty() => continue,
            (Kind::Number, Value::String(s)) => js_number(s).map(Value::from),
            (Kind::Integer, Value::String(s)) => {
                js_number(s).filter(|n| n.fract() == 0.0).map(Value::from)
            }
            (Kind::Flag, Value::String(s)) if s == "true" || s == "false" => {
                Some(Value::Bool(s == "true"))
            }
            _ => None,
        };
        let Some(coerced) = coerced else {
            let expected = match kind {
                Kind::Number => "number",
                Kind::Integer => "integer",
                Kind::Flag => "boolean",
                _ => "string",
            };
            return Err(invalid_params(&format!("must be {expected}")));
        };
        checked.insert(name, coerced);
    }
    Ok(Checked(checked))
}

/// The query as `qs.parse` builds it: `a=1&a=2` and `a[]=1` make arrays, `a[b]=1` an object;
/// pairs without a name are dropped.
fn parse_qs(query: &str) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (base, bracket) = match key.find('[') {
            Some(i) if i > 0 && key.ends_with(']') => (&key[..i], Some(&key[i + 1..key.len() - 1])),
            _ => (key.as_ref(), None),
        };
        if base.is_empty() {
            continue;
        }
        let value = Value::String(value.into_owned());
        let slot = out.entry(base.to_string()).or_insert(Value::Null);
        match bracket {
            // `a[]` and `a[0]`: an item of an array.
            Some(inner) if inner.is_empty() || inner.parse::<usize>().is_ok() => match slot {
                Value::Array(items) => items.push(value),
                Value::Null => *slot = Value::Array(vec![value]),
                other => *other = Value::Array(vec![other.take(), value]),
            },
            // `a[b]`: a key of an object.
            Some(inner) => {
                if !slot.is_object() {
                    *slot = Value::Object(Default::default());
                }
                if let Value::Object(map) = slot {
                    map.insert(inner.to_string(), value);
                }
            }
            None => match slot {
                Value::Null => *slot = value,
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![other.take(), value]),
            },
        }
    }
    out
}

/// JavaScript's `Number(s)` for the strings a query carries: decimal (with fraction and
/// exponent) and `0x`/`0o`/`0b` integers; `None` for what it makes `NaN` of, or infinity.
fn js_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let radix = |prefix: &str, radix| {
        let digits = s.strip_prefix(prefix)?;
        u64::from_str_radix(digits, radix).ok().map(|n| n as f64)
    };
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("0o") || lower.starts_with("0b") {
        let (prefix, r) = (
            &s[..2],
            match &lower[..2] {
                "0x" => 16,
                "0o" => 8,
                _ => 2,
            },
        );
        return radix(prefix, r);
    }
    let decimal = s.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    s.parse::<f64>().ok().filter(|n| decimal && n.is_finite())
}

/// The keys of the request's query string, decoded, in order.
pub fn keys(request: &Request) -> Vec<String> {
    let query = request.uri().query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_read_like_qs() {
        let parsed = parse_qs("a=1&a=2&b[]=x&c[0]=y&d[k]=z&=e&f");
        assert_eq!(parsed["a"], json!(["1", "2"]));
        assert_eq!(parsed["b"], json!(["x"]));
        assert_eq!(parsed["c"], json!(["y"]));
        assert_eq!(parsed["d"], json!({"k": "z"}));
        assert_eq!(parsed["f"], json!(""));
        assert!(!parsed.contains_key(""));
    }

    #[test]
    fn numbers_read_like_javascript() {
        for (s, n) in [
            ("5", 5.0),
            (" 1.5 ", 1.5),
            ("1e1", 10.0),
            ("0x10", 16.0),
            ("-3", -3.0),
        ] {
            assert_eq!(js_number(s), Some(n), "{s}");
        }
        for s in ["abc", "1_000", "Infinity", "0xg", "1,5"] {
            assert_eq!(js_number(s), None, "{s}");
        }
    }
}
