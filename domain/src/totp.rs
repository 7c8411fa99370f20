//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1,
//! 6 digits, 30-second steps, one step of clock drift either way, as
//! authenticator apps expect.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps of clock drift accepted on either side of now.
pub const DRIFT_STEPS: i64 = 1;
/// Bytes of a secret Sigap generates (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

/// A shared TOTP secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Totp {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Totp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Totp(***)")
    }
}

/// HOTP (RFC 4226 5.3): the dynamically truncated HMAC of the counter,
/// reduced to `digits` decimal digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any size");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    binary % 10u32.pow(digits)
}

impl Totp {
    /// A secret from its bytes (as stored).
    pub fn new(secret: Vec<u8>) -> Totp {
        Totp { secret }
    }

    /// The secret's bytes, to store.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// A secret from its base32 spelling (as shown at enrolment); `None`
    /// when it is not base32.
    pub fn from_base32(text: &str) -> Option<Totp> {
        data_encoding::BASE32_NOPAD
            .decode(text.trim().trim_end_matches('=').as_bytes())
            .ok()
            .map(Totp::new)
    }

    /// The secret in unpadded base32 (RFC 4648), as authenticator apps take it.
    pub fn base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.secret)
    }

    /// The `otpauth://` URI (Google Authenticator's key URI format) that a QR
    /// code carries: `issuer` and `account` label the entry in the app.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = uri_escape(issuer);
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            uri_escape(account),
            self.base32()
        )
    }

    /// The time step of `unix_seconds`.
    pub fn step(unix_seconds: i64) -> i64 {
        unix_seconds.div_euclid(STEP_SECONDS)
    }

    /// The code of time step `step`.
    pub fn code_at_step(&self, step: i64) -> u32 {
        hotp(&self.secret, step.max(0) as u64, DIGITS)
    }

    /// The code at `unix_seconds`, as six digits.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        format!(
            "{:0width$}",
            self.code_at_step(Self::step(unix_seconds)),
            width = DIGITS as usize
        )
    }

    /// The step `code` is good for at `unix_seconds` (within the drift),
    /// later than `last_step` (a code is accepted once); `None` when it is
    /// not good. Only six ASCII digits (surrounding blanks dropped) are read.
    pub fn verify(&self, code: &str, unix_seconds: i64, last_step: Option<i64>) -> Option<i64> {
        let code = code.trim();
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let wanted: u32 = code.parse().ok()?;
        let now = Self::step(unix_seconds);
        let mut found = None;
        // Every candidate is computed, so the time taken does not say which matched.
        for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
            let fresh = last_step.is_none_or(|last| step > last);
            if self.code_at_step(step) == wanted && fresh && found.is_none() {
                found = Some(step);
            }
        }
        found
    }
}

/// Percent-encodes what is not unreserved (RFC 3986 2.3).
fn uri_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-1 seed of RFC 6238 appendix B.
    const SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn the_rfc_6238_sha1_test_vectors_hold() {
        let vectors: &[(i64, u32)] = &[
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        let totp = Totp::new(SEED.to_vec());
        for (time, code) in vectors {
            let step = Totp::step(*time) as u64;
            assert_eq!(hotp(SEED, step, 8), *code, "T = {time}");
            // Six digits are the last six of eight.
            assert_eq!(
                totp.code_at(*time),
                format!("{:06}", code % 1_000_000),
                "T = {time}"
            );
        }
    }

    #[test]
    fn the_rfc_4226_hotp_test_vectors_hold() {
        let codes = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in codes.iter().enumerate() {
            assert_eq!(hotp(SEED, counter as u64, 6), *code, "counter {counter}");
        }
    }

    #[test]
    fn a_code_is_good_one_step_either_side_and_once() {
        let totp = Totp::new(SEED.to_vec());
        let now = 1_234_567_890;
        let step = Totp::step(now);
        let code = totp.code_at(now);
        assert_eq!(totp.verify(&code, now, None), Some(step));
        assert_eq!(totp.verify(&code, now + 30, None), Some(step));
        assert_eq!(totp.verify(&code, now - 30, None), Some(step));
        assert_eq!(totp.verify(&code, now + 60, None), None, "two steps late");
        assert_eq!(totp.verify(&code, now, Some(step)), None, "used already");
        assert_eq!(
            totp.verify(&totp.code_at(now + 30), now, Some(step)),
            Some(step + 1)
        );
        for bad in ["", "12345", "1234567", "abcdef", "+12345", " 12 345"] {
            assert_eq!(totp.verify(bad, now, None), None, "{bad:?}");
        }
        assert_eq!(totp.verify(&format!(" {code} "), now, None), Some(step));
    }

    #[test]
    fn the_secret_is_shown_in_base32_and_in_an_otpauth_uri() {
        let totp = Totp::new(SEED.to_vec());
        assert_eq!(totp.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(Totp::from_base32(&totp.base32()), Some(totp.clone()));
        assert_eq!(Totp::from_base32("not base32!"), None);
        assert_eq!(
            totp.otpauth_uri("Sigap", "ani@kemensos.go.id"),
            "otpauth://totp/Sigap:ani@kemensos.go.id?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sigap&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{totp:?}"), "Totp(***)");
    }
}
