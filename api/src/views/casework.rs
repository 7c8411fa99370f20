//! Case work as callers send and see it: the bodies of the people,
//! assessment and service endpoints, parsed into the domain's checked
//! values with every field error at once, and the answers, with personal
//! data only for those who may see it (the report's one rule,
//! [`sigap_store::reports::sees_personal_data_at`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sigap_domain::casework::MAX_RECOMMENDATIONS;
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Claims, ConsentGiver,
    ConsentMethod, ConsentPurpose, Delivery, Difficulty, Disability, FieldError, FollowUp,
    FollowUpOutcome, Functioning, Modality, NewAssessment, NewService, Nik, PersonDetails, Phone,
    Recommendation, ServiceStatus, Sex,
};
use sigap_store::casework::{
    AssessmentRow, BeneficiaryRow, CaseRef, Person, PersonPatch, ServiceRow, UnitService,
};
use sigap_store::consents::{ConsentRow, Giver, NewConsent};
use sigap_store::reports::sees_personal_data_at;
use utoipa::ToSchema;
use uuid::Uuid;

/// The latest day anywhere in Indonesia (WIT, UTC+9): dates of work done
/// may not be later.
pub fn latest_today() -> NaiveDate {
    (Utc::now() + Duration::hours(9)).date_naive()
}

/// Today in WIB (UTC+7), the day the delivery lists count overdue and
/// follow-ups by.
pub fn today_wib() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

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

    fn term<T>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let parsed = parse(value?);
        if parsed.is_none() {
            self.add(field, format!("must be one of: {}", expected()));
        }
        parsed
    }

    fn text(&mut self, field: &str, value: Option<&str>, max_chars: usize) -> Option<String> {
        let text = value.map(str::trim).filter(|t| !t.is_empty())?;
        if text.chars().count() > max_chars {
            self.add(field, format!("must be at most {max_chars} characters"));
            return None;
        }
        Some(text.to_owned())
    }

    fn required_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max_chars: usize,
    ) -> Option<String> {
        let text = self.text(field, value, max_chars);
        if text.is_none() && !self.0.iter().any(|e| e.field == field) {
            self.add(
                field,
                format!("is required: 1 to {max_chars} characters, not all blank"),
            );
        }
        text
    }

    /// A day `YYYY-MM-DD`; `past` refuses days after today.
    fn date(&mut self, field: &str, value: Option<&str>, past: bool) -> Option<NaiveDate> {
        let text = value?;
        match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(day) if past && day > latest_today() => {
                self.add(field, "must not be in the future");
                None
            }
            Ok(day) if day.year_ce().1 < 1900 => {
                self.add(field, "must be after 1900");
                None
            }
            Ok(day) => Some(day),
            Err(_) => {
                self.add(field, "must be a date YYYY-MM-DD");
                None
            }
        }
    }

    fn quantity(&mut self, field: &str, value: Option<i64>) -> Option<i32> {
        let n = value?;
        if (1..=10_000).contains(&n) {
            Some(n as i32)
        } else {
            self.add(field, "must be between 1 and 10000");
            None
        }
    }

    fn done<T>(self, value: Option<T>) -> Result<T, Vec<FieldError>> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(self.0),
        }
    }
}

use chrono::Datelike;

/// Body of `POST /v1/reports/{id}/beneficiaries`: a person of the case.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Nenek Rahmah", "nik": "1303015708450001", "birth_date": "1945-08-17", "sex": "F",
    "disabilities": ["physical"], "phone": "081234567891",
    "address": "Jorong Koto Tuo, Kec. Kamang Baru, Kab. Sijunjung"
}))]
pub struct BeneficiaryInput {
    /// Personal data, at most 200 characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Population number: 16 digits, starting with the issuing regency's
    /// code (`1303…` for 13.03), digits 7 to 12 the birth date `DDMMYY`
    /// (women: day plus 40). Personal data.
    #[schema(example = "1303015708450001", pattern = "^[0-9 .]{16,22}$")]
    pub nik: Option<String>,
    /// `YYYY-MM-DD`, not in the future; else give `age`.
    #[schema(value_type = Option<String>, format = Date, example = "1945-08-17")]
    pub birth_date: Option<String>,
    #[schema(minimum = 0, maximum = 130)]
    pub age: Option<i64>,
    /// `F` or `M`.
    #[schema(value_type = Option<Sex>)]
    pub sex: Option<String>,
    /// Kinds of disability, each once.
    #[schema(value_type = Option<Vec<Disability>>)]
    pub disabilities: Option<Vec<String>>,
    /// The person's own phone, `+62…` or `08…`. Personal data.
    pub phone: Option<String>,
    /// Where the person lives, at most 500 characters. Personal data.
    #[schema(max_length = 500)]
    pub address: Option<String>,
}

