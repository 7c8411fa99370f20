#!/usr/bin/env python3
"""Build Sigap's reference data from the researched inputs.

Usage: python3 data/derive.py [SOURCE_DIR]

SOURCE_DIR holds the researched regions.csv, units.csv and working_areas.csv;
it defaults to data/sources (next to this script). The regency boundaries are
read from data/regency_boundaries.geojson. Output goes next to this script:

  regions.csv         verbatim copy of SOURCE_DIR/regions.csv
  units.csv           the units, in the column layout the api seeds
  coverage_rules.csv  which unit covers which region, with basis and evidence
  regency_map.json    simplified regency outlines (SVG paths) for the console

Standard library only. The output is deterministic: re-running it gives
byte-identical files. The script stops (SystemExit) on an unknown region or
unit code, a bad evidence or confidence value, a note of 200 characters or
more, or a duplicate rule key.
"""

import csv
import json
import math
import os
import shutil
import sys
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "sources")
BOUNDARIES = os.path.join(HERE, "regency_boundaries.geojson")

UNIT_HEADER = [
    "code", "name", "kind", "region_code", "lat", "lon", "categories",
    "capacity", "active", "contact", "seat_basis", "address", "target_groups",
]
COVERAGE_HEADER = [
    "unit_code", "region_code", "category", "priority", "basis",
    "confidence", "year", "source", "note",
]

# Sigap categories, in their canonical order.
CATEGORIES = [
    "child", "disability", "elderly", "social_vulnerability",
    "substance_abuse", "disaster_victim", "poverty", "other",
]

# Target-group tag -> Sigap category. `multi_service` (serves all) is handled
# separately; every `disability_*` tag maps to `disability`.
TAG_CATEGORY = {
    "children": "child",
    "elderly": "elderly",
    "disability": "disability",
    "women_at_risk": "social_vulnerability",
    "trafficking_victims": "social_vulnerability",
    "violence_victims": "social_vulnerability",
    "homeless_beggars": "social_vulnerability",
    "drug_users": "substance_abuse",
    "hiv": "substance_abuse",
    "disaster_victims": "disaster_victim",
}

# No source gives a unit's capacity (open cases): planning default.
DEFAULT_CAPACITY = "500"

# Basis -> priority (higher wins among equally specific rules), and the
# order rows are sorted in.
PRIORITY = {"stated": "0", "served": "-1", "derived": "-2"}
BASIS_ORDER = {"stated": 0, "served": 1, "derived": 2}
CONFIDENCES = ("high", "medium", "low")
EVIDENCE = ("stated", "served")

# Hosts whose pages are not the ministry's although they look like it.
UNOFFICIAL_HOSTS = {"kementeriansosial.org"}

# Publisher named in the notes: host (or a parent domain of it) -> name;
# any other host is named as itself, without "www.".
PUBLISHERS = {
    "kemensos.go.id": "Kemensos",
    "antaranews.com": "Antara",
    "merdeka.com": "Merdeka.com",
    "bali.tribunnews.com": "Tribun Bali",
    "sosial.gunungkidulkab.go.id": "Dinsos Gunungkidul",
    "dinsos.kotimkab.go.id": "Dinsos Kotawaringin Timur",
    "dinsos.metrokota.go.id": "Dinsos Kota Metro",
    "dinassosial.payakumbuhkota.go.id": "Dinsos Payakumbuh",
}

# Shorter unit names for the notes, where the official one reads badly there.
NOTE_UNIT_NAME = {"BALAI-GAU-MABAJI": "Balai Gau Mabaji"}

