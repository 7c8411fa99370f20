//! Routing on the real national directory from `data/`.

mod support;

use sigap_router::{Level, Outcome, RouteRequest};
use support::{CATEGORIES, National, national};

fn request<'a>(category: &'a str, region_code: &'a str) -> RouteRequest<'a> {
    RouteRequest {
        category,
        region_code,
        location: None,
        exclude: &[],
    }
}

#[test]
fn the_national_directory_has_every_region_and_unit() {
    let National {
        directory,
        regencies,
    } = national();
    assert_eq!(regencies.len(), 514);
    assert_eq!(directory.units().len(), 27);
    let sijunjung = directory.region("13.03").expect("Kabupaten Sijunjung");
    assert_eq!(sijunjung.parent.as_deref(), Some("13"));
    assert!(
        directory
            .region("13")
            .expect("Sumatera Barat")
            .parent
            .is_none()
    );
}

#[test]
fn an_elderly_report_from_sijunjung_goes_to_sentra_mulya_jaya_at_regency_level() {
    let directory = national().directory;
    let decision = directory.route(&request("elderly", "13.03"), |_| 0);
    assert_eq!(decision.outcome, Outcome::Assigned, "{decision:#?}");
    assert_eq!(decision.unit_code.as_deref(), Some("SENTRA-MULYA-JAYA"));
    assert_eq!(decision.level, Some(Level::Regency));
    assert!(!decision.over_capacity);
    assert_eq!(decision.candidates[0].unit_code, "SENTRA-MULYA-JAYA");
    assert!(
        decision
            .reason
            .starts_with("SENTRA-MULYA-JAYA covers regency 13.03"),
        "{}",
        decision.reason
    );
}

#[test]
fn every_regency_gets_a_unit_for_every_category() {
    let National {
        directory,
        regencies,
    } = national();
    let mut routed = 0;
    for code in &regencies {
        for category in CATEGORIES {
            let decision = directory.route(&request(category, code), |_| 0);
            assert_eq!(
                decision.outcome,
                Outcome::Assigned,
                "{category} from {code}: {}",
                decision.reason
            );
            routed += 1;
        }
    }
    assert_eq!(routed, 514 * 8);
}

#[test]
fn every_regency_still_gets_a_unit_when_every_unit_is_full() {
    let National {
        directory,
        regencies,
    } = national();
    for code in &regencies {
        let decision = directory.route(&request("poverty", code), |_| 10_000);
        assert_eq!(
            decision.outcome,
            Outcome::Assigned,
            "{code}: {}",
            decision.reason
        );
        assert!(decision.over_capacity, "{code}");
    }
}

#[test]
fn a_transfer_away_from_sentra_mulya_jaya_picks_another_unit() {
    let directory = national().directory;
    let exclude = ["SENTRA-MULYA-JAYA".to_owned()];
    let decision = directory.route(
        &RouteRequest {
            exclude: &exclude,
            ..request("elderly", "13.03")
        },
        |_| 0,
    );
    assert_eq!(decision.outcome, Outcome::Assigned, "{decision:#?}");
    assert_ne!(decision.unit_code.as_deref(), Some("SENTRA-MULYA-JAYA"));
    let excluded = decision
        .candidates
        .iter()
        .find(|c| c.unit_code == "SENTRA-MULYA-JAYA")
        .expect("still listed");
    assert_eq!(excluded.rejected_because.as_deref(), Some("excluded"));
}

#[test]
fn the_nearest_regency_to_sijunjungs_centroid_is_sijunjung() {
    let directory = national().directory;
    let sijunjung = directory.region("13.03").expect("Kabupaten Sijunjung");
    let nearest = directory
        .nearest_regency(sijunjung.lat, sijunjung.lon)
        .expect("has regencies");
    assert_eq!(nearest.code, "13.03");
}