impl BeneficiaryInput {
    /// The checked details, or every field error.
    pub fn parse(&self) -> Result<PersonDetails, Vec<FieldError>> {
        let mut p = Problems::default();
        let details = PersonDetails {
            name: p.text("name", self.name.as_deref(), 200),
            nik: parse_nik(&mut p, self.nik.as_deref()),
            birth_date: p.date("birth_date", self.birth_date.as_deref(), true),
            age: parse_age(&mut p, self.age),
            sex: parse_sex(&mut p, self.sex.as_deref()),
            disabilities: parse_disabilities(&mut p, self.disabilities.as_deref()),
            phone: parse_phone(&mut p, self.phone.as_deref()),
            address: p.text("address", self.address.as_deref(), 500),
        };
        p.done(Some(details))
    }
}

fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|t| !t.is_empty())
}

fn parse_nik(p: &mut Problems, value: Option<&str>) -> Option<Nik> {
    filled(value).and_then(|t| Nik::parse(t).map_err(|m| p.add("nik", m)).ok())
}

fn parse_phone(p: &mut Problems, value: Option<&str>) -> Option<Phone> {
    filled(value).and_then(|t| Phone::parse(t).map_err(|m| p.add("phone", m)).ok())
}

fn parse_sex(p: &mut Problems, value: Option<&str>) -> Option<Sex> {
    filled(value).and_then(|t| Sex::parse(t).map_err(|m| p.add("sex", m)).ok())
}

fn parse_age(p: &mut Problems, value: Option<i64>) -> Option<i32> {
    value.and_then(|age| {
        if (0..=130).contains(&age) {
            Some(age as i32)
        } else {
            p.add("age", "must be between 0 and 130");
            None
        }
    })
}

fn parse_disabilities(p: &mut Problems, value: Option<&[String]>) -> Vec<Disability> {
    let mut list = Vec::new();
    for (i, text) in value.unwrap_or_default().iter().enumerate() {
        match Disability::parse(text) {
            Some(d) if !list.contains(&d) => list.push(d),
            Some(_) => p.add(format!("disabilities[{i}]"), "is listed twice"),
            None => p.add(
                format!("disabilities[{i}]"),
                format!("must be one of: {}", Disability::expected()),
            ),
        }
    }
    list
}

/// Body of `PATCH /v1/beneficiaries/{id}`: the fields to change (absent:
/// unchanged; `null`: cleared). `status` ends the person's case without
/// service and needs `status_reason`.
#[derive(Debug, Clone, Default, ToSchema)]
#[schema(example = json!({"status": "unreachable", "status_reason": "Pindah ke luar provinsi, tidak dapat dihubungi"}))]
#[expect(
    dead_code,
    reason = "the schema of a body read field by field (null clears, absent keeps)"
)]
pub struct BeneficiaryPatchInput {
    #[schema(max_length = 200)]
    name: Option<String>,
    #[schema(pattern = "^[0-9 .]{16,22}$")]
    nik: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    birth_date: Option<String>,
    #[schema(minimum = 0, maximum = 130)]
    age: Option<i64>,
    sex: Option<Sex>,
    disabilities: Option<Vec<Disability>>,
    phone: Option<String>,
    #[schema(max_length = 500)]
    address: Option<String>,
    /// `not_eligible`, `unreachable` or `declined`: the person's case ends
    /// without service (409 while a service of theirs is planned).
    #[schema(value_type = Option<String>, pattern = "^(not_eligible|unreachable|declined)$")]
    status: Option<String>,
    /// Why; required with `status`, 1 to 2,000 characters.
    #[schema(max_length = 2000)]
    status_reason: Option<String>,
}

const PATCH_FIELDS: &[&str] = &[
    "name",
    "nik",
    "birth_date",
    "age",
    "sex",
    "disabilities",
    "phone",
    "address",
    "status",
    "status_reason",
];

