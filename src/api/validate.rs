//! Request-body validation the way Rocket.Chat's ajv does it: coercion first, then the first
//! failure only, in ajv's order, with ajv's message text.

use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use serde_json::Value;

/// Marks an object schema that refuses extra properties. poem-openapi cannot say
/// `additionalProperties: false`, so `Body` writes this marker into the registry, the
/// validator reads it, and the spec writer turns it into `false`.
pub const CLOSED_MARKER: &str = "x-closed";

/// Whether `schema` carries [`CLOSED_MARKER`].
pub fn is_closed(schema: &MetaSchema) -> bool {
    matches!(schema.additional_properties.as_deref(),
        Some(MetaSchemaRef::Inline(inner)) if inner.ty == CLOSED_MARKER)
}

/// Checks `value` against `schema`, coercing scalars in place like ajv's `coerceTypes`
/// (strings "true"/"false" and numbers 1/0 to booleans, numbers and booleans to strings,
/// numeric strings to integers). `null` on an optional field means the field was not sent;
/// on a required one it is refused, never coerced. Returns ajv's message for the first
/// failure.
pub fn validate(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &mut Value,
) -> Result<(), String> {
    let schema = resolve(registry, schema);
    if !schema.one_of.is_empty() || !schema.any_of.is_empty() {
        return validate_union(registry, schema, value);
    }
    match schema.ty {
        "object" => validate_object(registry, schema, value),
        "array" => {
            let Value::Array(items) = value else {
                return Err("must be array".into());
            };
            if let Some(min) = schema.min_items
                && items.len() < min
            {
                return Err(format!("must NOT have fewer than {min} items"));
            }
            if let Some(item_schema) = &schema.items {
                for item in items {
                    validate(registry, item_schema, item)?;
                }
            }
            Ok(())
        }
        "boolean" => coerce(value, "boolean", |v| match v {
            Value::Bool(_) => Some(v.clone()),
            Value::String(s) if s == "true" => Some(Value::Bool(true)),
            Value::String(s) if s == "false" => Some(Value::Bool(false)),
            Value::Number(n) if n.as_f64() == Some(1.0) => Some(Value::Bool(true)),
            Value::Number(n) if n.as_f64() == Some(0.0) => Some(Value::Bool(false)),
            _ => None,
        }),
        "string" => {
            coerce(value, "string", |v| match v {
                Value::String(_) => Some(v.clone()),
                Value::Number(n) => Some(Value::String(n.to_string())),
                Value::Bool(b) => Some(Value::String(b.to_string())),
                _ => None,
            })?;
            check_string(schema, value)
        }
        "number" => coerce(value, "number", |v| match v {
            Value::Number(_) => Some(v.clone()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            _ => None,
        }),
        "integer" => coerce(value, "integer", |v| match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        }),
        // Any other schema (free-form objects such as `customFields`) accepts anything.
        _ => Ok(()),
    }
}

/// A string's `minLength` and `enum`, after coercion, in ajv's words.
fn check_string(schema: &MetaSchema, value: &Value) -> Result<(), String> {
    let Value::String(text) = value else {
        return Ok(()); // `null` on an optional field: already removed
    };
    if let Some(min) = schema.min_length
        && text.chars().count() < min
    {
        return Err(format!("must NOT have fewer than {min} characters"));
    }
    if !schema.enum_items.is_empty() && !schema.enum_items.contains(value) {
        return Err("must be equal to one of the allowed values".into());
    }
    Ok(())
}

/// `oneOf` / `anyOf`: the first branch that accepts the value (coerced by that branch), else
/// every branch's message and ajv's summary line.
fn validate_union(
    registry: &Registry,
    schema: &MetaSchema,
    value: &mut Value,
) -> Result<(), String> {
    let (branches, summary) = match schema.one_of.is_empty() {
        false => (&schema.one_of, "must match exactly one schema in oneOf"),
        true => (&schema.any_of, "must match a schema in anyOf"),
    };
    let mut messages = Vec::new();
    for branch in branches {
        let mut candidate = value.clone();
        match validate(registry, branch, &mut candidate) {
            Ok(()) => {
                *value = candidate;
                return Ok(());
            }
            Err(message) => messages.push(message),
        }
    }
    messages.push(summary.into());
    Err(messages.join("\n "))
}

/// Whether an optional property's value means "not sent": Rocket.Chat's schemas make optional
/// scalars nullable, so `null` is unset there, and so is `""` for a boolean or a number (ajv
/// coerces it to `null`). Optional arrays and objects are not nullable.
fn is_unset(property: &MetaSchema, value: Option<&Value>) -> bool {
    match (property.ty, value) {
        ("array" | "object", _) => false,
        (_, Some(Value::Null)) => true,
        ("boolean" | "integer" | "number", Some(Value::String(s))) => s.is_empty(),
        _ => false,
    }
}

fn resolve<'a>(registry: &'a Registry, schema: &'a MetaSchemaRef) -> &'a MetaSchema {
    match schema {
        // A documented property of an object type is `allOf: [its type, its text]`.
        MetaSchemaRef::Inline(inline) if inline.properties.is_empty() => {
            match inline
                .all_of
                .iter()
                .find(|part| matches!(part, MetaSchemaRef::Reference(_)))
            {
                Some(typed) => resolve(registry, typed),
                None => inline,
            }
        }
        MetaSchemaRef::Inline(schema) => schema,
        MetaSchemaRef::Reference(name) => registry
            .schemas
            .get(name)
            .expect("every referenced schema is registered by its type"),
    }
}

