//! The body of `POST /v1/reports` with its OpenAPI schema, and its parsing
//! into the domain's [`NewReport`]: every field checked, every problem
//! reported at once with its path, the region placed from the coordinates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sigap_domain::{
    Beneficiary, Category, FieldError, GeoPoint, NewReport, Nik, Phone, RegionCode,
};
use sigap_domain::{Channel, Need, Status, Urgency};
use sigap_store::duplicates::{Probe, ProbePerson, Suggestion};
use sigap_store::geography;
use sigap_store::intake::Filed;
use utoipa::ToSchema;
use uuid::Uuid;

/// At most this many people listed in one report.
pub const MAX_BENEFICIARIES: usize = 100;
/// The length of a description, in characters.
pub const DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 10..=5000;

/// Body of `POST /v1/reports`. Every field is checked and every problem
/// reported at once, with its path.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({
    "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
    "region_code": "13.03", "address": "Jorong Koto Tuo, Kec. Kamang Baru",
    "location": {"lat": -0.69, "lon": 100.95},
    "reporter": {"name": "Siti", "phone": "+6281234567890", "anonymous": false},
    "beneficiaries": [{"name": "Nenek R.", "age": 78, "sex": "F", "disability": "physical"}],
    "beneficiary_count": 1,
    "description": "Lansia tinggal sendiri, butuh kursi roda.",
    "external_ref": "partner-123"
}))]
pub struct ReportInput {
    #[schema(value_type = Category, required = true)]
    pub category: Option<String>,
    #[schema(value_type = Need, required = true)]
    pub need: Option<String>,
    #[schema(value_type = Urgency, required = true)]
    pub urgency: Option<String>,
    #[schema(value_type = Channel, required = true)]
    pub channel: Option<String>,
    /// Kemendagri code of a regency (`13.03`) or province (`13`). Required
    /// unless `location` is given, in which case the region is the regency
    /// whose boundary contains it. A code the location disagrees with is
    /// kept (the report is routed by it) and answered with a warning.
    #[schema(example = "13.03", pattern = r"^[0-9]{2}(\.[0-9]{2})?$")]
    pub region_code: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// Where the case is. Coordinates in the sea or abroad (farther than
    /// 1 km from every regency) are refused with the nearest regency named.
    pub location: Option<LocationInput>,
    pub reporter: Option<ReporterInput>,
    pub beneficiaries: Option<Vec<BeneficiaryInput>>,
    /// People affected; at least the number of beneficiaries listed.
    #[schema(minimum = 1, maximum = 100000)]
    pub beneficiary_count: Option<i64>,
    /// 10 to 5,000 characters.
    #[schema(required = true, min_length = 10, max_length = 5000)]
    pub description: Option<String>,
    /// The filer's own reference.
    #[schema(max_length = 100)]
    pub external_ref: Option<String>,
}

/// WGS84 coordinates, inside Indonesia.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
pub struct LocationInput {
    #[schema(minimum = -11.0, maximum = 6.0)]
    pub lat: Option<f64>,
    #[schema(minimum = 95.0, maximum = 141.5)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ReporterInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Indonesian number, `+62…` or `08…`; stored as `+62…`.
    #[schema(example = "+6281234567890")]
    pub phone: Option<String>,
    /// An anonymous reporter's name and phone are not stored.
    #[serde(default)]
    pub anonymous: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct BeneficiaryInput {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 130)]
    pub age: Option<i64>,
    /// `F` or `M`.
    pub sex: Option<String>,
    /// Kind of disability, free text (`physical`, `visual`, …).
    #[schema(max_length = 100)]
    pub disability: Option<String>,
    /// Population number (NIK): 16 digits, starting with the issuing
    /// regency's code (`1303…` for 13.03), digits 7 to 12 the birth date
    /// `DDMMYY` (women: day plus 40). Personal data: shown only to roles
    /// that see names.
    #[schema(example = "1303015708450001", pattern = "^[0-9]{16}$")]
    pub nik: Option<String>,
    /// The person's own phone, `+62…` or `08…`; stored as `+62…`. Personal
    /// data, like `nik`.
    #[schema(example = "+6281234567891")]
    pub phone: Option<String>,
}

