//! Routing on the real national directory from `data/`.

mod support;

use sigap_router::{Basis, Level, Outcome, RouteRequest};
use support::{CATEGORIES, National, national};

fn request<'a>(category: &'a str, region_code: &'a str) -> RouteRequest<'a> {
    RouteRequest {
        category,
        region_code,
        location: None,
        exclude: &[],
    }
}

#[test]
fn the_national_directory_has_every_region_and_unit() {
    let National {
        directory,
        regencies,
    } = national();
    assert_eq!(regencies.len(), 514);
    assert_eq!(directory.units().len(), 31);
    let sijunjung = directory.region("13.03").expect("Kabupaten Sijunjung");
    assert_eq!(sijunjung.parent.as_deref(), Some("13"));
    assert!(
        directory
            .region("13")
            .expect("Sumatera Barat")
            .parent
            .is_none()
    );
}

#[test]
fn an_elderly_report_from_sijunjung_goes_to_sentra_mulya_jaya_at_regency_level() {
    let directory = national().directory;
    let decision = directory.route(&request("elderly", "13.03"), |_| 0);
    assert_eq!(decision.outcome, Outcome::Assigned, "{decision:#?}");
    assert_eq!(decision.unit_code.as_deref(), Some("SENTRA-MULYA-JAYA"));
    assert_eq!(decision.level, Some(Level::Regency));
    assert!(!decision.over_capacity);
    assert_eq!(decision.candidates[0].unit_code, "SENTRA-MULYA-JAYA");
    assert!(
        decision
            .reason
            .starts_with("SENTRA-MULYA-JAYA covers regency 13.03"),
        "{}",
        decision.reason
    );
}

#[test]
fn every_regency_gets_a_unit_for_every_category() {
    let National {
        directory,
        regencies,
    } = national();
    let mut routed = 0;
    for code in &regencies {
        for category in CATEGORIES {
            let decision = directory.route(&request(category, code), |_| 0);
            assert_eq!(
                decision.outcome,
                Outcome::Assigned,
                "{category} from {code}: {}",
                decision.reason
            );
            routed += 1;
        }
    }
    assert_eq!(routed, 514 * 8);
}

#[test]
fn every_regency_still_gets_a_unit_when_every_unit_is_full() {
    let National {
        directory,
        regencies,
    } = national();
    for code in &regencies {
        let decision = directory.route(&request("poverty", code), |_| 10_000);
        assert_eq!(
            decision.outcome,
            Outcome::Assigned,
            "{code}: {}",
            decision.reason
        );
        assert!(decision.over_capacity, "{code}");
    }
}

#[test]
fn a_transfer_away_from_sentra_mulya_jaya_picks_another_unit() {
    let directory = national().directory;
    let exclude = ["SENTRA-MULYA-JAYA".to_owned()];
    let decision = directory.route(
        &RouteRequest {
            exclude: &exclude,
            ..request("elderly", "13.03")
        },
        |_| 0,
    );
    assert_eq!(decision.outcome, Outcome::Assigned, "{decision:#?}");
    assert_ne!(decision.unit_code.as_deref(), Some("SENTRA-MULYA-JAYA"));
    let excluded = decision
        .candidates
        .iter()
        .find(|c| c.unit_code == "SENTRA-MULYA-JAYA")
        .expect("still listed");
    assert_eq!(excluded.rejected_because.as_deref(), Some("excluded"));
}

#[test]
fn the_nearest_regency_to_sijunjungs_centroid_is_sijunjung() {
    let directory = national().directory;
    let sijunjung = directory.region("13.03").expect("Kabupaten Sijunjung");
    let nearest = directory
        .nearest_regency(sijunjung.lat, sijunjung.lon)
        .expect("has regencies");
    assert_eq!(nearest.code, "13.03");
}

