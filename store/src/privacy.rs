//! Personal data at rest (UU PDP): NIK and phone numbers are stored
//! encrypted (AES-256-GCM under a key ring), with keyed blind indexes
//! (HMAC-SHA256) for exact look-ups.
//!
//! A stored value reads `enc1:<key id>:<base64 of nonce and ciphertext>`;
//! the first key of the ring encrypts, every key of the ring decrypts, so
//! that a new key can be put first while [`rotate`] re-encrypts what the old
//! ones hold. A blind index is the hex HMAC of `nik:<16 digits>` or
//! `phone:+62…` under its own key: equal values have equal indexes, and the
//! index says nothing without the key.
//!
//! The ring is installed once per process ([`install`]) rather than passed
//! to every store function: rows are decrypted where diesel builds them
//! ([`Revealed`], [`RevealedPeople`]), and diesel's `FromSql` has no place
//! for a caller's context. Code that reads and writes rows through the
//! store (intake, case work, imports) so encrypts without knowing.

pub mod access;
pub mod erasure;
mod rotate;
pub mod subjects;

pub use rotate::{RotationProgress, rotate};

use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, Generate, KeyInit, Nonce};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Jsonb, Nullable, Text};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sigap_domain::{Nik, Phone};
use std::sync::{Arc, RwLock};

/// What an encrypted text starts with.
const TEXT_PREFIX: &str = "enc1:";
/// What encrypted bytes (TOTP secrets, export files) start with.
const BYTES_PREFIX: &[u8] = b"ENC1";
const NONCE_BYTES: usize = 12;

/// Why keys are refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// `SIGAP_DATA_KEYS` is not `id:base64,…` of 32-byte keys.
    #[error("SIGAP_DATA_KEYS: {0}")]
    DataKeys(String),
    /// `SIGAP_INDEX_KEY` is not the base64 of 32 bytes.
    #[error("SIGAP_INDEX_KEY must be the base64 of 32 bytes")]
    IndexKey,
    /// A stored value names a key the ring does not hold, or does not
    /// decrypt under it.
    #[error("a stored value cannot be decrypted: {0}")]
    Undecryptable(String),
    /// No ring was installed in this process.
    #[error("no personal-data keys are installed")]
    NotInstalled,
}

