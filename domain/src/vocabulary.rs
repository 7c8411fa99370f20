//! Sigap's vocabulary: categories, needs, urgencies, channels, roles and the
//! report status machine. Every value has one stable snake_case spelling, used
//! on the wire, in the database and on the bus.

use crate::working_time::Allowance;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A closed set of names, each with one stable snake_case spelling. The store
/// reads and writes every such column through this trait, so an unknown value
/// in a row is an error, never a guess.
pub trait Vocabulary: Copy + fmt::Debug + Send + Sync + 'static {
    /// The name of the set, as in error messages (`status`, `category`, …).
    const NAME: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The wire and database spelling.
    fn spelling(self) -> &'static str;
    /// Parses the spelling; `None` for anything else.
    fn from_spelling(text: &str) -> Option<Self>;
}

/// Declares a closed set of snake_case names with `ALL`, `as_str` and `parse`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident = $set:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $(#[doc = concat!("Spelled `", $text, "`.")] $(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire and database spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the wire spelling; `None` for anything else.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl Vocabulary for $name {
            const NAME: &'static str = $set;
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn spelling(self) -> &'static str {
                self.as_str()
            }
            fn from_spelling(text: &str) -> Option<$name> {
                $name::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Target groups of social rehabilitation.
    Category = "category" {
        Child = "child",
        Disability = "disability",
        Elderly = "elderly",
        SocialVulnerability = "social_vulnerability",
        SubstanceAbuse = "substance_abuse",
        DisasterVictim = "disaster_victim",
        Poverty = "poverty",
        Other = "other",
    }
}

impl Category {
    /// Labels in Indonesian and English.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Category::Child => ("Anak", "Child"),
            Category::Disability => ("Penyandang disabilitas", "Person with a disability"),
            Category::Elderly => ("Lanjut usia", "Elderly person"),
            Category::SocialVulnerability => (
                "Kerentanan sosial (tunawisma, pengemis, korban perdagangan orang, eks warga binaan)",
                "Social vulnerability (homeless, beggars, trafficking victims, ex-prisoners)",
            ),
            Category::SubstanceAbuse => ("Korban penyalahgunaan NAPZA", "Substance abuse"),
            Category::DisasterVictim => ("Korban bencana", "Disaster victim"),
            Category::Poverty => ("Kemiskinan", "Poverty"),
            Category::Other => ("Lainnya", "Other"),
        }
    }
}

vocabulary! {
    /// What the reported person needs.
    Need = "need" {
        AssistiveDevice = "assistive_device",
        Accessibility = "accessibility",
        Rehabilitation = "rehabilitation",
        Protection = "protection",
        BasicNeeds = "basic_needs",
        Evacuation = "evacuation",
        HealthReferral = "health_referral",
        Other = "other",
    }
}

vocabulary! {
    /// How soon a unit must acknowledge the case.
    Urgency = "urgency" {
        Critical = "critical",
        High = "high",
        Normal = "normal",
    }
}

vocabulary! {
    /// Why nobody works on a day of the holiday calendar: a national holiday
    /// (hari libur nasional) or a collective-leave day (cuti bersama).
    HolidayKind = "holiday_kind" {
        Holiday = "holiday",
        CollectiveLeave = "collective_leave",
    }
}

vocabulary! {
    /// Where the report came from.
    Channel = "channel" {
        Hotline = "hotline",
        Whatsapp = "whatsapp",
        Email = "email",
        Sms = "sms",
        Web = "web",
        MobileApp = "mobile_app",
        SocialMedia = "social_media",
        WalkIn = "walk_in",
        PartnerApi = "partner_api",
        Open311 = "open311",
    }
}

vocabulary! {
    /// Who the caller is; decides what it may see and do.
    Role = "role" {
        Operator = "operator",
        Supervisor = "supervisor",
        UptStaff = "upt_staff",
        Regional = "regional",
        Integrator = "integrator",
        Admin = "admin",
    }
}

vocabulary! {
    /// The lifecycle of a report.
    Status = "status" {
        Received = "received",
        NeedsTriage = "needs_triage",
        Assigned = "assigned",
        Acknowledged = "acknowledged",
        Assessing = "assessing",
        InService = "in_service",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
        Duplicate = "duplicate",
    }
}