/// Collects field errors while parsing.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    fn required<T: Clone>(&mut self, field: &str, value: &Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, "is required");
        }
        value.clone()
    }

    fn vocabulary<T>(
        &mut self,
        field: &str,
        value: &Option<String>,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let text = self.required(field, value)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            self.add(field, format!("must be one of: {}", expected()));
        }
        parsed
    }

    fn text(&mut self, field: &str, value: &Option<String>, max_chars: usize) -> Option<String> {
        let text = value.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        if text.chars().count() > max_chars {
            self.add(field, format!("must be at most {max_chars} characters"));
            return None;
        }
        Some(text.to_owned())
    }
}

impl ReportInput {
    /// Parses the body into a [`NewReport`], or every field error found.
    pub fn parse(&self) -> Result<NewReport, Vec<FieldError>> {
        let mut p = Problems::default();
        let category = p.vocabulary(
            "category",
            &self.category,
            Category::parse,
            Category::expected,
        );
        let need = p.vocabulary("need", &self.need, Need::parse, Need::expected);
        let urgency = p.vocabulary("urgency", &self.urgency, Urgency::parse, Urgency::expected);
        let channel = p.vocabulary("channel", &self.channel, Channel::parse, Channel::expected);
        let location = self.location.and_then(|l| parse_location(&mut p, l));
        let (region_code, warnings) = place(
            &mut p,
            self.region_code.as_deref(),
            location,
            self.location.is_some(),
        );
        let address = p.text("address", &self.address, 500);

        let reporter = self.reporter.clone().unwrap_or_default();
        let anonymous = reporter.anonymous.unwrap_or(false);
        let reporter_name = p.text("reporter.name", &reporter.name, 200);
        let reporter_phone = reporter
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .and_then(|t| Phone::parse(t).map_err(|m| p.add("reporter.phone", m)).ok());

        let inputs = self.beneficiaries.clone().unwrap_or_default();
        if inputs.len() > MAX_BENEFICIARIES {
            p.add(
                "beneficiaries",
                format!("at most {MAX_BENEFICIARIES} beneficiaries per report"),
            );
        }
        let beneficiaries: Vec<Beneficiary> = inputs
            .iter()
            .take(MAX_BENEFICIARIES)
            .enumerate()
            .map(|(i, b)| parse_beneficiary(&mut p, i, b))
            .collect();
        let listed = beneficiaries.len() as i64;
        let beneficiary_count = match self.beneficiary_count {
            None => listed.max(1),
            Some(n) if !(1..=100_000).contains(&n) => {
                p.add("beneficiary_count", "must be between 1 and 100000");
                1
            }
            Some(n) if n < listed => {
                p.add(
                    "beneficiary_count",
                    format!("must be at least the {listed} beneficiaries listed"),
                );
                n
            }
            Some(n) => n,
        };

        let description = p.required("description", &self.description).and_then(|d| {
            let d = d.trim().to_owned();
            let chars = d.chars().count();
            if DESCRIPTION_CHARS.contains(&chars) {
                Some(d)
            } else {
                p.add("description", "must be between 10 and 5000 characters");
                None
            }
        });
        let external_ref = p.text("external_ref", &self.external_ref, 100);

        match (category, need, urgency, channel, region_code, description) {
            (
                Some(category),
                Some(need),
                Some(urgency),
                Some(channel),
                Some(region_code),
                Some(description),
            ) if p.0.is_empty() => {
                Ok(NewReport {
                    category,
                    need,
                    urgency,
                    channel,
                    region_code,
                    address,
                    location,
                    // An anonymous reporter's identity is not kept at all.
                    reporter_name: reporter_name.filter(|_| !anonymous),
                    reporter_phone: reporter_phone.filter(|_| !anonymous),
                    reporter_anonymous: anonymous,
                    beneficiaries,
                    beneficiary_count: beneficiary_count as i32,
                    description,
                    external_ref,
                    warnings,
                })
            }
            _ => Err(p.0),
        }
    }
}

