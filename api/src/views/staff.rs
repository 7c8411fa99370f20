//! Staff accounts and sign-in answers as the api shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_domain::Role;
use sigap_store::staff::Staff;
use utoipa::ToSchema;
use uuid::Uuid;

/// A staff account (never with its password hash or TOTP secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    /// The `sub` of the person's tokens and the `actor` of their events.
    pub id: Uuid,
    /// Lower-cased.
    pub email: String,
    pub name: String,
    /// `operator`, `supervisor`, `upt_staff`, `regional` or `admin`.
    pub role: Role,
    /// The unit, for `upt_staff`.
    pub unit_code: Option<String>,
    /// The province or regency, for `regional`.
    pub region_code: Option<String>,
    pub active: bool,
    /// The password was set by an admin (or generated): the person should
    /// change it (`POST /v1/me/password`).
    pub must_change_password: bool,
    /// TOTP is confirmed: signing in needs a code.
    pub totp_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl From<Staff> for StaffView {
    fn from(s: Staff) -> StaffView {
        StaffView {
            id: s.id,
            email: s.email,
            name: s.name,
            role: s.role,
            unit_code: s.unit_code,
            region_code: s.region_code,
            active: s.active,
            must_change_password: s.must_change_password,
            totp_enabled: s.totp_confirmed_at.is_some(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            last_sign_in_at: s.last_sign_in_at,
        }
    }
}

/// A new account; with the one-time password when Sigap generated it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedStaff {
    #[serde(flatten)]
    pub staff: StaffView,
    /// Generated when no password was given: shown in this answer only; the
    /// person must change it (`must_change_password` is true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_time_password: Option<String>,
}

/// The answer of signing in and of refreshing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenPair {
    /// A Sigap JWT carrying the session id (`sid`); refused once the
    /// session ends.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives (15 minutes, less near the session's end).
    pub expires_in: u64,
    /// Single use: `POST /v1/auth/refresh` exchanges it for a new pair;
    /// presenting it a second time ends the session.
    pub refresh_token: String,
    /// The person should change their password (`POST /v1/me/password`).
    pub must_change_password: bool,
    /// The access token opens `/v1/me` and sign-out only: an admin who has
    /// not enrolled TOTP yet, or a person who must change their password
    /// first (a refresh after the change gives a full token).
    pub enrol_only: bool,
}

/// A TOTP enrolment to confirm with a code from the app.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// The shared secret, base32 without padding.
    pub secret: String,
    /// The `otpauth://totp/…` URI for a QR code (SHA1, 6 digits, 30 s).
    pub otpauth_uri: String,
}
