//! The values of a report that passed every check: a region code, a phone
//! number, coordinates, the people it is about. Parsing a request body into
//! them is the api's work; storing them is the store's.

use crate::{Category, Channel, FieldError, Need, Urgency};
use serde::Serialize;

/// A Kemendagri region code in dotted form: `13` or `13.03`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(text: &str) -> Result<RegionCode, String> {
        let b = text.as_bytes();
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let ok = match b.len() {
            2 => digits(b),
            5 => digits(&b[..2]) && b[2] == b'.' && digits(&b[3..]),
            _ => false,
        };
        if ok {
            Ok(RegionCode(text.to_owned()))
        } else {
            Err("must be a Kemendagri region code such as 13 or 13.03".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian phone number, normalised to `+62…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, String> {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let national = if let Some(rest) = compact.strip_prefix("+62") {
            rest
        } else if let Some(rest) = compact.strip_prefix('0') {
            rest
        } else {
            return Err("must be an Indonesian number starting with +62 or 0".into());
        };
        let valid = (8..=12).contains(&national.len())
            && national.bytes().all(|b| b.is_ascii_digit())
            && !national.starts_with('0');
        if valid {
            Ok(Phone(format!("+62{national}")))
        } else {
            Err("must be an Indonesian number: +62 or 0 followed by 8 to 12 digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Coordinates inside Indonesia's bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

impl GeoPoint {
    /// Checks both coordinates; errors name `<prefix>lat` and `<prefix>lon`.
    pub fn parse(lat: f64, lon: f64, prefix: &str) -> Result<GeoPoint, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(-11.0..=6.0).contains(&lat) {
            errors.push(FieldError::new(
                format!("{prefix}lat"),
                "must be inside Indonesia (-11 to 6)",
            ));
        }
        if !(95.0..=141.5).contains(&lon) {
            errors.push(FieldError::new(
                format!("{prefix}lon"),
                "must be inside Indonesia (95 to 141.5)",
            ));
        }
        if errors.is_empty() {
            Ok(GeoPoint { lat, lon })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beneficiary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
}

/// A report that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub category: Category,
    pub need: Need,
    pub urgency: Urgency,
    pub channel: Channel,
    pub region_code: RegionCode,
    pub address: Option<String>,
    pub location: Option<GeoPoint>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    pub reporter_anonymous: bool,
    pub beneficiaries: Vec<Beneficiary>,
    pub beneficiary_count: i32,
    pub description: String,
    pub external_ref: Option<String>,
    /// What the caller should look at although the report was accepted,
    /// such as a region code that disagrees with the coordinates.
    pub warnings: Vec<FieldError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_indonesian_and_normalised() {
        assert_eq!(
            Phone::parse("+62 812 3456 7890").map(|p| p.0),
            Ok("+6281234567890".into())
        );
        assert_eq!(
            Phone::parse("081234567890").map(|p| p.0),
            Ok("+6281234567890".into())
        );
        assert_eq!(
            Phone::parse("021-5551234").map(|p| p.0),
            Ok("+62215551234".into())
        );
        for bad in [
            "+6581234567",
            "12345",
            "08123",
            "+62081234567",
            "0812345678901234",
            "08abc45678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_codes_have_the_kemendagri_shape() {
        for good in ["13", "13.03", "96.71"] {
            assert!(RegionCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "1", "1303", "13.3", "13-03", "ab.cd", "13.03.01"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