/// The body of `POST /v1/reports:check`: a report as far as the operator
/// has typed it. Only what the comparison reads is declared; the other
/// fields of a report may be sent as well and are ignored.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "category": "elderly", "region_code": "13.03",
    "location": {"lat": -0.69, "lon": 100.95},
    "beneficiaries": [{"name": "Sitti Aminah"}]
}))]
pub struct ReportDraft {
    #[schema(value_type = Category, required = true)]
    pub category: Option<String>,
    /// Kemendagri code of a regency (`13.03`) or province (`13`). Required
    /// unless `location` is given.
    #[schema(example = "13.03", pattern = r"^[0-9]{2}(\.[0-9]{2})?$")]
    pub region_code: Option<String>,
    /// Where the case is; compared within 2 km.
    pub location: Option<LocationInput>,
    /// The people typed so far (the first 100 are compared).
    pub beneficiaries: Option<Vec<PersonDraft>>,
}

/// A person as far as typed: a NIK or phone that does not parse yet is
/// left out of the comparison, not refused.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PersonDraft {
    pub name: Option<String>,
    pub nik: Option<String>,
    pub phone: Option<String>,
}

impl ReportDraft {
    /// What `POST /v1/reports:check` compares: the category and the place
    /// must be right (they are picked, not typed); names, NIKs and phones
    /// may still be half typed, and those that do not parse are left out.
    pub fn probe(&self) -> Result<Probe, Vec<FieldError>> {
        let mut p = Problems::default();
        let category = p.vocabulary(
            "category",
            &self.category,
            Category::parse,
            Category::expected,
        );
        let location = self.location.and_then(|l| parse_location(&mut p, l));
        let (region_code, _) = place(
            &mut p,
            self.region_code.as_deref(),
            location,
            self.location.is_some(),
        );
        let people = self
            .beneficiaries
            .iter()
            .flatten()
            .take(MAX_BENEFICIARIES)
            .map(|b| ProbePerson {
                name: filled(&b.name).map(str::to_owned),
                nik: filled(&b.nik).and_then(|t| Nik::parse(t).ok()),
                phone: filled(&b.phone).and_then(|t| Phone::parse(t).ok()),
            })
            .collect();
        match (category, region_code) {
            (Some(category), Some(region_code)) if p.0.is_empty() => Ok(Probe {
                category,
                region_code: Some(region_code.as_str().to_owned()),
                location,
                people,
                exclude: None,
                client_id: None,
            }),
            _ => Err(p.0),
        }
    }
}

/// The probe of a report that passed every check: itself excluded.
pub fn probe_of(report: &NewReport, id: Uuid) -> Probe {
    Probe {
        category: report.category,
        region_code: Some(report.region_code.as_str().to_owned()),
        location: report.location,
        people: report
            .beneficiaries
            .iter()
            .map(|b| ProbePerson {
                name: b.name.clone(),
                nik: b.nik.clone(),
                phone: b.phone.clone(),
            })
            .collect(),
        exclude: Some(id),
        client_id: None,
    }
}

/// The report's region: the code given, checked against the coordinates
/// (a mismatch is kept, with a warning: operators mistype, and the router
/// goes by the code); or, without a code, the regency the coordinates lie
/// in. Coordinates in the sea or abroad are refused.
fn place(
    p: &mut Problems,
    given: Option<&str>,
    location: Option<GeoPoint>,
    location_given: bool,
) -> (Option<RegionCode>, Vec<FieldError>) {
    let code = given.and_then(|code| {
        RegionCode::parse(code)
            .map_err(|m| p.add("region_code", m))
            .ok()
    });
    let regency = location.and_then(|point| {
        geography::regency_of(point, "location")
            .map_err(|e| p.0.push(e))
            .ok()
    });
    let mut warnings = Vec::new();
    let region = match (code, regency) {
        (Some(code), Some(regency)) => {
            if !geography::within(&regency.code, code.as_str()) {
                warnings.push(FieldError::new(
                    "region_code",
                    format!(
                        "the location lies in {} {}, outside {}; the report is routed by region_code",
                        regency.code,
                        regency.name,
                        code.as_str()
                    ),
                ));
            }
            Some(code)
        }
        (Some(code), None) => Some(code),
        (None, Some(regency)) if given.is_none() => RegionCode::parse(&regency.code)
            .map_err(|m| p.add("location", m))
            .ok(),
        (None, _) => {
            if given.is_none() && !location_given {
                p.add("region_code", REGION_REQUIRED);
            }
            None
        }
    };
    (region, warnings)
}

/// The refusal of a report that gives neither a region nor coordinates.
pub const REGION_REQUIRED: &str = "is required unless location is given";