/// A status change the lifecycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a report cannot go from {from} to {to}")]
pub struct IllegalTransition {
    /// The report's status now.
    pub from: Status,
    /// The status asked for.
    pub to: Status,
    /// Where the report may go from `from`.
    pub allowed: Vec<Status>,
}

impl Status {
    /// The statuses of a case a unit is working on: they count towards the
    /// unit's load and fill its queue.
    pub const OPEN_AT_UNIT: &'static [Status] = &[
        Status::Assigned,
        Status::Acknowledged,
        Status::Assessing,
        Status::InService,
    ];

    /// A case a unit is working on; counts towards the unit's load.
    pub fn is_open_at_unit(self) -> bool {
        Status::OPEN_AT_UNIT.contains(&self)
    }

    /// The statuses only routing sets: `received` at intake, `assigned` and
    /// `needs_triage` by the router, a transfer, an escalation or a
    /// supervisor's assignment. A status change refuses them.
    pub const SET_BY_ROUTING: &'static [Status] =
        &[Status::Received, Status::NeedsTriage, Status::Assigned];

    /// The statuses that end a case early, which only supervisors set.
    pub const SUPERVISOR_ONLY: &'static [Status] = &[Status::Cancelled, Status::Duplicate];

    /// The statuses of a case no unit has: a supervisor may assign it by hand
    /// (a case at a unit is transferred instead).
    pub const AWAITING_ASSIGNMENT: &'static [Status] = &[Status::Received, Status::NeedsTriage];

    /// Not yet finished: may still be cancelled or marked duplicate.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Resolved | Status::Closed | Status::Cancelled | Status::Duplicate
        )
    }

    /// The statuses reachable from this one. `assigned` → `assigned` is a
    /// transfer or an escalation to another unit.
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Received => &[Assigned, NeedsTriage, Cancelled, Duplicate],
            NeedsTriage => &[Assigned, Cancelled, Duplicate],
            Assigned => &[Acknowledged, Assigned, NeedsTriage, Cancelled, Duplicate],
            Acknowledged => &[Assessing, Assigned, NeedsTriage, Cancelled, Duplicate],
            Assessing => &[InService, Assigned, NeedsTriage, Cancelled, Duplicate],
            InService => &[Resolved, Assigned, NeedsTriage, Cancelled, Duplicate],
            Resolved => &[Closed],
            Closed | Cancelled | Duplicate => &[],
        }
    }

    /// Checks one step of the lifecycle.
    pub fn transition(from: Status, to: Status) -> Result<(), IllegalTransition> {
        if from.allowed_next().contains(&to) {
            Ok(())
        } else {
            Err(IllegalTransition {
                from,
                to,
                allowed: from.allowed_next().to_vec(),
            })
        }
    }
}

vocabulary! {
    /// Kinds of disability, after UU 8/2016 (a person may have several).
    Disability = "disability" {
        Physical = "physical",
        Intellectual = "intellectual",
        Mental = "mental",
        SensoryVisual = "sensory_visual",
        SensoryHearing = "sensory_hearing",
        SensorySpeech = "sensory_speech",
    }
}

vocabulary! {
    /// Where a person of a case stands: `awaiting_assessment` → `assessed`
    /// → `in_service` → `served`, or ended without service
    /// (`not_eligible`, `unreachable`, `declined`, with a reason).
    BeneficiaryStatus = "beneficiary_status" {
        AwaitingAssessment = "awaiting_assessment",
        Assessed = "assessed",
        InService = "in_service",
        Served = "served",
        NotEligible = "not_eligible",
        Unreachable = "unreachable",
        Declined = "declined",
    }
}

impl BeneficiaryStatus {
    /// The statuses that end a person's case without service; set by hand
    /// with a reason (`not_eligible` also by an assessment).
    pub const ENDED_WITHOUT_SERVICE: &'static [BeneficiaryStatus] = &[
        BeneficiaryStatus::NotEligible,
        BeneficiaryStatus::Unreachable,
        BeneficiaryStatus::Declined,
    ];

    /// Nothing is pending for this person: served, or ended without service.
    pub fn is_final(self) -> bool {
        self == BeneficiaryStatus::Served
            || BeneficiaryStatus::ENDED_WITHOUT_SERVICE.contains(&self)
    }
}

