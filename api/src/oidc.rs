//! Sigap as an OpenID Connect relying party of the organisation's identity
//! provider: the authorization request (state, nonce, PKCE S256), the code
//! exchange with the client secret, and the verification of the ID token
//! against the provider's keys.
//!
//! The discovery document is read on first use and kept; the key set (JWKS)
//! is kept too, and read again once when a token names a key it lacks (the
//! provider rotated its keys). The provider only proves who the person is:
//! what they may do comes from Sigap's staff directory.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sigap_runtime::config::OidcConfig;
use sigap_store::oidc::PendingSignIn;
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

/// How long one request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// The signature algorithms an ID token may use: asymmetric ones only, so
/// that nothing but the provider's private key can sign one.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a sign-in through the provider failed. The messages name no person.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider cannot be reached or answered badly: {0}")]
    Provider(String),
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// The parts of the discovery document Sigap uses.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The token endpoint's answer; only the ID token matters here.
#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

/// The claims of an ID token Sigap reads (`iss`, `aud` and `exp` are
/// checked while decoding).
#[derive(Debug, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    pub nonce: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    /// The party the token was issued to, when there are several audiences.
    pub azp: Option<String>,
}

impl IdClaims {
    /// The email, lower-cased, when the provider verified it.
    pub fn verified_email(&self) -> Option<String> {
        self.email
            .as_deref()
            .filter(|_| self.email_verified)
            .map(|e| e.trim().to_lowercase())
    }
}

/// A sign-in to start: where to send the browser, and what to keep.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub pending: PendingSignIn,
}

/// The relying party: configuration, HTTP client and cached provider data.
pub struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    discovery: Mutex<Option<Discovery>>,
    keys: RwLock<JwkSet>,
}

fn random_url_safe() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn provider(e: impl std::fmt::Display) -> OidcError {
    OidcError::Provider(e.to_string())
}

/// The most a provider's answer may hold: discovery documents, key sets and
/// token answers are a few kilobytes; anything larger is refused.
const MAX_PROVIDER_ANSWER: usize = 1 << 20;

/// A provider's answer, read up to `MAX_PROVIDER_ANSWER` bytes.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, OidcError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(provider)? {
        if body.len() + chunk.len() > MAX_PROVIDER_ANSWER {
            return Err(OidcError::Provider(format!(
                "the identity provider's answer is larger than {MAX_PROVIDER_ANSWER} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, OidcError> {
    serde_json::from_slice(&read_capped(response).await?).map_err(provider)
}

impl Oidc {
    pub fn new(config: OidcConfig) -> anyhow::Result<Oidc> {
        let http = reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            // The provider's endpoints answer directly; a redirect would
            // move a secret-bearing request elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Oidc {
            config,
            http,
            discovery: Mutex::new(None),
            keys: RwLock::new(JwkSet { keys: Vec::new() }),
        })
    }

    /// The redirect URI registered with the provider.
    pub fn redirect_uri(&self) -> String {
        format!("{}/v1/auth/oidc/callback", self.config.public_url)
    }

    /// Where the console lives, for the redirect after the callback.
    pub fn console_url(&self) -> String {
        format!("{}/console/", self.config.public_url)
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// The discovery document, read once (a failed read is tried again on
    /// the next sign-in). Its issuer must be the configured one.
    async fn discovery(&self) -> Result<Discovery, OidcError> {
        let mut cached = self.discovery.lock().await;
        if let Some(d) = cached.as_ref() {
            return Ok(d.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(provider)?;
        let found: Discovery = read_json(response).await?;
        if found.issuer != self.config.issuer {
            return Err(OidcError::Provider(format!(
                "the discovery document names issuer {:?}, not the configured {:?}",
                found.issuer, self.config.issuer
            )));
        }
        *cached = Some(found.clone());
        Ok(found)
    }

    /// A new authorization request: fresh state, nonce and PKCE verifier.
    pub async fn authorization(&self) -> Result<Authorization, OidcError> {
        let discovery = self.discovery().await?;
        let state = random_url_safe();
        let nonce = random_url_safe();
        let pkce_verifier = random_url_safe();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(pkce_verifier.as_bytes()));
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.config.client_id.as_str()),
            ("redirect_uri", self.redirect_uri().as_str()),
            ("scope", "openid email profile"),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .map_err(provider)?;
        let separator = if discovery.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(Authorization {
            url: format!("{}{separator}{query}", discovery.authorization_endpoint),
            state,
            pending: PendingSignIn {
                nonce,
                pkce_verifier,
            },
        })
    }

    /// Exchanges the code (with the client secret and the PKCE verifier) and
    /// returns the verified claims of the ID token.
    pub async fn finish(&self, code: &str, pending: &PendingSignIn) -> Result<IdClaims, OidcError> {
        let discovery = self.discovery().await?;
        let response = self
            .http
            .post(&discovery.token_endpoint)
            // client_secret_basic: RFC 6749 §2.3.1 form-encodes both parts.
            .basic_auth(
                form_encode(&self.config.client_id),
                Some(form_encode(self.config.client_secret.expose_secret())),
            )
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", self.redirect_uri().as_str()),
                ("code_verifier", pending.pkce_verifier.as_str()),
            ])
            .send()
            .await
            .map_err(provider)?;
        if !response.status().is_success() {
            let status = response.status();
            // The body of a token error names an OAuth error code, no person.
            let body = read_capped(response).await.unwrap_or_default();
            return Err(OidcError::Provider(format!(
                "the token endpoint answered {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            )));
        }
        let tokens: TokenResponse = read_json(response).await?;
        self.verify(&discovery, &tokens.id_token, &pending.nonce)
            .await
    }

    /// Checks the ID token's signature against the provider's keys, its
    /// issuer, audience, expiry and nonce.
    async fn verify(
        &self,
        discovery: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<IdClaims, OidcError> {
        let invalid = |e: &dyn std::fmt::Display| OidcError::InvalidToken(e.to_string());
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| invalid(&e))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(invalid(&format!("{:?} is not accepted", header.alg)));
        }
        let key = match self.key(header.kid.as_deref()).await? {
            Some(key) => key,
            // An unknown key: the provider may have rotated; read once more.
            None => {
                self.refresh_keys(discovery).await?;
                self.key(header.kid.as_deref())
                    .await?
                    .ok_or_else(|| invalid(&"no key of the provider matches the token"))?
            }
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
            .map_err(|e| invalid(&e))?;
        let claims = data.claims;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(invalid(&"the nonce is not the one sent"));
        }
        if let Some(azp) = &claims.azp
            && azp != &self.config.client_id
        {
            return Err(invalid(&"the token was issued to another party (azp)"));
        }
        Ok(claims)
    }

    /// The cached key for `kid` (or the only key, for a token naming none).
    async fn key(&self, kid: Option<&str>) -> Result<Option<DecodingKey>, OidcError> {
        let keys = self.keys.read().await;
        let jwk = match kid {
            Some(kid) => keys.find(kid),
            None if keys.keys.len() == 1 => keys.keys.first(),
            None => None,
        };
        jwk.map(DecodingKey::from_jwk)
            .transpose()
            .map_err(|e| OidcError::InvalidToken(e.to_string()))
    }

    async fn refresh_keys(&self, discovery: &Discovery) -> Result<(), OidcError> {
        let response = self
            .http
            .get(&discovery.jwks_uri)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(provider)?;
        let set: JwkSet = read_json(response).await?;
        *self.keys.write().await = set;
        Ok(())
    }
}

fn form_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}
