//! The indexed directory and the routing decision itself.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::geo::Point;
use crate::{Candidate, Decision, Level, Outcome, Region, Rule, Unit};

/// One report to route.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RouteRequest<'a> {
    /// Report category, e.g. `elderly`.
    pub category: &'a str,
    /// The report's regency, or its province when the regency is unknown.
    pub region_code: &'a str,
    /// Where the report happened, `(lat, lon)` in degrees; distances are
    /// measured from the region's centroid when absent.
    pub location: Option<(f64, f64)>,
    /// Units that must not take the report (the current unit on a transfer,
    /// units already tried on an escalation). They are still listed.
    pub exclude: &'a [String],
}

/// Regions, units and coverage rules, indexed once so that routing a report
/// costs a few microseconds. Immutable: rebuild it when the data changes.
#[derive(Debug, Clone)]
pub struct Directory {
    regions: Vec<Region>,
    region_index: HashMap<String, usize>,
    /// Where a report from each region is placed when it has no location.
    region_points: Vec<Option<Point>>,
    /// For each region, the rules that can match a report from it, best
    /// first (most specific level, highest priority, lowest id).
    region_rules: Vec<Vec<Applicable>>,
    /// Indexes of the regencies, for [`Directory::nearest_regency`].
    regencies: Vec<usize>,
    units: Vec<Unit>,
    unit_index: HashMap<String, usize>,
    unit_seats: Vec<Option<Point>>,
    /// Each unit's position in code order, so ties compare integers.
    unit_code_rank: Vec<u32>,
    /// Only the rules that can ever match: active, of an active known unit,
    /// for a known region or the nation.
    rules: Vec<Rule>,
}

/// A rule as seen from one region.
#[derive(Debug, Clone, Copy)]
struct Applicable {
    rule: u32,
    unit: u32,
    level: Level,
}

/// A candidate while the decision is being made.
#[derive(Debug, Clone, Copy)]
struct Found {
    unit: u32,
    rule: u32,
    level: Level,
    priority: i32,
    /// Distance in tenths of a km: what is shown is what is compared.
    /// `i64::MAX` when either end has no coordinates.
    tenths: i64,
    load: i64,
    capacity: i64,
    excluded: bool,
    code_rank: u32,
}

impl Found {
    fn distance_km(&self) -> f64 {
        if self.tenths == i64::MAX {
            f64::INFINITY
        } else {
            // Exact: `tenths` came from rounding `km * 10`, far below 2^53.
            self.tenths as f64 / 10.0
        }
    }

    fn full(&self) -> bool {
        self.load >= self.capacity
    }

    fn available(&self) -> bool {
        !self.excluded && !self.full()
    }
}

