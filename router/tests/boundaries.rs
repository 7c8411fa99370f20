//! Point-in-regency lookups on the real boundaries of
//! `data/regency_boundaries.geojson`. Every coordinate below was checked
//! against that file.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use sigap_router::{Boundaries, BoundaryError};

const BOUNDARIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/regency_boundaries.geojson"
);
const REGIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/regions.csv");

/// The national boundaries, read once for all tests.
fn national() -> &'static Boundaries {
    static NATIONAL: OnceLock<Boundaries> = OnceLock::new();
    NATIONAL.get_or_init(|| {
        let text = std::fs::read_to_string(BOUNDARIES).expect("data/regency_boundaries.geojson");
        Boundaries::from_geojson(&text).expect("valid boundaries")
    })
}

#[derive(Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent_code: Option<String>,
    lat: f64,
    lon: f64,
}

/// The regencies of `data/regions.csv`, with their centroids.
fn regencies() -> Vec<RegionRow> {
    csv::Reader::from_path(REGIONS)
        .expect("data/regions.csv")
        .deserialize::<RegionRow>()
        .map(|row| row.expect("a regions.csv row"))
        .filter(|row| row.level == "regency")
        .collect()
}

fn located(lat: f64, lon: f64) -> Option<&'static str> {
    national().locate(lat, lon).map(|s| s.code.as_str())
}

/// The province of a regency code: `13` for `13.03`.
fn province(code: &str) -> &str {
    code.split('.').next().unwrap_or(code)
}

#[test]
fn the_boundary_file_has_every_regency_of_regions_csv_under_the_same_name() {
    let boundaries = national();
    let regencies = regencies();
    assert_eq!(boundaries.len(), 514);
    assert!(!boundaries.is_empty());
    assert_eq!(regencies.len(), 514);
    for row in &regencies {
        let shape = boundaries.shape(&row.code).unwrap_or_else(|| {
            panic!("{} {} has no boundary", row.code, row.name);
        });
        assert_eq!(shape.name, row.name, "{}", row.code);
    }
    assert!(boundaries.shape("99.99").is_none());
}

#[test]
fn known_places_lie_in_their_regency() {
    let cases = [
        ("a point in Sijunjung", -0.69, 100.95, "13.03"),
        ("a point in Kota Mojokerto", -7.47, 112.43, "35.76"),
        (
            "Sentra Mulya Jaya's seat in Jakarta Timur",
            -6.213686,
            106.944008,
            "31.75",
        ),
        // Kabupaten Bogor's polygon has a hole where Kota Bogor lies; the
        // kabupaten comes first in the file, so only the hole keeps the
        // point out of it.
        (
            "central Kota Bogor, in Kabupaten Bogor's hole",
            -6.5972,
            106.7967,
            "32.71",
        ),
    ];
    for (place, lat, lon, code) in cases {
        assert_eq!(located(lat, lon), Some(code), "{place} ({lat}, {lon})");
    }
}

#[test]
fn points_400_m_into_each_of_three_neighbouring_regencies_resolve_to_their_own() {
    // Tri-points: vertices the three boundaries share. Each point lies 400 m
    // from the tri-point, in the middle of its regency's sector there, and at
    // least 280 m from every boundary.
    let cases = [
        // (122.44294, -4.01156): Kota Kendari, Konawe, Konawe Selatan.
        ("Kota Kendari", -4.010097, 122.446234, "74.71"),
        ("Konawe", -4.008887, 122.440527, "74.02"),
        ("Konawe Selatan", -4.015000, 122.441886, "74.05"),
        // (140.38422, -3.73652): Keerom, Jayapura (both Papua) and
        // Pegunungan Bintang (Papua Pegunungan).
        ("Keerom", -3.734256, 140.387022, "91.11"),
        ("Jayapura", -3.734776, 140.381067, "91.03"),
        ("Pegunungan Bintang", -3.739995, 140.385153, "95.02"),
    ];
    for (regency, lat, lon, code) in cases {
        assert_eq!(located(lat, lon), Some(code), "{regency} ({lat}, {lon})");
    }
}

