//! `Body<T>`: a request body checked like Rocket.Chat checks it. Its schema is `T`'s, offered
//! as JSON and as an HTML form (`application/x-www-form-urlencoded`, whose values are strings
//! that the validator coerces as ajv does); any other Content-Type is read as JSON (as
//! Rocket.Chat does). Bodies over 1 MiB get 413; ajv's messages go through the envelope.

use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::ParseFromJSON;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use super::envelope::ErrorResponse;
use super::validate::{CLOSED_MARKER, validate};

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request body type; `CLOSED` says whether extra properties are refused
/// (`additionalProperties: false` in Rocket.Chat's schema for that endpoint).
pub trait RequestSchema: ParseFromJSON {
    const CLOSED: bool;
    /// Optional arrays and objects whose Rocket.Chat schema allows `null` (meaning not sent);
    /// others refuse it.
    const NULLABLE: &'static [&'static str] = &[];
    /// Nested object schemas (by type name) that refuse extra properties too.
    const CLOSED_NESTED: &'static [&'static str] = &[];
}

/// A validated request body.
pub struct Body<T>(pub T);

fn register_schema<T: RequestSchema>(registry: &mut Registry) {
    T::register(registry);
    let name = T::name().to_string();
    let top = T::CLOSED.then_some(name.as_str());
    for closed in top.into_iter().chain(T::CLOSED_NESTED.iter().copied()) {
        if let Some(schema) = registry.schemas.get_mut(closed) {
            schema.additional_properties = Some(Box::new(MetaSchemaRef::Inline(Box::new(
                MetaSchema::new(CLOSED_MARKER),
            ))));
        }
    }
}

impl<'a, T: RequestSchema + Send> ApiExtractor<'a> for Body<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        register_schema::<T>(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![
                MetaMediaType {
                    content_type: "application/json",
                    schema: T::schema_ref(),
                },
                MetaMediaType {
                    content_type: FORM,
                    schema: T::schema_ref(),
                },
            ],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let bytes = read_bounded(request, body.take()?)
            .await
            .map_err(|e| match e {
                Unread::Late => {
                    ErrorResponse::invalid_params("the request body was not received in time")
                }
                Unread::TooLarge => ErrorResponse::too_large(),
                Unread::Broken => {
                    ErrorResponse::invalid_params("the request body could not be read")
                }
            })?;
        let format = BodyFormat::of(request.content_type());
        Ok(Body(parse::<T>(format, &bytes)?))
    }
}

/// Why a body could not be read.
pub enum Unread {
    /// Not all of it within the configured body timeout.
    Late,
    /// Over [`MAX_BODY_BYTES`].
    TooLarge,
    /// The connection failed while reading.
    Broken,
}

/// Reads `body` whole, at most [`MAX_BODY_BYTES`] within the configured body timeout: a client
/// dripping its body a byte at a time holds a connection and a task, so it gets the
/// configured time in all, then a clear refusal. Every body, Rocket.Chat's or SCIM's, is read
/// through this.
pub async fn read_bounded(request: &Request, body: poem::Body) -> Result<bytes::Bytes, Unread> {
    let deadline = request
        .data::<super::ApiConfig>()
        .copied()
        .unwrap_or_default()
        .body_timeout;
    tokio::time::timeout(deadline, body.into_bytes_limit(MAX_BODY_BYTES))
        .await
        .map_err(|_| Unread::Late)?
        .map_err(|e| match e {
            poem::error::ReadBodyError::PayloadTooLarge => Unread::TooLarge,
            _ => Unread::Broken,
        })
}

/// The form media type.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// How a body's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Form,
}

impl BodyFormat {
    /// The format a Content-Type names: a form, or JSON for anything else.
    pub fn of(content_type: Option<&str>) -> Self {
        let essence = content_type
            .and_then(|t| t.split(';').next())
            .map(str::trim);
        match essence {
            Some(t) if t.eq_ignore_ascii_case(FORM) => BodyFormat::Form,
            _ => BodyFormat::Json,
        }
    }
}

/// Parses and validates a body; public so the fuzz targets reach exactly this code.
pub fn parse<T: RequestSchema>(format: BodyFormat, bytes: &[u8]) -> Result<T, ErrorResponse> {
    let mut value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else if format == BodyFormat::Form {
        super::form::to_json(bytes)
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            ErrorResponse::invalid_params(&format!("malformed JSON in the request body: {e}"))
        })?
    };
    if let Value::Object(map) = &mut value {
        map.retain(|k, v| !(v.is_null() && T::NULLABLE.contains(&k.as_str())));
    }
    let mut registry = Registry::new();
    register_schema::<T>(&mut registry);
    validate(&registry, &T::schema_ref(), &mut value)
        .map_err(|message| ErrorResponse::invalid_params(&message))?;
    T::parse_from_json(Some(value)).map_err(|e| ErrorResponse::invalid_params(&e.into_message()))
}
