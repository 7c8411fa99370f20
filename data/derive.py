#!/usr/bin/env python3
"""Build Sigap's reference data (regions.csv, units.csv, coverage_rules.csv).

Usage: python3 data/derive.py [SOURCE_DIR]

SOURCE_DIR holds the researched regions.csv and units.csv; it defaults to
<this script's dir>/../../shared/data. Output goes next to this script.
Standard library only; the output is deterministic (re-running it gives
byte-identical files).
"""

import csv
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "..", "..", "shared", "data")

UNIT_HEADER = [
    "code", "name", "kind", "region_code", "lat", "lon", "categories",
    "capacity", "active", "contact", "seat_basis", "address", "target_groups",
]
COVERAGE_HEADER = ["unit_code", "region_code", "category", "priority", "basis", "note"]

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

# Paraphrases of the working-area statements, per unit. A note is a format
# string; {name} is the region's name from regions.csv. Keys: "province",
# "regency", or a specific region code (takes precedence).
SOURCE_NOTES = {
    "SENTRA-MULYA-JAYA": {
        "province": "Kemensos 2022: Sijunjung (Sumatera Barat) is a working area of Sentra Mulya Jaya; "
                    "only that regency is named",
        "regency": "Kemensos 2022: Sijunjung is a working area of Sentra Mulya Jaya",
    },
    "SENTRA-TERPADU-KARTINI": {
        "province": "Suarabaru 2023: Sentra Terpadu Kartini's working area is 22 regencies/cities across "
                    "Jawa Tengah, Jawa Timur and Kalimantan Timur (not all named)",
        "regency": "Kemensos 2024: {name} is named as a working area of Sentra Terpadu Kartini",
        "33.23": "Kabupaten Temanggung, the seat of Sentra Terpadu Kartini, listed with the working "
                 "areas Kemensos 2024 names; not itself named in the statement",
    },
    "SENTRA-PHALAMARTHA": {
        "province": "kementeriansosial.org 2025 (unofficial site, list truncated): Sentra Phalamartha's "
                    "wilayah kerja includes regencies of {name}",
        "regency": "kementeriansosial.org 2025 (unofficial site, list truncated): {name} is in "
                   "Sentra Phalamartha's wilayah kerja",
    },
    "SENTRA-ANTASENA": {
        "province": "Dinsos Gunungkidul 2024: Sentra Antasena (15 regencies/cities, not listed) "
                    "works for Gunungkidul, DIY; province inferred from that",
        "regency": "Dinsos Gunungkidul 2024: Sentra Antasena's 15-regency working area implied to "
                   "include Gunungkidul (not an explicit list)",
    },
    "SENTRA-PARAMITA": {
        "52": "Kemensos Oct 2022: Sentra Paramita handles all 10 regencies/cities of Nusa Tenggara Barat",
        "53": "Kemensos Oct 2022: Sentra Paramita handles Sumba Barat Daya, the only Nusa Tenggara "
              "Timur regency named",
        "regency": "Kemensos Oct 2022: {name} is one of the 10 NTB regencies/cities Sentra Paramita handles",
        "52.07": "Kemensos Oct 2022: Sentra Paramita handles West Sumbawa (quoted under NTT, but it "
                 "is in NTB) and all 10 NTB regencies/cities",
        "53.18": "Kemensos Oct 2022: Sentra Paramita handles Southwest Sumba (Sumba Barat Daya), NTT",
    },
    "SENTRA-DHARMA-GUNA": {
        "province": "Kemensos Apr 2023: the 10 working areas of Sentra Dharma Guna are all "
                    "regencies/cities of Bengkulu",
        "regency": "Kemensos Apr 2023: {name} is one of the 10 working areas of Sentra Dharma Guna",
    },
    "BALAI-GAU-MABAJI": {
        "province": "Kemensos 2020: {name} is one of the 10 provinces in the working area of "
                    "BRSLU Gau Mabaji (pre-2022 balai; may be obsolete)",
    },
}
GENERIC_NOTE = "{year} source: {name} is listed in the working area of {unit}"