# The working areas units.csv records (working_area_provinces and
# working_area_regencies), split into the statements they come from. Every
# code in those cells must belong to exactly one statement here, and every
# code here must be in those cells: the script stops otherwise, so that a
# change to units.csv is matched by a decision here.
#   codes     region codes the statement gives
#   basis     `stated` (the source says it is the working area) or `served`
#             (the source reports aid there, nothing more)
#   url       the page making the statement (one of the row's `sources`,
#             unless url_listed is False)
#   year      year of the statement (from the row's working_area_note)
#   partial   province codes the source places only partly in the working
#             area (the rule covers the whole province, so it is wider)
#   implied   codes the source implies but does not name
#   caveat    text added to every note of the statement
#   caveats   text added to the note of one code
#   notes     a complete note for one code, replacing the generated one
UNIT_STATEMENTS = {
    "SENTRA-MULYA-JAYA": [
        dict(codes=["13", "13.03"], basis="stated", year=2022,
             url="https://kemensos.go.id/en/to-strengthen-synergy-deputy-regent-of-sijunjung-visits-mulya-jaya-center-jakarta",
             partial=["13"], caveats={"13": " (only Sijunjung is named)"}),
    ],
    "SENTRA-TERPADU-KARTINI": [
        dict(codes=["33", "35", "64", "33.23"], basis="stated", year=2023,
             url="https://suarabaru.id/2023/11/03/sentra-terpadu-kartini-temanggung-luncurkan-petunjuk-pengelolaan-atensi",
             partial=["33", "35", "64"], implied=["33.23"],
             caveat=" (22 regencies/cities, not all named)",
             notes={"33.23": "suarabaru.id 2023 gives Sentra Terpadu Kartini 22 working areas in Jawa "
                             "Tengah, Jawa Timur and Kalimantan Timur; its seat Kabupaten Temanggung "
                             "is taken as one of them"}),
        dict(codes=["33.07", "33.71", "33.25", "33.26", "33.75", "35.20", "35.77"],
             basis="stated", year=2024,
             url="https://kemensos.go.id/index.php/en/uke/directorate-general-of-social-rehabilitation/kartini-centers-wholehearted-service"),
    ],
    "SENTRA-PHALAMARTHA": [
        dict(codes=["16", "32", "16.74", "16.02", "32.02"], basis="stated", year=2025,
             url="https://kementeriansosial.org/upt/sentra/phalamartha",
             partial=["16", "32"], caveat=" (unofficial site, truncated list)"),
    ],
    "SENTRA-ANTASENA": [
        dict(codes=["34", "34.03"], basis="stated", year=2024,
             url="https://sosial.gunungkidulkab.go.id/2024/10/15/audiensi-program-kegiatan-rehabilitasi-sosial-di-sentra-antasena-magelang-bahas-koordinasi-dan-dukungan-bagi-kabupaten-gunungkidul",
             partial=["34"], implied=["34.03"],
             caveats={"34": " (inferred from Gunungkidul)",
                      "34.03": " (implied, not an explicit list)"}),
    ],
    "SENTRA-PARAMITA": [
        dict(codes=["52", "53", "52.01", "52.02", "52.03", "52.04", "52.05", "52.06",
                    "52.07", "52.08", "52.71", "52.72", "53.18"],
             basis="stated", year=2022,
             url="https://kemensos.go.id/index.php/en/latest-news/directorate-general-of-social-rehabilitation/paramita-center-and-commission-viii-dpr-ri-distribute-atensi-aid-to-170-persons-with-disabilities-of-sembalun",
             partial=["53"],
             caveats={"52": " (all 10 regencies/cities)",
                      "53": " (only Sumba Barat Daya is named)",
                      "52.07": " (quoted under NTT, but it is in NTB)"}),
    ],
    "SENTRA-DHARMA-GUNA": [
        dict(codes=["17", "17.01", "17.02", "17.03", "17.04", "17.05", "17.06", "17.07",
                    "17.08", "17.09", "17.71"],
             basis="stated", year=2023,
             url="https://kemensos.go.id/berita-terkini/direktorat-jenderal-rehabilitasi-sosial/sinergi-kemensos-dan-dpr-ribuan-ppks-terima-bantuan-atensi",
             caveats={"17": " (all 10 regencies/cities)"}),
    ],
    "BALAI-GAU-MABAJI": [
        dict(codes=["73", "76", "63", "61", "62", "64", "65", "52", "53", "51"],
             basis="stated", year=2020,
             url="https://kemensos.go.id/en/latest-news/directorate-general-of-social-rehabilitation/as-proof-that-the-ministry-of-social-affairs-is-present-8900-elderly-in-10-provinces-get-social-assistance",
             caveat=" (pre-2022 balai, may be obsolete)"),
    ],
    "SENTRA-TUMOU-TOU": [
        dict(codes=["71", "75"], basis="stated", year=2024,
             url="https://planet.merdeka.com/hot-news/sentra-tumou-tou-manado-alokasikan-rp45-miliar-untuk-bantuan-atensi-367811-mvk.html",
             caveat=" (21 regencies/cities)"),
    ],
    "SENTRA-PANGURANGI": [
        dict(codes=["73.08", "73.12", "73.05", "73.04", "73.03", "73.01", "73.02", "73.07"],
             basis="stated", year=2022, url="https://makassar.antaranews.com/berita/446987"),
    ],
    # units.csv lists these under working_area_regencies, but its note says
    # no working area is stated: they are places served.
    "SENTRA-MAHATMIYA": [
        # The 2023 Buleleng report is not among the row's sources; this is it.
        dict(codes=["51.08"], basis="served", year=2023, url_listed=False,
             url="https://kemensos.go.id/berita-terkini/direktorat-jenderal-rehabilitasi-sosial/terima-bantuan-atensi-warga-kem-kolok-bengkala-jadi-lebih-berdaya"),
        dict(codes=["51.06"], basis="served", year=2025,
             url="https://warnaberita.com/bali/30097/pemkab-bangli-serahkan-bantuan-atensi-untuk-masyarakat-rentan"),
        dict(codes=["51.04"], basis="served", year=2022,
             url="https://bali.tribunnews.com/2022/10/06/1363-penyandang-disabilitas-diberdayakan-ke-peternakan-dan-pertanian",
             notes={"51.04": "Tribun Bali 2022 reports a Sentra Mahatmiya programme for persons with "
                             "mental disabilities in Kabupaten Gianyar (evidence of service, not a "
                             "stated working area)"}),
    ],
    "SENTRA-GALIH-PAKUAN": [
        dict(codes=["36.04"], basis="served", year=2025,
             url="https://pilarbanten.com/dinsos-kabupaten-serang-salurkan-bantuan-atensi-untuk-disabilitas-dan-lansia-terlantar"),
    ],
}

