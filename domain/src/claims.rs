//! What a verified token says about its caller.

use crate::Role;
use serde::{Deserialize, Serialize};

/// The claims of a Sigap token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Who the caller is: a person, a client id or a command-line name.
    pub sub: String,
    /// What the caller may do.
    pub role: Role,
    /// The unit of UPT staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The province of a regional office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Space-separated scopes of an integrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The staff session the token belongs to (tokens from signing in): it
    /// is refused once the session has ended. Absent from the tokens of API
    /// clients and of `sigap-api token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Set on the token of an admin who has not enrolled TOTP yet, or of a
    /// person who must change their password first: it opens `/v1/me`
    /// (enrolment, password change) and signing out, nothing else.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enrol_only: bool,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    #[serde(default)]
    pub iat: i64,
    /// The issuer, checked on every request.
    pub iss: String,
    /// The audience, checked on every request.
    pub aud: String,
}
