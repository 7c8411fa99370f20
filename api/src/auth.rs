//! The bearer-token extractor and role checks.

use crate::problem::ApiError;
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use sigap_domain::Role;
use sigap_runtime::auth::{Claims, Scope, TokenError};
use std::future::{Ready, ready};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Auth(pub Claims);

impl Auth {
    /// The staff account and session of a token from signing in; 404 for
    /// other tokens (API clients, `sigap-api token`), which have no account.
    pub fn staff_session(&self) -> Result<(uuid::Uuid, uuid::Uuid), ApiError> {
        let no_account = || ApiError::NotFound("this token is not a staff account's".into());
        let sid = self.0.sid.as_deref().ok_or_else(no_account)?;
        let sid = sid.parse().map_err(|_| no_account())?;
        let id = self.0.sub.parse().map_err(|_| no_account())?;
        Ok((id, sid))
    }

    /// Refuses (403) a caller whose role is not among `roles`. Integrators
    /// are refused here even when listed: an endpoint open to them says
    /// which scope it needs, with [`Auth::require_scoped`].
    pub fn require(&self, roles: &[Role]) -> Result<&Claims, ApiError> {
        self.check_role(roles)?;
        if self.0.role == Role::Integrator {
            return Err(ApiError::Forbidden(
                "integrator tokens may not do this".into(),
            ));
        }
        Ok(&self.0)
    }

    /// Refuses (403) a caller whose role is not among `roles`, and an
    /// integrator whose token lacks `scope`.
    pub fn require_scoped(&self, roles: &[Role], scope: Scope) -> Result<&Claims, ApiError> {
        self.check_role(roles)?;
        self.require_scope(scope)
    }

    /// Any role, but an integrator needs `scope` (for endpoints open to
    /// every role, whose rows the store filters for the caller).
    pub fn require_scope(&self, scope: Scope) -> Result<&Claims, ApiError> {
        if self.0.role == Role::Integrator && !scope.granted_by(self.0.scope.as_deref()) {
            return Err(ApiError::Forbidden(format!(
                "this needs the scope {scope}, which the client's token does not have"
            )));
        }
        Ok(&self.0)
    }

    fn check_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role {} may not do this (allowed: {})",
                self.0.role,
                roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Ready<Result<Auth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Auth, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("missing bearer token (Authorization: Bearer <token>)".into())
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be 'Bearer <token>'".into())
        })?;
    let claims = state.tokens.verify(token).map_err(|e| match e {
        TokenError::Expired => ApiError::Unauthorized("the token has expired".into()),
        _ => ApiError::Unauthorized("the token is not valid".into()),
    })?;
    // An integrator's token is its client's: it dies with the client, from
    // the in-memory set of revoked clients (no database read).
    if claims.role == Role::Integrator {
        match state.revoked.contains(&claims.sub) {
            Some(false) => {}
            Some(true) => {
                return Err(ApiError::Unauthorized(
                    "the token's client has been revoked".into(),
                ));
            }
            None => {
                return Err(ApiError::Core(sigap_store::Error::Unavailable(
                    "the list of revoked clients is not loaded yet".into(),
                )));
            }
        }
    }
    // A staff session's token dies with its session, from the in-memory
    // set of ended sessions (no database read).
    if let Some(sid) = &claims.sid {
        match state.ended_sessions.contains(sid) {
            Some(false) => {}
            Some(true) => {
                return Err(ApiError::Unauthorized("the session has ended".into()));
            }
            None => {
                return Err(ApiError::Core(sigap_store::Error::Unavailable(
                    "the list of ended sessions is not loaded yet".into(),
                )));
            }
        }
    }
    // An admin without TOTP may enrol (and change the password), nothing else.
    if claims.enrol_only && !enrolment_path(req.path()) {
        return Err(ApiError::Forbidden(
            "this token opens /v1/me only: change the password (POST /v1/me/password) or, for an admin, enrol TOTP (POST /v1/me/totp, then /v1/me/totp/confirm), then sign in again or refresh"
                .into(),
        ));
    }
    Ok(Auth(claims))
}

/// What an enrol-only token opens: the person's own record, enrolment,
/// password change, and signing out.
fn enrolment_path(path: &str) -> bool {
    path == "/v1/me" || path.starts_with("/v1/me/") || path == "/v1/auth/logout"
}

#[cfg(test)]
mod tests {
    use super::enrolment_path;

    #[test]
    fn an_enrol_only_token_opens_the_persons_own_account_and_sign_out_only() {
        for (path, open) in [
            ("/v1/me", true),
            ("/v1/me/totp", true),
            ("/v1/me/totp/confirm", true),
            ("/v1/me/password", true),
            ("/v1/auth/logout", true),
            ("/v1/meetings", false),
            ("/v1/staff", false),
            ("/v1/units", false),
            ("/v1/auth/token", false),
        ] {
            assert_eq!(enrolment_path(path), open, "{path}");
        }
    }
}