vocabulary! {
    /// How an assessment was made.
    AssessmentMethod = "assessment_method" {
        HomeVisit = "home_visit",
        AtUnit = "at_unit",
        Community = "community",
        Remote = "remote",
    }
}

vocabulary! {
    /// What a person's consent allows their data to be used for (UU PDP:
    /// purpose limitation). Sharing with a partner or a regional office
    /// needs its own purpose.
    ConsentPurpose = "consent_purpose" {
        CaseHandling = "case_handling",
        ShareWithPartner = "share_with_partner",
        ShareWithRegionalOffice = "share_with_regional_office",
        Photo = "photo",
    }
}

vocabulary! {
    /// Who gave a consent: the person, or for a child (under 18) a guardian.
    ConsentGiver = "consent_giver" {
        // `self` is a keyword: the variant is named otherwise, spelled so.
        #[serde(rename = "self")]
        Person = "self",
        Guardian = "guardian",
    }
}

vocabulary! {
    /// How a consent was given.
    ConsentMethod = "consent_method" {
        Written = "written",
        RecordedVerbal = "recorded_verbal",
    }
}

vocabulary! {
    /// An answer of the Washington Group short set.
    Difficulty = "difficulty" {
        NoDifficulty = "no_difficulty",
        SomeDifficulty = "some_difficulty",
        ALotOfDifficulty = "a_lot_of_difficulty",
        CannotDoAtAll = "cannot_do_at_all",
    }
}

impl Difficulty {
    /// The answers that count as a functional difficulty in statistics: the
    /// Washington Group's cut-off for disability (a lot of difficulty, or
    /// cannot do at all in at least one domain).
    pub const SIGNIFICANT: &'static [Difficulty] =
        &[Difficulty::ALotOfDifficulty, Difficulty::CannotDoAtAll];
}

vocabulary! {
    /// The components of ATENSI, the ministry's social rehabilitation assistance.
    AtensiComponent = "atensi_component" {
        DecentLivingSupport = "decent_living_support",
        SocialCare = "social_care",
        FamilySupport = "family_support",
        Therapy = "therapy",
        VocationalTraining = "vocational_training",
        SocialAssistance = "social_assistance",
        AccessibilitySupport = "accessibility_support",
    }
}

vocabulary! {
    /// Where a service is given.
    Modality = "modality" {
        FamilyBased = "family_based",
        CommunityBased = "community_based",
        Residential = "residential",
    }
}

vocabulary! {
    /// Assistive devices: the items of `accessibility_support`.
    AssistiveDevice = "assistive_device" {
        Wheelchair = "wheelchair",
        Walker = "walker",
        Crutches = "crutches",
        WalkingStick = "walking_stick",
        WhiteCane = "white_cane",
        HearingAid = "hearing_aid",
        Prosthesis = "prosthesis",
        Orthosis = "orthosis",
        Other = "other",
    }
}

vocabulary! {
    /// Where a planned service stands.
    ServiceStatus = "service_status" {
        Planned = "planned",
        Delivered = "delivered",
        Cancelled = "cancelled",
    }
}

vocabulary! {
    /// What a follow-up found of a delivered device.
    FollowUpOutcome = "follow_up_outcome" {
        InUse = "in_use",
        NeedsRepair = "needs_repair",
        NotUsed = "not_used",
        Returned = "returned",
        Lost = "lost",
    }
}

vocabulary! {
    /// A stage of a case that has a deadline: the unit acknowledges it
    /// (assigned → acknowledged), assesses it (acknowledged → assessing) and
    /// delivers the first service (assessing → in_service).
    Stage = "stage" {
        Acknowledge = "acknowledge",
        Assess = "assess",
        Serve = "serve",
    }
}

