//! Bearer tokens: the claims Sigap understands, signing and verification.

use crate::config::{Config, JwtKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
pub use sigap_domain::Claims;
use sigap_domain::Role;
use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("this server has no key to sign tokens with")]
    CannotSign,
}

/// What an integrator's token lets it do. Clients are created with some of
/// these; a token carries its client's scopes, and every endpoint open to
/// integrators names the one it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// File reports.
    ReportsWrite,
    /// Read the reports the client filed.
    ReportsRead,
    /// Manage webhook subscriptions.
    Webhooks,
    /// Use the Open311 facade with an `api_key`.
    Open311,
}

impl Scope {
    /// Every scope, in the order the documentation lists them.
    pub const ALL: [Scope; 4] = [
        Scope::ReportsWrite,
        Scope::ReportsRead,
        Scope::Webhooks,
        Scope::Open311,
    ];

    /// The one spelling of the scope, in tokens, clients and the OpenAPI.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReportsWrite => "reports:write",
            Scope::ReportsRead => "reports:read",
            Scope::Webhooks => "webhooks",
            Scope::Open311 => "open311",
        }
    }

    /// What the scope grants, for the OpenAPI document.
    pub fn description(self) -> &'static str {
        match self {
            Scope::ReportsWrite => "File reports (POST /v1/reports)",
            Scope::ReportsRead => "Read the reports the client filed",
            Scope::Webhooks => "Manage the client's webhook subscriptions",
            Scope::Open311 => "Use the Open311 facade with the client's api_key",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The known scopes, comma-separated, for error messages.
    pub fn expected() -> String {
        Scope::ALL.map(Scope::as_str).join(", ")
    }

    /// Whether space-separated `granted` (a token's `scope`, RFC 6749 3.3)
    /// holds this scope.
    pub fn granted_by(self, granted: Option<&str>) -> bool {
        granted.is_some_and(|g| g.split(' ').any(|s| s == self.as_str()))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Verifies incoming tokens and signs the ones Sigap issues.
///
/// Sigap's own tokens are HS256 with the secret. With `SIGAP_JWT_PUBLIC_KEY`
/// an identity provider's RS256 tokens are accepted too, and the secret is
/// still required (the configuration refuses a public key alone), so the
/// client-credential tokens Sigap issues stay verifiable. Each key verifies
/// only its own algorithm, chosen from the token's header: an RS256 public key
/// is never used as an HS256 secret.
#[derive(Clone)]
pub struct Tokens {
    secret: DecodingKey,
    public_key: Option<DecodingKey>,
    validation: Validation,
    encoding: Option<EncodingKey>,
    issuer: String,
    audience: String,
}

impl Tokens {
    pub fn from_config(config: &Config) -> Result<Tokens, TokenError> {
        let secret = match (&config.jwt_key, &config.jwt_signing_secret) {
            (JwtKey::Secret(secret), _) | (JwtKey::RsaPublicPem(_), Some(secret)) => {
                DecodingKey::from_secret(secret.expose_secret().as_bytes())
            }
            (JwtKey::RsaPublicPem(_), None) => {
                return Err(TokenError::Invalid(
                    "SIGAP_JWT_PUBLIC_KEY needs SIGAP_JWT_SECRET too".into(),
                ));
            }
        };
        let public_key = match &config.jwt_key {
            JwtKey::Secret(_) => None,
            JwtKey::RsaPublicPem(pem) => Some(
                DecodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| TokenError::Invalid(format!("SIGAP_JWT_PUBLIC_KEY: {e}")))?,
            ),
        };
        // Only HS256 and, with a public key, RS256 are accepted: `alg: none`
        // fails verification, and `verify` picks the key by algorithm.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        // A token that is not valid yet (`nbf` in the future) is refused.
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Tokens {
            secret,
            public_key,
            validation,
            encoding: config
                .jwt_signing_secret
                .as_ref()
                .map(|s| EncodingKey::from_secret(s.expose_secret().as_bytes())),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        })
    }

    /// Checks a token's signature, algorithm, expiry, issuer and audience, and
    /// that the claims its role needs are there.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| TokenError::Invalid(format!("{:?}", e.kind())))?;
        let key = match (header.alg, &self.public_key) {
            (Algorithm::HS256, _) => &self.secret,
            (Algorithm::RS256, Some(public_key)) => public_key,
            (other, _) => {
                return Err(TokenError::Invalid(format!(
                    "algorithm {other:?} is not accepted"
                )));
            }
        };
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|e| match e
            .kind()
        {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            other => TokenError::Invalid(format!("{other:?}")),
        })?;
        let claims = data.claims;
        match claims.role {
            Role::UptStaff if claims.unit.is_none() => Err(TokenError::Invalid(
                "upt_staff tokens need a unit claim".into(),
            )),
            Role::Regional if claims.region.is_none() => Err(TokenError::Invalid(
                "regional tokens need a region claim".into(),
            )),
            _ => Ok(claims),
        }
    }

    /// Builds the claims of a new token valid for `ttl`.
    pub fn claims(&self, sub: &str, role: Role, ttl: Duration) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: sub.to_owned(),
            role,
            unit: None,
            region: None,
            scope: None,
            sid: None,
            enrol_only: false,
            exp: now + ttl.as_secs() as i64,
            iat: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        }
    }

    /// Signs claims with HS256.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let key = self.encoding.as_ref().ok_or(TokenError::CannotSign)?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, key)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn tokens() -> Tokens {
        let vars: BTreeMap<String, String> = [
            ("SIGAP_JWT_SECRET".to_string(), SECRET.to_string()),
            (
                "SIGAP_DATA_KEYS".to_string(),
                crate::config::DEV_DATA_KEYS.to_string(),
            ),
            (
                "SIGAP_INDEX_KEY".to_string(),
                crate::config::DEV_INDEX_KEY.to_string(),
            ),
        ]
        .into();
        Tokens::from_config(&Config::from_vars(vars).expect("config")).expect("tokens")
    }

    const SECRET: &str = "test-secret-0123456789abcdef0123456789";

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let t = tokens();
        let claims = t.claims("op-1", Role::Operator, Duration::from_secs(600));
        let mut value = serde_json::to_value(&claims).expect("json");
        let sign = |value: &serde_json::Value| {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                value,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .expect("sign")
        };
        value["nbf"] = (chrono::Utc::now().timestamp() + 300).into();
        assert!(matches!(
            t.verify(&sign(&value)),
            Err(TokenError::Invalid(_))
        ));
        value["nbf"] = (chrono::Utc::now().timestamp() - 1).into();
        assert_eq!(t.verify(&sign(&value)), Ok(claims));
    }

    #[test]
    fn with_a_public_key_sigap_still_verifies_its_own_tokens() {
        // A throwaway 2048-bit RSA public key: nothing is signed with it here,
        // it only has to parse.
        let pem = include_str!("../tests/rsa_public.pem");
        let vars: BTreeMap<String, String> = [
            ("SIGAP_JWT_SECRET".to_string(), SECRET.to_string()),
            ("SIGAP_JWT_PUBLIC_KEY".to_string(), pem.to_string()),
            (
                "SIGAP_DATA_KEYS".to_string(),
                crate::config::DEV_DATA_KEYS.to_string(),
            ),
            (
                "SIGAP_INDEX_KEY".to_string(),
                crate::config::DEV_INDEX_KEY.to_string(),
            ),
        ]
        .into();
        let t = Tokens::from_config(&Config::from_vars(vars).expect("config")).expect("tokens");
        let claims = t.claims(
            "cli_0123456789abcdef",
            Role::Integrator,
            Duration::from_secs(60),
        );
        assert_eq!(
            t.verify(&t.sign(&claims).expect("sign")),
            Ok(claims.clone())
        );
        // An HS256 token signed with the public key's text (algorithm
        // confusion) is refused.
        let confused = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(pem.as_bytes()),
        )
        .expect("sign");
        assert!(matches!(t.verify(&confused), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn scopes_are_read_from_a_space_separated_claim() {
        assert!(Scope::ReportsWrite.granted_by(Some("reports:read reports:write")));
        assert!(!Scope::ReportsWrite.granted_by(Some("reports:read reports:writer")));
        assert!(!Scope::Webhooks.granted_by(None));
        assert!(!Scope::Webhooks.granted_by(Some("")));
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("admin"), None);
    }

    #[test]
    fn a_signed_token_verifies_with_its_claims() {
        let t = tokens();
        let mut claims = t.claims("op-1", Role::UptStaff, Duration::from_secs(60));
        claims.unit = Some("SENTRA-MULYA-JAYA".into());
        let token = t.sign(&claims).expect("sign");
        assert_eq!(t.verify(&token), Ok(claims));
    }

    #[test]
    fn expired_unsigned_and_foreign_tokens_are_refused() {
        let t = tokens();
        let mut claims = t.claims("op-1", Role::Operator, Duration::from_secs(60));
        claims.exp = chrono::Utc::now().timestamp() - 3600;
        assert_eq!(
            t.verify(&t.sign(&claims).expect("sign")),
            Err(TokenError::Expired)
        );

        let claims = t.claims("op-1", Role::Operator, Duration::from_secs(60));
        let foreign = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"another secret"),
        )
        .expect("sign");
        assert!(matches!(t.verify(&foreign), Err(TokenError::Invalid(_))));

        // alg: none — a header and payload with an empty signature.
        let b64 = |s: &str| {
            use base64_like::encode;
            encode(s.as_bytes())
        };
        let payload = serde_json::to_string(&claims).expect("json");
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&payload)
        );
        assert!(matches!(t.verify(&none), Err(TokenError::Invalid(_))));
    }

    #[test]
    fn staff_tokens_without_their_unit_are_refused() {
        let t = tokens();
        let claims = t.claims("staff", Role::UptStaff, Duration::from_secs(60));
        assert!(matches!(
            t.verify(&t.sign(&claims).expect("sign")),
            Err(TokenError::Invalid(_))
        ));
    }

    /// Minimal unpadded base64url, enough to forge a test token.
    mod base64_like {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        pub fn encode(input: &[u8]) -> String {
            let mut out = String::new();
            for chunk in input.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
                for i in 0..=chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
    }
}
