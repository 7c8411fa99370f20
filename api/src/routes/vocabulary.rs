//! The vocabulary and the status machine, as the domain defines them, for
//! clients that would otherwise keep a copy: the console reads it before
//! sign-in, so it is public.

use crate::routes::reference::CategoryView;
use actix_web::http::header::{self, EntityTag, Header, IfNoneMatch};
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Category, Channel,
    ConsentGiver, ConsentMethod, ConsentPurpose, Difficulty, Disability, FollowUpOutcome, Modality,
    Need, Role, ServiceStatus, Status, Urgency,
};
use std::sync::LazyLock;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_vocabulary);
}

/// Every closed set of values the API speaks, in declaration order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabulary {
    /// Report categories (target groups), with their labels.
    pub categories: Vec<CategoryView>,
    pub needs: &'static [Need],
    pub urgencies: &'static [Urgency],
    pub channels: &'static [Channel],
    pub roles: &'static [Role],
    pub statuses: &'static [Status],
    /// For every status, the statuses a report may move to next.
    pub status_machine: Vec<StatusStep>,
    /// The statuses of a case a unit is working on: they count towards the
    /// unit's load and fill its queue.
    pub open_at_unit: &'static [Status],
    /// The statuses only routing sets: `received` at intake, `assigned` and
    /// `needs_triage` by the router, a transfer, an escalation or an
    /// assignment. `POST /v1/reports/{id}/status` refuses them.
    pub set_by_routing: &'static [Status],
    /// The statuses that end a case early, which only supervisors set.
    pub supervisor_only: &'static [Status],
    /// The statuses of a case no unit has, which a supervisor may assign by
    /// hand (`POST /v1/reports/{id}/assign`); a case at a unit is transferred.
    pub awaiting_assignment: &'static [Status],
    /// Case work: kinds of disability (after UU 8/2016).
    pub disabilities: &'static [Disability],
    /// Case work: where a person of a case stands.
    pub beneficiary_statuses: &'static [BeneficiaryStatus],
    /// Case work: the statuses that end a person's case without service
    /// (set with a reason).
    pub ended_without_service: &'static [BeneficiaryStatus],
    /// Case work: how an assessment was made.
    pub assessment_methods: &'static [AssessmentMethod],
    /// Case work: the answers of the Washington Group short set.
    pub difficulties: &'static [Difficulty],
    /// Case work: the ATENSI components.
    pub atensi_components: &'static [AtensiComponent],
    /// Case work: where a service is given.
    pub modalities: &'static [Modality],
    /// Case work: assistive devices, the items of `accessibility_support`.
    pub assistive_devices: &'static [AssistiveDevice],
    /// Case work: where a planned service stands.
    pub service_statuses: &'static [ServiceStatus],
    /// Case work: what a device's follow-up found.
    pub follow_up_outcomes: &'static [FollowUpOutcome],
    /// Personal data: what a consent allows (`share_with_partner` and
    /// `share_with_regional_office` let a person's data reach them).
    pub consent_purposes: &'static [ConsentPurpose],
    /// Personal data: who gives a consent (a child's: a guardian).
    pub consent_givers: &'static [ConsentGiver],
    /// Personal data: how a consent is given.
    pub consent_methods: &'static [ConsentMethod],
}

/// One status and where it may lead.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusStep {
    pub status: Status,
    /// Empty for a final status. `assigned` → `assigned` is a transfer or an
    /// escalation to another unit.
    pub next: &'static [Status],
}

impl Vocabulary {
    fn of_domain() -> Vocabulary {
        Vocabulary {
            categories: Category::ALL
                .iter()
                .map(|&code| {
                    let (label_id, label_en) = code.labels();
                    CategoryView {
                        code,
                        label_id,
                        label_en,
                    }
                })
                .collect(),
            needs: Need::ALL,
            urgencies: Urgency::ALL,
            channels: Channel::ALL,
            roles: Role::ALL,
            statuses: Status::ALL,
            status_machine: Status::ALL
                .iter()
                .map(|&status| StatusStep {
                    status,
                    next: status.allowed_next(),
                })
                .collect(),
            open_at_unit: Status::OPEN_AT_UNIT,
            set_by_routing: Status::SET_BY_ROUTING,
            supervisor_only: Status::SUPERVISOR_ONLY,
            awaiting_assignment: Status::AWAITING_ASSIGNMENT,
            disabilities: Disability::ALL,
            beneficiary_statuses: BeneficiaryStatus::ALL,
            ended_without_service: BeneficiaryStatus::ENDED_WITHOUT_SERVICE,
            assessment_methods: AssessmentMethod::ALL,
            difficulties: Difficulty::ALL,
            atensi_components: AtensiComponent::ALL,
            modalities: Modality::ALL,
            assistive_devices: AssistiveDevice::ALL,
            service_statuses: ServiceStatus::ALL,
            follow_up_outcomes: FollowUpOutcome::ALL,
            consent_purposes: ConsentPurpose::ALL,
            consent_givers: ConsentGiver::ALL,
            consent_methods: ConsentMethod::ALL,
        }
    }
}

/// The answer and its validator, built once: the vocabulary is compiled in.
static ANSWER: LazyLock<(String, EntityTag)> = LazyLock::new(|| {
    let body = serde_json::to_string(&Vocabulary::of_domain()).expect("the vocabulary serializes");
    let digest = Sha256::digest(body.as_bytes());
    (body, EntityTag::new_strong(hex::encode(&digest[..8])))
});

/// The vocabulary: categories, needs, urgencies, channels, roles, statuses,
/// the status machine and the named sets of statuses, and the case work's
/// (disabilities, statuses of people and services, assessment methods,
/// functioning answers, ATENSI components, modalities, devices, follow-up
/// outcomes).
///
/// Public, and the same for every caller; it changes only with a new release,
/// so clients revalidate with the ETag and mostly get a 304.
#[utoipa::path(
    tag = "reference",
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "The ETag of the last answer")),
    responses(
        (status = 200, description = "The vocabulary", body = Vocabulary, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Unchanged since the given ETag"),
    )
)]
#[get("/v1/vocabulary")]
async fn get_vocabulary(req: HttpRequest) -> HttpResponse {
    let (body, etag) = &*ANSWER;
    let unchanged = match IfNoneMatch::parse(&req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(etag)),
        Err(_) => false,
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(etag.clone()))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if unchanged {
        response.finish()
    } else {
        response
            .content_type("application/json")
            .body(body.as_str())
    }
}
