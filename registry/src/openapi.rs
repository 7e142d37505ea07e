//! The OpenAPI 3.1 document of the HTTP API, served at `GET /api/openapi.json`.
//!
//! Generated, not written: each API handler carries `#[utoipa::path]` (method, path, parameters,
//! bodies, answers) and its body types derive `utoipa::ToSchema`. [`crate::routes::api`] registers
//! every API route with `utoipa_axum::routes!`, which routes a handler at the method and path of its
//! annotation and adds that operation to the document in the same call, so the two cannot disagree;
//! `registry/tests/openapi.rs` walks the finished router to check that no route was added around it.
//! The HTML pages (docs/web.md) are not part of the API and are left out.
//!
//! [`finish`] then writes into the document what holds for every operation by construction:
//! - every 4xx/5xx answer is an [`ApiError`](crate::ApiError), so it gets the
//!   `application/problem+json` body ([`Problem`](crate::error::Problem)), with `WWW-Authenticate`
//!   on a 401 and `Retry-After` on a 429;
//! - axum's catch-all segment `{*path}` is written `{path}` (OpenAPI has no catch-all; the
//!   parameter says it spans segments);
//! - the `osops_index` types (`NeedRecord`, `IndexEntry`, …) are the JSON Schemas they derive with
//!   schemars, the same as `schemas/*.json`, not a second description of them.

use std::borrow::Cow;

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};
use utoipa::openapi::schema::SchemaType;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Schema, Type};

use crate::error::ApiError;

/// The security scheme of the operations that take `Authorization: Bearer <token>` (the
/// handlers' `security(("bearer" = []))`; the test checks that they name it).
pub const BEARER: &str = "bearer";

/// What a bridged type's schema says until [`finish`] puts the schemars one in its place.
const PLACEHOLDER: &str = "osops-openapi: replaced by the type's schemars schema";

/// The parts of the document that no handler says: info, tags, the security scheme and the
/// problem body.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "osops registry",
        description = "The HTTP API of the osops registry: publish, search, download, yank, owners, \
                       tokens, needs, trusted publishing and the sparse index. The prose contract \
                       is docs/http-api.md. Every 4xx/5xx answer is `application/problem+json` \
                       (RFC 7807); an unknown path is `404`, a wrong method on a known path `405`, \
                       both with a problem body.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&Security),
    tags(
        (name = "assets", description = "Publish, search, read, download and yank assets."),
        (name = "owners", description = "Who owns an asset, and its audit log."),
        (name = "trusted-publishing", description = "Publishing from CI without a stored token."),
        (name = "tokens", description = "A user's own API tokens."),
        (name = "needs", description = "Operator problems that assets answer."),
        (name = "index", description = "The sparse index, static-servable files with strong ETags."),
        (name = "service", description = "Health and this document."),
    )
)]
struct Base;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("osops_…: 44 characters (docs/http-api.md, Token format)")
                    .description(Some(
                        "An API token: `osops-registry token create`, `POST /api/v1/tokens`, or \
                         `POST /api/v1/trusted-publishing/exchange`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document's start: everything but the operations, which [`crate::routes::api`] adds.
pub fn base() -> utoipa::openapi::OpenApi {
    <Base as utoipa::OpenApi>::openapi()
}

/// The finished document of the API router, as [`crate::router`] serves it.
pub fn document() -> Result<Value, String> {
    finish(crate::routes::api().into_openapi())
}

/// Schemas that stand for `osops_index` types: a placeholder under the type's schemars name, which
/// [`finish`] replaces with the type's schemars JSON Schema (and the schemas it refers to).
macro_rules! bridged {
    ($($marker:ident => $ty:ty),* $(,)?) => {
        $(
            #[doc = concat!("[`", stringify!($ty), "`] in the document (its schemars schema).")]
            pub struct $marker;

            impl utoipa::PartialSchema for $marker {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new()
                        .schema_type(SchemaType::AnyValue)
                        .description(Some(PLACEHOLDER))
                        .into()
                }
            }

            impl utoipa::ToSchema for $marker {
                fn name() -> Cow<'static, str> {
                    <$ty as schemars::JsonSchema>::schema_name()
                }
            }
        )*

        /// The schemars schemas of the bridged types and of those they refer to, by name, with
        /// references into `#/components/schemas/`.
        fn bridged_schemas() -> Map<String, Value> {
            let mut settings = schemars::generate::SchemaSettings::draft2020_12();
            settings.definitions_path = "/components/schemas".into();
            let mut generator = settings.into_generator();
            $( generator.subschema_for::<$ty>(); )*
            generator.take_definitions(true)
        }
    };
}

