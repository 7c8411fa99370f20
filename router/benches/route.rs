//! `route_national`: one routing decision on the real national directory,
//! over a fixed rotating mix of regencies and categories, half of the reports
//! with coordinates. Target: median under 5 µs.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sigap_router::RouteRequest;
use support::{CATEGORIES, National, national, previous};

fn route_national(c: &mut Criterion) {
    decide(c, "route_national", national());
}

/// The same mix on the directory before the sources (27 units, 103 rules),
/// for a side-by-side figure.
fn route_national_previous(c: &mut Criterion) {
    decide(c, "route_national_previous", previous());
}

fn decide(c: &mut Criterion, name: &str, national: National) {
    let National {
        directory,
        regencies,
    } = national;
    // A fixed mix: regencies in a stride that visits all of them, each with
    // the next category; every other report carries coordinates near the
    // regency's centroid.
    let requests: Vec<RouteRequest<'_>> = (0..1024usize)
        .map(|i| {
            let region_code = regencies[(i * 37) % regencies.len()].as_str();
            let region = directory
                .region(region_code)
                .expect("regency in the directory");
            RouteRequest {
                category: CATEGORIES[i % CATEGORIES.len()],
                region_code,
                location: (i % 2 == 0).then_some((region.lat + 0.05, region.lon - 0.05)),
                exclude: &[],
            }
        })
        .collect();
    // Loads as a caller would hold them: a map by unit code, a few units full.
    let loads: HashMap<&str, i64> = directory
        .units()
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let load = if i % 9 == 0 {
                u.capacity
            } else {
                (i as i64 * 13) % 400
            };
            (u.code.as_str(), load)
        })
        .collect();
    let load = |code: &str| loads.get(code).copied().unwrap_or(0);

    let mut next = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            let request = &requests[next % requests.len()];
            next += 1;
            black_box(directory.route(black_box(request), load))
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = route_national, route_national_previous
}
criterion_main!(benches);