CODE_RE = re.compile(r"^\d{2}(\.\d{2})?$")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def categories_for(tags_cell):
    tags = [t.strip() for t in tags_cell.split(";") if t.strip()]
    if not tags or "multi_service" in tags:
        return ""
    cats = set()
    for t in tags:
        if t.startswith("disability_"):
            cats.add("disability")
        elif t in TAG_CATEGORY:
            cats.add(TAG_CATEGORY[t])
        else:
            raise SystemExit(f"unknown target-group tag {t!r}")
    return ";".join(c for c in CATEGORIES if c in cats)


def norm_name(s):
    s = s.strip().lower()
    s = re.sub(r"^(kab\.|kab |kabupaten |kota administrasi |kota |provinsi )", "", s)
    return re.sub(r"\s+", " ", s)


def resolve(token, level, regions, unit_code):
    """Return (code, mapped_from_name) for a working-area token."""
    if CODE_RE.match(token):
        if token not in regions:
            raise SystemExit(f"{unit_code}: unknown region code {token!r}")
        code, mapped = token, False
    else:
        exact = [c for c, r in regions.items() if r["name"].lower() == token.lower() and r["level"] == level]
        loose = [c for c, r in regions.items() if norm_name(r["name"]) == norm_name(token) and r["level"] == level]
        hits = exact or loose
        if len(hits) != 1:
            raise SystemExit(f"{unit_code}: cannot map region name {token!r} ({len(hits)} matches)")
        code, mapped = hits[0], True
    if regions[code]["level"] != level:
        raise SystemExit(f"{unit_code}: {code} is not a {level}")
    return code, mapped


def source_note(unit, code, regions, mapped_from):
    notes = SOURCE_NOTES.get(unit["code"], {})
    level = regions[code]["level"]
    tmpl = notes.get(code) or notes.get(level) or GENERIC_NOTE
    note = tmpl.format(name=regions[code]["name"], unit=unit["name"],
                       year=unit["latest_source_year"] or "undated")
    if mapped_from is not None:
        note += f" (mapped from name {mapped_from!r})"
    note = " ".join(note.split())
    if len(note) >= 200:
        raise SystemExit(f"note too long ({len(note)}): {note}")
    return note


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE)
    regions_path = os.path.join(src, "regions.csv")
    region_rows = read_csv(regions_path)
    regions = {r["code"]: r for r in region_rows}
    units = read_csv(os.path.join(src, "units.csv"))

    # 1. regions.csv: verbatim copy.
    shutil.copyfile(regions_path, os.path.join(HERE, "regions.csv"))

    # 2. units.csv
    unit_rows = []
    for u in units:
        region_code = u["regency_code"] or u["province_code"]
        if region_code not in regions:
            raise SystemExit(f"{u['code']}: unknown seat region {region_code!r}")
        unit_rows.append([
            u["code"], u["name"], u["kind"], region_code, u["lat"], u["lon"],
            categories_for(u["target_groups"]), DEFAULT_CAPACITY, "true", "",
            u["seat_basis"], u["address"], u["target_groups"],
        ])
    write_csv(os.path.join(HERE, "units.csv"), UNIT_HEADER, unit_rows)

    # 3. coverage_rules.csv
    source_rows, derived_rows = [], []
    for u in units:
        covered = set()
        for column, level in (("working_area_provinces", "province"),
                              ("working_area_regencies", "regency")):
            for token in (t.strip() for t in u[column].split(";")):
                if not token:
                    continue
                code, mapped = resolve(token, level, regions, u["code"])
                if code in covered:
                    continue
                covered.add(code)
                note = source_note(u, code, regions, token if mapped else None)
                source_rows.append([u["code"], code, "", "0", "source", note])
        seat_province = u["province_code"]
        if seat_province not in regions or regions[seat_province]["level"] != "province":
            raise SystemExit(f"{u['code']}: bad province_code {seat_province!r}")
        if seat_province not in covered:
            derived_rows.append([u["code"], seat_province, "", "0", "derived", "derived: seat province"])
        derived_rows.append([u["code"], "", "", "-1", "derived", "derived: national fallback"])

    rows = source_rows + derived_rows
    rows.sort(key=lambda r: (r[0], 0 if r[4] == "source" else 1, r[1]))
    write_csv(os.path.join(HERE, "coverage_rules.csv"), COVERAGE_HEADER, rows)

    print(f"regions: {len(region_rows)}, units: {len(unit_rows)}, coverage rules: {len(rows)} "
          f"({len(source_rows)} source, {len(derived_rows)} derived)")


if __name__ == "__main__":
    main()