# Caveats for working_areas.csv rows, (unit, region) -> text added to the note.
WORKING_AREA_CAVEATS = {
    ("SENTRA-TERPADU-INTEN-SOEWENO", "13.74"): " (added in 2024)",
    ("SENTRA-PHALAMARTHA", "32.07"): " (since 2023, by the ministry's decision)",
}

MAX_NOTE = 200

# regency_map.json
MAP_ATTRIBUTION = ("Regency boundaries: cahyadsn/wilayah_boundaries "
                   "(MIT License, (c) Cahya DSN), simplified")
LON0, LAT0, SCALE = 94.5, 7.0, 10.0   # x = (lon - 94.5) * 10, y = (7 - lat) * 10
TOLERANCE = 0.12        # Douglas-Peucker tolerance, map units (0.1 degree = 1)
MIN_RING_AREA = 0.06    # smaller rings (map units^2) may be dropped ...
COVER = 0.9             # ... once the kept outer rings hold this share of the area
SMALL_RING = 1.5        # rings narrower than this (map units) use 2 decimals
VIEWBOX_PAD = 2


# ---------------------------------------------------------------- helpers

def fail(msg):
    raise SystemExit(f"derive.py: {msg}")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def split_cell(cell, sep=";"):
    return [t.strip() for t in cell.split(sep) if t.strip()]


def categories_for(tags_cell):
    tags = split_cell(tags_cell)
    if not tags or "multi_service" in tags:
        return ""
    cats = set()
    for t in tags:
        if t.startswith("disability_"):
            cats.add("disability")
        elif t in TAG_CATEGORY:
            cats.add(TAG_CATEGORY[t])
        else:
            fail(f"unknown target-group tag {t!r}")
    return ";".join(c for c in CATEGORIES if c in cats)


def host_of(url):
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        fail(f"not a URL: {url!r}")
    return host[4:] if host.startswith("www.") else host


def host_matches(host, domain):
    return host == domain or host.endswith("." + domain)


def publisher(url):
    host = host_of(url)
    for domain in sorted(PUBLISHERS, key=len, reverse=True):
        if host_matches(host, domain):
            return PUBLISHERS[domain]
    return host


def unit_note_name(unit):
    return NOTE_UNIT_NAME.get(unit["code"], unit["name"])


def check_note(note):
    note = " ".join(note.split())
    if len(note) >= MAX_NOTE:
        fail(f"note of {len(note)} characters (limit {MAX_NOTE - 1}): {note}")
    return note


def check_region(code, regions, where):
    if code not in regions:
        fail(f"{where}: unknown region code {code!r}")
    return regions[code]


