//! When two beneficiaries listed on different reports are the same person, so
//! that a merge lists each person once and statistics count them once.

/// Words of address and titles dropped from a name before comparing: they
/// tell how a reporter spoke of the person, not who the person is ("Mbah
/// Rahmah" and "Rahmah" are one person). The database's `person_name_key`
/// (migration `000014_duplicates`) drops the same words, so that a merge and
/// the duplicate suggestions agree on who is one person.
const HONORIFICS: &[&str] = &[
    "bapak",
    "bpk",
    "ibu",
    "pak",
    "bu",
    "mbah",
    "nenek",
    "kakek",
    "nek",
    "kek",
    "hj",
    "h",
    "hajah",
    "haji",
    "sdr",
    "sdri",
    "saudara",
    "saudari",
    "tn",
    "ny",
    "nyonya",
    "tuan",
    "alm",
    "almh",
    "almarhum",
    "almarhumah",
];

/// Ages reported by different people for one person differ by this many
/// years at most (a neighbour guesses, the village office knows).
const AGE_TOLERANCE: i32 = 2;

/// What identifies a beneficiary, as far as the reports say; every part is
/// optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonKey<'a> {
    /// The name as written.
    pub name: Option<&'a str>,
    /// Age in years.
    pub age: Option<i32>,
    /// `F` or `M`.
    pub sex: Option<&'a str>,
    /// The national identity number (NIK).
    pub nik: Option<&'a str>,
    /// A phone number.
    pub phone: Option<&'a str>,
}

/// A name as compared, as the database's `person_name_key` spells it:
/// lower case, accents folded, anything but letters a space, honorifics
/// dropped, doubled letters single ("Sitti" is "Siti"), words separated by one
/// space. `None` when nothing is left.
pub fn normalized_name(name: &str) -> Option<String> {
    let folded: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à'..='å' => 'a',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ò'..='ö' => 'o',
            'ù'..='ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ñ' => 'n',
            'ç' => 'c',
            c if c.is_ascii_lowercase() => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<String> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !HONORIFICS.contains(w))
        .map(|w| {
            let mut single = String::with_capacity(w.len());
            for c in w.chars() {
                if !single.ends_with(c) {
                    single.push(c);
                }
            }
            single
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The digits of a phone number with Indonesia's prefix unified (`0812…`,
/// `62812…` and `+62 812…` are one number).
fn phone_digits(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national = digits
        .strip_prefix("62")
        .or_else(|| digits.strip_prefix('0'))
        .unwrap_or(&digits);
    (national.len() >= 6).then(|| national.to_owned())
}

fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl PersonKey<'_> {
    /// Whether `self` and `other` are one person: the same NIK, or the same
    /// phone number, or the same normalised name with compatible age (within
    /// two years, or unknown on either side) and sex (equal, or unknown). Two
    /// different NIKs are two people whatever else matches.
    pub fn same_person(&self, other: &PersonKey<'_>) -> bool {
        match (given(self.nik), given(other.nik)) {
            (Some(a), Some(b)) if a == b => return true,
            (Some(_), Some(_)) => return false,
            _ => {}
        }
        if let (Some(a), Some(b)) = (
            given(self.phone).and_then(phone_digits),
            given(other.phone).and_then(phone_digits),
        ) && a == b
        {
            return true;
        }
        let names = self
            .name
            .and_then(normalized_name)
            .zip(other.name.and_then(normalized_name));
        let same_name = names.is_some_and(|(a, b)| a == b);
        let ages_fit = match (self.age, other.age) {
            (Some(a), Some(b)) => (a - b).abs() <= AGE_TOLERANCE,
            _ => true,
        };
        let sexes_fit = match (given(self.sex), given(other.sex)) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        same_name && ages_fit && sexes_fit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(name: &'a str, age: Option<i32>, sex: Option<&'a str>) -> PersonKey<'a> {
        PersonKey {
            name: Some(name),
            age,
            sex,
            ..PersonKey::default()
        }
    }

    #[test]
    fn names_drop_case_honorifics_and_extra_spaces() {
        for (written, expected) in [
            ("Mbah  Rahmah", Some("rahmah")),
            ("IBU Siti   Aminah", Some("siti aminah")),
            ("Bpk. Darman", Some("darman")),
            ("Hj. Sitti  Ämínah", Some("siti aminah")),
            ("Pak. Darman", Some("darman")),
            (" nenek ", None),
        ] {
            assert_eq!(normalized_name(written).as_deref(), expected, "{written}");
        }
    }

    #[test]
    fn people_are_matched_by_nik_phone_or_name_with_compatible_age_and_sex() {
        let rahmah = named("Mbah Rahmah", Some(78), Some("F"));
        let cases = [
            (named("Rahmah", Some(79), Some("F")), true),
            (named("rahmah", None, None), true),
            (named("Rahmah", Some(60), Some("F")), false),
            (named("Rahmah", Some(78), Some("M")), false),
            (named("Rahmawati", Some(78), Some("F")), false),
            (PersonKey::default(), false),
        ];
        for (other, expected) in cases {
            assert_eq!(rahmah.same_person(&other), expected, "{other:?}");
            assert_eq!(other.same_person(&rahmah), expected, "{other:?} (swapped)");
        }
    }

    #[test]
    fn a_nik_or_a_phone_decides_before_the_name() {
        let with = |name, nik, phone| PersonKey {
            name: Some(name),
            nik,
            phone,
            ..PersonKey::default()
        };
        let a = with("Rahmah", Some("1303014107480001"), None);
        assert!(a.same_person(&with("R.", Some("1303014107480001"), None)));
        assert!(!a.same_person(&with("Rahmah", Some("1303014107480002"), None)));
        let b = with("Rahmah", None, Some("+62 812-3456-7890"));
        assert!(b.same_person(&with("Nenek", None, Some("081234567890"))));
        assert!(!b.same_person(&with("Darman", None, Some("081200000000"))));
    }
}
