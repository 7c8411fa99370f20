//! Tracking codes: what a reporter follows a report by. A code is the
//! report's ticket, `-` and six random characters of Crockford's base32
//! (`CC-2026-000123-K7QM2X`): tickets are sequential, so the ticket alone
//! would let anyone list every case; the suffix (30 bits from the operating
//! system's CSPRNG) makes codes unguessable, and the alphabet (no I, L, O or
//! U) keeps them readable over the phone.

use rand::RngCore;

/// Crockford's base32 alphabet, the characters of a suffix.
pub const SUFFIX_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many characters a suffix has.
pub const SUFFIX_LEN: usize = 6;

/// The longest code looked up: a ticket's sequence may outgrow six digits,
/// but nothing this long is a code.
const MAX_CODE_LEN: usize = 64;

/// A fresh random suffix. 256 is a multiple of 32, so `byte % 32` picks
/// every character with the same chance.
pub fn new_suffix() -> String {
    let mut bytes = [0u8; SUFFIX_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(SUFFIX_ALPHABET[usize::from(b % 32)]))
        .collect()
}

/// The code `ticket` gets with `suffix`.
pub fn code(ticket: &str, suffix: &str) -> String {
    format!("{ticket}-{suffix}")
}

/// A code as a person may have typed or read it out, spelled as stored:
/// upper case, with Crockford's look-alikes read as the digits they stand
/// for (O → 0, I and L → 1). `None` when it cannot be a tracking code (a
/// ticket without its suffix, for one), which callers answer like an
/// unknown code.
pub fn normalize(typed: &str) -> Option<String> {
    if typed.len() > MAX_CODE_LEN {
        return None;
    }
    let spelled: String = typed
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    let (ticket, suffix) = spelled.rsplit_once('-')?;
    let suffix_shaped =
        suffix.len() == SUFFIX_LEN && suffix.bytes().all(|b| SUFFIX_ALPHABET.contains(&b));
    (is_ticket(ticket) && suffix_shaped).then_some(spelled)
}

/// Whether `text` is spelled as a ticket is: `CC-2026-000123`, letters, the
/// year and a number of at least six digits.
pub fn is_ticket(text: &str) -> bool {
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    match text.split('-').collect::<Vec<_>>()[..] {
        [prefix, year, number] => {
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_uppercase())
                && year.len() == 4
                && digits(year)
                && number.len() >= 6
                && digits(number)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suffix_has_six_characters_of_the_alphabet() {
        for _ in 0..100 {
            let suffix = new_suffix();
            assert_eq!(suffix.len(), SUFFIX_LEN);
            assert!(
                suffix.bytes().all(|b| SUFFIX_ALPHABET.contains(&b)),
                "{suffix}"
            );
        }
        assert_ne!(new_suffix(), new_suffix(), "random, not fixed");
    }

    #[test]
    fn a_typed_code_reads_as_stored() {
        let stored = "CC-2026-000123-K7QM2X";
        assert_eq!(normalize(stored).as_deref(), Some(stored));
        assert_eq!(normalize("cc-2026-000123-k7qm2x").as_deref(), Some(stored));
        assert_eq!(
            normalize("CC-2026-OOO123-K7QM2X").as_deref(),
            Some(stored),
            "O is 0"
        );
        assert_eq!(
            normalize("CC-2026-000123-I1LO0A").as_deref(),
            Some("CC-2026-000123-11100A"),
            "I and L are 1"
        );
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        for bad in [
            "CC-2026-000123",
            "CC-2026-000123-",
            "CC-2026-000123-K7QM2",
            "CC-2026-000123-K7QM2XX",
            "CC-2026-000123-K7QM2U",
            "-K7QM2X",
            "CC 2026-000123-K7QM2X",
            "CC-2026-%00-K7QM2X",
            "CC-2026-00012-K7QM2X",
            "CC-26-000123-K7QM2X",
            "CC-2026-000123-K7QM2X-K7QM2X",
            "",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        assert_eq!(normalize(&format!("{}-K7QM2X", "C".repeat(60))), None);
    }

    #[test]
    fn a_code_is_the_ticket_and_its_suffix() {
        assert_eq!(code("CC-2026-000123", "K7QM2X"), "CC-2026-000123-K7QM2X");
    }
}