/// Reads a PATCH body: each field present is set (or cleared by `null`);
/// unknown fields are refused.
pub fn parse_patch(body: &serde_json::Value) -> Result<PersonPatch, Vec<FieldError>> {
    use serde_json::Value;
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("", "must be a JSON object")]);
    };
    let mut p = Problems::default();
    for key in object.keys() {
        if !PATCH_FIELDS.contains(&key.as_str()) {
            p.add(
                key.clone(),
                format!(
                    "unknown field; expected one of: {}",
                    PATCH_FIELDS.join(", ")
                ),
            );
        }
    }
    let text_of = |p: &mut Problems, key: &str| -> Option<Option<String>> {
        match object.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            _ => {
                p.add(key, "must be a string or null");
                None
            }
        }
    };
    let mut patch = PersonPatch::default();
    if let Some(name) = text_of(&mut p, "name") {
        patch.name = Some(name.and_then(|n| p.text("name", Some(&n), 200)));
    }
    if let Some(nik) = text_of(&mut p, "nik") {
        patch.nik = Some(parse_nik(&mut p, nik.as_deref()));
    }
    if let Some(day) = text_of(&mut p, "birth_date") {
        patch.birth_date = Some(day.and_then(|d| p.date("birth_date", Some(&d), true)));
    }
    match object.get("age") {
        None => {}
        Some(Value::Null) => patch.age = Some(None),
        Some(Value::Number(n)) if n.as_i64().is_some() => {
            patch.age = Some(parse_age(&mut p, n.as_i64()))
        }
        Some(_) => p.add("age", "must be an integer or null"),
    }
    if let Some(sex) = text_of(&mut p, "sex") {
        patch.sex = Some(parse_sex(&mut p, sex.as_deref()));
    }
    match object.get("disabilities") {
        None => {}
        Some(Value::Null) => patch.disabilities = Some(Vec::new()),
        Some(Value::Array(items)) => {
            let texts: Vec<String> = items
                .iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect();
            patch.disabilities = Some(parse_disabilities(&mut p, Some(&texts)));
        }
        Some(_) => p.add("disabilities", "must be a list"),
    }
    if let Some(phone) = text_of(&mut p, "phone") {
        patch.phone = Some(parse_phone(&mut p, phone.as_deref()));
    }
    if let Some(address) = text_of(&mut p, "address") {
        patch.address = Some(address.and_then(|a| p.text("address", Some(&a), 500)));
    }
    let status = text_of(&mut p, "status").flatten();
    let reason = text_of(&mut p, "status_reason").flatten();
    match status {
        Some(status) => {
            let ended = BeneficiaryStatus::parse(&status)
                .filter(|s| BeneficiaryStatus::ENDED_WITHOUT_SERVICE.contains(s));
            if ended.is_none() {
                p.add(
                    "status",
                    "must be not_eligible, unreachable or declined (assessments and services set the others)",
                );
            }
            let reason = p.required_text("status_reason", reason.as_deref(), 2000);
            if let (Some(ended), Some(reason)) = (ended, reason) {
                patch.ended = Some((ended, reason));
            }
        }
        None if reason.is_some() => p.add("status_reason", "is given with status only"),
        None => {}
    }
    if object.is_empty() {
        p.add("", "names at least one field to change");
    }
    p.done(Some(patch))
}

/// Washington Group short set, as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctioningInput {
    #[schema(value_type = Difficulty)]
    pub seeing: Option<String>,
    #[schema(value_type = Difficulty)]
    pub hearing: Option<String>,
    #[schema(value_type = Difficulty)]
    pub walking: Option<String>,
    #[schema(value_type = Difficulty)]
    pub remembering: Option<String>,
    #[schema(value_type = Difficulty)]
    pub self_care: Option<String>,
    #[schema(value_type = Difficulty)]
    pub communicating: Option<String>,
}

/// A recommended service, as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationInput {
    #[schema(value_type = AtensiComponent)]
    pub component: Option<String>,
    /// A device, for `accessibility_support` only.
    #[schema(value_type = Option<AssistiveDevice>)]
    pub item: Option<String>,
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: Option<i64>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Body of `POST /v1/beneficiaries/{id}/assessments`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "assessed_on": "2026-12-03", "method": "home_visit", "eligible": true,
    "findings": "Lansia 81 tahun, tidak dapat berjalan tanpa bantuan; tinggal dengan cucu.",
    "functioning": {"seeing": "some_difficulty", "hearing": "no_difficulty",
        "walking": "cannot_do_at_all", "remembering": "some_difficulty",
        "self_care": "a_lot_of_difficulty", "communicating": "no_difficulty"},
    "recommendations": [{"component": "accessibility_support", "item": "wheelchair", "quantity": 1},
        {"component": "family_support", "note": "Pendampingan keluarga"}]
}))]
pub struct AssessmentInput {
    /// The day of the assessment, not in the future.
    #[schema(value_type = String, format = Date)]
    pub assessed_on: Option<String>,
    #[schema(value_type = AssessmentMethod)]
    pub method: Option<String>,
    /// `false` ends the person's case (`not_eligible`).
    #[schema(value_type = bool)]
    pub eligible: Option<bool>,
    /// What the assessor found, 1 to 5,000 characters. Personal data.
    #[schema(value_type = String, max_length = 5000)]
    pub findings: Option<String>,
    /// The Washington Group short set: all six answers, or none.
    pub functioning: Option<FunctioningInput>,
    /// At most 20.
    #[serde(default)]
    pub recommendations: Vec<RecommendationInput>,
}