def statement_confidence(basis, url, year, code, partial, implied):
    """Confidence of a units.csv statement for one region (see README)."""
    host = host_of(url)
    if year < 2022 or any(host_matches(host, d) for d in UNOFFICIAL_HOSTS):
        return "low"
    if (basis == "stated" and host_matches(host, "kemensos.go.id")
            and code not in partial and code not in implied):
        return "high"
    return "medium"


def stated_note(pub, year, region, unit_name, partial, caveat):
    part = " (all or part)" if partial else ""
    return f"{pub} {year} names {region['name']}{part} in {unit_name}'s working area{caveat}"


def served_note(pub, year, region, unit_name, atensi, caveat):
    aid = "ATENSI aid" if atensi else "aid"
    return (f"{pub} {year} reports {aid} to {region['name']} through {unit_name} "
            f"({caveat}evidence of service, not a stated working area)")


# ---------------------------------------------------------------- rules

def rules_from_units(units, regions):
    """Stated/served rules from units.csv working-area cells."""
    out = []
    for u in units:
        cells = []
        for column, level in (("working_area_provinces", "province"),
                              ("working_area_regencies", "regency")):
            for code in split_cell(u[column]):
                region = check_region(code, regions, f"units.csv {u['code']} {column}")
                if region["level"] != level:
                    fail(f"units.csv {u['code']} {column}: {code} is not a {level}")
                if code in cells:
                    fail(f"units.csv {u['code']}: region {code} listed twice")
                cells.append(code)
        statements = UNIT_STATEMENTS.get(u["code"], [])
        configured = [c for s in statements for c in s["codes"]]
        if len(configured) != len(set(configured)):
            fail(f"UNIT_STATEMENTS {u['code']}: a code is in two statements")
        if set(configured) != set(cells):
            fail(f"units.csv {u['code']}: working area {sorted(cells)} does not match "
                 f"UNIT_STATEMENTS {sorted(configured)}; update UNIT_STATEMENTS")
        listed = split_cell(u["sources"], " ; ")
        for s in statements:
            if s["basis"] not in EVIDENCE:
                fail(f"UNIT_STATEMENTS {u['code']}: bad basis {s['basis']!r}")
            if s.get("url_listed", True) and s["url"] not in listed:
                fail(f"UNIT_STATEMENTS {u['code']}: {s['url']} is not in the row's sources")
            partial = set(s.get("partial", ()))
            implied = set(s.get("implied", ()))
            pub = publisher(s["url"])
            for code in s["codes"]:
                region = regions[code]
                conf = statement_confidence(s["basis"], s["url"], s["year"], code, partial, implied)
                caveat = s.get("caveat", "") + s.get("caveats", {}).get(code, "")
                note = s.get("notes", {}).get(code)
                if note is None and s["basis"] == "stated":
                    note = stated_note(pub, s["year"], region, unit_note_name(u),
                                       code in partial, caveat)
                elif note is None:
                    note = served_note(pub, s["year"], region, unit_note_name(u),
                                       "atensi" in s["url"].lower(),
                                       caveat.strip() + "; " if caveat else "")
                out.append(dict(unit=u["code"], region=code, basis=s["basis"],
                                confidence=conf, year=s["year"], source=s["url"],
                                note=check_note(note), origin="units.csv"))
    return out


def rules_from_working_areas(rows, units_by_code, regions):
    out = []
    seen = set()
    for i, r in enumerate(rows, start=2):
        where = f"working_areas.csv line {i}"
        unit = units_by_code.get(r["unit_code"])
        if unit is None:
            fail(f"{where}: unknown unit code {r['unit_code']!r}")
        region = check_region(r["region_code"], regions, where)
        if r["evidence"] not in EVIDENCE:
            fail(f"{where}: bad evidence {r['evidence']!r}")
        if r["confidence"] not in CONFIDENCES:
            fail(f"{where}: bad confidence {r['confidence']!r}")
        try:
            year = int(r["year"])
        except ValueError:
            fail(f"{where}: bad year {r['year']!r}")
        if not 1945 <= year <= 2100:
            fail(f"{where}: year {year} out of range")
        key = (r["unit_code"], r["region_code"])
        if key in seen:
            fail(f"{where}: duplicate unit/region {key}")
        seen.add(key)
        pub = publisher(r["source_url"])
        caveat = WORKING_AREA_CAVEATS.get(key, "")
        if r["evidence"] == "stated":
            note = stated_note(pub, year, region, unit_note_name(unit), False, caveat)
        else:
            if year < 2022:
                caveat = (caveat.strip() + "; " if caveat else "") + "pre-2022 balai; "
            elif caveat:
                caveat = caveat.strip() + "; "
            atensi = "atensi" in (r["source_url"] + " " + r["note"]).lower()
            note = served_note(pub, year, region, unit_note_name(unit), atensi, caveat)
        out.append(dict(unit=r["unit_code"], region=r["region_code"], basis=r["evidence"],
                        confidence=r["confidence"], year=year, source=r["source_url"],
                        note=check_note(note), origin="working_areas.csv"))
    return out


