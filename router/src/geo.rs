//! Great-circle distances.

/// Mean earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres between two `(lat, lon)` points in
/// degrees, by the haversine formula on a sphere of radius [`EARTH_RADIUS_KM`].
///
/// Routing ranks units by this distance; a spherical earth is accurate to
/// well under 1 %, far finer than the unit seats are known.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Point::new(a.0, a.1).distance_km(&Point::new(b.0, b.1))
}

/// A point with its trigonometry done once, so that the directory can measure
/// many distances from one origin cheaply. Gives bit-for-bit the same result
/// as [`haversine_km`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    lat: f64,
    lon: f64,
    cos_lat: f64,
}

impl Point {
    /// `None` unless both coordinates are finite numbers.
    pub(crate) fn finite(lat: f64, lon: f64) -> Option<Point> {
        (lat.is_finite() && lon.is_finite()).then(|| Point::new(lat, lon))
    }

    pub(crate) fn new(lat_deg: f64, lon_deg: f64) -> Point {
        let lat = lat_deg.to_radians();
        Point {
            lat,
            lon: lon_deg.to_radians(),
            cos_lat: lat.cos(),
        }
    }

    pub(crate) fn distance_km(&self, other: &Point) -> f64 {
        let half_dlat = ((other.lat - self.lat) / 2.0).sin();
        let half_dlon = ((other.lon - self.lon) / 2.0).sin();
        let h = half_dlat * half_dlat + self.cos_lat * other.cos_lat * half_dlon * half_dlon;
        2.0 * EARTH_RADIUS_KM * h.clamp(0.0, 1.0).sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_to_the_same_point_is_zero() {
        assert_eq!(haversine_km((-0.68, 100.97), (-0.68, 100.97)), 0.0);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_km((0.0, 100.0), (1.0, 100.0));
        assert!((d - 111.195).abs() < 0.01, "{d}");
    }

    #[test]
    fn jakarta_to_padang_is_about_930_km() {
        // Monas (-6.1754, 106.8272) to Padang (-0.9471, 100.4172).
        let d = haversine_km((-6.1754, 106.8272), (-0.9471, 100.4172));
        assert!((d - 921.0).abs() < 15.0, "{d}");
    }

    #[test]
    fn distance_is_symmetric() {
        let a = (-6.2, 106.9);
        let b = (3.6, 98.7);
        assert_eq!(haversine_km(a, b), haversine_km(b, a));
    }

    #[test]
    fn antipodes_are_half_the_circumference_apart() {
        let d = haversine_km((0.0, 0.0), (0.0, 180.0));
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6, "{d}");
    }
}
