//! HTML form bodies (`application/x-www-form-urlencoded`) as the JSON value Rocket.Chat's
//! router hands its validators. It reads forms the way Node's `qs` does (Express's extended
//! parser): `a=1&a=2` and `a[]=1` make arrays, `a[b]=1` nests, `a[0]=x` indexes an array.
//! Every value stays a string; the validator coerces them as ajv's `coerceTypes` does.

use serde_json::{Map, Value};

/// How deep brackets nest before the rest of a key is taken literally (`qs`'s `depth`).
const MAX_DEPTH: usize = 5;
/// The highest array index honoured; a larger one is an object key (`qs`'s `arrayLimit`).
const MAX_INDEX: usize = 20;
/// Pairs read from one body; later ones are ignored (`qs`'s `parameterLimit`).
const MAX_PAIRS: usize = 1000;

/// One step of a key's path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    /// `[]`: append.
    Push,
}

/// The body's pairs as one JSON object.
pub fn to_json(bytes: &[u8]) -> Value {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(bytes).take(MAX_PAIRS) {
        let mut steps = path(&key).into_iter();
        // A pair without a name is dropped, as in qs.
        let Some(Step::Key(first)) = steps.next().filter(|s| *s != Step::Key(String::new())) else {
            continue;
        };
        let rest: Vec<Step> = steps.collect();
        let slot = root.entry(first).or_insert(Value::Null);
        insert(slot, &rest, value.into_owned());
    }
    let mut root = Value::Object(root);
    if let Value::Object(map) = &mut root {
        map.values_mut().for_each(index_objects_to_arrays);
    }
    root
}

/// `a[b][]` -> `[Key(a), Key(b), Push]`; brackets past `MAX_DEPTH` stay part of the last key.
fn path(key: &str) -> Vec<Step> {
    let (root, mut rest) = match key.find('[') {
        None => return vec![Step::Key(key.to_string())],
        Some(i) => (&key[..i], &key[i..]),
    };
    // `[a]=1` has no root: its first bracket is the key, as in qs.
    let mut steps = match root {
        "" => vec![],
        _ => vec![Step::Key(root.to_string())],
    };
    while steps.len() <= MAX_DEPTH && rest.starts_with('[') {
        let Some(close) = rest.find(']') else { break };
        let inner = &rest[1..close];
        steps.push(match inner {
            "" => Step::Push,
            _ => Step::Key(inner.to_string()),
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty()
        && let Some(Step::Key(last)) = steps.last_mut()
    {
        last.push_str(rest);
    }
    steps
}

fn insert(slot: &mut Value, steps: &[Step], value: String) {
    match steps.split_first() {
        None => combine(slot, Value::String(value)),
        Some((Step::Push, rest)) => {
            let mut item = Value::Null;
            insert(&mut item, rest, value);
            combine(slot, item);
        }
        Some((Step::Key(key), rest)) => {
            if !slot.is_object() {
                // A key under a scalar or an array: qs keeps the first value and merges; a
                // form that mixes both shapes gets the object, which the validator refuses.
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(map) = slot {
                insert(map.entry(key.clone()).or_insert(Value::Null), rest, value);
            }
        }
    }
}

/// A repeated key: the first value, then an array of all of them in order.
fn combine(slot: &mut Value, value: Value) {
    match slot {
        Value::Null => *slot = value,
        Value::Array(items) => items.push(value),
        other => {
            let first = other.take();
            *other = Value::Array(vec![first, value]);
        }
    }
}

/// `a[1]=x&a[0]=y` made an object with index keys; like qs, it becomes the array `[y, x]`.
fn index_objects_to_arrays(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(index_objects_to_arrays);
            let indexes: Option<Vec<usize>> = map
                .keys()
                .map(|k| k.parse::<usize>().ok().filter(|i| *i <= MAX_INDEX))
                .collect();
            if let Some(mut indexes) = indexes.filter(|i| !i.is_empty()) {
                indexes.sort_unstable();
                let items = indexes
                    .iter()
                    .filter_map(|i| map.remove(&i.to_string()))
                    .collect();
                *value = Value::Array(items);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(index_objects_to_arrays),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::to_json;
    use serde_json::json;

    #[test]
    fn reads_forms_like_qs() {
        let cases = [
            (
                "user=admin&password=p%40ss+word",
                json!({"user": "admin", "password": "p@ss word"}),
            ),
            ("a=1&a=2", json!({"a": ["1", "2"]})),
            ("members[]=x&members[]=y", json!({"members": ["x", "y"]})),
            ("members[1]=y&members[0]=x", json!({"members": ["x", "y"]})),
            ("user[username]=ada", json!({"user": {"username": "ada"}})),
            (
                "password[digest]=ab&password[algorithm]=sha-256",
                json!({"password": {"digest": "ab", "algorithm": "sha-256"}}),
            ),
            ("a[99]=x", json!({"a": {"99": "x"}})),
            (
                "a[b][c][d][e][f][g]=1",
                json!({"a": {"b": {"c": {"d": {"e": {"f[g]": "1"}}}}}}),
            ),
            ("=x&[a]=y&[]=z", json!({"a": "y"})),
            ("flag", json!({"flag": ""})),
            ("", json!({})),
        ];
        for (form, expected) in cases {
            assert_eq!(to_json(form.as_bytes()), expected, "{form}");
        }
    }

    #[test]
    fn stops_after_a_thousand_pairs() {
        let form: Vec<String> = (0..1500).map(|i| format!("k{i}=v")).collect();
        let value = to_json(form.join("&").as_bytes());
        assert_eq!(value.as_object().unwrap().len(), 1000);
    }
}
