//! The Nomor Induk Kependudukan (NIK), the 16-digit population number on
//! every Indonesian identity card. Its digits say where it was issued and
//! when, and to whom: a regency code, a district, the holder's birth date
//! (day + 40 for women) and a serial number.

use serde::{Serialize, Serializer};

/// A NIK whose shape and birth date are valid. Whether its regency exists
/// is the store's question ([`Nik::regency_code`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

/// The sex a NIK encodes: women's birth days are written plus 40.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NikSex {
    /// Day of birth 01–31.
    Male,
    /// Day of birth 41–71.
    Female,
}

/// A birth date as a NIK writes it: the century is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NikBirthDate {
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Month, 1 to 12.
    pub month: u8,
    /// The last two digits of the year.
    pub year_of_century: u8,
}

impl Nik {
    /// Accepts 16 digits (spaces and dots between them are dropped) whose
    /// digits 7–12 are a valid birth date `DDMMYY`, women's day plus 40.
    pub fn parse(text: &str) -> Result<Nik, String> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '.')).collect();
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 16 digits".into());
        }
        let nik = Nik(digits);
        if nik.regency_code().ends_with(".00") || nik.regency_code().starts_with("00") {
            return Err("must start with a regency code (digits 1 to 4)".into());
        }
        let (day, _) = nik.day_and_sex();
        let (month, yy) = (nik.number(8..10), nik.number(10..12));
        // A two-digit year: 29 February is valid when either century's year
        // is a leap year, which, for 00, 2000 is.
        let leap = yy % 4 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err("digits 9 and 10 must be a birth month, 01 to 12".into()),
        };
        if !(1..=days_in_month).contains(&day) {
            return Err(format!(
                "digits 7 to 12 must be a birth date DDMMYY (women: day plus 40); day {day} of month {month:02} does not exist"
            ));
        }
        Ok(nik)
    }

    fn number(&self, range: std::ops::Range<usize>) -> u8 {
        self.0[range].parse().expect("checked digits")
    }

    fn day_and_sex(&self) -> (u8, NikSex) {
        match self.number(6..8) {
            d if d > 40 => (d - 40, NikSex::Female),
            d => (d, NikSex::Male),
        }
    }

    /// The 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The regency that issued the number, in dotted form (`13.03`).
    pub fn regency_code(&self) -> String {
        format!("{}.{}", &self.0[0..2], &self.0[2..4])
    }

    /// The holder's birth date.
    pub fn birth_date(&self) -> NikBirthDate {
        NikBirthDate {
            day: self.day_and_sex().0,
            month: self.number(8..10),
            year_of_century: self.number(10..12),
        }
    }

    /// The holder's sex.
    pub fn sex(&self) -> NikSex {
        self.day_and_sex().1
    }
}

impl Serialize for Nik {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn niks_are_checked_by_shape_and_birth_date() {
        let cases: &[(&str, bool)] = &[
            ("1303011708450001", true),    // male, 17 Aug 1945
            ("1303015708450001", true),    // female, 17 Aug 1945
            ("1303 0141 0280 0002", true), // female, 1 Feb 1980, spaced
            ("1303012902000001", true),    // 29 Feb 2000
            ("1303016902960001", true),    // female, 29 Feb 1996
            ("130301170845000", false),    // 15 digits
            ("13030117084500011", false),  // 17 digits
            ("13030117O8450001", false),   // a letter
            ("abcdefghijklmnop", false),
            ("1303013208450001", false), // day 32
            ("1303017208450001", false), // day 72 (female 32)
            ("1303013102450001", false), // 31 February
            ("1303014002450001", false), // day 40 is nobody's
            ("1303010008450001", false), // day 0
            ("1303011713450001", false), // month 13
            ("1303012902010001", false), // 29 Feb 2001
            ("0000011708450001", false), // no regency
        ];
        for (text, valid) in cases {
            assert_eq!(Nik::parse(text).is_ok(), *valid, "{text}");
        }
    }

    #[test]
    fn women_41_to_71_are_female_with_the_day_less_40() {
        for day in 41..=71u8 {
            let text = format!("130301{day:02}0180{:04}", 1);
            let nik = Nik::parse(&text).expect("valid");
            assert_eq!(nik.sex(), NikSex::Female, "{text}");
            assert_eq!(nik.birth_date().day, day - 40);
        }
    }

    #[test]
    fn a_nik_tells_its_regency_birth_date_and_sex() {
        let nik = Nik::parse("1303015708450001").expect("valid");
        assert_eq!(nik.regency_code(), "13.03");
        assert_eq!(
            nik.birth_date(),
            NikBirthDate {
                day: 17,
                month: 8,
                year_of_century: 45
            }
        );
        assert_eq!(nik.sex(), NikSex::Female);
        assert_eq!(
            Nik::parse("1303011708450001").map(|n| n.sex()),
            Ok(NikSex::Male)
        );
    }
}