/// The data keys (the first encrypts) and the blind-index key.
pub struct KeyRing {
    keys: Vec<(String, Aes256Gcm)>,
    index_key: [u8; 32],
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("KeyRing")
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

fn key_bytes(text: &str) -> Option<[u8; 32]> {
    STANDARD.decode(text.trim()).ok()?.try_into().ok()
}

impl KeyRing {
    /// Reads `SIGAP_DATA_KEYS` (`id:base64,…`, ids of letters, digits, `_`
    /// and `-`) and `SIGAP_INDEX_KEY` (base64 of 32 bytes).
    pub fn parse(data_keys: &str, index_key: &str) -> std::result::Result<KeyRing, KeyError> {
        let mut keys = Vec::new();
        for entry in data_keys
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, key) = entry
                .split_once(':')
                .ok_or_else(|| KeyError::DataKeys("each key must be written id:base64".into()))?;
            let valid_id = !id.is_empty()
                && id.len() <= 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid_id {
                return Err(KeyError::DataKeys(format!(
                    "key id {id:?} must be 1 to 32 letters, digits, _ or -"
                )));
            }
            if keys.iter().any(|(known, _)| known == id) {
                return Err(KeyError::DataKeys(format!("key id {id:?} is repeated")));
            }
            let bytes = key_bytes(key).ok_or_else(|| {
                KeyError::DataKeys(format!("key {id:?} must be the base64 of 32 bytes"))
            })?;
            keys.push((
                id.to_owned(),
                Aes256Gcm::new(&Key::<Aes256Gcm>::from(bytes)),
            ));
        }
        if keys.is_empty() {
            return Err(KeyError::DataKeys("no key given".into()));
        }
        let index_key = key_bytes(index_key).ok_or(KeyError::IndexKey)?;
        Ok(KeyRing { keys, index_key })
    }

    /// The id of the key that encrypts.
    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    /// Encrypts a text under the current key.
    pub fn seal(&self, plain: &str) -> String {
        let (id, cipher) = &self.keys[0];
        let nonce = Nonce::<Aes256Gcm>::generate();
        let sealed = cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("AES-GCM encrypts any text this short");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{TEXT_PREFIX}{id}:{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Decrypts a stored text. A value stored before encryption (no prefix)
    /// is returned as it is, so that the data stays readable until
    /// `sigap-api keys rotate` has encrypted it.
    pub fn open(&self, stored: &str) -> std::result::Result<String, KeyError> {
        let Some(rest) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| KeyError::Undecryptable("no key id".into()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| KeyError::Undecryptable("not base64".into()))?;
        let plain = self.decrypt(id, &bytes)?;
        String::from_utf8(plain).map_err(|_| KeyError::Undecryptable("not UTF-8".into()))
    }

    /// Encrypts bytes under the current key: `ENC1`, the id's length and
    /// the id, the nonce, the ciphertext.
    pub fn seal_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let (id, cipher) = &self.keys[0];
        let nonce = Nonce::<Aes256Gcm>::generate();
        let sealed = cipher
            .encrypt(&nonce, plain)
            .expect("AES-GCM encrypts a chunk of this size");
        let mut bytes = BYTES_PREFIX.to_vec();
        bytes.push(u8::try_from(id.len()).expect("key ids are at most 32 bytes"));
        bytes.extend_from_slice(id.as_bytes());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        bytes
    }

    /// Decrypts stored bytes; bytes stored before encryption are returned
    /// as they are.
    pub fn open_bytes(&self, stored: &[u8]) -> std::result::Result<Vec<u8>, KeyError> {
        let Some((id, body)) = split_sealed_bytes(stored) else {
            return Ok(stored.to_vec());
        };
        self.decrypt(id, body)
    }

    fn decrypt(&self, id: &str, bytes: &[u8]) -> std::result::Result<Vec<u8>, KeyError> {
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(known, _)| known == id)
            .ok_or_else(|| KeyError::Undecryptable(format!("key {id:?} is not in the ring")))?;
        if bytes.len() < NONCE_BYTES {
            return Err(KeyError::Undecryptable("too short".into()));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).expect("12 bytes");
        cipher
            .decrypt(&nonce, sealed)
            .map_err(|_| KeyError::Undecryptable(format!("does not decrypt under key {id:?}")))
    }

    /// Whether a stored text is anything but ciphertext under the current
    /// key (plain, or under an older key): what [`rotate`] rewrites.
    pub fn is_stale(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{TEXT_PREFIX}{}:", self.current_id()))
    }

    /// Whether stored bytes are anything but ciphertext under the current key.
    pub fn is_stale_bytes(&self, stored: &[u8]) -> bool {
        split_sealed_bytes(stored).is_none_or(|(id, _)| id != self.current_id())
    }

    fn index(&self, kind: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes a key of any length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The blind index of a NIK (its 16 digits).
    pub fn nik_index(&self, nik: &Nik) -> String {
        self.index("nik", nik.as_str())
    }

    /// The blind index of a phone number (as `+62…`).
    pub fn phone_index(&self, phone: &Phone) -> String {
        self.index("phone", phone.as_str())
    }

    /// The blind index of a person named by name and birth date (the name
    /// trimmed and lower-cased), as a subject request stores it.
    pub fn person_index(&self, name: &str, birth_date: chrono::NaiveDate) -> String {
        self.index(
            "person",
            &format!("{}|{birth_date}", name.trim().to_lowercase()),
        )
    }

    /// The blind index of a stored (decrypted) NIK or phone, normalised as
    /// the domain parses it; `None` when it does not parse.
    fn index_of_text(&self, field: &str, plain: &str) -> Option<String> {
        match field {
            "nik" => Nik::parse(plain).ok().map(|n| self.nik_index(&n)),
            _ => Phone::parse(plain).ok().map(|p| self.phone_index(&p)),
        }
    }

    /// A list of people (`reports.beneficiaries`) as stored: each NIK and
    /// phone encrypted, with its blind index beside it (`nik_index`,
    /// `phone_index`) for the duplicate look-up and the rows' trigger.
    /// Values already sealed under the current key are kept.
    pub fn seal_people(&self, people: &Value) -> std::result::Result<Value, KeyError> {
        let mut people = people.clone();
        for person in people.as_array_mut().into_iter().flatten() {
            let Some(person) = person.as_object_mut() else {
                continue;
            };
            for field in PERSONAL_FIELDS {
                let index_field = format!("{field}_index");
                match person.get(field).and_then(Value::as_str) {
                    Some(stored) => {
                        let plain = self.open(stored)?;
                        if self.is_stale(stored) {
                            person.insert(field.to_string(), Value::String(self.seal(&plain)));
                        }
                        match self.index_of_text(field, &plain) {
                            Some(index) => person.insert(index_field, Value::String(index)),
                            None => person.remove(&index_field),
                        };
                    }
                    None => {
                        person.remove(&index_field);
                    }
                }
            }
        }
        Ok(people)
    }

    /// A stored list of people as the API shows it: NIKs and phones
    /// decrypted, the blind indexes left out.
    pub fn reveal_people(&self, people: &mut Value) -> std::result::Result<(), KeyError> {
        for person in people.as_array_mut().into_iter().flatten() {
            let Some(person) = person.as_object_mut() else {
                continue;
            };
            for field in PERSONAL_FIELDS {
                person.remove(&format!("{field}_index"));
                if let Some(Value::String(stored)) = person.get_mut(field) {
                    *stored = self.open(stored)?;
                }
            }
        }
        Ok(())
    }
}

/// The encrypted fields of a person in a list.
const PERSONAL_FIELDS: [&str; 2] = ["nik", "phone"];

fn split_sealed_bytes(stored: &[u8]) -> Option<(&str, &[u8])> {
    let rest = stored.strip_prefix(BYTES_PREFIX)?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::from(len);
    if rest.len() < len {
        return None;
    }
    let (id, body) = rest.split_at(len);
    Some((std::str::from_utf8(id).ok()?, body))
}

