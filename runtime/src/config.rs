//! One typed configuration, read once from the environment at start-up.

use secrecy::SecretString;
use sigap_domain::working_time::Allowance;
use sigap_domain::{SlaPolicy, StageAllowances};
use std::collections::BTreeMap;
use std::time::Duration;

/// Every environment variable Sigap reads. Any other `SIGAP_` variable is an
/// error, so that a typo does not silently fall back to a default.
const KNOWN: &[&str] = &[
    "SIGAP_ENV",
    "SIGAP_BIND",
    "SIGAP_JWT_SECRET",
    "SIGAP_JWT_PUBLIC_KEY",
    "SIGAP_JWT_ISSUER",
    "SIGAP_JWT_AUDIENCE",
    "SIGAP_LOG_FORMAT",
    "SIGAP_AMQP_PREFIX",
    "SIGAP_SLA_CRITICAL",
    "SIGAP_SLA_HIGH",
    "SIGAP_SLA_NORMAL",
    "SIGAP_SLA_ASSESS_CRITICAL",
    "SIGAP_SLA_ASSESS_HIGH",
    "SIGAP_SLA_ASSESS_NORMAL",
    "SIGAP_SLA_SERVE_CRITICAL",
    "SIGAP_SLA_SERVE_HIGH",
    "SIGAP_SLA_SERVE_NORMAL",
    "SIGAP_DB_POOL_SIZE",
    "SIGAP_DB_TIMEOUT",
    "SIGAP_PREFETCH",
    "SIGAP_ESCALATION_INTERVAL",
    "SIGAP_RELAY_INTERVAL",
    "SIGAP_METRICS_BIND",
    "SIGAP_TRACK_RATE_LIMIT",
    "SIGAP_WEBHOOK_ALLOW_PRIVATE",
    "SIGAP_WEBHOOK_RETRY_BASE",
    "SIGAP_DATA_DIR",
    "SIGAP_REQUEUE_AFTER",
    "SIGAP_DB_STATEMENT_TIMEOUT",
    "SIGAP_DB_IDLE_TX_TIMEOUT",
    "SIGAP_TRUSTED_PROXIES",
    "SIGAP_EXPORT_TTL",
    "SIGAP_EXPORT_POLL_INTERVAL",
    "SIGAP_EXPORT_LEASE",
    "SIGAP_OIDC_ISSUER",
    "SIGAP_OIDC_CLIENT_ID",
    "SIGAP_OIDC_CLIENT_SECRET",
    "SIGAP_PUBLIC_URL",
    "SIGAP_DATA_KEYS",
    "SIGAP_INDEX_KEY",
    "SIGAP_ACCESS_LOG_INTERVAL",
    "SIGAP_RETENTION_CLOSED",
    "SIGAP_RETENTION_INTERVAL",
];

/// How long the personal data of a finished case is kept by default: five
/// years of 365 days and a leap day (the duration syntax has no years, whose
/// length is an average).
pub const DEFAULT_RETENTION_CLOSED: Duration = Duration::from_secs(1826 * 24 * 3600);

/// Development secret, accepted only with `SIGAP_ENV=dev`.
pub const DEV_JWT_SECRET: &str = "sigap-dev-secret-do-not-use-in-production";

/// Development key ring for personal data, accepted only with `SIGAP_ENV=dev`.
pub const DEV_DATA_KEYS: &str = "dev:ZGV2LWtleS1kby1ub3QtdXNlLWluLXByb2R1Y3Rpb24=";
/// Development blind-index key, accepted only with `SIGAP_ENV=dev`.
pub const DEV_INDEX_KEY: &str = "ZGV2LWluZGV4LWtleS1kby1ub3QtdXNlLWluLXByb2Q=";

/// The keys of personal data at rest, as given; the store parses them
/// (`sigap_store::privacy::KeyRing::parse`) when a process starts.
#[derive(Debug, Clone)]
pub struct DataKeys {
    /// `SIGAP_DATA_KEYS`: `id:base64,…` of 32-byte AES keys; the first
    /// encrypts, all decrypt.
    pub data: SecretString,
    /// `SIGAP_INDEX_KEY`: base64 of the 32-byte HMAC key of blind indexes.
    pub index: SecretString,
}

