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

/// Verifies incoming tokens and signs the ones Sigap issues.
#[derive(Clone)]
pub struct Tokens {
    decoding: DecodingKey,
    validation: Validation,
    encoding: Option<EncodingKey>,
    issuer: String,
    audience: String,
}

impl Tokens {
    pub fn from_config(config: &Config) -> Result<Tokens, TokenError> {
        let (decoding, algorithm) = match &config.jwt_key {
            JwtKey::Secret(secret) => (
                DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                Algorithm::HS256,
            ),
            JwtKey::RsaPublicPem(pem) => (
                DecodingKey::from_rsa_pem(pem.as_bytes())
                    .map_err(|e| TokenError::Invalid(format!("SIGAP_JWT_PUBLIC_KEY: {e}")))?,
                Algorithm::RS256,
            ),
        };
        // Only the configured algorithm is accepted: `alg: none` and
        // algorithm-confusion tokens fail verification.
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = 5;
        Ok(Tokens {
            decoding,
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
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
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
        let vars: BTreeMap<String, String> =
            [("SIGAP_JWT_SECRET".to_string(), "test-secret".to_string())].into();
        Tokens::from_config(&Config::from_vars(vars).expect("config")).expect("tokens")
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
