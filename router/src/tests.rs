//! Table tests for each routing rule, on a small hand-made directory.

use crate::{
    Candidate, Decision, Directory, Level, Outcome, Region, RouteRequest, Rule, Unit, haversine_km,
};

// Sumatera Barat with two regencies, and Jakarta with one.
const SUMBAR: &str = "13";
const SIJUNJUNG: &str = "13.03";
const PADANG: &str = "13.71";
const JAKARTA: &str = "31";
const JAKTIM: &str = "31.75";

const SIJUNJUNG_AT: (f64, f64) = (-0.68, 100.97);
const PADANG_AT: (f64, f64) = (-0.95, 100.42);
const SUMBAR_AT: (f64, f64) = (-0.74, 100.80);
const JAKTIM_AT: (f64, f64) = (-6.25, 106.90);

fn regions() -> Vec<Region> {
    let region = |code: &str, parent: Option<&str>, (lat, lon): (f64, f64)| Region {
        code: code.to_owned(),
        parent: parent.map(str::to_owned),
        lat,
        lon,
    };
    vec![
        region(SUMBAR, None, SUMBAR_AT),
        region(SIJUNJUNG, Some(SUMBAR), SIJUNJUNG_AT),
        region(PADANG, Some(SUMBAR), PADANG_AT),
        region(JAKARTA, None, (-6.20, 106.85)),
        region(JAKTIM, Some(JAKARTA), JAKTIM_AT),
    ]
}

fn unit(code: &str, (lat, lon): (f64, f64)) -> Unit {
    Unit {
        code: code.to_owned(),
        name: code.to_owned(),
        lat,
        lon,
        categories: Vec::new(),
        capacity: 100,
        active: true,
    }
}

fn unit_serving(code: &str, at: (f64, f64), categories: &[&str]) -> Unit {
    Unit {
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        ..unit(code, at)
    }
}

fn unit_with_capacity(code: &str, at: (f64, f64), capacity: i64) -> Unit {
    Unit {
        capacity,
        ..unit(code, at)
    }
}

fn rule(id: i64, unit: &str, region: Option<&str>, priority: i32) -> Rule {
    Rule {
        id,
        unit_code: unit.to_owned(),
        region_code: region.map(str::to_owned),
        category: None,
        priority,
        active: true,
        provenance: Default::default(),
    }
}

fn rule_for(id: i64, unit: &str, region: Option<&str>, category: &str) -> Rule {
    Rule {
        category: Some(category.to_owned()),
        ..rule(id, unit, region, 0)
    }
}

fn directory(units: Vec<Unit>, rules: Vec<Rule>) -> Directory {
    Directory::new(regions(), units, rules)
}

fn request<'a>(category: &'a str, region_code: &'a str) -> RouteRequest<'a> {
    RouteRequest {
        category,
        region_code,
        location: None,
        exclude: &[],
    }
}

fn route_with_loads(
    dir: &Directory,
    request: &RouteRequest<'_>,
    loads: &[(&str, i64)],
) -> Decision {
    dir.route(request, |code| {
        loads
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(0, |(_, load)| *load)
    })
}

fn route(dir: &Directory, request: &RouteRequest<'_>) -> Decision {
    route_with_loads(dir, request, &[])
}

fn winner(decision: &Decision) -> &str {
    assert_eq!(decision.outcome, Outcome::Assigned, "{decision:#?}");
    decision.unit_code.as_deref().expect("assigned has a unit")
}

fn candidate<'d>(decision: &'d Decision, code: &str) -> &'d Candidate {
    decision
        .candidates
        .iter()
        .find(|c| c.unit_code == code)
        .unwrap_or_else(|| panic!("{code} is not a candidate: {decision:#?}"))
}

fn rejection<'d>(decision: &'d Decision, code: &str) -> &'d str {
    candidate(decision, code)
        .rejected_because
        .as_deref()
        .unwrap_or_else(|| panic!("{code} was not rejected: {decision:#?}"))
}

fn codes(decision: &Decision) -> Vec<&str> {
    decision
        .candidates
        .iter()
        .map(|c| c.unit_code.as_str())
        .collect()
}

