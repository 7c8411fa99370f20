//! Properties of routing on small generated directories.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::subsequence;
use sigap_router::{Decision, Directory, Level, Outcome, Region, RouteRequest, Rule, Unit};

const CATEGORIES: [&str; 3] = ["child", "elderly", "poverty"];
/// (code, parent)
const REGIONS: [(&str, Option<&str>); 5] = [
    ("11", None),
    ("11.01", Some("11")),
    ("11.02", Some("11")),
    ("12", None),
    ("12.01", Some("12")),
];
/// A few fixed seats, so that distances often tie.
const SEATS: [(f64, f64); 3] = [(-6.2, 106.9), (3.6, 98.7), (-0.9, 100.4)];

#[derive(Debug, Clone)]
struct World {
    regions: Vec<Region>,
    units: Vec<Unit>,
    rules: Vec<Rule>,
    loads: Vec<i64>,
}

impl World {
    fn directory(&self) -> Directory {
        Directory::new(self.regions.clone(), self.units.clone(), self.rules.clone())
    }

    fn load(&self, code: &str) -> i64 {
        self.units
            .iter()
            .position(|u| u.code == code)
            .map_or(0, |i| self.loads[i])
    }

    fn route(&self, directory: &Directory, request: &RouteRequest<'_>) -> Decision {
        directory.route(request, |code| self.load(code))
    }

    /// The most specific level at which an active rule of `unit` covers the
    /// request, worked out from the rule list directly.
    fn coverage(&self, unit: &str, request: &RouteRequest<'_>) -> Option<Level> {
        let (_, parent) = REGIONS
            .iter()
            .find(|(code, _)| *code == request.region_code)?;
        let own_level = if parent.is_some() {
            Level::Regency
        } else {
            Level::Province
        };
        self.rules
            .iter()
            .filter(|r| r.active && r.unit_code == unit)
            .filter(|r| r.category.as_deref().is_none_or(|c| c == request.category))
            .filter_map(|r| match r.region_code.as_deref() {
                None => Some(Level::National),
                Some(code) if code == request.region_code => Some(own_level),
                Some(code) if Some(code) == *parent => Some(Level::Province),
                Some(_) => None,
            })
            .min()
    }

    /// Units that may take the report: active, serving the category, not
    /// excluded, covering the region; with their level and fullness.
    fn eligible(&self, request: &RouteRequest<'_>) -> Vec<(&Unit, Level, bool)> {
        self.units
            .iter()
            .zip(&self.loads)
            .filter(|(u, _)| u.active && u.serves(request.category))
            .filter(|(u, _)| !request.exclude.contains(&u.code))
            .filter_map(|(u, &load)| {
                let level = self.coverage(&u.code, request)?;
                Some((u, level, load >= u.capacity))
            })
            .collect()
    }
}

fn seat() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        proptest::sample::select(SEATS.to_vec()),
        (-10.0..6.0f64, 95.0..141.0f64),
    ]
}

fn unit(i: usize) -> impl Strategy<Value = Unit> {
    (
        seat(),
        subsequence(CATEGORIES.to_vec(), 0..=2),
        0..4i64,
        prop::bool::weighted(0.85),
    )
        .prop_map(move |((lat, lon), categories, capacity, active)| Unit {
            code: format!("U{i}"),
            name: format!("Unit {i}"),
            lat,
            lon,
            categories: categories.into_iter().map(str::to_owned).collect(),
            capacity,
            active,
        })
}

fn rule(units: usize) -> impl Strategy<Value = (usize, Option<usize>, Option<usize>, i32, bool)> {
    (
        0..units,
        prop::option::weighted(0.7, 0..REGIONS.len() + 1),
        prop::option::weighted(0.3, 0..CATEGORIES.len()),
        -2..=2i32,
        prop::bool::weighted(0.85),
    )
}

fn world() -> impl Strategy<Value = World> {
    (1..=6usize)
        .prop_flat_map(|n| {
            let units = (0..n).map(unit).collect::<Vec<_>>();
            (
                vec((-10.0..6.0f64, 95.0..141.0f64), REGIONS.len()),
                units,
                vec(rule(n), 0..=14),
                vec(0..5i64, n),
            )
        })
        .prop_map(|(centroids, units, rules, loads)| {
            let regions = REGIONS
                .iter()
                .zip(centroids)
                .map(|((code, parent), (lat, lon))| Region {
                    code: (*code).to_owned(),
                    parent: parent.map(str::to_owned),
                    lat,
                    lon,
                })
                .collect();
            let rules = rules
                .into_iter()
                .zip(1..)
                .map(|((unit, region, category, priority, active), id)| Rule {
                    id,
                    unit_code: format!("U{unit}"),
                    // One index past the list: a region the directory lacks.
                    region_code: region
                        .map(|r| REGIONS.get(r).map_or("99", |(code, _)| code).to_owned()),
                    category: category.map(|c| CATEGORIES[c].to_owned()),
                    priority,
                    active,
                    provenance: Default::default(),
                })
                .collect();
            World {
                regions,
                units,
                rules,
                loads,
            }
        })
}

