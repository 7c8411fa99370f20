//! The OpenAPI document: the base (info, security, tags) here, the paths
//! collected from the handlers' `#[utoipa::path]` annotations.

use crate::routes;
use actix_web::App;
use sigap_runtime::auth::Scope;
use std::collections::BTreeSet;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sigap API",
        description = "Case routing for the social-affairs Command Center: file reports, track \
            them, and work them through to closure. Errors are RFC 9457 problem+json; times are \
            RFC 3339 UTC; lists use opaque cursors.",
        license(name = "MIT"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "reports", description = "Filing and reading reports"),
        (name = "cases", description = "Working cases: unit queues, status changes, notes, transfers, triage"),
        (name = "case work", description = "What the unit does after acknowledging a case: every person listed (one by one or \
            from an imported CSV/XLSX list), assessed (Washington Group short set), served (ATENSI components, assistive \
            devices) with a handover record (BAST), and followed up. The examples follow the Kabupaten Sijunjung request: \
            assistive devices for 54 elderly people and 16 persons with disabilities, worked by Sentra Mulya Jaya."),
        (name = "exports", description = "CSV and XLSX files of reports, their people and statistics, built by the worker and kept for a day"),
        (name = "attachments", description = "Photos and documents attached to a case (JPEG, PNG, PDF), stored without photo metadata"),
        (name = "stats", description = "Statistics for planning: counts, times and SLA compliance, by region, category, unit, status and day"),
        (name = "webhooks", description = "Signed event deliveries to partner apps; see the module docs of each endpoint for verification"),
        (name = "staff", description = "Staff accounts: the people who sign in (admin)"),
        (name = "sign-in", description = "Signing in with a staff account, sessions, and the person's own account (`/v1/me`)"),
        (name = "clients", description = "API clients of partner apps and the OAuth2 client-credentials grant"),
        (name = "personal data", description = "UU PDP: who saw the personal data of a report (access log), and subject requests (access, rectification, erasure) answered within 3 × 24 hours"),
        (name = "tracking", description = "Public tracking by ticket"),
        (name = "open311", description = "Open311 GeoReport v2 facade for Open311 clients"),
        (name = "reference", description = "Regions, categories and the unit directory"),
        (name = "directory", description = "Editing units and coverage rules; previewing the router"),
        (name = "calendar", description = "National holidays and collective-leave days, which working-time deadlines skip"),
        (name = "ops", description = "Health, readiness and metrics"),
        (name = "console", description = "The operator web console (`/console/`) and its development sign-in"),
    )
)]
struct BaseDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256 (or RS256) JWT with claims sub, role, unit, region, scope, exp, iss, aud; tokens from signing in also carry the session id `sid` (and `enrol_only` for an admin who has not enrolled TOTP).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/v1/auth/token",
                    Scopes::from_iter(
                        Scope::ALL.map(|scope| (scope.as_str(), scope.description())),
                    ),
                ))],
                "How integrators get their `bearer` tokens: the OAuth2 client-credentials \
                 grant with the id and secret of an API client (`POST /v1/clients`). A token \
                 carries its client's scopes; each operation open to integrators lists the \
                 one it needs under this scheme, and a token without it is refused (403).",
            )),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}

/// Final touches on the collected document.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    no_nul_in_request_bodies(&mut api);
    api
}

/// Text without NUL (U+0000), which PostgreSQL text cannot hold: the body
/// reader refuses it in every field ([`crate::strict_json`]).
pub const NO_NUL: &str = r"^[^\x00]*$";

/// States [`NO_NUL`] on every string of a request body that has no pattern,
/// enum or format of its own (those exclude NUL already).
fn no_nul_in_request_bodies(api: &mut utoipa::openapi::OpenApi) {
    let mut referenced = BTreeSet::new();
    for item in api.paths.paths.values_mut() {
        let operations: [&mut Option<Operation>; 8] = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            let contents = operation
                .request_body
                .iter_mut()
                .filter_map(|body| match body {
                    RefOr::T(body) => Some(body),
                    RefOr::Ref(_) => None,
                })
                .flat_map(|body| body.content.values_mut());
            let schemas = contents.filter_map(|content| match content {
                RefOr::T(content) => content.schema.as_mut(),
                RefOr::Ref(_) => None,
            });
            for schema in schemas {
                no_nul(schema, &mut referenced);
            }
        }
    }
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let mut done = BTreeSet::new();
    while let Some(name) = referenced.difference(&done).next().cloned() {
        if let Some(schema) = components.schemas.get_mut(&name) {
            no_nul(schema, &mut referenced);
        }
        done.insert(name);
    }
}

/// [`NO_NUL`] on `schema` and the schemas inside it; `referenced` collects
/// the components it refers to.
fn no_nul(schema: &mut RefOr<Schema>, referenced: &mut BTreeSet<String>) {
    match schema {
        RefOr::Ref(reference) => {
            if let Some(name) = reference.ref_location.strip_prefix("#/components/schemas/") {
                referenced.insert(name.to_owned());
            }
        }
        RefOr::T(Schema::Object(object)) => {
            let text = match &object.schema_type {
                SchemaType::Type(Type::String) => true,
                SchemaType::Array(types) => types.contains(&Type::String),
                _ => false,
            };
            if text
                && object.pattern.is_none()
                && object.enum_values.is_none()
                && object.format.is_none()
            {
                object.pattern = Some(NO_NUL.to_owned());
            }
            for property in object.properties.values_mut() {
                no_nul(property, referenced);
            }
            if let Some(AdditionalProperties::RefOr(extra)) =
                object.additional_properties.as_deref_mut()
            {
                no_nul(extra, referenced);
            }
        }
        RefOr::T(Schema::Array(array)) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                no_nul(items, referenced);
            }
        }
        RefOr::T(Schema::OneOf(one_of)) => {
            one_of.items.iter_mut().for_each(|s| no_nul(s, referenced));
        }
        RefOr::T(Schema::AllOf(all_of)) => {
            all_of.items.iter_mut().for_each(|s| no_nul(s, referenced));
        }
        RefOr::T(Schema::AnyOf(any_of)) => {
            any_of.items.iter_mut().for_each(|s| no_nul(s, referenced));
        }
        RefOr::T(_) => {}
    }
}

/// The whole document, as served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(routes::configure)
        .split_for_parts();
    finish(api)
}