def strength(rule):
    """Larger is stronger: stated over served, then the newer year."""
    return (-BASIS_ORDER[rule["basis"]], rule["year"], -CONFIDENCES.index(rule["confidence"]))


def merge(rules):
    """One rule per (unit, region); the stronger one wins. Returns (kept, dropped)."""
    kept, dropped = {}, []
    for r in rules:
        key = (r["unit"], r["region"])
        old = kept.get(key)
        if old is None:
            kept[key] = r
        elif strength(r) > strength(old):
            dropped.append(old)
            kept[key] = r
        else:
            dropped.append(r)
    return list(kept.values()), dropped


def derived_rules(units, evidence_rules, regions):
    named = {(r["unit"], r["region"]) for r in evidence_rules}
    # Regencies some source speaks of (for any unit): no seat rule there.
    spoken = {r["region"] for r in evidence_rules}
    out = []
    for u in units:
        seat = u["regency_code"]
        if seat and seat not in spoken:
            regency = check_region(seat, regions, f"units.csv {u['code']} regency_code")
            out.append(dict(unit=u["code"], region=seat, basis="derived",
                            confidence="", year="", source="",
                            note=check_note(f"no source names a unit for {regency['name']}; "
                                            f"{unit_note_name(u)} has its seat there")))
        province = check_region(u["province_code"], regions, f"units.csv {u['code']} province_code")
        if province["level"] != "province":
            fail(f"units.csv {u['code']}: province_code {u['province_code']} is not a province")
        name = unit_note_name(u)
        if (u["code"], u["province_code"]) not in named:
            out.append(dict(unit=u["code"], region=u["province_code"], basis="derived",
                            confidence="", year="", source="",
                            note=check_note(f"no source states its working area there; {name} "
                                            f"covers {province['name']}, the province of its seat")))
        out.append(dict(unit=u["code"], region="", basis="derived", confidence="", year="",
                        source="", note=check_note("no source covers the region; every unit "
                                                   "is a national fallback")))
    return out


# ---------------------------------------------------------------- map

def project(lon, lat):
    return ((lon - LON0) * SCALE, (LAT0 - lat) * SCALE)


def ring_area(pts):
    """Signed shoelace area (positive = clockwise on screen, y down)."""
    a = 0.0
    n = len(pts)
    for i in range(n):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % n]
        a += x1 * y2 - x2 * y1
    return a / 2.0


def douglas_peucker(pts, tol):
    """Simplify an open polyline, keeping both ends."""
    n = len(pts)
    if n < 3:
        return list(pts)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    tol2 = tol * tol
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = pts[i], pts[j]
        dx, dy = x2 - x1, y2 - y1
        len2 = dx * dx + dy * dy
        best, best_d = -1, tol2
        for k in range(i + 1, j):
            px, py = pts[k]
            if len2 == 0.0:
                d = (px - x1) ** 2 + (py - y1) ** 2
            else:
                t = ((px - x1) * dx + (py - y1) * dy) / len2
                t = min(1.0, max(0.0, t))
                d = (px - x1 - t * dx) ** 2 + (py - y1 - t * dy) ** 2
            if d > best_d:
                best, best_d = k, d
        if best >= 0:
            keep[best] = True
            stack.append((i, best))
            stack.append((best, j))
    return [p for p, k in zip(pts, keep) if k]


def simplify_ring(pts, tol):
    """Simplify a closed ring (no repeated closing point) split at its two
    farthest-apart points, so that the result does not depend on where the
    ring starts more than necessary."""
    if len(pts) <= 4:
        return list(pts)
    x0, y0 = pts[0]
    far = max(range(len(pts)), key=lambda k: ((pts[k][0] - x0) ** 2 + (pts[k][1] - y0) ** 2, -k))
    a = douglas_peucker(pts[:far + 1], tol)
    b = douglas_peucker(pts[far:] + [pts[0]], tol)
    return a[:-1] + b[:-1]