/// A request: category (one the units never list included), region (an
/// unknown one included), maybe a location, and excluded unit indexes.
fn request_parts()
-> impl Strategy<Value = (&'static str, &'static str, Option<(f64, f64)>, Vec<usize>)> {
    (
        proptest::sample::select(vec!["child", "elderly", "poverty", "other"]),
        proptest::sample::select(vec!["11", "11.01", "11.02", "12", "12.01", "13.01"]),
        prop::option::of((-10.0..6.0f64, 95.0..141.0f64)),
        subsequence((0..6).collect::<Vec<usize>>(), 0..=2),
    )
}

fn excluded(indexes: &[usize]) -> Vec<String> {
    indexes.iter().map(|i| format!("U{i}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn routing_the_same_report_twice_gives_the_same_decision(
        world in world(),
        (category, region_code, location, exclude) in request_parts(),
    ) {
        let exclude = excluded(&exclude);
        let request = RouteRequest { category, region_code, location, exclude: &exclude };
        let directory = world.directory();
        let first = world.route(&directory, &request);
        prop_assert_eq!(&first, &world.route(&directory, &request));
        prop_assert_eq!(&first, &world.route(&world.directory(), &request));
    }

    #[test]
    fn the_chosen_unit_may_take_the_report_and_covers_it_most_specifically(
        world in world(),
        (category, region_code, location, exclude) in request_parts(),
    ) {
        let exclude = excluded(&exclude);
        let request = RouteRequest { category, region_code, location, exclude: &exclude };
        let decision = world.route(&world.directory(), &request);
        let eligible = world.eligible(&request);
        if decision.outcome == Outcome::NeedsTriage {
            prop_assert!(eligible.is_empty(), "triage although {eligible:?} could take it: {decision:#?}");
            prop_assert!(decision.unit_code.is_none());
            return Ok(());
        }
        let code = decision.unit_code.as_deref().expect("assigned has a unit");
        let chosen = world.units.iter().find(|u| u.code == code).expect("a known unit");
        prop_assert!(chosen.active);
        prop_assert!(chosen.serves(category));
        prop_assert!(!exclude.iter().any(|e| e == code));
        let level = world.coverage(code, &request);
        prop_assert!(level.is_some(), "{code} does not cover {region_code}");
        prop_assert_eq!(decision.level, level);
        let non_full_best = eligible.iter().filter(|(_, _, full)| !full).map(|(_, l, _)| *l).min();
        if let Some(best) = non_full_best {
            prop_assert_eq!(level, Some(best), "a more specific unit with room exists: {:#?}", decision);
        }
        prop_assert_eq!(&decision.candidates[0].unit_code, code);
        prop_assert!(decision.candidates[0].rejected_because.is_none());
        prop_assert!(decision.candidates[1..].iter().all(|c| c.rejected_because.is_some()));
    }

    #[test]
    fn a_full_unit_is_chosen_only_when_every_eligible_candidate_is_full(
        world in world(),
        (category, region_code, location, exclude) in request_parts(),
    ) {
        let exclude = excluded(&exclude);
        let request = RouteRequest { category, region_code, location, exclude: &exclude };
        let decision = world.route(&world.directory(), &request);
        let Some(code) = decision.unit_code.as_deref() else { return Ok(()) };
        let all_full = world.eligible(&request).iter().all(|(_, _, full)| *full);
        let chosen_full = world.load(code) >= world.units.iter().find(|u| u.code == code).expect("known").capacity;
        prop_assert_eq!(chosen_full, all_full, "{:#?}", decision);
        prop_assert_eq!(decision.over_capacity, all_full);
    }

    #[test]
    fn candidates_are_the_active_covering_units_that_serve_the_category(
        world in world(),
        (category, region_code, location, exclude) in request_parts(),
    ) {
        let exclude = excluded(&exclude);
        let request = RouteRequest { category, region_code, location, exclude: &exclude };
        let decision = world.route(&world.directory(), &request);
        let mut listed: Vec<&str> = decision.candidates.iter().map(|c| c.unit_code.as_str()).collect();
        listed.sort_unstable();
        let everyone = RouteRequest { exclude: &[], ..request };
        let mut expected: Vec<&str> = world
            .eligible(&everyone)
            .iter()
            .map(|(u, _, _)| u.code.as_str())
            .collect();
        expected.sort_unstable();
        prop_assert_eq!(listed, expected);
        for candidate in &decision.candidates {
            let is_excluded = exclude.contains(&candidate.unit_code);
            prop_assert_eq!(candidate.rejected_because.as_deref() == Some("excluded"), is_excluded);
        }
    }

    #[test]
    fn routing_never_panics_for_any_category_or_region(
        world in world(),
        category in ".*",
        region_code in prop_oneof![Just("11.01".to_owned()), ".*"],
        location in prop::option::of((any::<f64>(), any::<f64>())),
        exclude in vec(".*", 0..3),
        load in any::<i64>(),
    ) {
        let request = RouteRequest { category: &category, region_code: &region_code, location, exclude: &exclude };
        let decision = world.directory().route(&request, |_| load);
        prop_assert!(!decision.reason.is_empty());
    }
}
