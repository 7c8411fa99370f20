//! Case work at the unit: the people of a case, their assessments and the
//! services (ATENSI) planned and delivered for them, as checked values, and
//! the rules that move a person's status as the work goes on.

use crate::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Difficulty, Disability,
    FieldError, FollowUpOutcome, Modality, Nik, Phone,
};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days after delivery when a device is due a follow-up.
pub const DEVICE_FOLLOW_UP_DAYS: u64 = 90;

/// A person's sex as recorded: `F` or `M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Sex {
    /// Female.
    F,
    /// Male.
    M,
}

impl Sex {
    /// `F` or `M`, in either case.
    pub fn parse(text: &str) -> Result<Sex, String> {
        match text.trim() {
            "F" | "f" => Ok(Sex::F),
            "M" | "m" => Ok(Sex::M),
            _ => Err("must be F or M".into()),
        }
    }

    /// `F` or `M`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::F => "F",
            Sex::M => "M",
        }
    }
}

/// A person's details as added or edited; every field checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonDetails {
    /// Personal data.
    pub name: Option<String>,
    /// Personal data: the population number.
    pub nik: Option<Nik>,
    /// The birth date, when known (else `age`).
    pub birth_date: Option<NaiveDate>,
    /// Age in years, 0 to 130, when the birth date is not known.
    pub age: Option<i32>,
    /// `F` or `M`.
    pub sex: Option<Sex>,
    /// Kinds of disability, each once.
    pub disabilities: Vec<Disability>,
    /// Personal data, as `+62…`.
    pub phone: Option<Phone>,
    /// Personal data: where the person lives, when not at the report's address.
    pub address: Option<String>,
}

/// The Washington Group short set of questions on functioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Functioning {
    /// Difficulty seeing, even if wearing glasses.
    pub seeing: Difficulty,
    /// Difficulty hearing, even if using a hearing aid.
    pub hearing: Difficulty,
    /// Difficulty walking or climbing steps.
    pub walking: Difficulty,
    /// Difficulty remembering or concentrating.
    pub remembering: Difficulty,
    /// Difficulty with self-care, such as washing all over or dressing.
    pub self_care: Difficulty,
    /// Difficulty communicating in the usual language.
    pub communicating: Difficulty,
}

impl Functioning {
    /// The six domains of the short set, in its order, spelled as the
    /// fields (and the assessment columns) are.
    pub const DOMAINS: &'static [&'static str] = &[
        "seeing",
        "hearing",
        "walking",
        "remembering",
        "self_care",
        "communicating",
    ];
}

/// A service an assessment recommends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    /// The ATENSI component.
    pub component: AtensiComponent,
    /// The device, for `accessibility_support`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<AssistiveDevice>,
    /// How many, 1 to 10,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// Personal data: what the assessor wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An assessment that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAssessment {
    /// The day of the assessment (not in the future).
    pub assessed_on: NaiveDate,
    /// How it was made.
    pub method: AssessmentMethod,
    /// Whether the person is eligible for services; `false` ends their case
    /// (`not_eligible`).
    pub eligible: bool,
    /// Personal data: what the assessor found.
    pub findings: String,
    /// The Washington Group short set, when asked.
    pub functioning: Option<Functioning>,
    /// The services recommended (at most [`MAX_RECOMMENDATIONS`]).
    pub recommendations: Vec<Recommendation>,
}

/// Most recommendations one assessment lists.
pub const MAX_RECOMMENDATIONS: usize = 20;

/// A service to plan, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    /// The ATENSI component.
    pub component: AtensiComponent,
    /// Where it is given.
    pub modality: Modality,
    /// The device, for `accessibility_support` only.
    pub item: Option<AssistiveDevice>,
    /// How many, 1 to 10,000.
    pub quantity: i32,
    /// When it should be delivered.
    pub due_on: NaiveDate,
    /// Personal data: a note; the description of an `other` device.
    pub note: Option<String>,
}

impl NewService {
    /// Checks what the fields say together: a device only for
    /// `accessibility_support`, and an `other` device described in `note`.
    pub fn check(self) -> Result<NewService, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.item.is_some() && self.component != AtensiComponent::AccessibilitySupport {
            errors.push(FieldError::new(
                "item",
                "only accessibility_support has an item (an assistive device)",
            ));
        }
        if self.item == Some(AssistiveDevice::Other) && self.note.is_none() {
            errors.push(FieldError::new(
                "note",
                "describes the device when the item is other",
            ));
        }
        if !(1..=10_000).contains(&self.quantity) {
            errors.push(FieldError::new("quantity", "must be between 1 and 10000"));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// When a delivered service is due a follow-up: devices 90 days after
    /// delivery, other services never.
    pub fn follow_up_due(
        item: Option<AssistiveDevice>,
        delivered_on: NaiveDate,
    ) -> Option<NaiveDate> {
        item.and_then(|_| delivered_on.checked_add_days(Days::new(DEVICE_FOLLOW_UP_DAYS)))
    }
}

/// A delivery, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The day of the handover (not in the future).
    pub delivered_on: NaiveDate,
    /// How many were handed over, 1 to 10,000.
    pub quantity: i32,
    /// The number of the signed handover record (BAST).
    pub handover_ref: String,
    /// Personal data: who received it.
    pub received_by: String,
    /// Personal data: a note.
    pub note: Option<String>,
}