impl AssessmentInput {
    /// The checked assessment, or every field error.
    pub fn parse(&self) -> Result<NewAssessment, Vec<FieldError>> {
        let mut p = Problems::default();
        let assessed_on = p.required("assessed_on", &self.assessed_on);
        let assessed_on = p.date("assessed_on", assessed_on.as_deref(), true);
        let method = p.required("method", &self.method);
        let method = p.term(
            "method",
            method.as_deref(),
            AssessmentMethod::parse,
            AssessmentMethod::expected,
        );
        let eligible = p.required("eligible", &self.eligible);
        let findings = p.required_text("findings", self.findings.as_deref(), 5000);
        let functioning = self.functioning.as_ref().and_then(|f| {
            let mut answer = |name: &str, value: &Option<String>| {
                let field = format!("functioning.{name}");
                let value = p.required(&field, value);
                p.term(
                    &field,
                    value.as_deref(),
                    Difficulty::parse,
                    Difficulty::expected,
                )
            };
            Some(Functioning {
                seeing: answer("seeing", &f.seeing)?,
                hearing: answer("hearing", &f.hearing)?,
                walking: answer("walking", &f.walking)?,
                remembering: answer("remembering", &f.remembering)?,
                self_care: answer("self_care", &f.self_care)?,
                communicating: answer("communicating", &f.communicating)?,
            })
        });
        if self.recommendations.len() > MAX_RECOMMENDATIONS {
            p.add("recommendations", format!("at most {MAX_RECOMMENDATIONS}"));
        }
        let mut recommendations = Vec::new();
        for (i, r) in self
            .recommendations
            .iter()
            .take(MAX_RECOMMENDATIONS)
            .enumerate()
        {
            let field = |name: &str| format!("recommendations[{i}].{name}");
            let component = p.required(&field("component"), &r.component);
            let component = p.term(
                &field("component"),
                component.as_deref(),
                AtensiComponent::parse,
                AtensiComponent::expected,
            );
            let item = p.term(
                &field("item"),
                filled(r.item.as_deref()),
                AssistiveDevice::parse,
                AssistiveDevice::expected,
            );
            if item.is_some()
                && component.is_some_and(|c| c != AtensiComponent::AccessibilitySupport)
            {
                p.add(
                    field("item"),
                    "only accessibility_support has an item (an assistive device)",
                );
            }
            let quantity = p.quantity(&field("quantity"), r.quantity);
            let note = p.text(&field("note"), r.note.as_deref(), 2000);
            if let Some(component) = component {
                recommendations.push(Recommendation {
                    component,
                    item,
                    quantity,
                    note,
                });
            }
        }
        let assessment = (|| {
            Some(NewAssessment {
                assessed_on: assessed_on?,
                method: method?,
                eligible: eligible?,
                findings: findings?,
                functioning,
                recommendations,
            })
        })();
        p.done(assessment)
    }
}

/// Body of `POST /v1/beneficiaries/{id}/services`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "component": "accessibility_support", "modality": "family_based", "item": "wheelchair",
    "quantity": 1, "due_on": "2026-12-20", "note": "Kursi roda standar dewasa"
}))]
pub struct ServiceInput {
    #[schema(value_type = AtensiComponent)]
    pub component: Option<String>,
    #[schema(value_type = Modality)]
    pub modality: Option<String>,
    /// An assistive device, for `accessibility_support` only; `other` needs
    /// a description in `note`.
    #[schema(value_type = Option<AssistiveDevice>)]
    pub item: Option<String>,
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub quantity: Option<i64>,
    /// When it should be delivered.
    #[schema(value_type = String, format = Date)]
    pub due_on: Option<String>,
    /// At most 2,000 characters. Personal data.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl ServiceInput {
    /// The checked service, or every field error.
    pub fn parse(&self) -> Result<NewService, Vec<FieldError>> {
        let mut p = Problems::default();
        let component = p.required("component", &self.component);
        let component = p.term(
            "component",
            component.as_deref(),
            AtensiComponent::parse,
            AtensiComponent::expected,
        );
        let modality = p.required("modality", &self.modality);
        let modality = p.term(
            "modality",
            modality.as_deref(),
            Modality::parse,
            Modality::expected,
        );
        let item = p.term(
            "item",
            filled(self.item.as_deref()),
            AssistiveDevice::parse,
            AssistiveDevice::expected,
        );
        let quantity = p.required("quantity", &self.quantity);
        let quantity = p.quantity("quantity", quantity);
        let due_on = p.required("due_on", &self.due_on);
        let due_on = p.date("due_on", due_on.as_deref(), false);
        let note = p.text("note", self.note.as_deref(), 2000);
        let service = (|| {
            Some(NewService {
                component: component?,
                modality: modality?,
                item,
                quantity: quantity?,
                due_on: due_on?,
                note,
            })
        })();
        let service = p.done(service)?;
        service.check()
    }
}

