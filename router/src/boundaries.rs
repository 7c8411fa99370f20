//! Regency boundaries: which regency a point lies in, and which one is
//! nearest when it lies in none.
//!
//! [`Boundaries`] is built once from a GeoJSON FeatureCollection of polygons
//! and is immutable afterwards. Two indexes keep [`Boundaries::locate`] in
//! microseconds on the national data set (514 regencies, ~20 000 polygon
//! parts, ~160 000 vertices):
//!
//! - a uniform grid over the data's bounding box (cells of 0.25°)
//!   lists, for each cell, the polygon parts whose bounding box touches it;
//! - every ring's edges are bucketed into latitude bands, so that the ray
//!   cast for a point only visits the edges of the point's band.
//!
//! Containment is decided by casting a ray east from the point and counting
//! the edges it crosses, with the half-open rule: an edge counts when one end
//! lies strictly above the point's latitude and the other at or below it, and
//! the crossing lies strictly east of the point. The crossing is computed
//! from the edge's endpoints ordered by latitude, so two regencies that share
//! an edge compute it bit for bit alike, and a point not exactly on the edge
//! lies in exactly one of them.
//!
//! Coordinates are taken as a plane of degrees (longitude east, latitude
//! north); no polygon may cross the antimeridian.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::geo::EARTH_RADIUS_KM;

/// Side of a grid cell of the part index, in degrees (about 28 km). Grown
/// for data sets so large in extent that the grid would exceed [`MAX_CELLS`].
const CELL_DEG: f64 = 0.25;

/// The most cells the grid may have (about 1 MB of offsets).
const MAX_CELLS: usize = 1 << 18;

/// Rings are cut into latitude bands of about this many edges each.
const EDGES_PER_BAND: usize = 4;

/// Kilometres per degree of latitude on the [`EARTH_RADIUS_KM`] sphere.
const KM_PER_DEG: f64 = EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// The regencies' boundaries, indexed for point lookups. Immutable, and
/// cheap to share between threads (`Send + Sync`); build it once with
/// [`Boundaries::from_geojson`].
#[derive(Debug, Clone)]
pub struct Boundaries {
    shapes: Vec<Shape>,
    by_code: HashMap<String, usize>,
    parts: Vec<Part>,
    rings: Vec<Ring>,
    /// Every ring's vertices in order, each ring closed (its first vertex
    /// repeated at its end), so that edge `i` runs from vertex `i` to `i + 1`.
    vertices: Vec<Vertex>,
    /// For rings of more than one band: where each band's edges start in
    /// `band_edges`, one entry per band plus one for the end.
    band_offsets: Vec<u32>,
    /// Edges (indexes into `vertices`) listed under every band they span.
    band_edges: Vec<u32>,
    bbox: BBox,
    grid: Grid,
}

/// One regency: its code, its name and its polygons.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Kemendagri code, e.g. `13.03`.
    pub code: String,
    /// Name, e.g. `Kabupaten Sijunjung`.
    pub name: String,
    /// Its polygon parts in `Boundaries::parts`.
    parts: Range<usize>,
    bbox: BBox,
    interior: Option<(f64, f64)>,
}

/// Why a boundary file was refused.
#[derive(Debug)]
pub enum BoundaryError {
    /// The text is not JSON, or not a FeatureCollection of features with
    /// `code` and `name` properties and Polygon or MultiPolygon geometry.
    Json(serde_json::Error),
    /// Two features carry the same code.
    DuplicateCode(String),
    /// A feature has no polygon with an outer ring of three or more
    /// vertices.
    NoGeometry {
        /// The feature's code.
        code: String,
    },
    /// A position lies off the globe: latitude outside ±90° or longitude
    /// outside ±180°.
    OutOfRange {
        /// The feature's code.
        code: String,
        /// The position's latitude, degrees.
        lat: f64,
        /// The position's longitude, degrees.
        lon: f64,
    },
}