bridged! {
    AssetNameSchema => osops_index::AssetName,
    KindSchema => osops_index::Kind,
    NeedRecordSchema => osops_index::NeedRecord,
    NeedStatusSchema => osops_index::NeedStatus,
    IndexConfigSchema => osops_index::IndexConfig,
    IndexEntrySchema => osops_index::IndexEntry,
}

/// A body that is bytes, not JSON: an `.osops` archive.
pub struct Archive;

impl utoipa::PartialSchema for Archive {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .content_media_type("application/gzip")
            .description(Some(
                "The `.osops` archive: a gzip-compressed tar whose `osops.toml` is the manifest.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Archive {}

/// An index file: one [`osops_index::IndexEntry`] JSON object per line.
pub struct IndexFile;

impl utoipa::PartialSchema for IndexFile {
    fn schema() -> RefOr<Schema> {
        let mut line = utoipa::openapi::extensions::Extensions::default();
        line.insert(
            "x-line-schema".into(),
            json!({"$ref": "#/components/schemas/IndexEntry"}),
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "One `IndexEntry` JSON object per line (`x-line-schema`), one line per version, \
                 oldest first; each line ends with `\\n`.",
            ))
            .extensions(Some(line))
            .into()
    }
}

impl utoipa::ToSchema for IndexFile {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push((
            <IndexEntrySchema as utoipa::ToSchema>::name().into_owned(),
            IndexEntrySchema::schema(),
        ));
    }
}

/// This document, as a JSON object.
pub struct OpenApiDocument;

impl utoipa::PartialSchema for OpenApiDocument {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for OpenApiDocument {}

/// Applies the rules of the module documentation to `doc` and returns it as JSON; the error names
/// a rule that could not be applied.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Result<Value, String> {
    let mut doc = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
    let root = doc
        .as_object_mut()
        .ok_or("the document is not a JSON object")?;

    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        let old = std::mem::take(paths);
        for (path, mut item) in old {
            if let Value::Object(operations) = &mut item {
                for operation in operations.values_mut() {
                    if let Some(Value::Object(responses)) = operation.get_mut("responses") {
                        for (status, response) in responses.iter_mut() {
                            problem_body(status, response);
                        }
                    }
                }
            }
            paths.insert(path.replace("{*", "{"), item);
        }
    }

    let schemas = root
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components` is not an object")?
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components.schemas` is not an object")?;
    for (name, schema) in bridged_schemas() {
        match schemas.get(&name) {
            Some(existing) if existing.get("description") != Some(&json!(PLACEHOLDER)) => {
                return Err(format!(
                    "two types are named `{name}` in the document (hint: rename the registry's \
                     with `#[schema(as = …)]`)"
                ));
            }
            _ => {
                schemas.insert(name, schema);
            }
        }
    }
    if let Some((name, _)) = schemas
        .iter()
        .find(|(_, s)| s.get("description") == Some(&json!(PLACEHOLDER)))
    {
        return Err(format!("`{name}` has no schemars schema"));
    }
    Ok(doc)
}

/// A 4xx/5xx answer without a body gets the problem body, and its headers.
fn problem_body(status: &str, response: &mut Value) {
    if !(status.starts_with('4') || status.starts_with('5')) {
        return;
    }
    let Some(response) = response.as_object_mut() else {
        return;
    };
    response.entry("content").or_insert_with(|| {
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}})
    });
    let header = match status {
        "401" => Some((
            "WWW-Authenticate",
            json!({"description": "`Bearer realm=\"osops\"`.", "schema": {"type": "string"}}),
        )),
        "429" => Some((
            "Retry-After",
            json!({"description": "Seconds until the limit lets the action through again.",
                   "schema": {"type": "integer", "minimum": 0}}),
        )),
        _ => None,
    };
    if let Some((name, value)) = header
        && let Some(headers) = response
            .entry("headers")
            .or_insert_with(|| json!({}))
            .as_object_mut()
    {
        headers.entry(name).or_insert(value);
    }
}

/// The served document: its JSON, made once when the router is built (or why it could not be).
#[derive(Clone)]
pub struct Served(Result<Bytes, String>);

impl Served {
    pub fn new(doc: utoipa::openapi::OpenApi) -> Served {
        let json = finish(doc).and_then(|doc| serde_json::to_vec(&doc).map_err(|e| e.to_string()));
        if let Err(e) = &json {
            tracing::error!("cannot make the OpenAPI document: {e}");
        }
        Served(json.map(Bytes::from))
    }
}

/// `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    operation_id = "openapi",
    summary = "This document",
    description = "The OpenAPI 3.1 document of this API, generated from the registry's handlers \
                   and checked against its router.",
    responses(
        (status = 200, description = "The document.", body = OpenApiDocument),
        (status = 500, description = "The document could not be made (the log says why)."),
    )
)]
pub async fn serve(Extension(served): Extension<Served>) -> Response {
    match served.0 {
        Ok(json) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}