/// Body of `POST /v1/services/{id}/deliver`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "delivered_on": "2026-12-15", "quantity": 1, "handover_ref": "BAST/SMJ/2026/0412",
    "received_by": "Rahmah (penerima) dan Yusuf (cucu)"
}))]
pub struct DeliveryInput {
    /// The day of the handover, not in the future.
    #[schema(value_type = String, format = Date)]
    pub delivered_on: Option<String>,
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub quantity: Option<i64>,
    /// The number of the signed handover record (BAST), 1 to 100 characters.
    #[schema(value_type = String, max_length = 100)]
    pub handover_ref: Option<String>,
    /// Who received it, 1 to 200 characters. Personal data.
    #[schema(value_type = String, max_length = 200)]
    pub received_by: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl DeliveryInput {
    /// The checked delivery, or every field error.
    pub fn parse(&self) -> Result<Delivery, Vec<FieldError>> {
        let mut p = Problems::default();
        let delivered_on = p.required("delivered_on", &self.delivered_on);
        let delivered_on = p.date("delivered_on", delivered_on.as_deref(), true);
        let quantity = p.required("quantity", &self.quantity);
        let quantity = p.quantity("quantity", quantity);
        let handover_ref = p.required_text("handover_ref", self.handover_ref.as_deref(), 100);
        let received_by = p.required_text("received_by", self.received_by.as_deref(), 200);
        let note = p.text("note", self.note.as_deref(), 2000);
        let delivery = (|| {
            Some(Delivery {
                delivered_on: delivered_on?,
                quantity: quantity?,
                handover_ref: handover_ref?,
                received_by: received_by?,
                note,
            })
        })();
        p.done(delivery)
    }
}

/// Body of `POST /v1/services/{id}/cancel`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Penerima meninggal dunia sebelum penyerahan"}))]
pub struct CancelInput {
    /// 1 to 2,000 characters, not all blank. Personal data.
    #[schema(value_type = String, max_length = 2000)]
    pub reason: Option<String>,
}

impl CancelInput {
    /// The reason, or the field error.
    pub fn parse(&self) -> Result<String, Vec<FieldError>> {
        let mut p = Problems::default();
        let reason = p.required_text("reason", self.reason.as_deref(), 2000);
        p.done(reason)
    }
}

/// Body of `POST /v1/services/{id}/follow-up`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"checked_on": "2027-03-16", "outcome": "in_use", "note": "Dipakai setiap hari"}))]
pub struct FollowUpInput {
    /// The day of the check: not before the delivery, not in the future.
    #[schema(value_type = String, format = Date)]
    pub checked_on: Option<String>,
    #[schema(value_type = FollowUpOutcome)]
    pub outcome: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl FollowUpInput {
    /// The checked follow-up, or every field error.
    pub fn parse(&self) -> Result<FollowUp, Vec<FieldError>> {
        let mut p = Problems::default();
        let checked_on = p.required("checked_on", &self.checked_on);
        let checked_on = p.date("checked_on", checked_on.as_deref(), true);
        let outcome = p.required("outcome", &self.outcome);
        let outcome = p.term(
            "outcome",
            outcome.as_deref(),
            FollowUpOutcome::parse,
            FollowUpOutcome::expected,
        );
        let note = p.text("note", self.note.as_deref(), 2000);
        let follow_up = (|| {
            Some(FollowUp {
                checked_on: checked_on?,
                outcome: outcome?,
                note,
            })
        })();
        p.done(follow_up)
    }
}

/// A person of a case. Names, NIK, birth date, phone, address and the
/// reason of an ended case are present only for those who see personal
/// data (operators, supervisors, the assigned unit), and for a partner or a
/// regional office while the person has an active consent for
/// `share_with_partner` or `share_with_regional_office`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019a0f6e-8c1e-7b2a-9d4e-0c5f3a2b1c00", "report_id": "019a0f6e-7a00-7000-8000-000000000001",
    "ticket": "CC-2026-000123", "ordinal": 0, "status": "in_service", "name": "Nenek Rahmah",
    "nik": "1303015708450001", "birth_date": "1945-08-17", "age": null, "sex": "F",
    "disability": "physical", "disabilities": ["physical"], "phone": "+6281234567891",
    "address": "Jorong Koto Tuo, Kec. Kamang Baru, Kab. Sijunjung",
    "created_at": "2026-12-01T02:00:00Z", "updated_at": "2026-12-03T04:00:00Z"
}))]
pub struct BeneficiaryView {
    pub id: Uuid,
    pub report_id: Uuid,
    pub ticket: String,
    /// The person's place in the report's list, from 0.
    pub ordinal: i32,
    pub status: BeneficiaryStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    pub age: Option<i32>,
    #[schema(value_type = Option<Sex>)]
    pub sex: Option<String>,
    /// The first of `disabilities`, as the report's list has always said it.
    pub disability: Option<Disability>,
    pub disabilities: Vec<Disability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether `claims` sees the personal data of `case`'s people.
pub fn personal(claims: &Claims, case: &CaseRef) -> bool {
    sees_personal_data_at(claims, case.unit_code.as_deref())
}

impl BeneficiaryView {
    /// The person as the store read them for the caller.
    pub fn of(case: &CaseRef, person: Person) -> BeneficiaryView {
        BeneficiaryView::new(case, person.row, person.shown)
    }