impl fmt::Display for BoundaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoundaryError::Json(e) => write!(f, "invalid boundary GeoJSON: {e}"),
            BoundaryError::DuplicateCode(code) => write!(f, "regency {code} appears twice"),
            BoundaryError::NoGeometry { code } => {
                write!(f, "regency {code} has no polygon of three or more vertices")
            }
            BoundaryError::OutOfRange { code, lat, lon } => write!(
                f,
                "regency {code} has a position off the globe: lat {lat}, lon {lon}"
            ),
        }
    }
}

impl std::error::Error for BoundaryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BoundaryError::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<serde_json::Error> for BoundaryError {
    fn from(e: serde_json::Error) -> BoundaryError {
        BoundaryError::Json(e)
    }
}

/// A position, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Vertex {
    lon: f64,
    lat: f64,
}

/// An axis-aligned box in degrees; empty when `min > max`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BBox {
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
}

impl BBox {
    const EMPTY: BBox = BBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    fn add(&mut self, v: Vertex) {
        self.min_lon = self.min_lon.min(v.lon);
        self.min_lat = self.min_lat.min(v.lat);
        self.max_lon = self.max_lon.max(v.lon);
        self.max_lat = self.max_lat.max(v.lat);
    }

    fn union(&mut self, other: &BBox) {
        self.min_lon = self.min_lon.min(other.min_lon);
        self.min_lat = self.min_lat.min(other.min_lat);
        self.max_lon = self.max_lon.max(other.max_lon);
        self.max_lat = self.max_lat.max(other.max_lat);
    }

    /// Inclusive on every side; false for NaN.
    fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }

    /// The squared distance in km² from a point to the box, in the
    /// projection of [`Projection`]: a lower bound for the distance to
    /// anything inside the box.
    fn distance_sq(&self, p: &Projection) -> f64 {
        let dlon = (self.min_lon - p.lon).max(p.lon - self.max_lon).max(0.0);
        let dlat = (self.min_lat - p.lat).max(p.lat - self.max_lat).max(0.0);
        let (x, y) = (dlon * p.km_per_lon, dlat * KM_PER_DEG);
        x * x + y * y
    }
}

/// An equirectangular projection centred on a point, in km.
struct Projection {
    lat: f64,
    lon: f64,
    km_per_lon: f64,
}

impl Projection {
    fn new(lat: f64, lon: f64) -> Projection {
        Projection {
            lat,
            lon,
            km_per_lon: KM_PER_DEG * lat.to_radians().cos(),
        }
    }

    fn project(&self, v: Vertex) -> (f64, f64) {
        (
            (v.lon - self.lon) * self.km_per_lon,
            (v.lat - self.lat) * KM_PER_DEG,
        )
    }

    /// The squared distance in km² from the centre to the segment `a`–`b`.
    fn segment_distance_sq(&self, a: Vertex, b: Vertex) -> f64 {
        let (ax, ay) = self.project(a);
        let (bx, by) = self.project(b);
        let (dx, dy) = (bx - ax, by - ay);
        let length_sq = dx * dx + dy * dy;
        let t = if length_sq > 0.0 {
            (-(ax * dx + ay * dy) / length_sq).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (x, y) = (ax + t * dx, ay + t * dy);
        x * x + y * y
    }
}

/// One polygon of a shape: an outer ring and its holes.
#[derive(Debug, Clone)]
struct Part {
    shape: u32,
    rings: Range<u32>,
    bbox: BBox,
}

/// One closed ring and its latitude bands.
#[derive(Debug, Clone)]
struct Ring {
    /// Its vertices in `Boundaries::vertices`, the closing one included.
    vertices: Range<u32>,
    min_lat: f64,
    max_lat: f64,
    /// Bands per degree of latitude; 0 with a single band.
    bands_per_deg: f64,
    /// Number of bands; 1 means every edge is in the only band and the ray
    /// cast walks the vertices directly.
    bands: u32,
    /// Where the ring's offsets start in `Boundaries::band_offsets`.
    band_offsets: u32,
}

impl Ring {
    /// The band of a latitude within `[min_lat, max_lat]`. Monotonic in
    /// `lat`, so an edge listed under the bands of its two ends is listed
    /// under every band between.
    fn band(&self, lat: f64) -> usize {
        // Saturating cast: below `min_lat` gives 0.
        let band = ((lat - self.min_lat) * self.bands_per_deg) as usize;
        band.min(self.bands as usize - 1)
    }
}

/// The uniform grid of the part index.
#[derive(Debug, Clone)]
struct Grid {
    min_lon: f64,
    min_lat: f64,
    cells_per_deg: f64,
    cols: usize,
    rows: usize,
    /// Where each cell's parts start in `parts`, row by row, plus the end.
    offsets: Vec<u32>,
    /// Part indexes, ascending within each cell.
    parts: Vec<u32>,
}

impl Grid {
    fn col(&self, lon: f64) -> usize {
        (((lon - self.min_lon) * self.cells_per_deg) as usize).min(self.cols - 1)
    }

