//! The OpenAPI document: the base (info, security, tags) here, the paths
//! collected from the handlers' `#[utoipa::path]` annotations.

use crate::routes;
use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    modifiers(&BearerAuth),
    tags(
        (name = "reports", description = "Filing and reading reports"),
        (name = "cases", description = "Working cases: unit queues, status changes, notes, transfers, triage"),
        (name = "stats", description = "Statistics for planning: counts, times and SLA compliance, by region, category, unit, status and day"),
        (name = "webhooks", description = "Signed event deliveries to partner apps; see the module docs of each endpoint for verification"),
        (name = "clients", description = "API clients of partner apps and the OAuth2 client-credentials grant"),
        (name = "tracking", description = "Public tracking by ticket"),
        (name = "open311", description = "Open311 GeoReport v2 facade for Open311 clients"),
        (name = "reference", description = "Regions, categories and the unit directory"),
        (name = "directory", description = "Editing units and coverage rules; previewing the router"),
        (name = "ops", description = "Health, readiness and metrics"),
        (name = "console", description = "The operator web console (`/console/`) and its development sign-in"),
    )
)]
struct BaseDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256 (or RS256) JWT with claims sub, role, unit, region, scope, exp, iss, aud.",
                    ))
                    .build(),
            ),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}

/// Final touches on the collected document.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api
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