impl DataKeys {
    /// The two settings' text, for the store to parse.
    pub fn expose(&self) -> (&str, &str) {
        use secrecy::ExposeSecret;
        (self.data.expose_secret(), self.index.expose_secret())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// How bearer tokens are verified.
#[derive(Debug, Clone)]
pub enum JwtKey {
    /// HS256 with a shared secret; Sigap can also sign with it.
    Secret(SecretString),
    /// RS256 public key (PEM) of an external identity provider.
    RsaPublicPem(String),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub dev: bool,
    pub database_url: String,
    pub amqp_url: String,
    pub bind: String,
    pub jwt_key: JwtKey,
    /// Secret used to sign tokens Sigap issues (client credentials, `token`).
    pub jwt_signing_secret: Option<SecretString>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub log_format: LogFormat,
    pub amqp_prefix: String,
    pub sla: SlaPolicy,
    pub db_pool_size: usize,
    /// How long a request waits for a database connection or a statement.
    pub db_timeout: Duration,
    pub prefetch: u16,
    pub escalation_interval: Duration,
    pub relay_interval: Duration,
    pub metrics_bind: Option<String>,
    /// Public tracking requests per minute per client address.
    pub track_rate_limit: u32,
    pub webhook_allow_private: bool,
    /// First retry delay of a failed webhook delivery; later ones are multiples.
    pub webhook_retry_base: Duration,
    pub data_dir: String,
    /// How long a report may stay `received` before the worker's sweeper
    /// publishes its routing message again (lost, dead-lettered or purged).
    pub requeue_after: Duration,
    /// `statement_timeout` of every pooled database connection.
    pub db_statement_timeout: Duration,
    /// `idle_in_transaction_session_timeout` of every pooled database connection.
    pub db_idle_tx_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the
    /// public rate limit); none by default.
    pub trusted_proxies: crate::proxies::TrustedProxies,
    /// How long a finished export's file is kept (`SIGAP_EXPORT_TTL`, 24h);
    /// the worker deletes it afterwards and its download answers 410.
    pub export_ttl: Duration,
    /// How often an idle worker looks for queued exports and expired files.
    pub export_poll_interval: Duration,
    /// How long a worker holds an export it builds without renewing its
    /// claim; a worker that died mid-build loses the job after this and
    /// another one builds it again.
    pub export_lease: Duration,
    /// Keys of personal data at rest (NIK and phone numbers).
    pub data_keys: DataKeys,
    /// How often the api writes the access log entries it queued.
    pub access_log_interval: Duration,
    /// How long after a case is closed, cancelled or merged its personal
    /// data is erased (`SIGAP_RETENTION_CLOSED`, default 1826 days).
    pub retention_closed: Duration,
    /// How often the worker looks for cases to erase
    /// (`SIGAP_RETENTION_INTERVAL`, default 1 minute).
    pub retention_interval: Duration,
    /// The organisation's identity provider, when people may sign in
    /// through it (all of `SIGAP_OIDC_*` and `SIGAP_PUBLIC_URL` set).
    pub oidc: Option<OidcConfig>,
}

/// A relying party of the organisation's OpenID provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The provider's issuer URL exactly as its ID tokens' `iss` says it;
    /// its discovery document is `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Where people reach Sigap (no trailing slash): the redirect URI is
    /// `<public_url>/v1/auth/oidc/callback`, the console `<public_url>/console/`.
    pub public_url: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("unknown setting {0} (known: {known})", known = KNOWN.join(", "))]
    Unknown(String),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error(
        "SIGAP_JWT_SECRET is required outside development (set SIGAP_ENV=dev to use a development secret)"
    )]
    MissingSecret,
    #[error(
        "SIGAP_JWT_PUBLIC_KEY needs SIGAP_JWT_SECRET too: Sigap signs the tokens it issues (client credentials, `sigap-api token`) with the secret"
    )]
    PublicKeyWithoutSecret,
    #[error(
        "signing in through an identity provider needs SIGAP_OIDC_ISSUER, SIGAP_OIDC_CLIENT_ID, SIGAP_OIDC_CLIENT_SECRET and SIGAP_PUBLIC_URL; missing: {0}"
    )]
    IncompleteOidc(String),
    #[error("SIGAP_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {0})")]
    ShortSecret(usize),
    #[error(
        "SIGAP_ENV=dev serves a development secret and sign-in: SIGAP_BIND must be a loopback address, not {0:?}"
    )]
    DevOnPublicAddress(String),
    #[error(
        "{0} is required outside development: NIKs and phone numbers are stored encrypted (SIGAP_DATA_KEYS=id:base64-of-32-bytes,… with the encrypting key first; SIGAP_INDEX_KEY=base64-of-32-bytes for blind indexes; set SIGAP_ENV=dev to use development keys)"
    )]
    MissingDataKeys(&'static str),
}