    fn row(&self, lat: f64) -> usize {
        (((lat - self.min_lat) * self.cells_per_deg) as usize).min(self.rows - 1)
    }

    /// The cells overlapping a box that lies within the grid's extent.
    fn cells(&self, bbox: &BBox) -> impl Iterator<Item = usize> + use<> {
        let cols = self.cols;
        let (c0, c1) = (self.col(bbox.min_lon), self.col(bbox.max_lon));
        let (r0, r1) = (self.row(bbox.min_lat), self.row(bbox.max_lat));
        (r0..=r1).flat_map(move |r| (c0..=c1).map(move |c| r * cols + c))
    }

    /// The parts whose box touches the cell of a point within the grid.
    fn parts_at(&self, lon: f64, lat: f64) -> &[u32] {
        let cell = self.row(lat) * self.cols + self.col(lon);
        &self.parts[self.offsets[cell] as usize..self.offsets[cell + 1] as usize]
    }
}

impl Boundaries {
    /// Reads a GeoJSON FeatureCollection whose features carry `code` and
    /// `name` string properties and Polygon or MultiPolygon geometry with
    /// `[lon, lat]` positions (further members, such as altitude, are
    /// ignored), and builds the indexes.
    ///
    /// Rings may be given closed (first position repeated last, as GeoJSON
    /// requires) or open; consecutive repeated positions are dropped. The
    /// first ring of a polygon is its outer ring, the rest are holes. A ring
    /// left with fewer than three vertices encloses nothing (the national
    /// data has 20 such islets, collapsed by rounding) and is dropped; a
    /// polygon whose outer ring is dropped is dropped whole. Where
    /// polygons of different features overlap, [`Boundaries::locate`] gives
    /// the feature that comes first.
    pub fn from_geojson(text: &str) -> Result<Boundaries, BoundaryError> {
        let collection: FeatureCollection = serde_json::from_str(text)?;
        let mut builder = Builder::default();
        for feature in collection.features {
            builder.add(feature)?;
        }
        Ok(builder.finish())
    }

    /// Number of regencies.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether there are no regencies.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Every regency, in the order of the file.
    pub fn shapes(&self) -> &[Shape] {
        &self.shapes
    }

    /// The regency with this code.
    pub fn shape(&self, code: &str) -> Option<&Shape> {
        self.by_code.get(code).map(|&i| &self.shapes[i])
    }

    /// The regency containing the point (lat, lon in degrees), if any.
    /// Holes are honoured. `None` for non-finite input and for points in no
    /// regency (the sea, other countries).
    pub fn locate(&self, lat: f64, lon: f64) -> Option<&Shape> {
        self.locate_index(lat, lon).map(|i| &self.shapes[i])
    }