    /// The person as a caller may see them (`personal`: [`personal`]).
    pub fn new(case: &CaseRef, row: BeneficiaryRow, personal: bool) -> BeneficiaryView {
        let disabilities = row.disabilities();
        let keep = |value: Option<String>| value.filter(|_| personal);
        BeneficiaryView {
            id: row.id,
            report_id: row.report_id,
            ticket: case.ticket.clone(),
            ordinal: row.ordinal,
            status: row.status,
            status_reason: keep(row.status_reason),
            name: keep(row.name),
            nik: keep(row.nik),
            birth_date: row.birth_date.filter(|_| personal),
            age: row.age,
            sex: row.sex,
            disability: disabilities.first().copied(),
            disabilities,
            phone: keep(row.phone),
            address: keep(row.address),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    /// The person as an entry of the report's `beneficiaries`: the shape
    /// the list always had, with `id` and `status`.
    pub fn entry(self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self).expect("views serialize");
        if let Some(object) = value.as_object_mut() {
            for field in ["report_id", "ticket", "created_at", "updated_at"] {
                object.remove(field);
            }
            object.retain(|_, v| !v.is_null());
        }
        value
    }
}

/// Answer of `POST /v1/reports/{id}/beneficiaries:import`: one person per
/// row of the file, in its order, as `GET /v1/beneficiaries/{id}` shows
/// them; a skipped row shows the person already listed with its NIK.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "imported": 2, "skipped": 0,
    "beneficiaries": [
        {"id": "019a8f2e-5b1c-7d3e-8f40-1a2b3c4d5e70", "report_id": "019a8f2e-4a00-7c00-8000-000000000001",
         "ticket": "CC-2026-000123", "ordinal": 2, "status": "awaiting_assessment",
         "name": "Nenek Rahmah", "nik": "1303015708450001", "birth_date": "1945-08-17", "age": null, "sex": "F",
         "disability": "physical", "disabilities": ["physical"], "phone": "+6281234567891",
         "address": "Jorong Koto Tuo, Kec. Kamang Baru, Kab. Sijunjung",
         "created_at": "2026-12-03T04:00:00Z", "updated_at": "2026-12-03T04:00:00Z"},
        {"id": "019a8f2e-5b1c-7d3e-8f40-1a2b3c4d5e71", "report_id": "019a8f2e-4a00-7c00-8000-000000000001",
         "ticket": "CC-2026-000123", "ordinal": 3, "status": "awaiting_assessment",
         "name": "Bujang Sutan", "age": 34, "sex": "M",
         "disability": "sensory_hearing", "disabilities": ["sensory_hearing"],
         "address": "Nagari Tanjung, Kec. Koto VII, Kab. Sijunjung",
         "created_at": "2026-12-03T04:00:00Z", "updated_at": "2026-12-03T04:00:00Z"}
    ]
}))]
pub struct ImportView {
    /// People added by this request.
    pub imported: usize,
    /// Rows that added nobody: their NIK was already listed on the case, or
    /// the same file was imported before (then every row).
    pub skipped: usize,
    /// The people of the file's rows, in its order.
    pub beneficiaries: Vec<BeneficiaryView>,
}

/// One assessment. `findings`, `functioning` and the recommendations' notes
/// only for those who see personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub assessed_on: NaiveDate,
    pub method: AssessmentMethod,
    pub eligible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub functioning: Option<Functioning>,
    pub recommendations: Vec<Recommendation>,
    pub assessed_by: String,
    pub created_at: DateTime<Utc>,
    /// The person's status after it (on the answer to a new assessment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary_status: Option<BeneficiaryStatus>,
}

impl AssessmentView {
    /// The assessment as a caller may see it.
    pub fn new(row: AssessmentRow, personal: bool) -> AssessmentView {
        let mut recommendations = row.recommendations();
        if !personal {
            for r in &mut recommendations {
                r.note = None;
            }
        }
        AssessmentView {
            id: row.id,
            beneficiary_id: row.beneficiary_id,
            assessed_on: row.assessed_on,
            method: row.method,
            eligible: row.eligible,
            functioning: row.functioning().filter(|_| personal),
            findings: Some(row.findings).filter(|_| personal),
            recommendations,
            assessed_by: row.assessed_by,
            created_at: row.created_at,
            beneficiary_status: None,
        }
    }
}

