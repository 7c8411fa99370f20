//! Where a point lies: the regency whose boundary contains it, from the
//! boundaries in `data/regency_boundaries.geojson` (built into the binary,
//! indexed once on first use).

use sigap_domain::FieldError;
use sigap_domain::GeoPoint;
use sigap_router::{Boundaries, Shape};
use std::sync::OnceLock;

/// A point this close to a regency's boundary but outside every regency
/// belongs to that regency: GPS error, a jetty, a boat at the harbour, or a
/// shoreline the boundary data simplifies.
pub const COAST_TOLERANCE_KM: f64 = 1.0;

static BOUNDARIES: OnceLock<Boundaries> = OnceLock::new();

/// The regency boundaries, parsed and indexed on first use.
pub fn boundaries() -> &'static Boundaries {
    BOUNDARIES.get_or_init(|| {
        Boundaries::from_geojson(include_str!("../../data/regency_boundaries.geojson"))
            .expect("the built-in regency boundaries parse")
    })
}

/// The regency a point belongs to: the one containing it, or the nearest
/// within [`COAST_TOLERANCE_KM`]. Otherwise (the sea, abroad) a field error
/// on `field` naming the nearest regency.
pub fn regency_of(point: GeoPoint, field: &str) -> Result<&'static Shape, FieldError> {
    let boundaries = boundaries();
    if let Some(shape) = boundaries.locate(point.lat, point.lon) {
        return Ok(shape);
    }
    match boundaries.nearest(point.lat, point.lon) {
        Some((shape, km)) if km <= COAST_TOLERANCE_KM => Ok(shape),
        Some((shape, km)) => Err(FieldError::new(
            field,
            format!(
                "lies outside every regency of Indonesia (in the sea or abroad); the nearest is {} {} ({km:.1} km away)",
                shape.code, shape.name
            ),
        )),
        None => Err(FieldError::new(field, "cannot be placed in a regency")),
    }
}

/// Whether a regency lies in a region given by code (itself, or its
/// province).
pub fn within(regency: &str, region: &str) -> bool {
    regency == region
        || regency
            .split_once('.')
            .is_some_and(|(province, _)| province == region)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    #[test]
    fn a_point_on_land_belongs_to_the_regency_containing_it() {
        let shape = regency_of(at(-0.69, 100.95), "location").expect("in Sijunjung");
        assert_eq!(shape.code, "13.03");
    }

    #[test]
    fn a_point_far_out_at_sea_is_refused_naming_the_nearest_regency() {
        let error = regency_of(at(-5.2, 110.0), "location").expect_err("in the Java Sea");
        assert_eq!(error.field, "location");
        assert!(error.message.contains("nearest is"), "{}", error.message);
    }

    #[test]
    fn a_regency_lies_within_itself_and_its_province() {
        assert!(within("13.03", "13.03"));
        assert!(within("13.03", "13"));
        assert!(!within("13.03", "13.04"));
        assert!(!within("13.03", "31"));
    }
}