/// A follow-up, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// The day of the check (not before the delivery, not in the future).
    pub checked_on: NaiveDate,
    /// What the check found.
    pub outcome: FollowUpOutcome,
    /// Personal data: a note.
    pub note: Option<String>,
}

/// How many of a person's services stand where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceCounts {
    /// Still to deliver.
    pub planned: i64,
    /// Handed over.
    pub delivered: i64,
    /// Called off.
    pub cancelled: i64,
}

impl BeneficiaryStatus {
    /// A person's status once their services stand as `counts`: in service
    /// while one is planned, served when all are delivered or cancelled
    /// with at least one delivered, and back to assessed when every one was
    /// cancelled. A person whose case ended without service stays so.
    pub fn after_services(self, counts: ServiceCounts) -> BeneficiaryStatus {
        if BeneficiaryStatus::ENDED_WITHOUT_SERVICE.contains(&self) {
            return self;
        }
        if counts.planned > 0 {
            BeneficiaryStatus::InService
        } else if counts.delivered > 0 {
            BeneficiaryStatus::Served
        } else if counts.cancelled > 0 || self != BeneficiaryStatus::AwaitingAssessment {
            BeneficiaryStatus::Assessed
        } else {
            self
        }
    }

    /// The status an assessment gives: `not_eligible`, or `assessed` (or
    /// the status the person's services give, on a reassessment).
    pub fn after_assessment(self, eligible: bool, counts: ServiceCounts) -> BeneficiaryStatus {
        if !eligible {
            BeneficiaryStatus::NotEligible
        } else if counts == ServiceCounts::default() {
            BeneficiaryStatus::Assessed
        } else {
            BeneficiaryStatus::Assessed.after_services(counts)
        }
    }

    /// Whether services may be planned for a person in this status: only
    /// for one assessed eligible.
    pub fn may_plan_services(self) -> bool {
        matches!(
            self,
            BeneficiaryStatus::Assessed | BeneficiaryStatus::InService | BeneficiaryStatus::Served
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BeneficiaryStatus::*;

    fn counts(planned: i64, delivered: i64, cancelled: i64) -> ServiceCounts {
        ServiceCounts {
            planned,
            delivered,
            cancelled,
        }
    }

    #[test]
    fn a_person_is_served_when_every_service_is_delivered_or_cancelled_and_one_delivered() {
        let table = [
            (Assessed, counts(1, 0, 0), InService),
            (InService, counts(1, 1, 0), InService),
            (InService, counts(0, 1, 0), Served),
            (InService, counts(0, 1, 3), Served),
            (InService, counts(0, 0, 2), Assessed),
            (Served, counts(1, 1, 0), InService),
            (Declined, counts(0, 1, 0), Declined),
            (NotEligible, counts(1, 0, 0), NotEligible),
        ];
        for (from, services, to) in table {
            assert_eq!(
                from.after_services(services),
                to,
                "{from} with {services:?}"
            );
        }
    }

    #[test]
    fn an_assessment_decides_eligibility_and_keeps_the_services_state() {
        assert_eq!(
            AwaitingAssessment.after_assessment(false, counts(0, 0, 0)),
            NotEligible
        );
        assert_eq!(
            AwaitingAssessment.after_assessment(true, counts(0, 0, 0)),
            Assessed
        );
        assert_eq!(
            NotEligible.after_assessment(true, counts(0, 0, 0)),
            Assessed
        );
        assert_eq!(InService.after_assessment(true, counts(1, 0, 0)), InService);
        assert_eq!(
            InService.after_assessment(false, counts(1, 0, 0)),
            NotEligible
        );
    }

    #[test]
    fn final_statuses_are_served_and_the_three_ends_without_service() {
        let finals: Vec<BeneficiaryStatus> = BeneficiaryStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, [Served, NotEligible, Unreachable, Declined]);
        assert!(!AwaitingAssessment.may_plan_services());
        assert!(!NotEligible.may_plan_services());
        assert!(Assessed.may_plan_services());
    }

    #[test]
    fn a_device_is_due_a_follow_up_90_days_after_delivery() {
        let delivered = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(
            NewService::follow_up_due(Some(AssistiveDevice::Wheelchair), delivered),
            NaiveDate::from_ymd_opt(2027, 3, 1)
        );
        assert_eq!(NewService::follow_up_due(None, delivered), None);
    }

    #[test]
    fn only_accessibility_support_has_a_device_and_other_is_described() {
        let base = NewService {
            component: AtensiComponent::Therapy,
            modality: Modality::FamilyBased,
            item: Some(AssistiveDevice::Walker),
            quantity: 1,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 20).expect("date"),
            note: None,
        };
        let errors = base.clone().check().expect_err("therapy has no device");
        assert_eq!(errors[0].field, "item");
        let other = NewService {
            component: AtensiComponent::AccessibilitySupport,
            item: Some(AssistiveDevice::Other),
            ..base.clone()
        };
        assert_eq!(
            other.clone().check().expect_err("undescribed")[0].field,
            "note"
        );
        assert!(
            NewService {
                note: Some("kursi roda anak".into()),
                ..other
            }
            .check()
            .is_ok()
        );
        assert_eq!(
            NewService {
                quantity: 0,
                item: None,
                ..base
            }
            .check()
            .expect_err("zero")[0]
                .field,
            "quantity"
        );
    }
}