fn parse_location(p: &mut Problems, location: LocationInput) -> Option<GeoPoint> {
    let lat = p.required("location.lat", &location.lat);
    let lon = p.required("location.lon", &location.lon);
    GeoPoint::parse(lat?, lon?, "location.")
        .map_err(|errors| p.0.extend(errors))
        .ok()
}

fn parse_beneficiary(p: &mut Problems, i: usize, b: &BeneficiaryInput) -> Beneficiary {
    let field = |name: &str| format!("beneficiaries[{i}].{name}");
    let age = b.age.and_then(|age| {
        if (0..=130).contains(&age) {
            Some(age as i32)
        } else {
            p.add(field("age"), "must be between 0 and 130");
            None
        }
    });
    let sex = b
        .sex
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| match s.to_ascii_uppercase().as_str() {
            "F" | "M" => Some(s.to_ascii_uppercase()),
            _ => {
                p.add(field("sex"), "must be F or M");
                None
            }
        });
    let nik = filled(&b.nik).and_then(|t| Nik::parse(t).map_err(|m| p.add(field("nik"), m)).ok());
    let phone =
        filled(&b.phone).and_then(|t| Phone::parse(t).map_err(|m| p.add(field("phone"), m)).ok());
    Beneficiary {
        name: p.text(&field("name"), &b.name, 200),
        age,
        sex,
        disability: p.text(&field("disability"), &b.disability, 100),
        nik,
        phone,
    }
}

/// A text field with something in it, trimmed.
fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The answer to a filed report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Filed)]
pub struct FiledView {
    pub id: Uuid,
    #[schema(example = "CC-2026-000123")]
    pub ticket: String,
    /// What the reporter follows the report by at `GET /v1/track/{tracking_code}`:
    /// the ticket and six random characters. Give it to the reporter; the
    /// ticket alone does not open the tracking page.
    #[schema(example = "CC-2026-000123-K7QM2X")]
    pub tracking_code: String,
    /// Always `received`: routing happens right after.
    pub status: Status,
    pub created_at: DateTime<Utc>,
    /// What the caller should look at although the report was accepted:
    /// a `region_code` the coordinates disagree with (the report keeps the
    /// code and is routed by it). Also recorded in the report's history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldError>,
    /// Earlier reports that may be about the same people (never this one),
    /// as `POST /v1/reports:check` finds them: for operators and
    /// supervisors any report; for an integrator only the reports that
    /// client filed itself.
    #[serde(default)]
    pub possible_duplicates: Vec<SuggestionView>,
}

impl FiledView {
    /// The answer to a filed report, with its suggestions.
    pub fn new(filed: Filed, possible_duplicates: Vec<Suggestion>) -> FiledView {
        FiledView {
            id: filed.id,
            ticket: filed.ticket,
            tracking_code: filed.tracking_code,
            status: filed.status,
            created_at: filed.created_at,
            warnings: filed.warnings,
            possible_duplicates: possible_duplicates.into_iter().map(Into::into).collect(),
        }
    }
}

/// Why a report was suggested as a possible duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    /// A person with the same NIK.
    SameNik,
    /// A person with the same phone number.
    SamePhone,
    /// A person whose name is similar (trigram similarity of the names
    /// without honorifics, punctuation and doubled letters at least 0.6).
    SimilarName,
    /// Both have coordinates, at most 2 km apart.
    #[serde(rename = "within_2km")]
    Within2km,
    /// One of them has no coordinates; both lie in the same region.
    SameRegency,
}

impl DuplicateReason {
    fn parse(text: &str) -> Option<DuplicateReason> {
        serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
    }
}

/// An earlier report that may be about the same people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = PossibleDuplicate, example = json!({
    "report_id": "019ae5a0-7c11-7d2e-9a41-3f7b1c2d4e5f", "ticket": "CC-2026-000118",
    "status": "acknowledged", "unit_code": "SENTRA-MULYA-JAYA",
    "created_at": "2026-12-02T03:14:07Z", "score": 0.85,
    "reasons": ["similar_name", "within_2km"], "distance_km": 0.4
}))]
pub struct SuggestionView {
    pub report_id: Uuid,
    #[schema(example = "CC-2026-000118")]
    pub ticket: String,
    pub status: Status,
    pub unit_code: Option<String>,
    pub created_at: DateTime<Utc>,
    /// 0 to 1, best first: the strongest sign (a NIK 0.9, a phone 0.8, a
    /// similar name 0.64 to 0.8 by its similarity) plus 0.05 for each further
    /// sign and 0.05 for the place.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub score: f64,
    pub reasons: Vec<DuplicateReason>,
    /// Kilometres between the two, when both have coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> SuggestionView {
        SuggestionView {
            report_id: s.report_id,
            ticket: s.ticket,
            status: s.status,
            unit_code: s.unit_code,
            created_at: s.created_at,
            score: s.score,
            reasons: s
                .reasons
                .iter()
                .filter_map(|r| DuplicateReason::parse(r))
                .collect(),
            distance_km: s.distance_km,
        }
    }
}

