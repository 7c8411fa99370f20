//! What a staff password must be: at least [`MIN_LENGTH`] characters and not
//! among the 10,000 most common passwords (`data/common-passwords.txt`, from
//! Django; see `data/README.md`).

use std::collections::HashSet;
use std::sync::LazyLock;

/// The fewest characters (Unicode scalar values) a password may have.
pub const MIN_LENGTH: usize = 12;
/// The most bytes a password may have: argon2 would take more, but nobody
/// types more, and a bound keeps hashing cheap to refuse.
pub const MAX_BYTES: usize = 1024;

const COMMON_LIST: &str = include_str!("../../data/common-passwords.txt");

/// The list in lower case, as passwords are compared (as Django does).
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    COMMON_LIST
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Why a password is refused; `Display` is the message shown for the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_LENGTH`] characters.
    #[error("must have at least 12 characters")]
    TooShort,
    /// More than [`MAX_BYTES`] bytes.
    #[error("must have at most 1024 bytes")]
    TooLong,
    /// Among the most common passwords (compared in lower case).
    #[error("is one of the 10,000 most common passwords")]
    Common,
}

/// A password that satisfies the rules; only [`Password::parse`] makes one.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks the rules.
    pub fn parse(text: &str) -> Result<Password, PasswordError> {
        if text.len() > MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        if text.chars().count() < MIN_LENGTH {
            return Err(PasswordError::TooShort);
        }
        if COMMON.contains(&text.to_lowercase()) {
            return Err(PasswordError::Common);
        }
        Ok(Password(text.to_owned()))
    }

    /// The password itself, to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_and_commonness() {
        let cases: &[(&str, Result<(), PasswordError>)] = &[
            ("", Err(PasswordError::TooShort)),
            ("short", Err(PasswordError::TooShort)),
            ("elevenchars", Err(PasswordError::TooShort)),
            // 11 characters, 22 bytes: length counts characters.
            ("ééééééééééé", Err(PasswordError::TooShort)),
            ("twelve chars", Ok(())),
            ("kursi roda merah 2026", Ok(())),
            // In the list (lines of at least 12 characters).
            ("qwerty123456", Err(PasswordError::Common)),
            ("qwertyuiopasdfghjkl", Ok(())),
            ("1q2w3e4r5t6y", Err(PasswordError::Common)),
            // Compared in lower case.
            ("1Q2W3E4R5T6Y", Err(PasswordError::Common)),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", Ok(())),
        ];
        for (text, expected) in cases {
            assert_eq!(Password::parse(text).map(|_| ()), *expected, "{text:?}");
        }
        assert_eq!(
            Password::parse(&"x".repeat(MAX_BYTES + 1)).map(|_| ()),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn the_list_holds_ten_thousand_passwords() {
        assert_eq!(COMMON_LIST.lines().count(), 10_000);
        assert!(COMMON.len() > 9_900);
        assert!(COMMON.contains("password"));
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = Password::parse("kursi roda merah 2026").expect("valid");
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