/// A service for a person. Notes, `received_by` and the cancellation's
/// reason only for those who see personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019a0f70-1111-7000-8000-000000000002", "report_id": "019a0f6e-7a00-7000-8000-000000000001",
    "beneficiary_id": "019a0f6e-8c1e-7b2a-9d4e-0c5f3a2b1c00", "ticket": "CC-2026-000123",
    "unit_code": "SENTRA-MULYA-JAYA", "component": "accessibility_support", "modality": "family_based",
    "item": "wheelchair", "quantity": 1, "due_on": "2026-12-20", "status": "delivered",
    "delivered_on": "2026-12-15", "delivered_quantity": 1, "handover_ref": "BAST/SMJ/2026/0412",
    "received_by": "Rahmah (penerima) dan Yusuf (cucu)", "follow_up_due_on": "2027-03-15",
    "follow_up_due": false, "overdue": false,
    "created_at": "2026-12-04T02:00:00Z", "updated_at": "2026-12-15T03:00:00Z"
}))]
pub struct ServiceView {
    pub id: Uuid,
    pub report_id: Uuid,
    pub beneficiary_id: Uuid,
    /// The report's ticket (on the unit's delivery list and the answers to
    /// changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// On the unit's delivery list: the person's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary_name: Option<String>,
    pub unit_code: Option<String>,
    pub component: AtensiComponent,
    pub modality: Modality,
    pub item: Option<AssistiveDevice>,
    pub quantity: i32,
    pub due_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub status: ServiceStatus,
    pub delivered_on: Option<NaiveDate>,
    pub delivered_quantity: Option<i32>,
    /// The number of the signed handover record (BAST).
    pub handover_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    /// For a delivered device: 90 days after delivery.
    pub follow_up_due_on: Option<NaiveDate>,
    /// Whether that day has come and no follow-up was recorded.
    pub follow_up_due: bool,
    pub followed_up_on: Option<NaiveDate>,
    pub follow_up_outcome: Option<FollowUpOutcome>,
    /// Planned and past its due day.
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ServiceView {
    /// The service as a caller may see it.
    pub fn new(row: ServiceRow, personal: bool) -> ServiceView {
        let today = today_wib();
        let keep = |value: Option<String>| value.filter(|_| personal);
        ServiceView {
            id: row.id,
            report_id: row.report_id,
            beneficiary_id: row.beneficiary_id,
            ticket: None,
            beneficiary_name: None,
            unit_code: row.unit_code,
            component: row.component,
            modality: row.modality,
            item: row.item,
            quantity: row.quantity,
            due_on: row.due_on,
            note: keep(row.note),
            overdue: row.status == ServiceStatus::Planned && row.due_on < today,
            status: row.status,
            delivered_on: row.delivered_on,
            delivered_quantity: row.delivered_quantity,
            handover_ref: row.handover_ref,
            received_by: keep(row.received_by),
            delivery_note: keep(row.delivery_note),
            cancel_reason: keep(row.cancel_reason),
            follow_up_due: row.followed_up_on.is_none()
                && row.follow_up_due_on.is_some_and(|day| day <= today),
            follow_up_due_on: row.follow_up_due_on,
            followed_up_on: row.followed_up_on,
            follow_up_outcome: row.follow_up_outcome,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }

    /// With the report's ticket.
    pub fn with_ticket(mut self, ticket: &str) -> ServiceView {
        self.ticket = Some(ticket.to_owned());
        self
    }

    /// A line of the unit's delivery list.
    pub fn of_unit(line: UnitService, personal: bool) -> ServiceView {
        let mut view = ServiceView::new(line.service, personal).with_ticket(&line.ticket);
        view.beneficiary_name = line.beneficiary_name.filter(|_| personal);
        view
    }
}

/// Body of `POST /v1/beneficiaries/{id}/consents`: what the person (or, for
/// a child, a guardian) agreed to, how and when.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purposes": ["case_handling", "share_with_regional_office"], "given_by": "guardian",
    "guardian_name": "Yusuf", "guardian_relation": "cucu", "method": "written",
    "recorded_on": "2026-12-03"
}))]
pub struct ConsentInput {
    /// At least one purpose, each once.
    #[schema(value_type = Vec<ConsentPurpose>, min_items = 1)]
    pub purposes: Option<Vec<String>>,
    /// `self` or `guardian`; a child (under 18 on `recorded_on`) needs a
    /// guardian.
    #[schema(value_type = ConsentGiver)]
    pub given_by: Option<String>,
    /// Required when `given_by` is `guardian`, 1 to 200 characters. Personal
    /// data.
    #[schema(max_length = 200)]
    pub guardian_name: Option<String>,
    /// How the guardian is related to the person (`ibu`, `ayah`, `wali`,
    /// `cucu`); required when `given_by` is `guardian`, 1 to 100
    /// characters. Personal data.
    #[schema(max_length = 100)]
    pub guardian_relation: Option<String>,
    /// `written` or `recorded_verbal`.
    #[schema(value_type = ConsentMethod)]
    pub method: Option<String>,
    /// The day it was given, `YYYY-MM-DD`, not in the future.
    #[schema(value_type = String, format = Date, example = "2026-12-03")]
    pub recorded_on: Option<String>,
}