fn tenth(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

// Rule 2: specificity.

#[test]
fn regency_rule_beats_nearer_province_rule() {
    let dir = directory(
        vec![unit("FAR", JAKTIM_AT), unit("NEAR", SIJUNJUNG_AT)],
        vec![
            rule(1, "FAR", Some(SIJUNJUNG), 0),
            rule(2, "NEAR", Some(SUMBAR), 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "FAR");
    assert_eq!(decision.level, Some(Level::Regency));
    assert_eq!(decision.rule_id, Some(1));
    assert_eq!(
        rejection(&decision, "NEAR"),
        "less specific coverage (province) than the winner (regency)"
    );
}

#[test]
fn province_rule_beats_nearer_national_rule() {
    let dir = directory(
        vec![unit("FAR", JAKTIM_AT), unit("NEAR", SIJUNJUNG_AT)],
        vec![rule(1, "FAR", Some(SUMBAR), 0), rule(2, "NEAR", None, 0)],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "FAR");
    assert_eq!(decision.level, Some(Level::Province));
    assert_eq!(
        rejection(&decision, "NEAR"),
        "less specific coverage (national) than the winner (province)"
    );
}

#[test]
fn the_most_specific_level_wins_whatever_the_priorities() {
    // (winner's level, its priority, loser's level, its priority)
    let table = [
        (Some(SIJUNJUNG), -5, Some(SUMBAR), 100),
        (Some(SIJUNJUNG), -5, None, 100),
        (Some(SUMBAR), -5, None, 100),
    ];
    for (win_region, win_priority, lose_region, lose_priority) in table {
        let dir = directory(
            vec![unit("WIN", JAKTIM_AT), unit("LOSE", SIJUNJUNG_AT)],
            vec![
                rule(1, "LOSE", lose_region, lose_priority),
                rule(2, "WIN", win_region, win_priority),
            ],
        );
        let decision = route(&dir, &request("elderly", SIJUNJUNG));
        assert_eq!(
            winner(&decision),
            "WIN",
            "{win_region:?} vs {lose_region:?}"
        );
        assert!(
            rejection(&decision, "LOSE").starts_with("less specific coverage"),
            "{decision:#?}"
        );
    }
}

#[test]
fn a_rule_for_another_regency_of_the_same_province_does_not_match() {
    let dir = directory(
        vec![unit("PADANG-ONLY", PADANG_AT), unit("NATIONAL", JAKTIM_AT)],
        vec![
            rule(1, "PADANG-ONLY", Some(PADANG), 0),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "NATIONAL");
    assert_eq!(codes(&decision), ["NATIONAL"]);
}

// Rule 3: priority, distance, load ratio, code.

#[test]
fn higher_priority_wins_at_the_same_level() {
    let dir = directory(
        vec![unit("NEAR", SIJUNJUNG_AT), unit("PREFERRED", JAKTIM_AT)],
        vec![
            rule(1, "NEAR", Some(SUMBAR), -1),
            rule(2, "PREFERRED", Some(SUMBAR), 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "PREFERRED");
    assert_eq!(
        rejection(&decision, "NEAR"),
        "lower priority (-1) than the winner (0)"
    );
    assert!(
        decision
            .reason
            .contains("has the highest priority of the 2 available candidates at that level"),
        "{}",
        decision.reason
    );
}

#[test]
fn nearer_unit_wins_at_equal_level_and_priority() {
    let dir = directory(
        vec![
            unit("JAKARTA-UNIT", JAKTIM_AT),
            unit("PADANG-UNIT", PADANG_AT),
        ],
        vec![
            rule(1, "JAKARTA-UNIT", None, 0),
            rule(2, "PADANG-UNIT", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "PADANG-UNIT");
    let near = tenth(haversine_km(SIJUNJUNG_AT, PADANG_AT));
    let far = tenth(haversine_km(SIJUNJUNG_AT, JAKTIM_AT));
    assert_eq!(decision.distance_km, Some(near));
    assert_eq!(
        rejection(&decision, "JAKARTA-UNIT"),
        format!("farther ({far:.1} km) than the winner ({near:.1} km)")
    );
}

#[test]
fn lower_load_ratio_wins_at_equal_distance() {
    // Same seat: distance ties, so the load ratio (not the raw load) decides.
    let dir = directory(
        vec![
            unit_with_capacity("BIG-BUSY", JAKTIM_AT, 500),
            unit_with_capacity("SMALL-BUSIER", JAKTIM_AT, 100),
        ],
        vec![
            rule(1, "BIG-BUSY", None, 0),
            rule(2, "SMALL-BUSIER", None, 0),
        ],
    );
    let decision = route_with_loads(
        &dir,
        &request("elderly", SIJUNJUNG),
        &[("BIG-BUSY", 200), ("SMALL-BUSIER", 50)],
    );
    assert_eq!(winner(&decision), "BIG-BUSY");
    assert_eq!(
        rejection(&decision, "SMALL-BUSIER"),
        "higher load ratio (0.50) than the winner (0.40)"
    );
    assert!(
        decision.reason.contains("least loaded (0.40)"),
        "{}",
        decision.reason
    );
}

#[test]
fn load_ratios_equal_at_two_decimals_are_shown_as_fractions() {
    let dir = directory(
        vec![
            unit_with_capacity("A", JAKTIM_AT, 1000),
            unit_with_capacity("B", JAKTIM_AT, 1000),
        ],
        vec![rule(1, "A", None, 0), rule(2, "B", None, 0)],
    );
    let decision = route_with_loads(&dir, &request("elderly", JAKTIM), &[("A", 101), ("B", 100)]);
    assert_eq!(winner(&decision), "B");
    assert_eq!(
        rejection(&decision, "A"),
        "higher load ratio (101/1000) than the winner (100/1000)"
    );
}

#[test]
fn unit_code_breaks_a_complete_tie() {
    let dir = directory(
        vec![unit("ZETA", JAKTIM_AT), unit("ALPHA", JAKTIM_AT)],
        vec![rule(1, "ZETA", None, 0), rule(2, "ALPHA", None, 0)],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "ALPHA");
    assert_eq!(
        rejection(&decision, "ZETA"),
        "unit code orders after the winner's"
    );
    assert!(
        decision.reason.contains("first unit code"),
        "{}",
        decision.reason
    );
}

#[test]
fn distances_are_compared_at_the_tenth_of_a_km_they_are_shown_with() {
    // 20 m apart: equal once rounded, so the load ratio decides.
    let dir = directory(
        vec![
            unit("NEARER", JAKTIM_AT),
            unit("FARTHER", (JAKTIM_AT.0 + 0.0002, JAKTIM_AT.1)),
        ],
        vec![rule(1, "NEARER", None, 0), rule(2, "FARTHER", None, 0)],
    );
    let from_jaktim = RouteRequest {
        location: Some(JAKTIM_AT),
        ..request("elderly", SIJUNJUNG)
    };
    let decision = route_with_loads(&dir, &from_jaktim, &[("NEARER", 10)]);
    assert_eq!(winner(&decision), "FARTHER");
    assert_eq!(candidate(&decision, "NEARER").distance_km, 0.0);
    assert_eq!(candidate(&decision, "FARTHER").distance_km, 0.0);
    assert!(rejection(&decision, "NEARER").starts_with("higher load ratio"));
}

// Rule 4: capacity.

#[test]
fn unit_at_capacity_is_passed_over_for_a_less_specific_one() {
    let dir = directory(
        vec![
            unit_with_capacity("LOCAL", SIJUNJUNG_AT, 500),
            unit("NATIONAL", JAKTIM_AT),
        ],
        vec![
            rule(1, "LOCAL", Some(SIJUNJUNG), 0),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let decision = route_with_loads(&dir, &request("elderly", SIJUNJUNG), &[("LOCAL", 500)]);
    assert_eq!(winner(&decision), "NATIONAL");
    assert!(!decision.over_capacity);
    assert_eq!(decision.level, Some(Level::National));
    assert_eq!(rejection(&decision, "LOCAL"), "at capacity (500/500)");
    assert_eq!(codes(&decision), ["NATIONAL", "LOCAL"]);
    assert!(
        decision
            .reason
            .ends_with("passing over 1 better-ranked unit at capacity"),
        "{}",
        decision.reason
    );
}

#[test]
fn unit_one_below_capacity_still_takes_the_report() {
    let dir = directory(
        vec![
            unit_with_capacity("LOCAL", SIJUNJUNG_AT, 500),
            unit("NATIONAL", JAKTIM_AT),
        ],
        vec![
            rule(1, "LOCAL", Some(SIJUNJUNG), 0),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let decision = route_with_loads(&dir, &request("elderly", SIJUNJUNG), &[("LOCAL", 499)]);
    assert_eq!(winner(&decision), "LOCAL");
}

#[test]
fn when_all_are_full_the_least_loaded_takes_it_over_capacity() {
    let dir = directory(
        vec![
            unit_with_capacity("LOCAL", SIJUNJUNG_AT, 100),
            unit_with_capacity("NATIONAL", JAKTIM_AT, 100),
        ],
        vec![
            rule(1, "LOCAL", Some(SIJUNJUNG), 0),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let decision = route_with_loads(
        &dir,
        &request("elderly", SIJUNJUNG),
        &[("LOCAL", 120), ("NATIONAL", 100)],
    );
    assert_eq!(winner(&decision), "NATIONAL");
    assert!(decision.over_capacity);
    assert_eq!(decision.level, Some(Level::National));
    assert_eq!(
        rejection(&decision, "LOCAL"),
        "at capacity and more loaded (1.20, 120/100) than the winner (1.00, 100/100)"
    );
    assert!(
        decision.reason.contains("over capacity (100/100)"),
        "{}",
        decision.reason
    );
}

#[test]
fn when_all_are_full_and_equally_loaded_the_usual_order_decides() {
    let dir = directory(
        vec![
            unit_with_capacity("LOCAL", SIJUNJUNG_AT, 10),
            unit_with_capacity("NATIONAL", SIJUNJUNG_AT, 20),
        ],
        vec![
            rule(1, "LOCAL", Some(SIJUNJUNG), 0),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let decision = route_with_loads(
        &dir,
        &request("elderly", SIJUNJUNG),
        &[("LOCAL", 10), ("NATIONAL", 20)],
    );
    assert_eq!(winner(&decision), "LOCAL");
    assert!(decision.over_capacity);
    assert_eq!(
        rejection(&decision, "NATIONAL"),
        "at capacity and as loaded as the winner; less specific coverage (national) than the \
         winner (regency)"
    );
}

#[test]
fn an_excluded_unit_with_room_does_not_save_full_units_from_over_capacity() {
    let dir = directory(
        vec![
            unit_with_capacity("FULL", SIJUNJUNG_AT, 1),
            unit("EXCLUDED", SIJUNJUNG_AT),
        ],
        vec![rule(1, "FULL", None, 0), rule(2, "EXCLUDED", None, 0)],
    );
    let exclude = ["EXCLUDED".to_owned()];
    let decision = route_with_loads(
        &dir,
        &RouteRequest {
            exclude: &exclude,
            ..request("elderly", SIJUNJUNG)
        },
        &[("FULL", 1)],
    );
    assert_eq!(winner(&decision), "FULL");
    assert!(decision.over_capacity);
    assert_eq!(rejection(&decision, "EXCLUDED"), "excluded");
}

#[test]
fn a_unit_without_capacity_is_always_full() {
    let dir = directory(
        vec![
            unit_with_capacity("NONE", SIJUNJUNG_AT, 0),
            unit("SOME", JAKTIM_AT),
        ],
        vec![
            rule(1, "NONE", Some(SIJUNJUNG), 0),
            rule(2, "SOME", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "SOME");
    assert_eq!(rejection(&decision, "NONE"), "at capacity (0/0)");
}

// Rule 1: categories, activity, exclusion.

#[test]
fn unit_that_does_not_serve_the_category_is_not_a_candidate() {
    let dir = directory(
        vec![
            unit_serving("CHILDREN", SIJUNJUNG_AT, &["child"]),
            unit_serving("ELDERLY", JAKTIM_AT, &["elderly", "disability"]),
        ],
        vec![
            rule(1, "CHILDREN", Some(SIJUNJUNG), 0),
            rule(2, "ELDERLY", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "ELDERLY");
    assert_eq!(codes(&decision), ["ELDERLY"]);
    assert_eq!(
        winner(&route(&dir, &request("child", SIJUNJUNG))),
        "CHILDREN"
    );
}

#[test]
fn unit_with_an_empty_category_list_serves_every_category() {
    let dir = directory(vec![unit("ANY", JAKTIM_AT)], vec![rule(1, "ANY", None, 0)]);
    for category in ["child", "elderly", "poverty", "something-new"] {
        assert_eq!(winner(&route(&dir, &request(category, SIJUNJUNG))), "ANY");
    }
}

#[test]
fn a_rule_for_one_category_matches_only_that_category() {
    let dir = directory(
        vec![unit("LOCAL", SIJUNJUNG_AT), unit("NATIONAL", JAKTIM_AT)],
        vec![
            rule_for(1, "LOCAL", Some(SIJUNJUNG), "elderly"),
            rule(2, "NATIONAL", None, 0),
        ],
    );
    let table = [
        ("elderly", "LOCAL"),
        ("child", "NATIONAL"),
        ("poverty", "NATIONAL"),
    ];
    for (category, expected) in table {
        let decision = route(&dir, &request(category, SIJUNJUNG));
        assert_eq!(winner(&decision), expected, "{category}");
    }
    assert_eq!(
        codes(&route(&dir, &request("child", SIJUNJUNG))),
        ["NATIONAL"]
    );
}

#[test]
fn inactive_unit_is_ignored_and_not_listed() {
    let inactive = Unit {
        active: false,
        ..unit("CLOSED", SIJUNJUNG_AT)
    };
    let dir = directory(
        vec![inactive, unit("OPEN", JAKTIM_AT)],
        vec![
            rule(1, "CLOSED", Some(SIJUNJUNG), 0),
            rule(2, "OPEN", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "OPEN");
    assert_eq!(codes(&decision), ["OPEN"]);
    assert!(dir.unit("CLOSED").is_some(), "still in the directory");
}

#[test]
fn inactive_rule_is_ignored_in_favour_of_the_units_other_rules() {
    let retired = Rule {
        active: false,
        ..rule(1, "UNIT", Some(SIJUNJUNG), 0)
    };
    let dir = directory(
        vec![unit("UNIT", JAKTIM_AT)],
        vec![retired, rule(2, "UNIT", None, 0)],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(decision.rule_id, Some(2));
    assert_eq!(decision.level, Some(Level::National));
}

#[test]
fn a_unit_whose_only_rule_is_inactive_is_no_candidate() {
    let retired = Rule {
        active: false,
        ..rule(1, "UNIT", None, 0)
    };
    let decision = route(
        &directory(vec![unit("UNIT", JAKTIM_AT)], vec![retired]),
        &request("elderly", SIJUNJUNG),
    );
    assert_eq!(decision.outcome, Outcome::NeedsTriage);
}

#[test]
fn excluded_unit_is_listed_but_never_chosen() {
    let dir = directory(
        vec![unit("CURRENT", SIJUNJUNG_AT), unit("NEXT", JAKTIM_AT)],
        vec![
            rule(1, "CURRENT", Some(SIJUNJUNG), 0),
            rule(2, "NEXT", None, 0),
        ],
    );
    let exclude = ["CURRENT".to_owned()];
    let decision = route(
        &dir,
        &RouteRequest {
            exclude: &exclude,
            ..request("elderly", SIJUNJUNG)
        },
    );
    assert_eq!(winner(&decision), "NEXT");
    assert_eq!(rejection(&decision, "CURRENT"), "excluded");
    assert_eq!(codes(&decision), ["NEXT", "CURRENT"]);
    assert!(
        decision
            .reason
            .ends_with("passing over 1 better-ranked excluded unit"),
        "{}",
        decision.reason
    );
}

// Rule 5: triage.

#[test]
fn when_all_covering_units_are_excluded_the_report_needs_triage() {
    let dir = directory(
        vec![unit("ONLY", SIJUNJUNG_AT)],
        vec![rule(1, "ONLY", None, 0)],
    );
    let exclude = ["ONLY".to_owned()];
    let decision = route(
        &dir,
        &RouteRequest {
            exclude: &exclude,
            ..request("elderly", SIJUNJUNG)
        },
    );
    assert_eq!(decision.outcome, Outcome::NeedsTriage);
    assert_eq!(decision.unit_code, None);
    assert!(
        decision
            .reason
            .starts_with("all covering units are excluded"),
        "{}",
        decision.reason
    );
    assert_eq!(rejection(&decision, "ONLY"), "excluded");
}

#[test]
fn unknown_region_needs_triage() {
    let dir = directory(vec![unit("ANY", JAKTIM_AT)], vec![rule(1, "ANY", None, 0)]);
    let decision = route(&dir, &request("elderly", "99.99"));
    assert_eq!(decision.outcome, Outcome::NeedsTriage);
    assert_eq!(decision.reason, "unknown region 99.99");
    assert!(decision.candidates.is_empty());
}

#[test]
fn no_covering_unit_needs_triage_with_the_reason() {
    let dir = directory(
        vec![unit("JAKARTA-ONLY", JAKTIM_AT)],
        vec![rule(1, "JAKARTA-ONLY", Some(JAKARTA), 0)],
    );
    let decision = route(&dir, &request("poverty", SIJUNJUNG));
    assert_eq!(
        decision,
        Decision {
            outcome: Outcome::NeedsTriage,
            unit_code: None,
            rule_id: None,
            level: None,
            over_capacity: false,
            distance_km: None,
            candidates: Vec::new(),
            reason: "no active unit covers region 13.03 for category poverty".to_owned(),
            provenance: None,
        }
    );
}

// Regions and locations.

#[test]
fn province_request_matches_only_province_and_national_rules() {
    let dir = directory(
        vec![
            unit("REGENCY", SIJUNJUNG_AT),
            unit("PROVINCE", PADANG_AT),
            unit("NATIONAL", JAKTIM_AT),
        ],
        vec![
            rule(1, "REGENCY", Some(SIJUNJUNG), 0),
            rule(2, "PROVINCE", Some(SUMBAR), 0),
            rule(3, "NATIONAL", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SUMBAR));
    assert_eq!(winner(&decision), "PROVINCE");
    assert_eq!(decision.level, Some(Level::Province));
    assert_eq!(codes(&decision), ["PROVINCE", "NATIONAL"]);
    assert_eq!(
        decision.distance_km,
        Some(tenth(haversine_km(SUMBAR_AT, PADANG_AT))),
        "measured from the province's centroid"
    );
}

#[test]
fn the_reports_location_is_used_instead_of_the_centroid() {
    let dir = directory(
        vec![
            unit("PADANG-UNIT", PADANG_AT),
            unit("JAKARTA-UNIT", JAKTIM_AT),
        ],
        vec![
            rule(1, "PADANG-UNIT", None, 0),
            rule(2, "JAKARTA-UNIT", None, 0),
        ],
    );
    // Filed against Sijunjung, but the report's coordinates are in Jakarta.
    let decision = route(
        &dir,
        &RouteRequest {
            location: Some((-6.2, 106.8)),
            ..request("elderly", SIJUNJUNG)
        },
    );
    assert_eq!(winner(&decision), "JAKARTA-UNIT");
    assert_eq!(
        decision.distance_km,
        Some(tenth(haversine_km((-6.2, 106.8), JAKTIM_AT)))
    );
}

#[test]
fn without_a_location_the_regency_centroid_is_used() {
    let dir = directory(
        vec![
            unit("PADANG-UNIT", PADANG_AT),
            unit("JAKARTA-UNIT", JAKTIM_AT),
        ],
        vec![
            rule(1, "PADANG-UNIT", None, 0),
            rule(2, "JAKARTA-UNIT", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(winner(&decision), "PADANG-UNIT");
    assert_eq!(
        candidate(&decision, "JAKARTA-UNIT").distance_km,
        tenth(haversine_km(SIJUNJUNG_AT, JAKTIM_AT))
    );
}

#[test]
fn a_non_finite_location_falls_back_to_the_centroid() {
    let dir = directory(
        vec![unit("PADANG-UNIT", PADANG_AT)],
        vec![rule(1, "PADANG-UNIT", None, 0)],
    );
    let decision = route(
        &dir,
        &RouteRequest {
            location: Some((f64::NAN, 100.0)),
            ..request("elderly", SIJUNJUNG)
        },
    );
    assert_eq!(
        decision.distance_km,
        Some(tenth(haversine_km(SIJUNJUNG_AT, PADANG_AT)))
    );
}

#[test]
fn a_regency_without_a_centroid_falls_back_to_its_provinces() {
    let mut regions = regions();
    let sijunjung = regions
        .iter_mut()
        .find(|r| r.code == SIJUNJUNG)
        .expect("fixture");
    sijunjung.lat = f64::NAN;
    let dir = Directory::new(
        regions,
        vec![unit("PADANG-UNIT", PADANG_AT)],
        vec![rule(1, "PADANG-UNIT", None, 0)],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(
        decision.distance_km,
        Some(tenth(haversine_km(SUMBAR_AT, PADANG_AT)))
    );
}

// Rule 6: what the decision records.

#[test]
fn each_unit_is_listed_once_with_its_best_matching_rule() {
    // (rules of one unit, the rule id expected in the decision)
    let table: [(Vec<Rule>, i64); 4] = [
        (
            vec![rule(1, "U", None, 9), rule(2, "U", Some(SIJUNJUNG), 0)],
            2,
        ),
        (
            vec![rule(1, "U", Some(SUMBAR), 0), rule(2, "U", Some(SUMBAR), 3)],
            2,
        ),
        (
            vec![rule(7, "U", Some(SUMBAR), 1), rule(3, "U", Some(SUMBAR), 1)],
            3,
        ),
        (
            vec![
                rule_for(1, "U", Some(SIJUNJUNG), "child"),
                rule(2, "U", Some(SUMBAR), 0),
            ],
            2,
        ),
    ];
    for (rules, expected) in table {
        let decision = route(
            &directory(vec![unit("U", JAKTIM_AT)], rules.clone()),
            &request("elderly", SIJUNJUNG),
        );
        assert_eq!(decision.candidates.len(), 1, "{rules:?}");
        assert_eq!(decision.rule_id, Some(expected), "{rules:?}");
        assert_eq!(decision.candidates[0].rule_id, expected, "{rules:?}");
    }
}

#[test]
fn candidates_are_listed_winner_first_then_in_ranking_order() {
    let dir = directory(
        vec![
            unit("NATIONAL", PADANG_AT),
            unit_with_capacity("FULL-LOCAL", SIJUNJUNG_AT, 5),
            unit("PROVINCE-LOW", SIJUNJUNG_AT),
            unit("PROVINCE-FAR", JAKTIM_AT),
            unit("PROVINCE-NEAR", PADANG_AT),
        ],
        vec![
            rule(1, "NATIONAL", None, 0),
            rule(2, "FULL-LOCAL", Some(SIJUNJUNG), 0),
            rule(3, "PROVINCE-LOW", Some(SUMBAR), -1),
            rule(4, "PROVINCE-FAR", Some(SUMBAR), 0),
            rule(5, "PROVINCE-NEAR", Some(SUMBAR), 0),
        ],
    );
    let decision = route_with_loads(&dir, &request("elderly", SIJUNJUNG), &[("FULL-LOCAL", 5)]);
    assert_eq!(
        codes(&decision),
        [
            "PROVINCE-NEAR",
            "FULL-LOCAL",
            "PROVINCE-FAR",
            "PROVINCE-LOW",
            "NATIONAL"
        ]
    );
    let near = tenth(haversine_km(SIJUNJUNG_AT, PADANG_AT));
    let far = tenth(haversine_km(SIJUNJUNG_AT, JAKTIM_AT));
    let rejections: Vec<Option<&str>> = decision
        .candidates
        .iter()
        .map(|c| c.rejected_because.as_deref())
        .collect();
    assert_eq!(
        rejections,
        [
            None,
            Some("at capacity (5/5)"),
            Some(format!("farther ({far:.1} km) than the winner ({near:.1} km)").as_str()),
            Some("lower priority (-1) than the winner (0)"),
            Some("less specific coverage (national) than the winner (province)"),
        ]
    );
    assert_eq!(
        decision.reason,
        format!(
            "PROVINCE-NEAR covers province 13 (rule 5, priority 0) and is the nearest of the 2 \
             available candidates at that level with priority 0, {near:.1} km away, passing over \
             1 better-ranked unit at capacity"
        )
    );
    let winner = &decision.candidates[0];
    assert_eq!(
        (winner.level, winner.priority, winner.load, winner.capacity),
        (Level::Province, 0, 0, 100)
    );
}

#[test]
fn reason_names_the_rule_and_the_distance_of_a_lone_regency_winner() {
    let dir = directory(
        vec![unit("SENTRA-MULYA-JAYA", JAKTIM_AT)],
        vec![rule(12, "SENTRA-MULYA-JAYA", Some(SIJUNJUNG), 0)],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    let km = tenth(haversine_km(SIJUNJUNG_AT, JAKTIM_AT));
    assert_eq!(
        decision.reason,
        format!(
            "SENTRA-MULYA-JAYA covers regency 13.03 (rule 12, priority 0) and is the only \
             available candidate at that level, {km:.1} km away"
        )
    );
}

#[test]
fn reason_for_national_coverage_names_the_nation() {
    let dir = directory(vec![unit("U", JAKTIM_AT)], vec![rule(4, "U", None, 2)]);
    let decision = route(&dir, &request("elderly", JAKTIM));
    assert!(
        decision
            .reason
            .starts_with("U covers the whole nation (rule 4, priority 2)"),
        "{}",
        decision.reason
    );
}

#[test]
fn decision_serializes_with_snake_case_names() {
    let dir = directory(
        vec![unit("U", JAKTIM_AT)],
        vec![rule(1, "U", Some(JAKTIM), 0)],
    );
    let decision = route(&dir, &request("elderly", JAKTIM));
    let json = serde_json::to_value(&decision).expect("serializable");
    assert_eq!(json["outcome"], "assigned");
    assert_eq!(json["level"], "regency");
    assert_eq!(json["candidates"][0]["level"], "regency");
    assert_eq!(
        json["candidates"][0]["rejected_because"],
        serde_json::Value::Null
    );
    let back: Decision = serde_json::from_value(json).expect("deserializable");
    assert_eq!(back, decision);

    let triage = route(&dir, &request("elderly", "00"));
    assert_eq!(
        serde_json::to_value(&triage).expect("serializable")["outcome"],
        "needs_triage"
    );
}

#[test]
fn routing_the_same_report_twice_gives_the_same_decision() {
    let dir = directory(
        vec![
            unit("A", JAKTIM_AT),
            unit("B", JAKTIM_AT),
            unit("C", PADANG_AT),
        ],
        vec![
            rule(1, "A", None, 0),
            rule(2, "B", None, 0),
            rule(3, "C", Some(SUMBAR), 0),
        ],
    );
    let req = request("elderly", SIJUNJUNG);
    assert_eq!(route(&dir, &req), route(&dir.clone(), &req));
}

// The directory itself.

#[test]
fn nearest_regency_picks_the_closest_regency_and_never_a_province() {
    let dir = directory(Vec::new(), Vec::new());
    // Exactly on Sumatera Barat's centroid, which is nearer to Sijunjung than to Padang.
    let nearest = dir
        .nearest_regency(SUMBAR_AT.0, SUMBAR_AT.1)
        .expect("has regencies");
    assert_eq!(nearest.code, SIJUNJUNG);
    let nearest = dir.nearest_regency(-6.3, 106.95).expect("has regencies");
    assert_eq!(nearest.code, JAKTIM);
    assert!(dir.nearest_regency(f64::NAN, 0.0).is_none());
    assert!(
        Directory::new(Vec::new(), Vec::new(), Vec::new())
            .nearest_regency(0.0, 0.0)
            .is_none()
    );
}

#[test]
fn lookups_find_regions_and_units_by_code_keeping_the_first_of_duplicates() {
    let dir = directory(
        vec![
            unit("A", JAKTIM_AT),
            unit_with_capacity("A", PADANG_AT, 7),
            unit("B", PADANG_AT),
        ],
        Vec::new(),
    );
    assert_eq!(
        dir.region(SIJUNJUNG).and_then(|r| r.parent.as_deref()),
        Some(SUMBAR)
    );
    assert!(dir.region("13.99").is_none());
    assert_eq!(dir.unit("A").map(|u| u.capacity), Some(100));
    assert_eq!(dir.units().len(), 2);
    assert!(dir.unit("Z").is_none());
}

#[test]
fn rules_for_unknown_units_or_regions_are_ignored() {
    let dir = directory(
        vec![unit("U", JAKTIM_AT)],
        vec![
            rule(1, "GHOST", None, 0),
            rule(2, "U", Some("99"), 0),
            rule(3, "U", None, 0),
        ],
    );
    let decision = route(&dir, &request("elderly", SIJUNJUNG));
    assert_eq!(codes(&decision), ["U"]);
    assert_eq!(decision.rule_id, Some(3));
}