impl Directory {
    /// Builds the directory and its indexes.
    ///
    /// Input that can never take part in a decision is dropped here rather
    /// than checked on every call: inactive rules, rules of unknown or
    /// inactive units, rules for unknown regions. When codes repeat, the first
    /// region or unit with that code is kept.
    pub fn new(regions: Vec<Region>, units: Vec<Unit>, rules: Vec<Rule>) -> Directory {
        let regions = first_by_code(regions, |r| &r.code);
        let units = first_by_code(units, |u| &u.code);
        let region_index: HashMap<String, usize> = regions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), i))
            .collect();
        let unit_index: HashMap<String, usize> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let unit_seats = units.iter().map(|u| Point::finite(u.lat, u.lon)).collect();
        let mut by_code: Vec<usize> = (0..units.len()).collect();
        by_code.sort_by(|&a, &b| units[a].code.cmp(&units[b].code));
        let mut unit_code_rank = vec![0; units.len()];
        for (rank, &unit) in by_code.iter().enumerate() {
            unit_code_rank[unit] = u32::try_from(rank).expect("fewer than 2^32 units");
        }

        let rules: Vec<Rule> = rules
            .into_iter()
            .filter(|rule| {
                rule.active
                    && unit_index
                        .get(&rule.unit_code)
                        .is_some_and(|&u| units[u].active)
                    && rule
                        .region_code
                        .as_ref()
                        .is_none_or(|code| region_index.contains_key(code))
            })
            .collect();
        let mut national = Vec::new();
        let mut by_region: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 rules");
            match &rule.region_code {
                Some(code) => by_region.entry(code).or_default().push(i),
                None => national.push(i),
            }
        }

        let parent_of = |region: &Region| {
            region
                .parent
                .as_deref()
                .filter(|p| *p != region.code)
                .and_then(|p| region_index.get(p).copied())
        };
        let unit_of = |rule: u32| {
            let unit = unit_index[&rules[rule as usize].unit_code];
            u32::try_from(unit).expect("fewer than 2^32 units")
        };
        let mut region_rules = Vec::with_capacity(regions.len());
        let mut region_points = Vec::with_capacity(regions.len());
        for region in &regions {
            let own_level = if region.parent.is_some() {
                Level::Regency
            } else {
                Level::Province
            };
            let parent = parent_of(region);
            let mut scopes = vec![(by_region.get(region.code.as_str()), own_level)];
            if let Some(p) = parent {
                scopes.push((by_region.get(regions[p].code.as_str()), Level::Province));
            }
            scopes.push((Some(&national), Level::National));
            let mut list: Vec<Applicable> = scopes
                .into_iter()
                .flat_map(|(ids, level)| {
                    ids.into_iter().flatten().map(move |&rule| Applicable {
                        rule,
                        unit: unit_of(rule),
                        level,
                    })
                })
                .collect();
            list.sort_by(|a, b| {
                let (ra, rb) = (&rules[a.rule as usize], &rules[b.rule as usize]);
                a.level
                    .cmp(&b.level)
                    .then(rb.priority.cmp(&ra.priority))
                    .then(ra.id.cmp(&rb.id))
                    .then(a.rule.cmp(&b.rule))
            });
            region_rules.push(list);

            let own = Point::finite(region.lat, region.lon);
            let fallback = parent.and_then(|p| Point::finite(regions[p].lat, regions[p].lon));
            region_points.push(own.or(fallback));
        }
        let regencies = (0..regions.len())
            .filter(|&i| regions[i].parent.is_some())
            .collect();

        Directory {
            regions,
            region_index,
            region_points,
            region_rules,
            regencies,
            units,
            unit_index,
            unit_seats,
            unit_code_rank,
            rules,
        }
    }

    /// The region with this code.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    /// The unit with this code, active or not.
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
    }

    /// All units, in the order given to [`Directory::new`].
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// Routes one report. `load` gives a unit's current open-case count; it
    /// is called once per candidate.
    ///
    /// Deterministic: the same directory, request and loads always give the
    /// same decision.
    pub fn route(&self, request: &RouteRequest<'_>, load: impl Fn(&str) -> i64) -> Decision {
        let Some(&region) = self.region_index.get(request.region_code) else {
            return Decision::needs_triage(
                format!("unknown region {}", request.region_code),
                Vec::new(),
            );
        };
        let origin = request
            .location
            .and_then(|(lat, lon)| Point::finite(lat, lon))
            .or(self.region_points[region]);

        let mut found: Vec<Found> = Vec::with_capacity(self.units.len());
        for app in &self.region_rules[region] {
            let rule = &self.rules[app.rule as usize];
            if rule
                .category
                .as_deref()
                .is_some_and(|c| c != request.category)
                || found.iter().any(|f| f.unit == app.unit)
            {
                continue;
            }
            let unit = &self.units[app.unit as usize];
            if !unit.serves(request.category) {
                continue;
            }
            let tenths = match (origin, self.unit_seats[app.unit as usize]) {
                (Some(from), Some(seat)) => tenths(from.distance_km(&seat)),
                _ => i64::MAX,
            };
            found.push(Found {
                unit: app.unit,
                rule: app.rule,
                level: app.level,
                priority: rule.priority,
                tenths,
                load: load(&unit.code),
                capacity: unit.capacity,
                excluded: request.exclude.contains(&unit.code),
                code_rank: self.unit_code_rank[app.unit as usize],
            });
        }
        if found.is_empty() {
            return Decision::needs_triage(
                format!(
                    "no active unit covers region {} for category {}",
                    request.region_code, request.category
                ),
                Vec::new(),
            );
        }

        found.sort_by(rank);
        let (winner, over_capacity) = match found.iter().position(Found::available) {
            Some(w) => (w, false),
            None => match least_loaded(&found) {
                Some(w) => (w, true),
                None => return self.all_excluded(request, &found),
            },
        };
        // Winner first; the others keep their ranking order.
        found[..=winner].rotate_right(1);

        let w = &found[0];
        let reason = self.assigned_reason(&found, winner, over_capacity);
        let candidates = found
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let rejected = (i > 0).then(|| why_lost(f, w, over_capacity));
                self.candidate(f, rejected)
            })
            .collect();
        let rule = &self.rules[w.rule as usize];
        Decision {
            outcome: Outcome::Assigned,
            unit_code: Some(self.code(w).to_owned()),
            rule_id: Some(rule.id),
            level: Some(w.level),
            over_capacity,
            distance_km: Some(w.distance_km()),
            candidates,
            reason,
            provenance: Some(rule.provenance.clone()),
        }
    }

    /// The regency whose centroid is nearest to a point, for callers that
    /// only have coordinates. `None` for non-finite input or no regencies.
    pub fn nearest_regency(&self, lat: f64, lon: f64) -> Option<&Region> {
        let from = Point::finite(lat, lon)?;
        let mut best: Option<(f64, usize)> = None;
        for &i in &self.regencies {
            let Some(at) = self.region_points[i] else {
                continue;
            };
            let d = from.distance_km(&at);
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
        best.map(|(_, i)| &self.regions[i])
    }

    fn code(&self, f: &Found) -> &str {
        &self.units[f.unit as usize].code
    }

    fn candidate(&self, f: &Found, rejected_because: Option<String>) -> Candidate {
        Candidate {
            unit_code: self.code(f).to_owned(),
            rule_id: self.rules[f.rule as usize].id,
            level: f.level,
            priority: f.priority,
            basis: self.rules[f.rule as usize].provenance.basis,
            distance_km: f.distance_km(),
            load: f.load,
            capacity: f.capacity,
            rejected_because,
        }
    }

    fn all_excluded(&self, request: &RouteRequest<'_>, found: &[Found]) -> Decision {
        let n = found.len();
        let reason = format!(
            "all covering units are excluded ({n} {} region {} for category {})",
            if n == 1 { "unit covers" } else { "units cover" },
            request.region_code,
            request.category
        );
        let candidates = found
            .iter()
            .map(|f| self.candidate(f, Some("excluded".to_owned())))
            .collect();
        Decision::needs_triage(reason, candidates)
    }

    /// The sentence explaining the winner (`found[0]`), given that the
    /// others follow it in ranking order and `winner` of them ranked before
    /// it (all excluded or full).
    fn assigned_reason(&self, found: &[Found], winner: usize, over_capacity: bool) -> String {
        let w = &found[0];
        let rule = &self.rules[w.rule as usize];
        let others = &found[1..];
        let mut out = String::with_capacity(200);
        out.push_str(self.code(w));
        match (&rule.region_code, w.level) {
            (Some(code), Level::Regency | Level::Province) => {
                push_all(&mut out, &[" covers ", w.level.as_str(), " ", code]);
            }
            _ => out.push_str(" covers the whole nation"),
        }
        push_all(
            &mut out,
            &[
                " (rule ",
                Num::int(rule.id).as_str(),
                ", priority ",
                Num::int(w.priority.into()).as_str(),
                ")",
            ],
        );

        if over_capacity {
            let eligible = 1 + others.iter().filter(|f| !f.excluded).count();
            push_all(
                &mut out,
                &[", ", &away(w), ", and takes the report over capacity ("],
            );
            push_all(
                &mut out,
                &[
                    Num::int(w.load).as_str(),
                    "/",
                    Num::int(w.capacity).as_str(),
                    ") as the least loaded (",
                    &ratio_text(w),
                    ") of the ",
                    Num::count(eligible).as_str(),
                    " eligible candidates, all at capacity",
                ],
            );
            push_evidence(&mut out, rule);
            return out;
        }

        // The runner-up among the available (neither excluded nor full)
        // shows which criterion decided.
        let mut available = others.iter().filter(|f| f.available()).peekable();
        let runner = available.peek().copied().filter(|r| r.level == w.level);
        let count = |same: &dyn Fn(&Found) -> bool| {
            let n = 1 + others.iter().filter(|f| f.available() && same(f)).count();
            Num::count(n)
        };
        let same_level = |f: &Found| f.level == w.level;
        let same_priority = |f: &Found| same_level(f) && f.priority == w.priority;
        let same_distance = |f: &Found| same_priority(f) && f.tenths == w.tenths;
        match runner {
            None => out.push_str(" and is the only available candidate at that level"),
            Some(r) if r.priority != w.priority => push_all(
                &mut out,
                &[
                    " and has the highest priority of the ",
                    count(&same_level).as_str(),
                    " available candidates at that level",
                ],
            ),
            Some(r) if r.tenths != w.tenths => {
                let (at_level, at_priority) = (count(&same_level), count(&same_priority));
                push_all(
                    &mut out,
                    &[
                        " and is the nearest of the ",
                        at_priority.as_str(),
                        " available candidates at that level",
                    ],
                );
                if at_level.as_str() != at_priority.as_str() {
                    push_all(
                        &mut out,
                        &[" with priority ", Num::int(w.priority.into()).as_str()],
                    );
                }
            }
            Some(r) if ratio_cmp(r, w) != Ordering::Equal => push_all(
                &mut out,
                &[
                    " and is the least loaded (",
                    &ratio_text(w),
                    ") of the ",
                    count(&same_distance).as_str(),
                    " equally near available candidates",
                ],
            ),
            Some(_) => push_all(
                &mut out,
                &[
                    " and has the first unit code of the ",
                    count(&|f| same_distance(f) && ratio_cmp(f, w) == Ordering::Equal).as_str(),
                    " otherwise equal available candidates",
                ],
            ),
        }
        push_all(&mut out, &[", ", &away(w)]);

        let passed_over = &others[..winner];
        let excluded = passed_over.iter().filter(|f| f.excluded).count();
        let full = passed_over.len() - excluded;
        if full > 0 {
            push_all(
                &mut out,
                &[
                    ", passing over ",
                    Num::count(full).as_str(),
                    " better-ranked ",
                    units_word(full),
                    " at capacity",
                ],
            );
        }
        if excluded > 0 {
            out.push_str(if full > 0 { " and " } else { ", passing over " });
            push_all(
                &mut out,
                &[
                    Num::count(excluded).as_str(),
                    " better-ranked excluded ",
                    units_word(excluded),
                ],
            );
        }
        push_evidence(&mut out, rule);
        out
    }
}