/// Real cases from the sources behind `data/`: (regency, category, the unit
/// the sources give, the basis of its rule).
const REAL_CASES: [(&str, &str, &str, &str); 24] = [
    ("18.07", "disability", "SENTRA-WYATA-GUNA", "stated"), // Lampung Timur
    ("32.17", "disability", "SENTRA-WYATA-GUNA", "stated"), // Bandung Barat
    ("75.01", "elderly", "SENTRA-TUMOU-TOU", "stated"),     // Gorontalo
    ("75.71", "child", "SENTRA-TUMOU-TOU", "stated"),       // Kota Gorontalo
    ("71.02", "disability", "SENTRA-TUMOU-TOU", "stated"),  // Minahasa
    ("73.08", "disability", "SENTRA-PANGURANGI", "stated"), // Bone
    ("73.12", "disability", "SENTRA-PANGURANGI", "stated"), // Soppeng
    ("13.03", "elderly", "SENTRA-MULYA-JAYA", "stated"),    // Sijunjung
    (
        "13.74",
        "disability",
        "SENTRA-TERPADU-INTEN-SOEWENO",
        "stated",
    ), // Padang Panjang
    ("32.07", "disability", "SENTRA-PHALAMARTHA", "stated"), // Ciamis
    ("17.04", "disability", "SENTRA-DHARMA-GUNA", "stated"), // Kaur
    ("52.07", "disability", "SENTRA-PARAMITA", "stated"),   // Sumbawa Barat
    ("53.18", "disability", "SENTRA-PARAMITA", "stated"),   // Sumba Barat Daya
    ("34.03", "disability", "SENTRA-ANTASENA", "stated"),   // Gunungkidul
    ("63.71", "disability", "SENTRA-BUDI-LUHUR", "stated"), // Banjarmasin
    ("13.76", "disability", "SENTRA-ABISEKA", "served"),    // Payakumbuh
    ("73.14", "elderly", "BALAI-GAU-MABAJI", "served"),     // Sidenreng Rappang
    ("33.24", "disability", "SENTRA-TERPADU-KARTINI", "served"), // Kendal
    (
        "62.02",
        "disability",
        "SENTRA-TERPADU-PROF-DR-SOEHARSO",
        "served",
    ), // Kotawaringin Timur
    ("15.04", "disability", "SENTRA-BUDI-PERKASA", "served"), // Batanghari
    ("36.71", "disability", "SENTRA-MULYA-JAYA", "served"), // Kota Tangerang
    ("51.08", "disability", "SENTRA-MAHATMIYA", "served"),  // Buleleng
    ("12.11", "substance_abuse", "SENTRA-INSYAF", "served"), // Dairi
    ("81.08", "disability", "SENTRA-WASANA-BAHAGIA", "served"), // Maluku Barat Daya
];

#[test]
fn real_cases_from_the_sources_go_to_the_unit_the_sources_name() {
    let directory = national().directory;
    let mut wrong = Vec::new();
    for (region, category, unit, basis) in REAL_CASES {
        let decision = directory.route(&request(category, region), |_| 0);
        let provenance = decision.provenance.clone().unwrap_or_default();
        if decision.unit_code.as_deref() != Some(unit) || provenance.basis.as_str() != basis {
            wrong.push(format!(
                "{region} {category}: got {:?} ({}), want {unit} ({basis})",
                decision.unit_code,
                provenance.basis.as_str()
            ));
            continue;
        }
        assert!(
            provenance.source.is_some() && provenance.year.is_some(),
            "{region}: {provenance:?}"
        );
        let note = provenance.note.expect("a sourced rule says why");
        assert!(
            decision
                .reason
                .ends_with(&format!("; covered because {note}")),
            "{region}: {}",
            decision.reason
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn lampung_timur_is_explained_by_the_statement_naming_it_in_wyata_gunas_working_area() {
    let decision = national()
        .directory
        .route(&request("disability", "18.07"), |_| 0);
    assert!(
        decision.reason.contains("covered because")
            && decision.reason.contains("Lampung Timur")
            && decision.reason.contains("Wyata Guna"),
        "{}",
        decision.reason
    );
}

#[test]
fn a_unit_covers_the_regency_of_its_seat_where_no_source_names_another() {
    // Kabupaten Kupang, Sentra Efata's seat, lies in a province a source
    // gives Sentra Paramita in part; the seat decides.
    let decision = national()
        .directory
        .route(&request("disability", "53.01"), |_| 0);
    assert_eq!(
        decision.unit_code.as_deref(),
        Some("SENTRA-EFATA"),
        "{}",
        decision.reason
    );
    assert_eq!(decision.level, Some(Level::Regency));
    assert_eq!(
        decision.provenance.expect("provenance").basis,
        Basis::Derived
    );
}