/// The shortest HS256 secret accepted: 256 bits, the size of the hash.
pub const MIN_SECRET_BYTES: usize = 32;

/// Whether `bind` (`host:port`) listens on a loopback address only.
fn is_loopback(bind: &str) -> bool {
    let host = bind
        .rsplit_once(':')
        .map_or(bind, |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The identity provider's settings: all or none.
fn oidc_config(get: &dyn Fn(&str) -> Option<String>) -> Result<Option<OidcConfig>, ConfigError> {
    const NAMES: [&str; 4] = [
        "SIGAP_OIDC_ISSUER",
        "SIGAP_OIDC_CLIENT_ID",
        "SIGAP_OIDC_CLIENT_SECRET",
        "SIGAP_PUBLIC_URL",
    ];
    // SIGAP_PUBLIC_URL alone is harmless: it only matters with a provider.
    if NAMES[..3].iter().all(|n| get(n).is_none()) {
        return Ok(None);
    }
    let missing: Vec<&str> = NAMES.into_iter().filter(|n| get(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(ConfigError::IncompleteOidc(missing.join(", ")));
    }
    let url = |name: &'static str| {
        let value = get(name).expect("checked above");
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(value)
        } else {
            Err(ConfigError::Invalid {
                name,
                reason: format!("{value:?}: expected an http(s) URL"),
            })
        }
    };
    Ok(Some(OidcConfig {
        issuer: url("SIGAP_OIDC_ISSUER")?,
        client_id: get("SIGAP_OIDC_CLIENT_ID").expect("checked above"),
        client_secret: SecretString::from(get("SIGAP_OIDC_CLIENT_SECRET").expect("checked above")),
        public_url: url("SIGAP_PUBLIC_URL")?.trim_end_matches('/').to_owned(),
    }))
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars().collect())
    }

    /// Reads a given set of variables (the environment, or a test's).
    pub fn from_vars(vars: BTreeMap<String, String>) -> Result<Config, ConfigError> {
        if let Some(unknown) = vars
            .keys()
            .find(|k| k.starts_with("SIGAP_") && !KNOWN.contains(&k.as_str()))
        {
            return Err(ConfigError::Unknown(unknown.clone()));
        }
        let get = |name: &str| vars.get(name).filter(|v| !v.is_empty()).cloned();
        let env = get("SIGAP_ENV").unwrap_or_else(|| "production".into());
        // Development mode is asked for by name only: any other value
        // (production, staging, a typo) is production.
        let dev = env == "dev";
        let bind = get("SIGAP_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if dev && !is_loopback(&bind) {
            return Err(ConfigError::DevOnPublicAddress(bind));
        }
        let secret = get("SIGAP_JWT_SECRET");
        if let Some(secret) = &secret
            && secret.len() < MIN_SECRET_BYTES
        {
            return Err(ConfigError::ShortSecret(secret.len()));
        }
        let secret = secret.map(SecretString::from);
        let public_key = get("SIGAP_JWT_PUBLIC_KEY");
        let signing = match (&secret, dev) {
            (Some(s), _) => Some(s.clone()),
            (None, true) if public_key.is_none() => Some(SecretString::from(DEV_JWT_SECRET)),
            (None, _) => None,
        };
        // With a public key, Sigap still verifies the HS256 tokens it signs
        // itself with the secret (see `auth::Tokens`), so it needs one.
        let jwt_key = match (public_key, &signing) {
            (Some(_), None) => return Err(ConfigError::PublicKeyWithoutSecret),
            (Some(pem), Some(_)) => JwtKey::RsaPublicPem(pem),
            (None, Some(s)) => JwtKey::Secret(s.clone()),
            (None, None) => return Err(ConfigError::MissingSecret),
        };
        let data_key = |name: &'static str, dev_default: &str| match get(name) {
            Some(key) => Ok(SecretString::from(key)),
            None if dev => Ok(SecretString::from(dev_default)),
            None => Err(ConfigError::MissingDataKeys(name)),
        };
        let data_keys = DataKeys {
            data: data_key("SIGAP_DATA_KEYS", DEV_DATA_KEYS)?,
            index: data_key("SIGAP_INDEX_KEY", DEV_INDEX_KEY)?,
        };
        let log_format = match get("SIGAP_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "SIGAP_LOG_FORMAT",
                    reason: format!("{other:?}: expected pretty or json"),
                });
            }
        };
        let defaults = SlaPolicy::default();
        let duration = |name: &'static str, default: Duration| match get(name) {
            None => Ok(default),
            Some(text) => {
                parse_duration(&text).map_err(|reason| ConfigError::Invalid { name, reason })
            }
        };
        let allowance = |name: &'static str, default: Allowance| match get(name) {
            None => Ok(default),
            Some(text) => Allowance::parse(&text, parse_duration)
                .map_err(|reason| ConfigError::Invalid { name, reason }),
        };
        let stage = |prefix: &'static [&'static str; 3], default: StageAllowances| {
            Ok::<_, ConfigError>(StageAllowances {
                critical: allowance(prefix[0], default.critical)?,
                high: allowance(prefix[1], default.high)?,
                normal: allowance(prefix[2], default.normal)?,
            })
        };
        let number = |name: &'static str, default: u64| match get(name) {
            None => Ok(default),
            Some(text) => text.parse::<u64>().map_err(|e| ConfigError::Invalid {
                name,
                reason: format!("{text:?}: {e}"),
            }),
        };
        let flag = |name: &'static str| match get(name).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(other) => Err(ConfigError::Invalid {
                name,
                reason: format!("{other:?}: expected true or false"),
            }),
        };
        let oidc = oidc_config(&get)?;
        Ok(Config {
            oidc,
            dev,
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "postgres://localhost/sigap".into()),
            amqp_url: get("AMQP_URL")
                .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
            bind,
            jwt_key,
            jwt_signing_secret: signing,
            jwt_issuer: get("SIGAP_JWT_ISSUER").unwrap_or_else(|| "sigap".into()),
            jwt_audience: get("SIGAP_JWT_AUDIENCE").unwrap_or_else(|| "sigap".into()),
            log_format,
            amqp_prefix: get("SIGAP_AMQP_PREFIX").unwrap_or_else(|| "sigap".into()),
            sla: SlaPolicy {
                acknowledge: stage(
                    &["SIGAP_SLA_CRITICAL", "SIGAP_SLA_HIGH", "SIGAP_SLA_NORMAL"],
                    defaults.acknowledge,
                )?,
                assess: stage(
                    &[
                        "SIGAP_SLA_ASSESS_CRITICAL",
                        "SIGAP_SLA_ASSESS_HIGH",
                        "SIGAP_SLA_ASSESS_NORMAL",
                    ],
                    defaults.assess,
                )?,
                serve: stage(
                    &[
                        "SIGAP_SLA_SERVE_CRITICAL",
                        "SIGAP_SLA_SERVE_HIGH",
                        "SIGAP_SLA_SERVE_NORMAL",
                    ],
                    defaults.serve,
                )?,
            },
            db_pool_size: number("SIGAP_DB_POOL_SIZE", 16)? as usize,
            db_timeout: duration("SIGAP_DB_TIMEOUT", Duration::from_secs(5))?,
            prefetch: number("SIGAP_PREFETCH", 200)?.clamp(1, u16::MAX as u64) as u16,
            escalation_interval: duration("SIGAP_ESCALATION_INTERVAL", Duration::from_secs(1))?,
            relay_interval: duration("SIGAP_RELAY_INTERVAL", Duration::from_millis(500))?,
            metrics_bind: get("SIGAP_METRICS_BIND"),
            track_rate_limit: number("SIGAP_TRACK_RATE_LIMIT", 60)? as u32,
            webhook_allow_private: flag("SIGAP_WEBHOOK_ALLOW_PRIVATE")?,
            webhook_retry_base: duration("SIGAP_WEBHOOK_RETRY_BASE", Duration::from_secs(1))?,
            data_dir: get("SIGAP_DATA_DIR").unwrap_or_else(|| "data".into()),
            requeue_after: duration("SIGAP_REQUEUE_AFTER", Duration::from_secs(120))?,
            db_statement_timeout: duration("SIGAP_DB_STATEMENT_TIMEOUT", Duration::from_secs(30))?,
            db_idle_tx_timeout: duration("SIGAP_DB_IDLE_TX_TIMEOUT", Duration::from_secs(60))?,
            export_ttl: duration("SIGAP_EXPORT_TTL", Duration::from_secs(24 * 3600))?,
            export_poll_interval: duration("SIGAP_EXPORT_POLL_INTERVAL", Duration::from_secs(1))?,
            export_lease: duration("SIGAP_EXPORT_LEASE", Duration::from_secs(60))?,
            trusted_proxies: crate::proxies::TrustedProxies::parse(
                &get("SIGAP_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|reason| ConfigError::Invalid {
                name: "SIGAP_TRUSTED_PROXIES",
                reason,
            })?,
            data_keys,
            access_log_interval: duration("SIGAP_ACCESS_LOG_INTERVAL", Duration::from_secs(1))?,
            retention_closed: duration("SIGAP_RETENTION_CLOSED", DEFAULT_RETENTION_CLOSED)?,
            retention_interval: duration("SIGAP_RETENTION_INTERVAL", Duration::from_secs(60))?,
        })
    }
}