/// Why `loser` did not get the report: the first criterion on which it
/// lost to `winner`.
fn why_lost(loser: &Found, winner: &Found, over_capacity: bool) -> String {
    if loser.excluded {
        "excluded".to_owned()
    } else if over_capacity {
        if ratio_cmp(loser, winner) == Ordering::Greater {
            format!(
                "at capacity and more loaded ({}, {}/{}) than the winner ({}, {}/{})",
                ratio_text(loser),
                loser.load,
                loser.capacity,
                ratio_text(winner),
                winner.load,
                winner.capacity
            )
        } else {
            format!(
                "at capacity and as loaded as the winner; {}",
                ranked_lower(loser, winner)
            )
        }
    } else if loser.full() {
        concat(&[
            "at capacity (",
            Num::int(loser.load).as_str(),
            "/",
            Num::int(loser.capacity).as_str(),
            ")",
        ])
    } else {
        ranked_lower(loser, winner)
    }
}

/// The first rule-2/3 criterion on which `loser` ranks after `winner`.
/// Built without `format!`: a decision on the national directory writes a
/// couple of dozen of these, and they are most of its cost.
fn ranked_lower(loser: &Found, winner: &Found) -> String {
    if loser.level != winner.level {
        concat(&[
            "less specific coverage (",
            loser.level.as_str(),
            ") than the winner (",
            winner.level.as_str(),
            ")",
        ])
    } else if loser.priority != winner.priority {
        concat(&[
            "lower priority (",
            Num::int(loser.priority.into()).as_str(),
            ") than the winner (",
            Num::int(winner.priority.into()).as_str(),
            ")",
        ])
    } else if loser.tenths != winner.tenths {
        if loser.tenths == i64::MAX || winner.tenths == i64::MAX {
            format!(
                "farther ({}) than the winner ({})",
                km(loser.tenths),
                km(winner.tenths)
            )
        } else {
            concat(&[
                "farther (",
                Num::tenths(loser.tenths).as_str(),
                " km) than the winner (",
                Num::tenths(winner.tenths).as_str(),
                " km)",
            ])
        }
    } else if ratio_cmp(loser, winner) != Ordering::Equal {
        let (l, w) = (ratio_text(loser), ratio_text(winner));
        if l == w {
            // Equal at two decimals: show the exact fractions instead.
            format!(
                "higher load ratio ({}/{}) than the winner ({}/{})",
                loser.load, loser.capacity, winner.load, winner.capacity
            )
        } else {
            format!("higher load ratio ({l}) than the winner ({w})")
        }
    } else {
        "unit code orders after the winner's".to_owned()
    }
}