#[test]
fn a_point_in_the_sea_is_in_no_regency_and_nearest_names_the_closest_coast() {
    let cases = [
        // Karimunjawa, 85 km south, belongs to Jepara; the mainland coast is
        // about 190 km away.
        ("the Java Sea", -5.0, 110.0, "33.20", 80.0..90.0),
        // The Tukangbesi islands of Wakatobi, 45 km west.
        ("the Banda Sea", -6.0, 125.0, "74.07", 40.0..50.0),
    ];
    for (sea, lat, lon, code, km) in cases {
        assert_eq!(located(lat, lon), None, "{sea}");
        let (shape, d) = national().nearest(lat, lon).expect("a nearest regency");
        assert_eq!(shape.code, code, "{sea}");
        assert!(km.contains(&d), "{sea}: {d} km");
    }
}

#[test]
fn dili_is_in_no_regency_and_its_nearest_is_alor_55_km_away() {
    let (lat, lon) = (-8.556, 125.578);
    assert_eq!(located(lat, lon), None);
    let (shape, d) = national().nearest(lat, lon).expect("a nearest regency");
    // Alor (NTT) at 54.9 km just beats Maluku Barat Daya at 57.9 km and Belu
    // at 67.7 km.
    assert_eq!(shape.code, "53.05");
    assert_eq!(shape.name, "Kabupaten Alor");
    assert!(d > 10.0 && (50.0..60.0).contains(&d), "{d} km");
}

#[test]
fn nearest_gives_the_containing_regency_at_zero_distance() {
    let (shape, d) = national().nearest(-0.69, 100.95).expect("Sijunjung");
    assert_eq!(shape.code, "13.03");
    assert_eq!(d, 0.0);
}

#[test]
fn non_finite_or_far_away_points_are_in_no_regency() {
    let boundaries = national();
    let cases = [
        ("NaN latitude", f64::NAN, 110.0),
        ("NaN longitude", -7.0, f64::NAN),
        ("infinite latitude", f64::INFINITY, 110.0),
        ("infinite longitude", -7.0, f64::NEG_INFINITY),
        ("Null Island", 0.0, 0.0),
        ("the North Pole", 90.0, 0.0),
    ];
    for (what, lat, lon) in cases {
        assert!(boundaries.locate(lat, lon).is_none(), "{what}");
    }
    assert!(boundaries.nearest(f64::NAN, 110.0).is_none());
    assert!(boundaries.nearest(-7.0, f64::INFINITY).is_none());
}

#[test]
fn every_regency_has_an_interior_point_that_locates_back_to_it() {
    let boundaries = national();
    for shape in boundaries.shapes() {
        let (lat, lon) = boundaries
            .interior_point(&shape.code)
            .unwrap_or_else(|| panic!("{} has no interior point", shape.code));
        assert_eq!(
            located(lat, lon),
            Some(shape.code.as_str()),
            "{} {} at ({lat}, {lon})",
            shape.code,
            shape.name
        );
    }
    assert_eq!(boundaries.interior_point("99.99"), None);
}

#[test]
fn most_regency_centroids_lie_in_their_own_regency() {
    // 479 of the 514 do; the rest lie in the sea off an island regency or
    // in a neighbour (see the next two tests).
    let own = regencies()
        .iter()
        .filter(|r| located(r.lat, r.lon) == Some(r.code.as_str()))
        .count();
    assert!(own >= 475, "{own} of 514");
}