def round_ring(pts, decimals):
    out = []
    for x, y in pts:
        p = (round(x, decimals), round(y, decimals))
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def fmt(v, decimals):
    s = f"{v:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def ring_path(pts, decimals):
    coords = [f"{fmt(x, decimals)} {fmt(y, decimals)}" for x, y in pts]
    return "M" + coords[0] + "L" + " ".join(coords[1:]) + "Z"


def regency_shape(feature):
    """Return [(points, decimals)]: the regency's rings projected, simplified
    and rounded; outer rings clockwise and holes counter-clockwise on screen
    (so that the default nonzero fill rule draws holes as holes).

    In each polygon the ring with the largest area is the outer ring; other
    rings of the opposite orientation are holes, rings of the same
    orientation are further outer rings (the source stores some islands that
    way). Outer rings are kept from the largest down until they hold
    COVER of the regency's area; after that only rings of MIN_RING_AREA or
    more are kept, so that small islands are dropped unless they are most of
    the regency (Kepulauan Seribu). Holes below MIN_RING_AREA are dropped.
    A ring narrower than SMALL_RING is rounded to 2 decimals and simplified
    with a tolerance scaled to its size; the regency's largest ring is always
    kept, unsimplified if need be."""
    outers, holes = [], []
    for polygon in feature["geometry"]["coordinates"]:
        rings = []
        for ring in polygon:
            pts = [project(lon, lat) for lon, lat in ring]
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts = pts[:-1]
            if len(pts) >= 3 and ring_area(pts) != 0.0:
                rings.append(pts)
        if not rings:
            continue
        k = max(range(len(rings)), key=lambda j: (abs(ring_area(rings[j])), -j))
        sign = ring_area(rings[k]) > 0
        for j, pts in enumerate(rings):
            (outers if j == k or (ring_area(pts) > 0) == sign else holes).append(pts)
    if not outers:
        fail(f"{feature['properties']['code']}: no ring")
    total = sum(abs(ring_area(r)) for r in outers)
    order = sorted(range(len(outers)), key=lambda i: (-abs(ring_area(outers[i])), i))
    chosen, covered = [], 0.0
    for rank, i in enumerate(order):
        a = abs(ring_area(outers[i]))
        if rank == 0 or covered < COVER * total or a >= MIN_RING_AREA:
            chosen.append((i, False))
            covered += a
    chosen.sort()
    chosen += [(i, True) for i, h in enumerate(holes) if abs(ring_area(h)) >= MIN_RING_AREA]
    largest = order[0]

    out = []
    for i, is_hole in chosen:
        pts = holes[i] if is_hole else outers[i]
        xs = [x for x, _ in pts]
        ys = [y for _, y in pts]
        extent = max(max(xs) - min(xs), max(ys) - min(ys))
        if extent < SMALL_RING:
            decimals, tol = 2, min(TOLERANCE, extent / 20.0)
        else:
            decimals, tol = 1, TOLERANCE
        simple = round_ring(simplify_ring(pts, tol), decimals)
        if len(simple) < 3 or ring_area(simple) == 0.0:
            if is_hole or i != largest:
                continue
            decimals, simple = 2, round_ring(pts, 2)
            if len(simple) < 3 or ring_area(simple) == 0.0:
                fail(f"{feature['properties']['code']}: largest ring degenerates")
        clockwise = ring_area(simple) > 0
        if clockwise == is_hole:
            simple = [simple[0]] + simple[:0:-1]
        out.append((simple, decimals))
    return out