    /// The regency whose boundary is nearest to the point and the distance
    /// in km (0 when inside), for points outside every regency. None for
    /// non-finite input or empty set.
    ///
    /// Distances are exact point-to-segment distances in an equirectangular
    /// projection centred on the point, which is within a fraction of a
    /// percent of the great-circle distance for the few hundred km that
    /// matter here. Ties go to the regency that comes first in the file.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<(&Shape, f64)> {
        if !(lat.is_finite() && lon.is_finite()) || self.shapes.is_empty() {
            return None;
        }
        if let Some(i) = self.locate_index(lat, lon) {
            return Some((&self.shapes[i], 0.0));
        }
        let at = Projection::new(lat, lon);
        // Shapes by the lower bound their box gives, nearest first. The
        // bounds are finite and non-negative, so their bits order like them.
        let mut queue: BinaryHeap<Reverse<(u64, usize)>> = self
            .shapes
            .iter()
            .enumerate()
            .map(|(i, shape)| Reverse((shape.bbox.distance_sq(&at).to_bits(), i)))
            .collect();
        let mut best: Option<(f64, usize)> = None;
        while let Some(Reverse((bound, i))) = queue.pop() {
            // Bounds equal to the best distance may still tie with it.
            if best.is_some_and(|(d, _)| f64::from_bits(bound) > d) {
                break;
            }
            for part in &self.parts[self.shapes[i].parts.clone()] {
                if best.is_some_and(|(d, _)| part.bbox.distance_sq(&at) > d) {
                    continue;
                }
                for ring in &self.rings[range(&part.rings)] {
                    let vertices = &self.vertices[range(&ring.vertices)];
                    for edge in vertices.windows(2) {
                        let d = at.segment_distance_sq(edge[0], edge[1]);
                        if best.is_none_or(|best| (d, i) < best) {
                            best = Some((d, i));
                        }
                    }
                }
            }
        }
        best.map(|(d, i)| (&self.shapes[i], d.sqrt()))
    }

    /// A point guaranteed inside the regency (for callers that need a valid
    /// location for a code, e.g. load generators): (lat, lon).
    ///
    /// Deterministic: the area centroid when [`Boundaries::locate`] gives
    /// the regency there; otherwise the middle of the widest interior span
    /// along the middle latitude of the largest polygon's box (then along
    /// other latitudes, then through other polygons, until one locates
    /// back). `None` for an unknown code, or for a regency with no such point
    /// (no area, or wholly covered by features earlier in the file).
    pub fn interior_point(&self, code: &str) -> Option<(f64, f64)> {
        self.shape(code)?.interior
    }

    fn locate_index(&self, lat: f64, lon: f64) -> Option<usize> {
        if !self.bbox.contains(lon, lat) {
            return None;
        }
        self.grid
            .parts_at(lon, lat)
            .iter()
            .map(|&p| &self.parts[p as usize])
            .find(|part| part.bbox.contains(lon, lat) && self.part_contains(part, lon, lat))
            .map(|part| part.shape as usize)
    }

    /// The ray cast over one polygon: whether an odd number of its edges
    /// (of all its rings) cross the ray east from the point.
    fn part_contains(&self, part: &Part, lon: f64, lat: f64) -> bool {
        let mut inside = false;
        for ring in &self.rings[range(&part.rings)] {
            // Only edges with `min <= lat < max` can cross.
            if !(lat >= ring.min_lat && lat < ring.max_lat) {
                continue;
            }
            let mut cross = |e: usize| {
                let (a, b) = (self.vertices[e], self.vertices[e + 1]);
                if (a.lat > lat) != (b.lat > lat) && lon < crossing_lon(a, b, lat) {
                    inside = !inside;
                }
            };
            if ring.bands == 1 {
                range(&ring.vertices)
                    .take(ring.vertices.len() - 1)
                    .for_each(cross);
            } else {
                let at = ring.band_offsets as usize + ring.band(lat);
                let edges = self.band_offsets[at] as usize..self.band_offsets[at + 1] as usize;
                self.band_edges[edges]
                    .iter()
                    .for_each(|&e| cross(e as usize));
            }
        }
        inside
    }