impl ConsentInput {
    /// The checked consent, or every field error.
    pub fn parse(&self) -> Result<NewConsent, Vec<FieldError>> {
        let mut p = Problems::default();
        let mut purposes = Vec::new();
        match &self.purposes {
            None => p.add("purposes", "is required: at least one purpose"),
            Some(list) if list.is_empty() => p.add("purposes", "must name at least one purpose"),
            Some(list) => {
                for (i, text) in list.iter().enumerate() {
                    match ConsentPurpose::parse(text) {
                        Some(purpose) if !purposes.contains(&purpose) => purposes.push(purpose),
                        Some(_) => p.add(format!("purposes[{i}]"), "is listed twice"),
                        None => p.add(
                            format!("purposes[{i}]"),
                            format!("must be one of: {}", ConsentPurpose::expected()),
                        ),
                    }
                }
            }
        }
        let given_by = p.required("given_by", &self.given_by);
        let given_by = p.term(
            "given_by",
            given_by.as_deref(),
            ConsentGiver::parse,
            ConsentGiver::expected,
        );
        let guardian_name = p.text("guardian_name", self.guardian_name.as_deref(), 200);
        let guardian_relation = p.text("guardian_relation", self.guardian_relation.as_deref(), 100);
        let giver = match given_by {
            Some(ConsentGiver::Guardian) => {
                if guardian_name.is_none() && !p.0.iter().any(|e| e.field == "guardian_name") {
                    p.add("guardian_name", "is required when given_by is guardian");
                }
                if guardian_relation.is_none()
                    && !p.0.iter().any(|e| e.field == "guardian_relation")
                {
                    p.add("guardian_relation", "is required when given_by is guardian");
                }
                guardian_name
                    .zip(guardian_relation)
                    .map(|(name, relation)| Giver::Guardian { name, relation })
            }
            Some(ConsentGiver::Person) => {
                for (field, value) in [
                    ("guardian_name", &guardian_name),
                    ("guardian_relation", &guardian_relation),
                ] {
                    if value.is_some() {
                        p.add(field, "is only for a consent given by a guardian");
                    }
                }
                Some(Giver::Person)
            }
            None => None,
        };
        let method = p.required("method", &self.method);
        let method = p.term(
            "method",
            method.as_deref(),
            ConsentMethod::parse,
            ConsentMethod::expected,
        );
        let recorded_on = p.required("recorded_on", &self.recorded_on);
        let recorded_on = p.date("recorded_on", recorded_on.as_deref(), true);
        let consent = match (giver, method, recorded_on) {
            (Some(given_by), Some(method), Some(recorded_on)) if !purposes.is_empty() => {
                Some(NewConsent {
                    purposes,
                    given_by,
                    method,
                    recorded_on,
                })
            }
            _ => None,
        };
        p.done(consent)
    }
}

/// Body of `POST /v1/consents/{id}/withdraw` (the body itself is optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Keluarga menarik persetujuan berbagi data dengan dinas"}))]
pub struct WithdrawInput {
    /// Why, 1 to 2,000 characters. Personal data.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

impl WithdrawInput {
    /// The reason, if one, or the field error.
    pub fn parse(&self) -> Result<Option<String>, Vec<FieldError>> {
        let mut p = Problems::default();
        let reason = p.text("reason", self.reason.as_deref(), 2000);
        p.done(Some(reason))
    }
}

/// A consent of a person. The guardian's name and relation and the reason
/// of a withdrawal are present only for those who see the person's
/// personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019a0f71-2222-7000-8000-000000000003", "beneficiary_id": "019a0f6e-8c1e-7b2a-9d4e-0c5f3a2b1c00",
    "report_id": "019a0f6e-7a00-7000-8000-000000000001", "ticket": "CC-2026-000123",
    "purposes": ["case_handling", "share_with_regional_office"], "given_by": "guardian",
    "guardian_name": "Yusuf", "guardian_relation": "cucu", "method": "written",
    "recorded_on": "2026-12-03", "recorded_by": "019a0f00-0000-7000-8000-00000000000a",
    "recorded_by_role": "upt_staff", "active": true, "created_at": "2026-12-03T04:00:00Z",
    "withdrawn_at": null, "withdrawn_by": null
}))]
pub struct ConsentView {
    pub id: Uuid,
    pub beneficiary_id: Uuid,
    pub report_id: Uuid,
    pub ticket: String,
    pub purposes: Vec<ConsentPurpose>,
    pub given_by: ConsentGiver,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_relation: Option<String>,
    pub method: ConsentMethod,
    #[schema(value_type = String, format = Date)]
    pub recorded_on: NaiveDate,
    /// Who recorded it (a staff id, or a token's subject).
    pub recorded_by: String,
    pub recorded_by_role: String,
    /// Not withdrawn: it counts.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_reason: Option<String>,
}

impl ConsentView {
    /// The consent as the store read it for the caller.
    pub fn new(case: &CaseRef, row: ConsentRow) -> ConsentView {
        ConsentView {
            id: row.id,
            beneficiary_id: row.beneficiary_id,
            report_id: row.report_id,
            ticket: case.ticket.clone(),
            purposes: row.purposes(),
            given_by: row.given_by,
            guardian_name: row.guardian_name,
            guardian_relation: row.guardian_relation,
            method: row.method,
            recorded_on: row.recorded_on,
            recorded_by: row.recorded_by,
            recorded_by_role: row.recorded_by_role,
            active: row.withdrawn_at.is_none(),
            created_at: row.created_at,
            withdrawn_at: row.withdrawn_at,
            withdrawn_by: row.withdrawn_by,
            withdrawal_reason: row.withdrawal_reason,
        }
    }
}