/// The answer of `POST /v1/reports:check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"possible_duplicates": [{
    "report_id": "019ae5a0-7c11-7d2e-9a41-3f7b1c2d4e5f", "ticket": "CC-2026-000118",
    "status": "acknowledged", "unit_code": "SENTRA-MULYA-JAYA",
    "created_at": "2026-12-02T03:14:07Z", "score": 0.85,
    "reasons": ["similar_name", "within_2km"], "distance_km": 0.4
}]}))]
pub struct DuplicateCheckView {
    /// At most 10, best first.
    pub possible_duplicates: Vec<SuggestionView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ReportInput {
        serde_json::from_value(serde_json::json!({
            "category": "elderly", "need": "assistive_device", "urgency": "high", "channel": "hotline",
            "region_code": "13.03", "location": {"lat": -0.69, "lon": 100.95},
            "reporter": {"name": "Siti", "phone": "0812-3456-7890"},
            "beneficiaries": [{"name": "R", "age": 78, "sex": "f"}],
            "description": "Lansia tinggal sendiri, butuh kursi roda."
        }))
        .expect("valid input")
    }

    fn fields(input: ReportInput) -> Vec<String> {
        input
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_valid_report_parses_with_its_phone_normalised() {
        let report = valid().parse().expect("parses");
        assert_eq!(
            report.reporter_phone.as_ref().map(Phone::as_str),
            Some("+6281234567890")
        );
        assert_eq!(report.beneficiary_count, 1);
        assert_eq!(report.beneficiaries[0].sex.as_deref(), Some("F"));
    }

    #[test]
    fn each_rule_names_its_field() {
        type Change = fn(&mut ReportInput);
        let cases: Vec<(Change, &str)> = vec![
            (|r| r.category = Some("pets".into()), "category"),
            (|r| r.need = None, "need"),
            (|r| r.urgency = Some("urgent".into()), "urgency"),
            (|r| r.channel = Some("pigeon".into()), "channel"),
            (|r| r.region_code = Some("1303".into()), "region_code"),
            (
                |r| {
                    r.location = Some(LocationInput {
                        lat: Some(40.0),
                        lon: Some(100.0),
                    })
                },
                "location.lat",
            ),
            (
                |r| {
                    r.location = Some(LocationInput {
                        lat: Some(0.0),
                        lon: Some(150.0),
                    })
                },
                "location.lon",
            ),
            (
                |r| r.reporter.as_mut().expect("reporter").phone = Some("+1555123".into()),
                "reporter.phone",
            ),
            (|r| r.description = Some("too short".into()), "description"),
            (|r| r.description = Some("x".repeat(5001)), "description"),
            (
                |r| r.beneficiaries = Some(vec![BeneficiaryInput::default(); 101]),
                "beneficiaries",
            ),
            (
                |r| r.beneficiaries.as_mut().expect("b")[0].age = Some(200),
                "beneficiaries[0].age",
            ),
            (|r| r.beneficiary_count = Some(0), "beneficiary_count"),
        ];
        for (change, field) in cases {
            let mut input = valid();
            change(&mut input);
            assert_eq!(fields(input), vec![field.to_string()], "{field}");
        }
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let got = fields(ReportInput::default());
        assert_eq!(
            got,
            [
                "category",
                "need",
                "urgency",
                "channel",
                "region_code",
                "description"
            ]
        );
    }

    #[test]
    fn anonymous_reporters_leave_no_identity() {
        let mut input = valid();
        input.reporter.as_mut().expect("reporter").anonymous = Some(true);
        let report = input.parse().expect("parses");
        assert_eq!((report.reporter_name, report.reporter_phone), (None, None));
    }
}