fn coerce(
    value: &mut Value,
    type_name: &str,
    convert: impl Fn(&Value) -> Option<Value>,
) -> Result<(), String> {
    match convert(value) {
        Some(converted) => {
            *value = converted;
            Ok(())
        }
        None => Err(format!("must be {type_name}")),
    }
}

fn validate_object(
    registry: &Registry,
    schema: &MetaSchema,
    value: &mut Value,
) -> Result<(), String> {
    let Value::Object(map) = value else {
        return Err("must be object".into());
    };
    if let Some(missing) = schema
        .required
        .iter()
        .find(|name| !map.contains_key(**name))
    {
        return Err(format!("must have required property '{missing}'"));
    }
    if let Some(min) = schema.min_properties
        && map.len() < min
    {
        return Err(format!("must NOT have fewer than {min} properties"));
    }
    // A map (`additionalProperties: {schema}`): every value checked, and coerced, by it.
    if let Some(values) = schema.additional_properties.as_deref()
        && !is_closed(schema)
    {
        for value in map.values_mut() {
            validate(registry, values, value)?;
        }
    }
    if is_closed(schema)
        && map
            .keys()
            .any(|key| !schema.properties.iter().any(|(name, _)| name == key))
    {
        return Err("must NOT have additional properties".into());
    }
    for (name, property) in &schema.properties {
        if !schema.required.contains(name) && is_unset(resolve(registry, property), map.get(*name))
        {
            map.remove(*name);
        }
        if let Some(field) = map.get_mut(*name) {
            validate(registry, property, field)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem_openapi::{Object, types::Type};
    use serde_json::json;

    #[derive(Object)]
    #[oai(rename_all = "camelCase")]
    struct Sample {
        user_id: String,
        active_status: bool,
        confirm_relinquish: Option<bool>,
        tags: Option<Vec<String>>,
    }

    fn check(value: Value, closed: bool) -> Result<Value, String> {
        let mut registry = Registry::new();
        Sample::register(&mut registry);
        if closed {
            let schema = registry
                .schemas
                .get_mut(&Sample::name().to_string())
                .unwrap();
            schema.additional_properties = Some(Box::new(MetaSchemaRef::Inline(Box::new(
                MetaSchema::new(CLOSED_MARKER),
            ))));
        }
        let mut value = value;
        validate(&registry, &Sample::schema_ref(), &mut value).map(|_| value)
    }

    #[test]
    fn reports_ajv_messages_in_ajv_order() {
        assert_eq!(check(json!([]), true).unwrap_err(), "must be object");
        assert_eq!(
            check(json!({"x": 1}), true).unwrap_err(),
            "must have required property 'userId'"
        );
        assert_eq!(
            check(json!({"userId": "a"}), true).unwrap_err(),
            "must have required property 'activeStatus'"
        );
        assert_eq!(
            check(
                json!({"userId": "a", "activeStatus": "maybe", "x": 1}),
                true
            )
            .unwrap_err(),
            "must NOT have additional properties"
        );
        assert_eq!(
            check(json!({"userId": {}, "activeStatus": "maybe"}), true).unwrap_err(),
            "must be string"
        );
        assert_eq!(
            check(json!({"userId": "a", "activeStatus": null}), true).unwrap_err(),
            "must be boolean"
        );
        assert_eq!(
            check(
                json!({"userId": "a", "activeStatus": true, "tags": [1, {}]}),
                true
            )
            .unwrap_err(),
            "must be string"
        );
    }

    #[test]
    fn null_is_unset_on_optional_scalars_only() {
        let v = check(
            json!({"userId": true, "activeStatus": true, "confirmRelinquish": null}),
            true,
        )
        .unwrap();
        assert_eq!(v, json!({"userId": "true", "activeStatus": true}));
        let v = check(
            json!({"userId": "a", "activeStatus": true, "confirmRelinquish": ""}),
            true,
        )
        .unwrap();
        assert_eq!(v, json!({"userId": "a", "activeStatus": true}));
        assert_eq!(
            check(
                json!({"userId": "a", "activeStatus": true, "tags": null}),
                true
            )
            .unwrap_err(),
            "must be array"
        );
        assert_eq!(
            check(json!({"userId": null, "activeStatus": true}), true).unwrap_err(),
            "must be string"
        );
    }

    #[test]
    fn coerces_like_rocket_chat() {
        let v = check(
            json!({"userId": 12, "activeStatus": "false", "confirmRelinquish": 1}),
            true,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"userId": "12", "activeStatus": false, "confirmRelinquish": true})
        );
        assert_eq!(
            check(json!({"userId": "a", "activeStatus": 2}), true).unwrap_err(),
            "must be boolean"
        );
    }

    #[test]
    fn open_schemas_accept_extra_properties() {
        assert!(
            check(
                json!({"userId": "a", "activeStatus": true, "extra": 1}),
                false
            )
            .is_ok()
        );
    }
}