static RING: RwLock<Option<Arc<KeyRing>>> = RwLock::new(None);

/// Makes `ring` the one this process encrypts and decrypts with. Installing
/// again replaces it (a test process starts servers under different rings
/// one after another).
pub fn install(ring: KeyRing) {
    *RING.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
}

/// The installed ring.
pub fn ring() -> std::result::Result<Arc<KeyRing>, KeyError> {
    RING.read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or(KeyError::NotInstalled)
}

impl From<KeyError> for Error {
    fn from(e: KeyError) -> Error {
        Error::Database(diesel::result::Error::DeserializationError(Box::new(e)))
    }
}

/// The ring, as a store error.
pub(crate) fn keys() -> Result<Arc<KeyRing>> {
    Ok(ring()?)
}

/// A nullable encrypted text column, decrypted as it is read:
/// `#[diesel(deserialize_as = Revealed)] phone: Option<String>`.
#[derive(Debug)]
pub struct Revealed(pub Option<String>);

impl FromSql<Nullable<Text>, Pg> for Revealed {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let stored = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(Revealed(Some(ring()?.open(&stored)?)))
    }

    fn from_nullable_sql(bytes: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        match bytes {
            Some(bytes) => Self::from_sql(bytes),
            None => Ok(Revealed(None)),
        }
    }
}

impl diesel::deserialize::Queryable<Nullable<Text>, Pg> for Revealed {
    type Row = Revealed;
    fn build(row: Revealed) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl From<Revealed> for Option<String> {
    fn from(r: Revealed) -> Option<String> {
        r.0
    }
}

/// A stored list of people, decrypted as it is read (see
/// [`KeyRing::reveal_people`]).
#[derive(Debug)]
pub struct RevealedPeople(pub Value);

impl FromSql<Jsonb, Pg> for RevealedPeople {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let mut people = <Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        ring()?.reveal_people(&mut people)?;
        Ok(RevealedPeople(people))
    }
}

impl diesel::deserialize::Queryable<Jsonb, Pg> for RevealedPeople {
    type Row = RevealedPeople;
    fn build(row: RevealedPeople) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl From<RevealedPeople> for Value {
    fn from(r: RevealedPeople) -> Value {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";

    fn ring(keys: &str) -> KeyRing {
        KeyRing::parse(keys, B).expect("ring")
    }

    #[test]
    fn a_sealed_text_opens_under_any_ring_holding_its_key() {
        let old = ring(&format!("k1:{A}"));
        let sealed = old.seal("+6281234567890");
        assert!(sealed.starts_with("enc1:k1:"));
        assert!(!sealed.contains("81234567890"));
        assert_ne!(
            sealed,
            old.seal("+6281234567890"),
            "a fresh nonce each time"
        );
        let new = ring(&format!("k2:{B},k1:{A}"));
        assert_eq!(new.open(&sealed).unwrap(), "+6281234567890");
        assert!(new.is_stale(&sealed));
        assert!(!new.is_stale(&new.seal("x")));
        assert!(matches!(
            ring(&format!("k2:{B}")).open(&sealed),
            Err(KeyError::Undecryptable(_))
        ));
    }

    #[test]
    fn plain_values_stored_before_encryption_read_as_they_are_and_are_stale() {
        let ring = ring(&format!("k1:{A}"));
        assert_eq!(ring.open("1303014107480001").unwrap(), "1303014107480001");
        assert!(ring.is_stale("1303014107480001"));
        assert_eq!(ring.open_bytes(b"secret").unwrap(), b"secret");
        let sealed = ring.seal_bytes(b"secret");
        assert_eq!(ring.open_bytes(&sealed).unwrap(), b"secret");
        assert!(!ring.is_stale_bytes(&sealed) && ring.is_stale_bytes(b"secret"));
    }

    #[test]
    fn a_list_of_people_is_sealed_with_blind_indexes_and_revealed_without() {
        let ring = ring(&format!("k1:{A}"));
        let plain = json!([{"name": "Siti", "nik": "1303014107480001", "phone": "+6281234567890"}, {"age": 3}]);
        let sealed = ring.seal_people(&plain).unwrap();
        let text = sealed.to_string();
        assert!(!text.contains("1303014107480001") && !text.contains("81234567890"));
        let nik = Nik::parse("1303014107480001").unwrap();
        assert_eq!(sealed[0]["nik_index"], json!(ring.nik_index(&nik)));
        let mut revealed = sealed.clone();
        ring.reveal_people(&mut revealed).unwrap();
        assert_eq!(revealed, plain);
        assert_eq!(
            ring.seal_people(&sealed).unwrap(),
            sealed,
            "sealing again keeps current values"
        );
    }

    #[test]
    fn keys_are_refused_unless_well_formed() {
        for bad in [
            "",
            "k1",
            "k1:short",
            &format!("bad id:{A}"),
            &format!("k1:{A},k1:{B}"),
        ] {
            assert!(KeyRing::parse(bad, B).is_err(), "{bad:?}");
        }
        assert_eq!(
            KeyRing::parse(&format!("k1:{A}"), "short").err(),
            Some(KeyError::IndexKey)
        );
    }
}
