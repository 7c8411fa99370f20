//! The values of a report that passed every check: a region code, a phone
//! number, coordinates, the people it is about. Parsing a request body into
//! them is the api's work; storing them is the store's.

use crate::{Category, Channel, FieldError, Need, Nik, Urgency};
use serde::{Serialize, Serializer};

/// A Kemendagri region code in dotted form: `13` or `13.03`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCode(String);

impl RegionCode {
    /// Checks the shape (two digits, or two dot two); whether the region
    /// exists is the store's question.
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

    /// The code as written, such as `13.03`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Indonesian phone number, normalised to `+62…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts `+62…` or `0…` with spaces, dashes, dots or brackets, and
    /// 8 to 12 national digits.
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

    /// The number as stored, `+62` and the national digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Coordinates inside Indonesia's bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// Latitude, WGS84 degrees (-11 to 6).
    pub lat: f64,
    /// Longitude, WGS84 degrees (95 to 141.5).
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

/// A person the report is about, as far as the filer knows them; stored
/// with the report as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Beneficiary {
    /// Personal data: shown only to roles that may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Age in years, 0 to 130.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<i32>,
    /// `F` or `M`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// Kind of disability, free text (`physical`, `visual`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability: Option<String>,
    /// Personal data: the population number, by which duplicates are found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nik: Option<Nik>,
    /// Personal data: the person's own phone, as `+62…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// A report that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    /// The target group, which decides the units that may serve the case.
    pub category: Category,
    /// What the people need.
    pub need: Need,
    /// How fast a unit must acknowledge the case.
    pub urgency: Urgency,
    /// How the report reached Sigap.
    pub channel: Channel,
    /// The regency (or province) the report is routed by.
    pub region_code: RegionCode,
    /// Where the case is, in words.
    pub address: Option<String>,
    /// Where the case is, in coordinates.
    pub location: Option<GeoPoint>,
    /// The reporter's name; never kept for an anonymous reporter.
    pub reporter_name: Option<String>,
    /// The reporter's phone; never kept for an anonymous reporter.
    pub reporter_phone: Option<Phone>,
    /// Whether the reporter asked not to be named.
    pub reporter_anonymous: bool,
    /// The people listed (at most 100).
    pub beneficiaries: Vec<Beneficiary>,
    /// People affected: at least those listed.
    pub beneficiary_count: i32,
    /// What happened, 10 to 5,000 characters.
    pub description: String,
    /// The filer's own reference.
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
