//! `locate_point`: the regency of one point on the real national boundaries,
//! over a fixed rotating set of 1024 points: half of them interior points of
//! regencies, half a grid across the data's box (mostly sea). Target: median
//! under 5 µs.
//!
//! `nearest_point`: the nearest regency to a point in the sea, the error path
//! of callers whose point lies in no regency.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use sigap_router::Boundaries;

/// Indonesia's box, as the boundary data spans it: (lat, lon).
const SOUTH_WEST: (f64, f64) = (-11.0, 95.0);
const NORTH_EAST: (f64, f64) = (6.1, 141.0);

fn boundaries() -> Boundaries {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/regency_boundaries.geojson"
    );
    let text = std::fs::read_to_string(path).expect("data/regency_boundaries.geojson");
    Boundaries::from_geojson(&text).expect("valid boundaries")
}

/// `n` points of a 32-column grid over the box, row by row.
fn grid(n: usize) -> Vec<(f64, f64)> {
    let (cols, rows) = (32, n.div_ceil(32));
    (0..n)
        .map(|i| {
            let (r, c) = ((i / cols) as f64 + 0.5, (i % cols) as f64 + 0.5);
            (
                SOUTH_WEST.0 + (NORTH_EAST.0 - SOUTH_WEST.0) * r / rows as f64,
                SOUTH_WEST.1 + (NORTH_EAST.1 - SOUTH_WEST.1) * c / cols as f64,
            )
        })
        .collect()
}

fn locate_point(c: &mut Criterion) {
    let boundaries = boundaries();
    let shapes = boundaries.shapes();
    // Interior points in a stride that visits every regency, interleaved
    // with the grid points.
    let grid = grid(512);
    let points: Vec<(f64, f64)> = (0..1024usize)
        .map(|i| {
            if i % 2 == 0 {
                let code = &shapes[(i / 2 * 37) % shapes.len()].code;
                boundaries.interior_point(code).expect("an interior point")
            } else {
                grid[i / 2]
            }
        })
        .collect();

    let mut next = 0;
    c.bench_function("locate_point", |b| {
        b.iter(|| {
            let (lat, lon) = points[next % points.len()];
            next += 1;
            black_box(boundaries.locate(black_box(lat), black_box(lon)))
        });
    });
}

fn nearest_point(c: &mut Criterion) {
    let boundaries = boundaries();
    // Grid points in no regency, a few hundred of them.
    let points: Vec<(f64, f64)> = grid(1024)
        .into_iter()
        .filter(|&(lat, lon)| boundaries.locate(lat, lon).is_none())
        .collect();

    let mut next = 0;
    c.bench_function("nearest_point", |b| {
        b.iter(|| {
            let (lat, lon) = points[next % points.len()];
            next += 1;
            black_box(boundaries.nearest(black_box(lat), black_box(lon)))
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = locate_point, nearest_point
}
criterion_main!(benches);