def build_map(path, regions):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    features = data.get("features", [])
    regencies = []
    minx = miny = math.inf
    maxx = maxy = -math.inf
    codes = set()
    for feat in features:
        code = feat["properties"]["code"]
        name = feat["properties"]["name"]
        region = check_region(code, regions, "regency_boundaries.geojson")
        if region["level"] != "regency":
            fail(f"regency_boundaries.geojson: {code} is not a regency")
        if code in codes:
            fail(f"regency_boundaries.geojson: {code} twice")
        codes.add(code)
        if feat["geometry"]["type"] != "MultiPolygon":
            fail(f"regency_boundaries.geojson: {code} is not a MultiPolygon")
        parts = []
        for pts, decimals in regency_shape(feat):
            parts.append(ring_path(pts, decimals))
            for x, y in pts:
                minx, maxx = min(minx, x), max(maxx, x)
                miny, maxy = min(miny, y), max(maxy, y)
        regencies.append({"code": code, "name": name, "province": region["parent_code"],
                          "d": " ".join(parts)})
    missing = sorted(c for c, r in regions.items() if r["level"] == "regency" and c not in codes)
    if missing:
        fail(f"regency_boundaries.geojson: no boundary for {', '.join(missing)}")
    regencies.sort(key=lambda r: r["code"])
    x0 = math.floor(minx) - VIEWBOX_PAD
    y0 = math.floor(miny) - VIEWBOX_PAD
    w = math.ceil(maxx) + VIEWBOX_PAD - x0
    h = math.ceil(maxy) + VIEWBOX_PAD - y0
    head = {"attribution": MAP_ATTRIBUTION, "viewBox": f"{x0} {y0} {w} {h}"}
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in regencies]
    text = (json.dumps(head, ensure_ascii=False)[:-1] + ', "regencies": [\n'
            + ",\n".join(lines) + "\n]}\n")
    json.loads(text)  # well-formed
    return text, len(regencies)


# ---------------------------------------------------------------- main

def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE)
    regions_path = os.path.join(src, "regions.csv")
    region_rows = read_csv(regions_path)
    regions = {r["code"]: r for r in region_rows}
    if len(regions) != len(region_rows):
        fail("regions.csv: duplicate region code")
    units = read_csv(os.path.join(src, "units.csv"))
    working_areas = read_csv(os.path.join(src, "working_areas.csv"))

    # 1. regions.csv: verbatim copy.
    shutil.copyfile(regions_path, os.path.join(HERE, "regions.csv"))

    # 2. units.csv
    units_by_code = {}
    unit_rows = []
    for u in units:
        if u["code"] in units_by_code:
            fail(f"units.csv: unit {u['code']} twice")
        units_by_code[u["code"]] = u
        region_code = u["regency_code"] or u["province_code"]
        check_region(region_code, regions, f"units.csv {u['code']} seat")
        unit_rows.append([
            u["code"], u["name"], u["kind"], region_code, u["lat"], u["lon"],
            categories_for(u["target_groups"]), DEFAULT_CAPACITY, "true", "",
            u["seat_basis"], u["address"], u["target_groups"],
        ])
    unknown = sorted(set(UNIT_STATEMENTS) - set(units_by_code))
    if unknown:
        fail(f"UNIT_STATEMENTS: unknown unit code(s) {', '.join(unknown)}")
    write_csv(os.path.join(HERE, "units.csv"), UNIT_HEADER, unit_rows)

    # 3. coverage_rules.csv
    evidence, dropped = merge(rules_from_units(units, regions)
                              + rules_from_working_areas(working_areas, units_by_code, regions))
    rules = evidence + derived_rules(units, evidence, regions)
    keys = [(r["unit"], r["region"], "") for r in rules]
    if len(keys) != len(set(keys)):
        fail("coverage_rules: duplicate (unit_code, region_code, category)")
    rules.sort(key=lambda r: (r["unit"], BASIS_ORDER[r["basis"]], r["region"]))
    rows = [[r["unit"], r["region"], "", PRIORITY[r["basis"]], r["basis"], r["confidence"],
             str(r["year"]), r["source"], r["note"]] for r in rules]
    write_csv(os.path.join(HERE, "coverage_rules.csv"), COVERAGE_HEADER, rows)

    # 4. regency_map.json
    text, n_map = build_map(BOUNDARIES, regions)
    map_path = os.path.join(HERE, "regency_map.json")
    with open(map_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

    counts = {b: sum(1 for r in rules if r["basis"] == b) for b in BASIS_ORDER}
    print(f"regions: {len(region_rows)}, units: {len(unit_rows)}, coverage rules: {len(rows)} "
          + "(" + ", ".join(f"{n} {b}" for b, n in counts.items()) + ")")
    for d in dropped:
        print(f"  merged: {d['unit']} {d['region']} {d['basis']} {d['year']} ({d['origin']}) "
              f"gave way to a stronger rule")
    print(f"regency_map.json: {n_map} regencies, {os.path.getsize(map_path)} bytes")


if __name__ == "__main__":
    main()