    /// The longitudes where a parallel crosses a polygon's edges, sorted.
    fn crossings(&self, part: &Part, lat: f64) -> Vec<f64> {
        let mut xs = Vec::new();
        for ring in &self.rings[range(&part.rings)] {
            for edge in self.vertices[range(&ring.vertices)].windows(2) {
                let (a, b) = (edge[0], edge[1]);
                if (a.lat > lat) != (b.lat > lat) {
                    xs.push(crossing_lon(a, b, lat));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        xs
    }

    /// Signed area (degrees², positive for the polygon's interior) and
    /// centroid of a polygon, in degrees relative to `origin`.
    fn area_moment(&self, part: &Part, origin: Vertex) -> (f64, f64, f64) {
        let (mut area, mut mx, mut my) = (0.0, 0.0, 0.0);
        for (k, ring) in self.rings[range(&part.rings)].iter().enumerate() {
            let (mut a, mut x, mut y) = (0.0, 0.0, 0.0);
            for edge in self.vertices[range(&ring.vertices)].windows(2) {
                let (x0, y0) = (edge[0].lon - origin.lon, edge[0].lat - origin.lat);
                let (x1, y1) = (edge[1].lon - origin.lon, edge[1].lat - origin.lat);
                let cross = x0 * y1 - x1 * y0;
                a += cross;
                x += (x0 + x1) * cross;
                y += (y0 + y1) * cross;
            }
            // The outer ring adds its area whichever way it winds; holes
            // take theirs away.
            let sign = if (a >= 0.0) == (k == 0) { 1.0 } else { -1.0 };
            area += sign * a / 2.0;
            mx += sign * x / 6.0;
            my += sign * y / 6.0;
        }
        (area, mx, my)
    }

    fn find_interior(&self, index: usize) -> Option<(f64, f64)> {
        let shape = &self.shapes[index];
        let locates_back = |lat: f64, lon: f64| self.locate_index(lat, lon) == Some(index);
        let origin = Vertex {
            lon: shape.bbox.min_lon,
            lat: shape.bbox.min_lat,
        };
        let mut areas = Vec::with_capacity(shape.parts.len());
        let (mut area, mut mx, mut my) = (0.0, 0.0, 0.0);
        for p in shape.parts.clone() {
            let (a, x, y) = self.area_moment(&self.parts[p], origin);
            areas.push((a, p));
            area += a;
            mx += x;
            my += y;
        }
        if area > 0.0 {
            let (lat, lon) = (origin.lat + my / area, origin.lon + mx / area);
            if locates_back(lat, lon) {
                return Some((lat, lon));
            }
        }
        // Largest polygon first; ties by file order.
        areas.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, p) in &areas {
            let part = &self.parts[p];
            let outer = &self.rings[part.rings.start as usize];
            let height = outer.max_lat - outer.min_lat;
            let middle = (outer.min_lat + outer.max_lat) / 2.0;
            // The middle latitude, then others ever further from it.
            let latitudes = std::iter::once(middle).chain((1..8).flat_map(|k| {
                let offset = height * f64::from(k) / 16.0;
                [middle + offset, middle - offset]
            }));
            for lat in latitudes {
                let xs = self.crossings(part, lat);
                let mut spans: Vec<(f64, f64)> = xs.chunks_exact(2).map(|s| (s[0], s[1])).collect();
                spans.sort_by(|a, b| (b.1 - b.0).total_cmp(&(a.1 - a.0)));
                for (west, east) in spans {
                    let lon = (west + east) / 2.0;
                    if west < lon && lon < east && locates_back(lat, lon) {
                        return Some((lat, lon));
                    }
                }
            }
        }
        None
    }
}

/// The longitude where edge `a`–`b` crosses a latitude strictly between
/// (or at the lower of) its ends' latitudes. Computed from the ends ordered
/// by latitude, so that the same edge in two rings, whichever way each
/// walks it, gives the same result to the bit.
fn crossing_lon(a: Vertex, b: Vertex, lat: f64) -> f64 {
    let (lo, hi) = if a.lat < b.lat { (a, b) } else { (b, a) };
    lo.lon + (lat - lo.lat) * (hi.lon - lo.lon) / (hi.lat - lo.lat)
}

fn range(r: &Range<u32>) -> Range<usize> {
    r.start as usize..r.end as usize
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 boundary elements")
}

/// Builds the flat arrays feature by feature, then the indexes.
#[derive(Default)]
struct Builder {
    shapes: Vec<Shape>,
    by_code: HashMap<String, usize>,
    parts: Vec<Part>,
    rings: Vec<Ring>,
    vertices: Vec<Vertex>,
    band_offsets: Vec<u32>,
    band_edges: Vec<u32>,
}

impl Builder {
    fn add(&mut self, feature: Feature) -> Result<(), BoundaryError> {
        let Properties { code, name } = feature.properties;
        if self.by_code.contains_key(&code) {
            return Err(BoundaryError::DuplicateCode(code));
        }
        let polygons = match feature.geometry {
            Geometry::Polygon(rings) => vec![rings],
            Geometry::MultiPolygon(polygons) => polygons,
        };
        let first_part = self.parts.len();
        let mut bbox = BBox::EMPTY;
        let shape = index(self.shapes.len());
        for polygon in polygons {
            let first_ring = index(self.rings.len());
            let mut rings = polygon.into_iter();
            let outer = rings.next().map(|ring| self.add_ring(&code, ring));
            let Some(mut part_box) = outer.transpose()?.flatten() else {
                continue;
            };
            for ring in rings {
                if let Some(ring_box) = self.add_ring(&code, ring)? {
                    part_box.union(&ring_box);
                }
            }
            bbox.union(&part_box);
            self.parts.push(Part {
                shape,
                rings: first_ring..index(self.rings.len()),
                bbox: part_box,
            });
        }
        if self.parts.len() == first_part {
            return Err(BoundaryError::NoGeometry { code });
        }
        self.by_code.insert(code.clone(), self.shapes.len());
        self.shapes.push(Shape {
            code,
            name,
            parts: first_part..self.parts.len(),
            bbox,
            interior: None,
        });
        Ok(())
    }

    /// Adds a ring; `None` when it has fewer than three vertices.
    fn add_ring(
        &mut self,
        code: &str,
        positions: Vec<Position>,
    ) -> Result<Option<BBox>, BoundaryError> {
        let start = self.vertices.len();
        let mut bbox = BBox::EMPTY;
        for Position(lon, lat) in positions {
            if !((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)) {
                return Err(BoundaryError::OutOfRange {
                    code: code.to_owned(),
                    lat,
                    lon,
                });
            }
            let v = Vertex { lon, lat };
            if self.vertices.len() > start && self.vertices.last() == Some(&v) {
                continue;
            }
            self.vertices.push(v);
            bbox.add(v);
        }
        let first = self.vertices.get(start).copied();
        if self.vertices.len() - start > 1 && self.vertices.last().copied() == first {
            self.vertices.pop();
        }
        if self.vertices.len() - start < 3 {
            self.vertices.truncate(start);
            return Ok(None);
        }
        self.vertices.push(self.vertices[start]);
        let end = self.vertices.len();

        let edges = end - start - 1;
        let height = bbox.max_lat - bbox.min_lat;
        let bands = if height > 0.0 {
            (edges / EDGES_PER_BAND).max(1)
        } else {
            1
        };
        let mut ring = Ring {
            vertices: index(start)..index(end),
            min_lat: bbox.min_lat,
            max_lat: bbox.max_lat,
            bands_per_deg: 0.0,
            bands: index(bands),
            band_offsets: index(self.band_offsets.len()),
        };
        if bands > 1 {
            ring.bands_per_deg = bands as f64 / height;
            // Counting sort of the edges into the bands they span;
            // horizontal edges never cross a ray and are left out.
            let spans: Vec<(usize, Range<usize>)> = (start..end - 1)
                .filter_map(|e| {
                    let (a, b) = (self.vertices[e].lat, self.vertices[e + 1].lat);
                    (a != b).then(|| (e, ring.band(a.min(b))..ring.band(a.max(b)) + 1))
                })
                .collect();
            let mut counts = vec![0usize; bands + 1];
            for (_, span) in &spans {
                counts[span.start + 1..span.end + 1]
                    .iter_mut()
                    .for_each(|c| *c += 1);
            }
            for band in 0..bands {
                counts[band + 1] += counts[band];
            }
            let base = self.band_edges.len();
            self.band_offsets
                .extend(counts.iter().map(|&c| index(base + c)));
            self.band_edges.resize(base + counts[bands], 0);
            let mut next = counts;
            for (e, span) in spans {
                for slot in &mut next[span] {
                    self.band_edges[base + *slot] = index(e);
                    *slot += 1;
                }
            }
        }
        self.rings.push(ring);
        Ok(Some(bbox))
    }

    fn finish(mut self) -> Boundaries {
        self.shapes.shrink_to_fit();
        self.parts.shrink_to_fit();
        self.rings.shrink_to_fit();
        self.vertices.shrink_to_fit();
        self.band_offsets.shrink_to_fit();
        self.band_edges.shrink_to_fit();
        let mut bbox = BBox::EMPTY;
        for shape in &self.shapes {
            bbox.union(&shape.bbox);
        }
        let grid = grid(&bbox, &self.parts);
        let mut boundaries = Boundaries {
            shapes: self.shapes,
            by_code: self.by_code,
            parts: self.parts,
            rings: self.rings,
            vertices: self.vertices,
            band_offsets: self.band_offsets,
            band_edges: self.band_edges,
            bbox,
            grid,
        };
        for i in 0..boundaries.shapes.len() {
            boundaries.shapes[i].interior = boundaries.find_interior(i);
        }
        boundaries
    }
}

/// The part index over the data's box.
fn grid(bbox: &BBox, parts: &[Part]) -> Grid {
    let mut grid = Grid {
        min_lon: bbox.min_lon,
        min_lat: bbox.min_lat,
        cells_per_deg: 1.0 / CELL_DEG,
        cols: 1,
        rows: 1,
        offsets: vec![0, 0],
        parts: Vec::new(),
    };
    if parts.is_empty() {
        return grid;
    }
    let (width, height) = (bbox.max_lon - bbox.min_lon, bbox.max_lat - bbox.min_lat);
    let mut cell = CELL_DEG;
    let size = |cell: f64| ((width / cell) as usize + 1, (height / cell) as usize + 1);
    while size(cell).0 * size(cell).1 > MAX_CELLS {
        cell *= 2.0;
    }
    (grid.cols, grid.rows) = size(cell);
    grid.cells_per_deg = 1.0 / cell;

    let mut counts = vec![0usize; grid.cols * grid.rows + 1];
    for part in parts {
        for c in grid.cells(&part.bbox) {
            counts[c + 1] += 1;
        }
    }
    for c in 0..grid.cols * grid.rows {
        counts[c + 1] += counts[c];
    }
    grid.offsets = counts.iter().map(|&c| index(c)).collect();
    grid.parts = vec![0; counts[grid.cols * grid.rows]];
    let mut next = counts;
    for (p, part) in parts.iter().enumerate() {
        for c in grid.cells(&part.bbox) {
            grid.parts[next[c]] = index(p);
            next[c] += 1;
        }
    }
    grid
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<Position>>),
    MultiPolygon(Vec<Vec<Vec<Position>>>),
}

/// A GeoJSON position: longitude, latitude, and any further members
/// (altitude), which are ignored.
struct Position(f64, f64);

impl<'de> Deserialize<'de> for Position {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Position, D::Error> {
        struct PositionVisitor;

