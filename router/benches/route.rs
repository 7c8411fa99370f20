//! `route_national`: one routing decision on the real national directory,
//! over a fixed rotating mix of regencies and categories, half of the reports
//! with coordinates. Target (DESIGN.md): median under 5 µs.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sigap_router::RouteRequest;
use support::{CATEGORIES, National, national};

fn route_national(c: &mut Criterion) {
    let National {
        directory,
        regencies,
    } = national();
    // A fixed mix: regencies in a stride that visits all of them, each with
    // the next category; every other report carries coordinates near the
    // regency's centroid.
    let requests: Vec<(&str, &str, Option<(f64, f64)>)> = (0..1024usize)
        .map(|i| {
            let code = regencies[(i * 37) % regencies.len()].as_str();
            let category = CATEGORIES[i % CATEGORIES.len()];
            let region = directory.region(code).expect("regency in the directory");
            let location = (i % 2 == 0).then_some((region.lat + 0.05, region.lon - 0.05));
            (category, code, location)
        })
        .collect();
    // Loads as a caller would hold them: a map by unit code, a few units full.
    let loads: HashMap<&str, i64> = directory
        .units()
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                u.code.as_str(),
                if i % 9 == 0 {
                    u.capacity
                } else {
                    (i as i64 * 13) % 400
                },
            )
        })
        .collect();
    let load = |code: &str| loads.get(code).copied().unwrap_or(0);

    let mut next = 0;
    c.bench_function("route_national", |b| {
        b.iter(|| {
            let (category, region_code, location) = requests[next % requests.len()];
            next += 1;
            let request = RouteRequest {
                category,
                region_code,
                location,
                exclude: &[],
            };
            black_box(directory.route(black_box(&request), load))
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = route_national
}
criterion_main!(benches);