#[test]
fn a_centroid_in_another_regency_lies_in_a_known_neighbour() {
    // Centroids of a crescent or ring-shaped regency can fall outside it:
    // five kabupaten surround (or wrap around) their neighbour; all lie
    // within 3.4 km of their own boundary.
    let known: HashMap<&str, &str> = HashMap::from([
        ("32.01", "32.71"), // Kabupaten Bogor: in Kota Bogor, its hole
        ("32.09", "32.74"), // Kabupaten Cirebon: in Kota Cirebon
        ("36.04", "36.73"), // Kabupaten Serang: in Kota Serang
        ("35.12", "35.11"), // Situbondo, a coastal strip: in Bondowoso
        ("71.11", "71.01"), // Bolaang Mongondow Selatan: in Bolaang Mongondow
        ("74.02", "74.09"), // Konawe: in Konawe Utara
        ("76.05", "76.04"), // Majene: in Polewali Mandar
        // The only one across a provincial border: Mahakam Ulu (Kalimantan
        // Timur), 1.8 km over it, in Murung Raya (Kalimantan Tengah).
        ("64.11", "62.12"),
    ]);
    let mut seen = Vec::new();
    for row in regencies() {
        match located(row.lat, row.lon) {
            Some(code) if code != row.code => {
                assert_eq!(
                    known.get(row.code.as_str()),
                    Some(&code),
                    "{} {}'s centroid lies in {code}",
                    row.code,
                    row.name
                );
                let same_province = province(code) == province(&row.code);
                assert_eq!(same_province, row.code != "64.11", "{}", row.code);
                seen.push(row.code);
            }
            _ => {}
        }
    }
    assert_eq!(seen.len(), known.len(), "{seen:?}");
}

#[test]
fn a_centroid_in_the_sea_is_within_40_km_of_a_regency_of_its_own_province() {
    // 27 centroids of island regencies (Kepulauan Seribu, Mentawai,
    // Selayar …) lie in no regency; the farthest is Parigi Moutong's, 37 km
    // off the shore of its own bay.
    let mut at_sea = 0;
    for row in regencies() {
        if located(row.lat, row.lon).is_some() {
            continue;
        }
        at_sea += 1;
        let (shape, d) = national().nearest(row.lat, row.lon).expect("a regency");
        assert_eq!(
            Some(province(&shape.code)),
            row.parent_code.as_deref(),
            "{} {}: nearest is {}",
            row.code,
            row.name,
            shape.code
        );
        assert!(d > 0.0 && d < 40.0, "{} {}: {d} km", row.code, row.name);
    }
    assert_eq!(at_sea, 27);
}

#[test]
fn a_polygon_feature_with_altitudes_and_an_open_ring_is_accepted() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "bbox": [0, 0, 1, 1],
         "properties": {"code": "01.01", "name": "Square", "extra": 1},
         "geometry": {"coordinates": [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 1, 5]]],
                      "type": "Polygon"}}
    ]}"#;
    let boundaries = Boundaries::from_geojson(text).expect("valid");
    assert_eq!(boundaries.len(), 1);
    assert_eq!(
        boundaries.locate(0.5, 0.5).map(|s| s.name.as_str()),
        Some("Square")
    );
    assert_eq!(boundaries.locate(0.5, 1.5), None);
    let (shape, d) = boundaries.nearest(0.5, 1.5).expect("the square");
    assert_eq!(shape.code, "01.01");
    assert!((d - 55.6).abs() < 0.1, "{d} km");
    assert_eq!(boundaries.interior_point("01.01"), Some((0.5, 0.5)));
}

#[test]
fn a_ring_collapsed_to_a_point_or_a_line_is_dropped() {
    // A square with a collapsed hole, and a collapsed islet beside it.
    let text = r#"{"features": [{"properties": {"code": "1", "name": "N"},
        "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]],
             [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]],
            [[[3, 3], [3, 3], [3.1, 3], [3, 3]]]]}}]}"#;
    let boundaries = Boundaries::from_geojson(text).expect("valid");
    assert_eq!(
        boundaries.locate(0.5, 0.5).map(|s| s.code.as_str()),
        Some("1")
    );
    assert_eq!(boundaries.locate(3.0, 3.05), None);
    let (_, d) = boundaries.nearest(3.0, 3.05).expect("the square");
    assert!(d > 300.0, "{d} km");
}