impl Stage {
    /// The stage a case in `status` is in, if that status has a deadline.
    pub fn of(status: Status) -> Option<Stage> {
        match status {
            Status::Assigned => Some(Stage::Acknowledge),
            Status::Acknowledged => Some(Stage::Assess),
            Status::Assessing => Some(Stage::Serve),
            _ => None,
        }
    }

    /// Whether reaching `status` completes a stage (the case moved on in
    /// its work) rather than abandoning it (reassigned, triaged, cancelled).
    pub fn completed_by(status: Status) -> bool {
        matches!(
            status,
            Status::Acknowledged
                | Status::Assessing
                | Status::InService
                | Status::Resolved
                | Status::Closed
        )
    }
}

/// The allowance of one stage, by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageAllowances {
    /// For critical cases.
    pub critical: Allowance,
    /// For high urgency.
    pub high: Allowance,
    /// For normal urgency.
    pub normal: Allowance,
}

impl StageAllowances {
    /// The allowance for a case of `urgency`.
    pub fn for_urgency(&self, urgency: Urgency) -> Allowance {
        match urgency {
            Urgency::Critical => self.critical,
            Urgency::High => self.high,
            Urgency::Normal => self.normal,
        }
    }
}

/// How long each stage of a case may take, by urgency. Critical cases keep
/// a wall-clock acknowledgement (an emergency does not wait for Monday);
/// the rest count working time in the unit's office hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    /// Assigned → acknowledged (default 15m, 1wh, 1wd); missing it escalates.
    pub acknowledge: StageAllowances,
    /// Acknowledged → assessing (default 1wd, 3wd, 5wd); missing it alerts.
    pub assess: StageAllowances,
    /// Assessing → in service (default 2wd, 5wd, 10wd); missing it alerts.
    pub serve: StageAllowances,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            acknowledge: StageAllowances {
                critical: Allowance::Wall(Duration::from_secs(15 * 60)),
                high: Allowance::WorkingHours(1),
                normal: Allowance::WorkingDays(1),
            },
            assess: StageAllowances {
                critical: Allowance::WorkingDays(1),
                high: Allowance::WorkingDays(3),
                normal: Allowance::WorkingDays(5),
            },
            serve: StageAllowances {
                critical: Allowance::WorkingDays(2),
                high: Allowance::WorkingDays(5),
                normal: Allowance::WorkingDays(10),
            },
        }
    }
}

impl SlaPolicy {
    /// The allowances of `stage`.
    pub fn stage(&self, stage: Stage) -> &StageAllowances {
        match stage {
            Stage::Acknowledge => &self.acknowledge,
            Stage::Assess => &self.assess,
            Stage::Serve => &self.serve,
        }
    }

    /// The time a case of `urgency` has for `stage`.
    pub fn allowance(&self, stage: Stage, urgency: Urgency) -> Allowance {
        self.stage(stage).for_urgency(urgency)
    }

