//! `GET /v1/vocabulary` says exactly what the domain defines.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};
use sigap_domain::{
    AssessmentMethod, AssistiveDevice, AtensiComponent, BeneficiaryStatus, Category, Channel,
    ConsentMethod, ConsentPurpose, Difficulty, Disability, FollowUpOutcome, Modality, Need, Role,
    ServiceStatus, Status, Urgency,
};
use sigap_tests::spawn_app;

/// The spellings of a set of values, in their order.
fn spellings<T: std::fmt::Display>(values: &[T]) -> Value {
    json!(values.iter().map(ToString::to_string).collect::<Vec<_>>())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vocabulary_is_the_domains_without_signing_in() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/v1/vocabulary"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-cache");
    let etag = response.headers()[ETAG].clone();
    let vocabulary: Value = response.json().await.expect("json");

    let categories: Vec<Value> = Category::ALL
        .iter()
        .map(|c| {
            let (label_id, label_en) = c.labels();
            json!({"code": c.as_str(), "label_id": label_id, "label_en": label_en})
        })
        .collect();
    assert_eq!(vocabulary["categories"], json!(categories));
    assert_eq!(vocabulary["needs"], spellings(Need::ALL));
    assert_eq!(vocabulary["urgencies"], spellings(Urgency::ALL));
    assert_eq!(vocabulary["channels"], spellings(Channel::ALL));
    assert_eq!(vocabulary["roles"], spellings(Role::ALL));
    assert_eq!(vocabulary["statuses"], spellings(Status::ALL));
    let machine: Vec<Value> = Status::ALL
        .iter()
        .map(|s| json!({"status": s.as_str(), "next": spellings(s.allowed_next())}))
        .collect();
    assert_eq!(vocabulary["status_machine"], json!(machine));
    assert_eq!(vocabulary["open_at_unit"], spellings(Status::OPEN_AT_UNIT));
    assert_eq!(
        vocabulary["set_by_routing"],
        spellings(Status::SET_BY_ROUTING)
    );
    assert_eq!(
        vocabulary["supervisor_only"],
        spellings(Status::SUPERVISOR_ONLY)
    );
    assert_eq!(
        vocabulary["awaiting_assignment"],
        spellings(Status::AWAITING_ASSIGNMENT)
    );
    assert_eq!(vocabulary["disabilities"], spellings(Disability::ALL));
    assert_eq!(
        vocabulary["beneficiary_statuses"],
        spellings(BeneficiaryStatus::ALL)
    );
    assert_eq!(
        vocabulary["ended_without_service"],
        json!(["not_eligible", "unreachable", "declined"])
    );
    assert_eq!(
        vocabulary["assessment_methods"],
        spellings(AssessmentMethod::ALL)
    );
    assert_eq!(vocabulary["difficulties"], spellings(Difficulty::ALL));
    assert_eq!(
        vocabulary["atensi_components"],
        spellings(AtensiComponent::ALL)
    );
    assert_eq!(vocabulary["modalities"], spellings(Modality::ALL));
    assert_eq!(
        vocabulary["assistive_devices"],
        spellings(AssistiveDevice::ALL)
    );
    assert_eq!(
        vocabulary["service_statuses"],
        spellings(ServiceStatus::ALL)
    );
    assert_eq!(
        vocabulary["follow_up_outcomes"],
        spellings(FollowUpOutcome::ALL)
    );
    assert_eq!(
        vocabulary["consent_purposes"],
        spellings(ConsentPurpose::ALL)
    );
    assert_eq!(vocabulary["consent_givers"], json!(["self", "guardian"]));
    assert_eq!(vocabulary["consent_methods"], spellings(ConsentMethod::ALL));
    assert_eq!(
        vocabulary.as_object().expect("object").len(),
        24,
        "nothing else: {vocabulary}"
    );

    let again = app
        .http
        .get(app.url("/v1/vocabulary"))
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[ETAG], etag);
}