        impl<'de> Visitor<'de> for PositionVisitor {
            type Value = Position;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a position [lon, lat]")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Position, A::Error> {
                let lon = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let lat = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Position(lon, lat))
            }
        }

        deserializer.deserialize_seq(PositionVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARES: &str = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "01.01", "name": "West"},
         "geometry": {"type": "Polygon", "coordinates":
            [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
        {"type": "Feature", "properties": {"code": "01.02", "name": "East"},
         "geometry": {"type": "MultiPolygon", "coordinates":
            [[[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]],
              [[1.4, 0.4], [1.6, 0.4], [1.6, 0.6], [1.4, 0.6], [1.4, 0.4]]]]}}
    ]}"#;

    fn heap_bytes(b: &Boundaries) -> usize {
        use std::mem::size_of;
        b.shapes.len() * size_of::<Shape>()
            + b.shapes
                .iter()
                .map(|s| 2 * (s.code.len() + s.name.len()) + size_of::<(String, usize)>())
                .sum::<usize>()
            + b.parts.len() * size_of::<Part>()
            + b.rings.len() * size_of::<Ring>()
            + b.vertices.len() * size_of::<Vertex>()
            + (b.band_offsets.len() + b.band_edges.len()) * size_of::<u32>()
            + (b.grid.offsets.len() + b.grid.parts.len()) * size_of::<u32>()
    }

    #[test]
    fn a_shared_edge_belongs_to_exactly_one_side() {
        let b = Boundaries::from_geojson(SQUARES).unwrap();
        assert_eq!(b.locate(0.5, 1.0).map(|s| s.code.as_str()), Some("01.02"));
        assert_eq!(b.locate(0.5, 0.999_999).unwrap().code, "01.01");
        assert_eq!(b.locate(0.5, 1.000_001).unwrap().code, "01.02");
    }

    #[test]
    fn the_bands_list_every_edge_a_parallel_can_cross() {
        // A many-sided ring, cut into bands; its hole too.
        let mut ring: Vec<String> = (0..64)
            .map(|k| {
                let t = f64::from(k) / 64.0 * std::f64::consts::TAU;
                format!("[{}, {}]", t.cos(), t.sin())
            })
            .collect();
        ring.push(ring[0].clone());
        let text = format!(
            r#"{{"features": [{{"properties": {{"code": "c", "name": "Circle"}},
              "geometry": {{"type": "Polygon", "coordinates": [[{}]]}}}}]}}"#,
            ring.join(",")
        );
        let b = Boundaries::from_geojson(&text).unwrap();
        assert!(b.rings[0].bands > 1);
        for i in -100..=100 {
            for j in -100..=100 {
                let (lat, lon) = (f64::from(i) / 101.0, f64::from(j) / 101.0);
                let part = &b.parts[0];
                let by_bands = b.part_contains(part, lon, lat);
                let by_walk = b.crossings(part, lat).iter().filter(|&&x| lon < x).count() % 2 == 1;
                assert_eq!(by_bands, by_walk, "({lat}, {lon})");
            }
        }
    }

    fn national() -> Boundaries {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data/regency_boundaries.geojson"
        ))
        .unwrap();
        Boundaries::from_geojson(&text).unwrap()
    }

    #[test]
    fn the_indexes_agree_with_a_walk_over_every_polygon() {
        let b = national();
        // A fixed pseudo-random spread over the data's box.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut unit = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut inside = 0;
        for _ in 0..5000 {
            let lat = b.bbox.min_lat + unit() * (b.bbox.max_lat - b.bbox.min_lat);
            let lon = b.bbox.min_lon + unit() * (b.bbox.max_lon - b.bbox.min_lon);
            let walked = b.parts.iter().find(|part| {
                part.bbox.contains(lon, lat)
                    && b.crossings(part, lat).iter().filter(|&&x| lon < x).count() % 2 == 1
            });
            let walked = walked.map(|part| part.shape as usize);
            assert_eq!(b.locate_index(lat, lon), walked, "({lat}, {lon})");
            inside += usize::from(walked.is_some());
        }
        // Land is about a tenth of the box.
        assert!(inside > 300, "{inside}");
    }

    #[test]
    fn the_national_index_takes_a_few_megabytes() {
        let b = national();
        let bytes = heap_bytes(&b);
        assert!(bytes < 8 << 20, "{bytes} bytes");
    }
}