#[test]
fn nearest_breaks_a_tie_for_the_regency_first_in_the_file() {
    // Two squares side by side; the point lies north of their shared corner.
    let square = |code: &str, west: i32| {
        let east = west + 1;
        format!(
            r#"{{"properties": {{"code": "{code}", "name": "{code}"}},
                "geometry": {{"type": "Polygon", "coordinates":
                [[[{west}, 0], [{east}, 0], [{east}, 1], [{west}, 1], [{west}, 0]]]}}}}"#
        )
    };
    for (order, first) in [([("a", 0), ("b", 1)], "a"), ([("b", 1), ("a", 0)], "b")] {
        let features: Vec<String> = order.iter().map(|&(c, w)| square(c, w)).collect();
        let text = format!(r#"{{"features": [{}]}}"#, features.join(","));
        let boundaries = Boundaries::from_geojson(&text).expect("valid");
        let (shape, d) = boundaries.nearest(1.5, 1.0).expect("a square");
        assert_eq!(shape.code, first);
        assert!((d - 55.6).abs() < 0.1, "{d} km");
    }
}

#[test]
fn an_empty_collection_locates_nothing() {
    let boundaries = Boundaries::from_geojson(r#"{"features": []}"#).expect("valid");
    assert!(boundaries.is_empty());
    assert_eq!(boundaries.len(), 0);
    assert!(boundaries.locate(-6.2, 106.8).is_none());
    assert!(boundaries.nearest(-6.2, 106.8).is_none());
}

#[test]
fn a_malformed_boundary_file_is_refused_with_a_reason() {
    let square = r#"[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]"#;
    let feature = |code: &str, coordinates: &str| {
        format!(
            r#"{{"properties": {{"code": "{code}", "name": "N"}},
                "geometry": {{"type": "Polygon", "coordinates": {coordinates}}}}}"#
        )
    };
    let collection = |features: &[String]| format!(r#"{{"features": [{}]}}"#, features.join(","));
    let cases = [
        ("not JSON", "{".to_owned(), "invalid boundary GeoJSON"),
        (
            "a feature without a code",
            r#"{"features": [{"properties": {"name": "N"},
                "geometry": {"type": "Polygon", "coordinates": []}}]}"#
                .to_owned(),
            "missing field `code`",
        ),
        (
            "a point geometry",
            r#"{"features": [{"properties": {"code": "1", "name": "N"},
                "geometry": {"type": "Point", "coordinates": [0, 0]}}]}"#
                .to_owned(),
            "unknown variant `Point`",
        ),
        (
            "a position with one number",
            collection(&[feature("1", "[[[0], [1, 0], [1, 1]]]")]),
            "invalid length 1",
        ),
        (
            "a code given twice",
            collection(&[feature("1", square), feature("1", square)]),
            "regency 1 appears twice",
        ),
        (
            "a polygon without rings",
            collection(&[feature("1", "[]")]),
            "regency 1 has no polygon of three or more vertices",
        ),
        (
            "only a ring of two distinct vertices",
            collection(&[feature("1", "[[[0, 0], [1, 0], [1, 0], [0, 0]]]")]),
            "regency 1 has no polygon of three or more vertices",
        ),
        (
            "a latitude beyond the pole",
            collection(&[feature("1", "[[[0, 0], [1, 0], [1, 91], [0, 0]]]")]),
            "regency 1 has a position off the globe: lat 91, lon 1",
        ),
    ];
    for (what, text, message) in cases {
        let error: BoundaryError = Boundaries::from_geojson(&text)
            .err()
            .unwrap_or_else(|| panic!("{what} was accepted"));
        let shown = error.to_string();
        assert!(shown.contains(message), "{what}: {shown}");
        let has_source = std::error::Error::source(&error).is_some();
        assert_eq!(
            has_source,
            matches!(error, BoundaryError::Json(_)),
            "{what}"
        );
    }
}

#[test]
fn boundaries_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Boundaries>();
    let boundaries = national();
    std::thread::scope(|s| {
        let handles: Vec<_> = [(-0.69, 100.95), (-7.47, 112.43)]
            .into_iter()
            .map(|(lat, lon)| s.spawn(move || boundaries.locate(lat, lon).map(|s| s.code.clone())))
            .collect();
        let codes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(codes, [Some("13.03".to_owned()), Some("35.76".to_owned())]);
    });
}