impl Decision {
    fn needs_triage(reason: String, candidates: Vec<Candidate>) -> Decision {
        Decision {
            outcome: Outcome::NeedsTriage,
            unit_code: None,
            rule_id: None,
            level: None,
            over_capacity: false,
            distance_km: None,
            candidates,
            reason,
            provenance: None,
        }
    }
}

/// The eligible (not excluded) candidate with the lowest load ratio; among
/// equals the first, `found` being in ranking order.
fn least_loaded(found: &[Found]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, f) in found.iter().enumerate() {
        if f.excluded {
            continue;
        }
        if best.is_none_or(|b| ratio_cmp(f, &found[b]) == Ordering::Less) {
            best = Some(i);
        }
    }
    best
}

/// Compares load / capacity exactly (no float rounding). A unit without
/// capacity counts as infinitely loaded.
fn ratio_cmp(a: &Found, b: &Found) -> Ordering {
    match (a.capacity > 0, b.capacity > 0) {
        (true, true) => (i128::from(a.load) * i128::from(b.capacity))
            .cmp(&(i128::from(b.load) * i128::from(a.capacity))),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.load.cmp(&b.load),
    }
}

fn ratio_text(f: &Found) -> String {
    if f.capacity > 0 {
        // Only for display, to two decimals; comparisons use `ratio_cmp`.
        let ratio = f.load as f64 / f.capacity as f64;
        format!("{ratio:.2}")
    } else {
        format!("{}/{}", f.load, f.capacity)
    }
}