/// Parses a duration as humantime spells it: `500ms`, `3s`, `15m`, `1h`,
/// `2d`, `1h 30m`. Months and years are refused: their length is an average,
/// and `15M` (months) is one keystroke away from `15m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let calendar = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|unit| CALENDAR_UNITS.contains(unit));
    if let Some(unit) = calendar {
        return Err(format!(
            "{text:?}: unit {unit:?} has no fixed length; use d, h, m, s or ms"
        ));
    }
    humantime::parse_duration(text).map_err(|e| format!("{text:?}: {e}"))
}

/// humantime's spellings of months and years.
const CALENDAR_UNITS: &[&str] = &["M", "month", "months", "y", "yr", "yrs", "year", "years"];

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    /// The given variables, with personal-data keys unless given (the
    /// refusal without them has its own test).
    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut vars = bare(&[
            ("SIGAP_DATA_KEYS", DEV_DATA_KEYS),
            ("SIGAP_INDEX_KEY", DEV_INDEX_KEY),
        ]);
        vars.extend(bare(pairs));
        vars
    }

    fn bare(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn production_refuses_to_start_without_personal_data_keys() {
        let secret = ("SIGAP_JWT_SECRET", SECRET);
        assert_eq!(
            Config::from_vars(bare(&[secret])).err(),
            Some(ConfigError::MissingDataKeys("SIGAP_DATA_KEYS"))
        );
        assert_eq!(
            Config::from_vars(bare(&[secret, ("SIGAP_DATA_KEYS", DEV_DATA_KEYS)])).err(),
            Some(ConfigError::MissingDataKeys("SIGAP_INDEX_KEY"))
        );
        let dev = Config::from_vars(bare(&[("SIGAP_ENV", "dev")])).expect("dev keys");
        assert_eq!(dev.data_keys.data.expose_secret(), DEV_DATA_KEYS);
    }

    #[test]
    fn durations_parse_with_their_units() {
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("15").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(2 * 86_400)));
        assert_eq!(parse_duration(" 1h 30m "), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("15M").is_err(), "months, not minutes");
    }

    #[test]
    fn production_refuses_to_start_without_a_secret() {
        assert_eq!(
            Config::from_vars(vars(&[])).err(),
            Some(ConfigError::MissingSecret)
        );
        assert!(Config::from_vars(vars(&[("SIGAP_ENV", "dev")])).is_ok());
        assert!(Config::from_vars(vars(&[("SIGAP_JWT_SECRET", SECRET)])).is_ok());
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_secret_shorter_than_32_bytes_is_refused() {
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_JWT_SECRET", "s3cret")])).err(),
            Some(ConfigError::ShortSecret(6))
        );
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_JWT_SECRET", &SECRET[1..])])).err(),
            Some(ConfigError::ShortSecret(31))
        );
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_JWT_SECRET", "short")])).err(),
            Some(ConfigError::ShortSecret(5)),
            "development does not excuse a short explicit secret"
        );
    }

    #[test]
    fn development_listens_on_loopback_only() {
        for bind in [
            "0.0.0.0:8080",
            "10.1.2.3:80",
            "[::]:8080",
            "sigap.example.id:80",
        ] {
            assert_eq!(
                Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_BIND", bind)])).err(),
                Some(ConfigError::DevOnPublicAddress(bind.into())),
                "{bind}"
            );
        }
        for bind in [
            "127.0.0.1:0",
            "127.0.0.2:8080",
            "[::1]:8080",
            "localhost:8080",
        ] {
            assert!(
                Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_BIND", bind)])).is_ok(),
                "{bind}"
            );
        }
        // Production may listen anywhere.
        let public = vars(&[("SIGAP_JWT_SECRET", SECRET), ("SIGAP_BIND", "0.0.0.0:8080")]);
        assert!(Config::from_vars(public).is_ok());
    }

    #[test]
    fn production_with_an_explicit_secret_is_never_development() {
        for env in ["production", "prod", "DEV", ""] {
            let config =
                Config::from_vars(vars(&[("SIGAP_ENV", env), ("SIGAP_JWT_SECRET", SECRET)]))
                    .expect("config");
            assert!(!config.dev, "SIGAP_ENV={env:?}");
            assert!(matches!(config.jwt_key, JwtKey::Secret(_)));
        }
        // And without a secret, production does not fall back to the development one.
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_ENV", "production")])).err(),
            Some(ConfigError::MissingSecret)
        );
    }

    #[test]
    fn a_public_key_needs_the_secret_sigap_signs_with() {
        let pem = "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----";
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_JWT_PUBLIC_KEY", pem)])).err(),
            Some(ConfigError::PublicKeyWithoutSecret)
        );
        assert_eq!(
            Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_JWT_PUBLIC_KEY", pem)])).err(),
            Some(ConfigError::PublicKeyWithoutSecret),
            "not with the development secret either"
        );
        let config = Config::from_vars(vars(&[
            ("SIGAP_JWT_PUBLIC_KEY", pem),
            ("SIGAP_JWT_SECRET", SECRET),
        ]))
        .expect("config");
        assert!(matches!(config.jwt_key, JwtKey::RsaPublicPem(_)));
        assert!(config.jwt_signing_secret.is_some());
    }

    #[test]
    fn an_identity_provider_needs_all_four_settings() {
        let none = Config::from_vars(vars(&[("SIGAP_ENV", "dev")])).expect("config");
        assert!(none.oidc.is_none());
        let partial = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            (
                "SIGAP_OIDC_ISSUER",
                "https://sso.example.go.id/realms/kemensos",
            ),
            ("SIGAP_OIDC_CLIENT_ID", "sigap"),
        ]));
        assert_eq!(
            partial.unwrap_err(),
            ConfigError::IncompleteOidc("SIGAP_OIDC_CLIENT_SECRET, SIGAP_PUBLIC_URL".into())
        );
        let full = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            (
                "SIGAP_OIDC_ISSUER",
                "https://sso.example.go.id/realms/kemensos",
            ),
            ("SIGAP_OIDC_CLIENT_ID", "sigap"),
            ("SIGAP_OIDC_CLIENT_SECRET", "rahasia"),
            ("SIGAP_PUBLIC_URL", "https://sigap.example.go.id/"),
        ]))
        .expect("config");
        let oidc = full.oidc.expect("configured");
        assert_eq!(oidc.issuer, "https://sso.example.go.id/realms/kemensos");
        assert_eq!(oidc.public_url, "https://sigap.example.go.id");
        let not_a_url = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            ("SIGAP_OIDC_ISSUER", "sso.example.go.id"),
            ("SIGAP_OIDC_CLIENT_ID", "sigap"),
            ("SIGAP_OIDC_CLIENT_SECRET", "rahasia"),
            ("SIGAP_PUBLIC_URL", "https://sigap.example.go.id"),
        ]));
        assert!(matches!(
            not_a_url,
            Err(ConfigError::Invalid {
                name: "SIGAP_OIDC_ISSUER",
                ..
            })
        ));
    }

    #[test]
    fn unknown_sigap_settings_are_refused() {
        let err = Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_BINDD", "x")])).err();
        assert_eq!(err, Some(ConfigError::Unknown("SIGAP_BINDD".into())));
    }

    #[test]
    fn requeue_and_session_limits_default_and_read_durations() {
        let defaults = Config::from_vars(vars(&[("SIGAP_ENV", "dev")])).expect("config");
        assert_eq!(defaults.requeue_after, Duration::from_secs(120));
        assert_eq!(defaults.db_statement_timeout, Duration::from_secs(30));
        assert_eq!(defaults.db_idle_tx_timeout, Duration::from_secs(60));
        let set = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            ("SIGAP_REQUEUE_AFTER", "5s"),
            ("SIGAP_DB_STATEMENT_TIMEOUT", "2s"),
            ("SIGAP_DB_IDLE_TX_TIMEOUT", "1m"),
        ]))
        .expect("config");
        assert_eq!(set.requeue_after, Duration::from_secs(5));
        assert_eq!(set.db_statement_timeout, Duration::from_secs(2));
        assert_eq!(set.db_idle_tx_timeout, Duration::from_secs(60));
        assert!(
            Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_REQUEUE_AFTER", "2")])).is_err()
        );
    }

    #[test]
    fn retention_defaults_to_five_years_and_reads_durations_down_to_seconds() {
        let defaults = Config::from_vars(vars(&[("SIGAP_ENV", "dev")])).expect("config");
        assert_eq!(
            defaults.retention_closed,
            Duration::from_secs(1826 * 24 * 3600)
        );
        assert_eq!(defaults.retention_interval, Duration::from_secs(60));
        let set = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            ("SIGAP_RETENTION_CLOSED", "2s"),
            ("SIGAP_RETENTION_INTERVAL", "200ms"),
        ]))
        .expect("config");
        assert_eq!(set.retention_closed, Duration::from_secs(2));
        assert_eq!(set.retention_interval, Duration::from_millis(200));
        assert!(
            Config::from_vars(vars(&[
                ("SIGAP_ENV", "dev"),
                ("SIGAP_RETENTION_CLOSED", "5y")
            ]))
            .is_err()
        );
    }

    #[test]
    fn sla_durations_come_from_the_environment() {
        let config = Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_SLA_CRITICAL", "3s")]))
            .expect("config");
        assert_eq!(
            config.sla.acknowledge.critical,
            Allowance::Wall(Duration::from_secs(3))
        );
        assert_eq!(config.sla.acknowledge.high, Allowance::WorkingHours(1));
        assert_eq!(config.sla.acknowledge.normal, Allowance::WorkingDays(1));
        let config = Config::from_vars(vars(&[
            ("SIGAP_ENV", "dev"),
            ("SIGAP_SLA_NORMAL", "2wd"),
            ("SIGAP_SLA_ASSESS_HIGH", "4wh"),
            ("SIGAP_SLA_SERVE_CRITICAL", "2s"),
        ]))
        .expect("config");
        assert_eq!(config.sla.acknowledge.normal, Allowance::WorkingDays(2));
        assert_eq!(config.sla.assess.high, Allowance::WorkingHours(4));
        assert_eq!(config.sla.assess.normal, Allowance::WorkingDays(5));
        assert_eq!(
            config.sla.serve.critical,
            Allowance::Wall(Duration::from_secs(2))
        );
        assert!(
            Config::from_vars(vars(&[("SIGAP_ENV", "dev"), ("SIGAP_SLA_HIGH", "0wd")])).is_err()
        );
    }
}
