//! Great-circle distances.

/// Mean earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres between two `(lat, lon)` points in
/// degrees, on a sphere of radius [`EARTH_RADIUS_KM`].
///
/// Routing ranks units by this distance; a spherical earth is accurate to
/// well under 1 %, far finer than the unit seats are known. The haversine of
/// the central angle is computed as the squared half chord between the
/// points' unit vectors: the same quantity, as stable for short distances,
/// and cheaper when one origin is measured against many seats.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    Point::new(a.0, a.1).distance_km(&Point::new(b.0, b.1))
}

/// A point on the unit sphere, with its trigonometry done once, so that the
/// directory can measure many distances from one origin with one `asin`
/// each. Gives bit-for-bit the same result as [`haversine_km`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    x: f64,
    y: f64,
    z: f64,
}

impl Point {
    /// `None` unless both coordinates are finite numbers.
    pub(crate) fn finite(lat: f64, lon: f64) -> Option<Point> {
        (lat.is_finite() && lon.is_finite()).then(|| Point::new(lat, lon))
    }

    pub(crate) fn new(lat_deg: f64, lon_deg: f64) -> Point {
        let (sin_lat, cos_lat) = lat_deg.to_radians().sin_cos();
        let (sin_lon, cos_lon) = lon_deg.to_radians().sin_cos();
        Point {
            x: cos_lat * cos_lon,
            y: cos_lat * sin_lon,
            z: sin_lat,
        }
    }

    pub(crate) fn distance_km(&self, other: &Point) -> f64 {
        let (dx, dy, dz) = (self.x - other.x, self.y - other.y, self.z - other.z);
        // haversine(angle) = (chord / 2)^2, so angle = 2 asin(chord / 2).
        let half_chord = (dx * dx + dy * dy + dz * dz).sqrt() / 2.0;
        2.0 * EARTH_RADIUS_KM * half_chord.min(1.0).asin()
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
    fn jakarta_to_padang_is_about_920_km() {
        // Monas (-6.1754, 106.8272) to Padang (-0.9471, 100.4172).
        let d = haversine_km((-6.1754, 106.8272), (-0.9471, 100.4172));
        assert!((d - 921.0).abs() < 15.0, "{d}");
    }

    #[test]
    fn agrees_with_the_textbook_haversine_formula() {
        let textbook = |(lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)| {
            let (p1, p2) = (f64::to_radians(lat1), f64::to_radians(lat2));
            let h = ((p2 - p1) / 2.0).sin().powi(2)
                + p1.cos() * p2.cos() * (f64::to_radians(lon2 - lon1) / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
        };
        let points = [
            (-0.68, 100.97),
            (-6.25, 106.9),
            (5.56, 95.34),
            (-8.5, 140.4),
            (-6.2501, 106.9001),
        ];
        for a in points {
            for b in points {
                let (ours, theirs) = (haversine_km(a, b), textbook(a, b));
                assert!(
                    (ours - theirs).abs() < 1e-6,
                    "{a:?} {b:?}: {ours} vs {theirs}"
                );
            }
        }
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
        assert!(
            (d - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6,
            "{d}"
        );
    }
}