fn units_word(n: usize) -> &'static str {
    if n == 1 { "unit" } else { "units" }
}

/// Rules 2 and 3: level, priority, distance, load ratio, code.
fn rank(a: &Found, b: &Found) -> Ordering {
    a.level
        .cmp(&b.level)
        .then(b.priority.cmp(&a.priority))
        .then(a.tenths.cmp(&b.tenths))
        .then_with(|| ratio_cmp(a, b))
        .then(a.code_rank.cmp(&b.code_rank))
}

/// A distance rounded to tenths of a km; saturates (to "unknown") for
/// non-finite input.
fn tenths(km: f64) -> i64 {
    let tenths = (km * 10.0).round();
    if tenths.is_finite() && tenths < 1e15 {
        // Finite and below 1e15, so it fits.
        tenths as i64
    } else {
        i64::MAX
    }
}

/// `812.4 km`, or `unknown distance`.
fn km(tenths: i64) -> std::borrow::Cow<'static, str> {
    if tenths == i64::MAX {
        "unknown distance".into()
    } else {
        concat(&[Num::tenths(tenths).as_str(), " km"]).into()
    }
}

/// `812.4 km away`, or `at an unknown distance`.
fn away(f: &Found) -> String {
    if f.tenths == i64::MAX {
        "at an unknown distance".to_owned()
    } else {
        concat(&[Num::tenths(f.tenths).as_str(), " km away"])
    }
}

/// `; covered because <note>`, when the rule says why it exists.
fn push_evidence(out: &mut String, rule: &Rule) {
    if let Some(note) = rule.provenance.note.as_deref().filter(|n| !n.is_empty()) {
        push_all(out, &["; covered because ", note]);
    }
}

fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    push_all(&mut out, parts);
    out
}

fn push_all(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

/// A number written on the stack, to build texts without `format!`.
struct Num {
    buf: [u8; 24],
    start: usize,
}

impl Num {
    fn int(n: i64) -> Num {
        Num::digits(n, false)
    }

    fn count(n: usize) -> Num {
        Num::int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// `8124` as `812.4`.
    fn tenths(n: i64) -> Num {
        Num::digits(n, true)
    }

    fn digits(n: i64, tenths: bool) -> Num {
        let mut buf = [0u8; 24];
        let mut start = buf.len();
        let mut rest = n.unsigned_abs();
        let mut place = 0;
        loop {
            if tenths && place == 1 {
                start -= 1;
                buf[start] = b'.';
            }
            start -= 1;
            buf[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            place += 1;
            if rest == 0 && (!tenths || place >= 2) {
                break;
            }
        }
        if n < 0 {
            start -= 1;
            buf[start] = b'-';
        }
        Num { buf, start }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("?")
    }
}

fn first_by_code<T>(items: Vec<T>, code: impl Fn(&T) -> &String) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        if seen.insert(code(&item).clone()) {
            kept.push(item);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::Num;

    #[test]
    fn numbers_are_written_like_format_would() {
        for n in [0, 7, 10, 42, -1, -250, 1_000_000, i64::MAX, i64::MIN] {
            assert_eq!(Num::int(n).as_str(), n.to_string());
        }
    }

    #[test]
    fn tenths_are_written_with_one_decimal() {
        let table = [
            (0, "0.0"),
            (5, "0.5"),
            (10, "1.0"),
            (8124, "812.4"),
            (-3, "-0.3"),
        ];
        for (tenths, text) in table {
            assert_eq!(Num::tenths(tenths).as_str(), text);
        }
    }
}