    /// The time to acknowledge a case of `urgency`.
    pub fn for_urgency(&self, urgency: Urgency) -> Allowance {
        self.acknowledge.for_urgency(urgency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_value_parses_back_from_its_spelling() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
            let json = serde_json::to_string(s).expect("serialize");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Role::parse("upt_staff"), Some(Role::UptStaff));
        assert_eq!(Urgency::parse("urgent"), None);
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn consent_terms_are_spelled_the_same_on_the_wire_and_in_the_database() {
        fn same<T: Vocabulary + Serialize>() {
            for v in T::all() {
                let json = serde_json::to_string(v).expect("serialize");
                assert_eq!(json, format!("\"{}\"", v.spelling()), "{}", T::NAME);
            }
        }
        same::<ConsentPurpose>();
        same::<ConsentGiver>();
        same::<ConsentMethod>();
        assert_eq!(ConsentGiver::parse("self"), Some(ConsentGiver::Person));
        assert_eq!(
            serde_json::from_str::<ConsentGiver>("\"self\"").expect("deserialize"),
            ConsentGiver::Person
        );
    }

    #[test]
    fn each_stage_begins_where_the_one_before_ends() {
        use crate::working_time::Allowance;
        // The stage a status starts is completed by the status after it.
        for (status, stage, completed_by) in [
            (Status::Assigned, Stage::Acknowledge, Status::Acknowledged),
            (Status::Acknowledged, Stage::Assess, Status::Assessing),
            (Status::Assessing, Stage::Serve, Status::InService),
        ] {
            assert_eq!(Stage::of(status), Some(stage));
            assert!(status.allowed_next().contains(&completed_by));
            assert!(Stage::completed_by(completed_by));
        }
        for status in [
            Status::Received,
            Status::NeedsTriage,
            Status::InService,
            Status::Resolved,
        ] {
            assert_eq!(Stage::of(status), None, "{status}");
        }
        // Leaving a stage any other way abandons it.
        for status in [
            Status::Assigned,
            Status::NeedsTriage,
            Status::Cancelled,
            Status::Duplicate,
        ] {
            assert!(!Stage::completed_by(status), "{status}");
        }
        // Only an emergency's acknowledgement counts wall-clock time by default.
        let policy = SlaPolicy::default();
        for stage in Stage::ALL {
            for urgency in Urgency::ALL {
                let allowance = policy.allowance(*stage, *urgency);
                let wall = *stage == Stage::Acknowledge && *urgency == Urgency::Critical;
                assert_eq!(!allowance.is_working_time(), wall, "{stage} {urgency}");
            }
        }
        assert_eq!(
            policy.allowance(Stage::Acknowledge, Urgency::Critical),
            Allowance::Wall(Duration::from_secs(900))
        );
        assert_eq!(
            policy.allowance(Stage::Serve, Urgency::Normal).label(),
            "10wd"
        );
    }

    #[test]
    fn the_named_status_sets_fit_the_status_machine() {
        // Only supervisors end a case early, and that is the end of it.
        for s in Status::SUPERVISOR_ONLY {
            assert!(!s.is_open() && s.allowed_next().is_empty(), "{s}");
        }
        // A case awaiting assignment may be assigned, and no unit works on it.
        for s in Status::AWAITING_ASSIGNMENT {
            assert!(s.allowed_next().contains(&Status::Assigned), "{s}");
            assert!(!s.is_open_at_unit(), "{s}");
        }
        // Routing puts a case where it awaits assignment; it never ends one.
        for s in Status::AWAITING_ASSIGNMENT {
            assert!(Status::SET_BY_ROUTING.contains(s), "{s}");
        }
        for s in Status::SUPERVISOR_ONLY {
            assert!(!Status::SET_BY_ROUTING.contains(s), "{s}");
        }
    }

    #[test]
    fn status_machine_allows_exactly_the_lifecycle() {
        use Status::*;
        let allowed: &[(Status, Status)] = &[
            (Received, Assigned),
            (Received, NeedsTriage),
            (Received, Cancelled),
            (Received, Duplicate),
            (NeedsTriage, Assigned),
            (NeedsTriage, Cancelled),
            (NeedsTriage, Duplicate),
            (Assigned, Acknowledged),
            (Assigned, Assigned),
            (Assigned, NeedsTriage),
            (Assigned, Cancelled),
            (Assigned, Duplicate),
            (Acknowledged, Assessing),
            (Acknowledged, Assigned),
            (Acknowledged, NeedsTriage),
            (Acknowledged, Cancelled),
            (Acknowledged, Duplicate),
            (Assessing, InService),
            (Assessing, Assigned),
            (Assessing, NeedsTriage),
            (Assessing, Cancelled),
            (Assessing, Duplicate),
            (InService, Resolved),
            (InService, Assigned),
            (InService, NeedsTriage),
            (InService, Cancelled),
            (InService, Duplicate),
            (Resolved, Closed),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = allowed.contains(&(*from, *to));
                let result = Status::transition(*from, *to);
                assert_eq!(result.is_ok(), expected, "{from} -> {to}");
                if let Err(e) = result {
                    assert_eq!(e.allowed, from.allowed_next());
                }
            }
        }
    }

    #[test]
    fn open_at_unit_means_assigned_through_in_service() {
        let open: Vec<_> = Status::ALL
            .iter()
            .filter(|s| s.is_open_at_unit())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(
            open,
            ["assigned", "acknowledged", "assessing", "in_service"]
        );
    }
}
