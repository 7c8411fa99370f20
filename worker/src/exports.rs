//! Builds exports: claims queued jobs (several workers compete through the
//! store's `SKIP LOCKED` claim), writes the file incrementally to a
//! temporary file (CSV through a buffered writer, XLSX with
//! `rust_xlsxwriter`'s constant-memory worksheets, which flush each row to a
//! temporary file), then hands it to the store, which keeps it in 1 MiB
//! chunks. Reports are read in pages of 5,000, so memory stays bounded
//! however many rows an export has. The loop also deletes files past their
//! time.
//!
//! The row writing is generic ([`Sink`], [`Column`], [`Cell`]): a kind is a
//! list of columns and a source of rows (reports, their people, their
//! services, or the statistics).

use chrono::{DateTime, NaiveDate, Utc};
use sigap_domain::{Claims, RegionCode};
use sigap_runtime::config::Config;
use sigap_store::casework::ServiceLine;
use sigap_store::db::PgPool;
use sigap_store::exports::{self, Export, ExportFormat, ExportKind, ReportFilters, StatsFilters};
use sigap_store::reports::{PersonalData, ReportRow};
use sigap_store::stats::{self, GroupCount, PeopleGroup, ServiceGroup, SlaGroup, StatsRequest};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

/// Files deleted per sweep, at most.
const SWEEP_BATCH: i64 = 100;
/// Data rows one XLSX worksheet holds (Excel's limit less the header); more
/// continue on another sheet.
const XLSX_MAX_ROWS: u32 = 1_048_575;

/// Builds exports and deletes expired files until `shutdown` turns true.
pub async fn run(config: Arc<Config>, pool: PgPool, mut shutdown: watch::Receiver<bool>) {
    loop {
        match sweep(&pool).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(files = deleted, "expired export files deleted"),
            Err(error) => tracing::warn!(%error, "the export sweep failed"),
        }
        // Build what is queued, one job after another.
        while !*shutdown.borrow() {
            match build_next(&config, &pool).await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(error) => {
                    tracing::warn!(%error, "claiming an export failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(config.export_poll_interval) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn sweep(pool: &PgPool) -> anyhow::Result<usize> {
    let mut conn = pool.get().await?;
    Ok(exports::sweep(&mut conn, SWEEP_BATCH).await?)
}

/// Claims one job and builds it; false when none was waiting.
async fn build_next(config: &Config, pool: &PgPool) -> anyhow::Result<bool> {
    let export = {
        let mut conn = pool.get().await?;
        match exports::claim(&mut conn, config.export_lease).await? {
            Some(export) => export,
            None => return Ok(false),
        }
    };
    let started = std::time::Instant::now();
    tracing::info!(export_id = %export.id, kind = %export.kind, format = %export.format,
        attempt = export.attempts, "building export");
    match build(config, pool, &export).await {
        Ok(Some(rows)) => {
            metrics::counter!("sigap_exports_built_total", "kind" => export.kind.as_str())
                .increment(1);
            tracing::info!(export_id = %export.id, rows, seconds = started.elapsed().as_secs_f64(),
                "export ready");
        }
        Ok(None) => {
            tracing::warn!(export_id = %export.id, "export lease lost: another worker builds it")
        }
        Err(error) => {
            let mut conn = pool.get().await?;
            let status =
                exports::fail(&mut conn, export.id, export.attempts, "build failed").await?;
            tracing::warn!(export_id = %export.id, %error, %status, "export build failed");
        }
    }
    Ok(true)
}

/// Writes the file and stores it; the number of data rows, or `None` when
/// the lease was lost.
async fn build(config: &Config, pool: &PgPool, export: &Export) -> anyhow::Result<Option<i64>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("export");
    let mut sink: Box<dyn Sink> = match export.format {
        ExportFormat::Csv => Box::new(CsvSink::create(&path)?),
        ExportFormat::Xlsx => Box::new(XlsxSink::new()),
    };
    let rows = match export.kind {
        ExportKind::Reports | ExportKind::Beneficiaries => {
            let filters: ReportFilters = serde_json::from_value(export.filters.clone())?;
            let personal = PersonalData::of(&export.requester);
            let table = if export.kind == ExportKind::Reports {
                Table::Reports
            } else {
                Table::Beneficiaries
            };
            sink.sheet(table.sheet_name(), &table.columns(&personal))?;
            let mut rows = 0i64;
            let mut conn = pool.get().await?;
            let mut lease_conn = pool.get().await?;
            let outcome = exports::for_each_report_page(
                &mut conn,
                &mut lease_conn,
                export,
                config.export_lease,
                &filters,
                |page, consented| {
                    for report in page {
                        rows += table
                            .write(sink.as_mut(), report, &personal, consented)
                            .map_err(|e| sigap_store::Error::Conflict(e.to_string()))?;
                    }
                    Ok(())
                },
            )
            .await;
            match outcome {
                Ok(()) => rows,
                Err(sigap_store::Error::Conflict(reason)) if reason.contains("lease") => {
                    return Ok(None);
                }
                Err(error) => return Err(error.into()),
            }
        }
        ExportKind::Stats => {
            let filters: StatsFilters = serde_json::from_value(export.filters.clone())?;
            write_stats(pool, &export.requester, &filters, sink.as_mut()).await?
        }
        ExportKind::Services => {
            let filters: ReportFilters = serde_json::from_value(export.filters.clone())?;
            let personal = PersonalData::of(&export.requester);
            sink.sheet("Layanan", &service_columns(&personal))?;
            let mut rows = 0i64;
            let mut conn = pool.get().await?;
            let mut lease_conn = pool.get().await?;
            let outcome = exports::for_each_service_page(
                &mut conn,
                &mut lease_conn,
                export,
                config.export_lease,
                &filters,
                |reports, services| {
                    rows += write_services(sink.as_mut(), reports, services, &personal)
                        .map_err(|e| sigap_store::Error::Conflict(e.to_string()))?;
                    Ok(())
                },
            )
            .await;
            match outcome {
                Ok(()) => rows,
                Err(sigap_store::Error::Conflict(reason)) if reason.contains("lease") => {
                    return Ok(None);
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    sink.finish(&path)?;
    let filename = format!(
        "sigap-{}-{}.{}",
        export.kind,
        Utc::now().format("%Y%m%d-%H%M%S"),
        export.format
    );
    let mut file = tokio::fs::File::open(&path).await?;
    let mut conn = pool.get().await?;
    let stored = exports::finish(
        &mut conn,
        export.id,
        export.attempts,
        config.export_ttl,
        rows,
        &filename,
        &mut file,
    )
    .await?;
    Ok(stored.then_some(rows))
}

/// The value of one cell, typed so that XLSX keeps numbers and times as
/// such.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text, neutralised against formula injection when written.
    Text(Cow<'a, str>),
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// A time (UTC).
    Time(DateTime<Utc>),
    /// A calendar day.
    Date(NaiveDate),
    /// Nothing.
    Empty,
}

impl<'a> Cell<'a> {
    fn text(value: &'a str) -> Cell<'a> {
        Cell::Text(Cow::Borrowed(value))
    }

    fn opt_text(value: Option<&'a str>) -> Cell<'a> {
        value.map_or(Cell::Empty, Cell::text)
    }

    fn opt_time(value: Option<DateTime<Utc>>) -> Cell<'a> {
        value.map_or(Cell::Empty, Cell::Time)
    }

    fn opt_float(value: Option<f64>) -> Cell<'a> {
        value.map_or(Cell::Empty, Cell::Float)
    }

    fn opt_date(value: Option<NaiveDate>) -> Cell<'a> {
        value.map_or(Cell::Empty, Cell::Date)
    }
}

/// A column: its Indonesian header and its width in XLSX.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The header.
    pub header: &'static str,
    /// Width in characters.
    pub width: f64,
}

const fn col(header: &'static str, width: f64) -> Column {
    Column { header, width }
}

/// Text a spreadsheet would read as a formula (or as the start of one)
/// gets a leading `'`: cells starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's CSV injection advice).
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Where rows go: a CSV or XLSX file, written as they come.
pub trait Sink: Send {
    /// Starts a table (an XLSX worksheet; CSV holds one table).
    fn sheet(&mut self, name: &str, columns: &[Column]) -> anyhow::Result<()>;
    /// Writes one row of the current table.
    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()>;
    /// Whether the format holds several tables.
    fn multi_sheet(&self) -> bool;
    /// Completes the file at `path`.
    fn finish(self: Box<Self>, path: &Path) -> anyhow::Result<()>;
}

/// CSV: UTF-8 with a byte-order mark (so that Excel reads it as UTF-8),
/// times as `YYYY-MM-DD HH:MM:SS` UTC.
pub struct CsvSink {
    writer: csv::Writer<std::io::BufWriter<std::fs::File>>,
    started: bool,
}

impl CsvSink {
    /// A CSV file at `path`.
    pub fn create(path: &Path) -> anyhow::Result<CsvSink> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        file.write_all(b"\xEF\xBB\xBF")?;
        Ok(CsvSink {
            writer: csv::Writer::from_writer(file),
            started: false,
        })
    }
}

impl Sink for CsvSink {
    fn sheet(&mut self, _name: &str, columns: &[Column]) -> anyhow::Result<()> {
        anyhow::ensure!(!self.started, "a CSV file holds one table");
        self.started = true;
        self.writer.write_record(columns.iter().map(|c| c.header))?;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        let fields = cells.iter().map(|cell| match cell {
            Cell::Text(text) => neutralise(text).into_owned(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Empty => String::new(),
        });
        self.writer.write_record(fields)?;
        Ok(())
    }

    fn multi_sheet(&self) -> bool {
        false
    }

    fn finish(self: Box<Self>, _path: &Path) -> anyhow::Result<()> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot flush the CSV file: {e}"))?;
        file.into_inner()
            .map_err(|e| anyhow::anyhow!("cannot flush the CSV file: {e}"))?
            .sync_all()?;
        Ok(())
    }
}

/// XLSX with constant-memory worksheets: each row goes to a temporary file
/// as soon as the next starts. Text is stored as text (never a formula) and
/// neutralised as in CSV, numbers as numbers, times as dates.
pub struct XlsxSink {
    workbook: rust_xlsxwriter::Workbook,
    sheet: Option<usize>,
    name: String,
    columns: Vec<Column>,
    part: u32,
    row: u32,
    header: rust_xlsxwriter::Format,
    time: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
}

impl Default for XlsxSink {
    fn default() -> Self {
        XlsxSink::new()
    }
}

impl XlsxSink {
    /// An empty workbook.
    pub fn new() -> XlsxSink {
        XlsxSink {
            workbook: rust_xlsxwriter::Workbook::new(),
            sheet: None,
            name: String::new(),
            columns: Vec::new(),
            part: 0,
            row: 0,
            header: rust_xlsxwriter::Format::new().set_bold(),
            time: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            date: rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd"),
        }
    }

    fn add_sheet(&mut self) -> anyhow::Result<()> {
        self.part += 1;
        let name = if self.part == 1 {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.part)
        };
        let worksheet = self.workbook.add_worksheet_with_constant_memory()?;
        worksheet.set_name(name)?;
        for (i, column) in self.columns.iter().enumerate() {
            worksheet.set_column_width(i as u16, column.width)?;
            worksheet.write_string_with_format(0, i as u16, column.header, &self.header)?;
        }
        worksheet.set_freeze_panes(1, 0)?;
        self.sheet = Some(self.workbook.worksheets().len() - 1);
        self.row = 0;
        Ok(())
    }
}

impl Sink for XlsxSink {
    fn sheet(&mut self, name: &str, columns: &[Column]) -> anyhow::Result<()> {
        self.name = name.chars().take(24).collect();
        self.columns = columns.to_vec();
        self.part = 0;
        self.add_sheet()
    }

    fn row(&mut self, cells: &[Cell<'_>]) -> anyhow::Result<()> {
        if self.row >= XLSX_MAX_ROWS {
            self.add_sheet()?;
        }
        let index = self.sheet.ok_or_else(|| anyhow::anyhow!("no sheet"))?;
        self.row += 1;
        let row = self.row;
        let worksheet = self.workbook.worksheet_from_index(index)?;
        for (i, cell) in cells.iter().enumerate() {
            let c = i as u16;
            match cell {
                Cell::Text(text) => {
                    worksheet.write_string(row, c, neutralise(text))?;
                }
                Cell::Int(n) => {
                    worksheet.write_number(row, c, *n as f64)?;
                }
                Cell::Float(x) => {
                    worksheet.write_number(row, c, *x)?;
                }
                Cell::Time(t) => {
                    worksheet.write_datetime_with_format(row, c, t.naive_utc(), &self.time)?;
                }
                Cell::Date(d) => {
                    worksheet.write_date_with_format(row, c, *d, &self.date)?;
                }
                Cell::Empty => {}
            }
        }
        Ok(())
    }

    fn multi_sheet(&self) -> bool {
        true
    }

    fn finish(mut self: Box<Self>, path: &Path) -> anyhow::Result<()> {
        self.workbook.save(path)?;
        Ok(())
    }
}

/// The tables built from reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Reports,
    Beneficiaries,
}

const REPORT_COLUMNS: &[Column] = &[
    col("Nomor tiket", 16.0),
    col("Status", 14.0),
    col("Kategori", 24.0),
    col("Kebutuhan", 18.0),
    col("Urgensi", 10.0),
    col("Kanal", 10.0),
    col("Kode wilayah", 12.0),
    col("Kode provinsi", 12.0),
    col("Unit", 22.0),
    col("Jumlah penerima manfaat", 10.0),
    col("Tingkat eskalasi", 8.0),
    col("Lintang", 10.0),
    col("Bujur", 10.0),
    col("Tanggal lapor (UTC)", 19.0),
    col("Diperbarui (UTC)", 19.0),
    col("Ditugaskan (UTC)", 19.0),
    col("Diterima unit (UTC)", 19.0),
    col("Diselesaikan (UTC)", 19.0),
    col("Ditutup (UTC)", 19.0),
    col("Batas waktu SLA (UTC)", 19.0),
];

/// Shown only to those who may see personal data.
const REPORT_PERSONAL_COLUMNS: &[Column] = &[
    col("Nama pelapor", 20.0),
    col("Telepon pelapor", 16.0),
    col("Alamat", 30.0),
    col("Deskripsi", 50.0),
];

const BENEFICIARY_COLUMNS: &[Column] = &[
    col("Nomor tiket", 16.0),
    col("Status laporan", 14.0),
    col("Kategori", 24.0),
    col("Kode wilayah", 12.0),
    col("Unit", 22.0),
    col("Tanggal lapor (UTC)", 19.0),
    col("Urutan", 6.0),
    col("Usia", 6.0),
    col("Jenis kelamin", 8.0),
    col("Disabilitas", 14.0),
];

/// Shown only to those who may see personal data.
const BENEFICIARY_PERSONAL_COLUMNS: &[Column] =
    &[col("Nama", 20.0), col("NIK", 18.0), col("Telepon", 16.0)];

impl Table {
    fn sheet_name(self) -> &'static str {
        match self {
            Table::Reports => "Laporan",
            Table::Beneficiaries => "Penerima manfaat",
        }
    }

    /// The columns: personal ones only for those who may see some personal
    /// data (the reporter's and the description: only those who see a
    /// report's own; the people's: also partners and regional offices, for
    /// the people who consented).
    fn columns(self, personal: &PersonalData) -> Vec<Column> {
        let (base, private) = match self {
            Table::Reports => (REPORT_COLUMNS, REPORT_PERSONAL_COLUMNS),
            Table::Beneficiaries => (BENEFICIARY_COLUMNS, BENEFICIARY_PERSONAL_COLUMNS),
        };
        let mut columns = base.to_vec();
        if self.with_personal(personal) {
            columns.extend_from_slice(private);
        }
        columns
    }

    /// Whether the table has its personal columns for `personal`.
    fn with_personal(self, personal: &PersonalData) -> bool {
        match self {
            Table::Reports => matches!(personal, PersonalData::All | PersonalData::Unit(_)),
            Table::Beneficiaries => *personal != PersonalData::Nothing,
        }
    }

    /// Writes the rows of one report; how many. A person's personal
    /// columns are filled when the requester sees the report's personal
    /// data, or the person consented to being shown to it (`consented`:
    /// report and place in its list); else they are empty, the counts and
    /// statuses kept.
    fn write(
        self,
        sink: &mut dyn Sink,
        report: &ReportRow,
        personal: &PersonalData,
        consented: &HashSet<(uuid::Uuid, i32)>,
    ) -> anyhow::Result<i64> {
        let with_personal = self.with_personal(personal);
        let shown = personal.covers(report.unit_code.as_deref());
        match self {
            Table::Reports => {
                let mut cells = vec![
                    Cell::text(&report.ticket),
                    Cell::text(report.status.as_str()),
                    Cell::text(report.category.labels().0),
                    Cell::text(report.need.as_str()),
                    Cell::text(report.urgency.as_str()),
                    Cell::text(report.channel.as_str()),
                    Cell::text(&report.region_code),
                    Cell::text(&report.province_code),
                    Cell::opt_text(report.unit_code.as_deref()),
                    Cell::Int(i64::from(report.beneficiary_count)),
                    Cell::Int(i64::from(report.escalation_level)),
                    Cell::opt_float(report.latitude),
                    Cell::opt_float(report.longitude),
                    Cell::Time(report.created_at),
                    Cell::Time(report.updated_at),
                    Cell::opt_time(report.assigned_at),
                    Cell::opt_time(report.acknowledged_at),
                    Cell::opt_time(report.resolved_at),
                    Cell::opt_time(report.closed_at),
                    Cell::opt_time(report.sla_due_at),
                ];
                if with_personal {
                    if shown {
                        cells.extend([
                            Cell::opt_text(report.reporter_name.as_deref()),
                            Cell::opt_text(report.reporter_phone.as_deref()),
                            Cell::opt_text(report.address.as_deref()),
                            Cell::text(&report.description),
                        ]);
                    } else {
                        cells.extend([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
                    }
                }
                sink.row(&cells)?;
                Ok(1)
            }
            Table::Beneficiaries => {
                let people = report
                    .beneficiaries
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for (i, person) in people.iter().enumerate() {
                    let text = |key: &str| person.get(key).and_then(|v| v.as_str());
                    let mut cells = vec![
                        Cell::text(&report.ticket),
                        Cell::text(report.status.as_str()),
                        Cell::text(report.category.labels().0),
                        Cell::text(&report.region_code),
                        Cell::opt_text(report.unit_code.as_deref()),
                        Cell::Time(report.created_at),
                        Cell::Int(i as i64 + 1),
                        person
                            .get("age")
                            .and_then(|v| v.as_i64())
                            .map_or(Cell::Empty, Cell::Int),
                        Cell::opt_text(text("sex")),
                        Cell::opt_text(text("disability")),
                    ];
                    let person_shown = shown
                        || i32::try_from(i).is_ok_and(|i| consented.contains(&(report.id, i)));
                    if with_personal {
                        if person_shown {
                            cells.extend([
                                Cell::opt_text(text("name")),
                                Cell::opt_text(text("nik")),
                                Cell::opt_text(text("phone")),
                            ]);
                        } else {
                            cells.extend([Cell::Empty, Cell::Empty, Cell::Empty]);
                        }
                    }
                    sink.row(&cells)?;
                }
                Ok(people.len() as i64)
            }
        }
    }
}

const SERVICE_COLUMNS: &[Column] = &[
    col("Nomor tiket", 16.0),
    col("Status laporan", 14.0),
    col("Kode wilayah", 12.0),
    col("Kode provinsi", 12.0),
    col("Unit", 22.0),
    col("Urutan penerima manfaat", 8.0),
    col("Komponen ATENSI", 22.0),
    col("Modalitas", 16.0),
    col("Alat bantu", 14.0),
    col("Jumlah", 8.0),
    col("Status layanan", 12.0),
    col("Jatuh tempo", 12.0),
    col("Tanggal serah terima", 12.0),
    col("Jumlah diserahkan", 8.0),
    col("Nomor BAST", 20.0),
    col("Tindak lanjut jatuh tempo", 12.0),
    col("Tanggal tindak lanjut", 12.0),
    col("Hasil tindak lanjut", 14.0),
    col("Direncanakan (UTC)", 19.0),
];

/// Shown only to those who may see personal data.
const SERVICE_PERSONAL_COLUMNS: &[Column] = &[
    col("Nama penerima manfaat", 20.0),
    col("Diterima oleh", 20.0),
];

/// The columns of a services export: personal ones only for those who may
/// see some personal data.
fn service_columns(personal: &PersonalData) -> Vec<Column> {
    let mut columns = SERVICE_COLUMNS.to_vec();
    if *personal != PersonalData::Nothing {
        columns.extend_from_slice(SERVICE_PERSONAL_COLUMNS);
    }
    columns
}

/// Writes one page of services, each with its report's ticket, place and
/// unit; how many rows. `services` come grouped by report.
fn write_services(
    sink: &mut dyn Sink,
    reports: &[ReportRow],
    services: &[ServiceLine],
    personal: &PersonalData,
) -> anyhow::Result<i64> {
    let with_personal = *personal != PersonalData::Nothing;
    let mut by_report: HashMap<uuid::Uuid, Vec<&ServiceLine>> = HashMap::new();
    for line in services {
        by_report
            .entry(line.service.report_id)
            .or_default()
            .push(line);
    }
    let mut rows = 0i64;
    for report in reports {
        let Some(lines) = by_report.get(&report.id) else {
            continue;
        };
        let shown = personal.covers(report.unit_code.as_deref());
        for line in lines {
            let s = &line.service;
            let mut cells = vec![
                Cell::text(&report.ticket),
                Cell::text(report.status.as_str()),
                Cell::text(&report.region_code),
                Cell::text(&report.province_code),
                Cell::opt_text(s.unit_code.as_deref()),
                Cell::Int(i64::from(line.beneficiary_ordinal) + 1),
                Cell::text(s.component.as_str()),
                Cell::text(s.modality.as_str()),
                Cell::opt_text(s.item.map(|i| i.as_str())),
                Cell::Int(i64::from(s.quantity)),
                Cell::text(s.status.as_str()),
                Cell::Date(s.due_on),
                Cell::opt_date(s.delivered_on),
                s.delivered_quantity
                    .map_or(Cell::Empty, |n| Cell::Int(i64::from(n))),
                Cell::opt_text(s.handover_ref.as_deref()),
                Cell::opt_date(s.follow_up_due_on),
                Cell::opt_date(s.followed_up_on),
                Cell::opt_text(s.follow_up_outcome.map(|o| o.as_str())),
                Cell::Time(s.created_at),
            ];
            if with_personal {
                if shown || line.consented {
                    cells.extend([
                        Cell::opt_text(line.beneficiary_name.as_deref()),
                        Cell::opt_text(s.received_by.as_deref()),
                    ]);
                } else {
                    cells.extend([Cell::Empty, Cell::Empty]);
                }
            }
            sink.row(&cells)?;
            rows += 1;
        }
    }
    Ok(rows)
}

const GROUP_COLUMNS: &[Column] = &[col("Kode", 14.0), col("Nama", 40.0), col("Jumlah", 10.0)];
const PEOPLE_COLUMNS: &[Column] = &[
    col("Kode", 14.0),
    col("Nama", 40.0),
    col("Diasesmen", 10.0),
    col("Terlayani", 10.0),
];
const SERVICE_GROUP_COLUMNS: &[Column] = &[
    col("Kode", 14.0),
    col("Nama", 40.0),
    col("Direncanakan", 12.0),
    col("Diserahkan", 10.0),
    col("Jumlah diserahkan", 10.0),
];
const SLA_COLUMNS: &[Column] = &[
    col("Kode", 14.0),
    col("Nama", 40.0),
    col("Jatuh tempo", 10.0),
    col("Tepat waktu", 10.0),
    col("Terlambat", 10.0),
    col("Kepatuhan", 10.0),
];

/// The statistics the requester may read ([`stats::compute`], with its
/// checks), as in `GET /v1/stats`: in XLSX a summary sheet and one sheet per
/// grouping; in CSV one table whose first column names the grouping.
async fn write_stats(
    pool: &PgPool,
    requester: &Claims,
    filters: &StatsFilters,
    sink: &mut dyn Sink,
) -> anyhow::Result<i64> {
    let region = filters
        .region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("region: {e}"))?;
    let request = StatsRequest {
        from: filters.from,
        to: filters.to,
        region,
    };
    let figures = {
        let mut conn = pool.get().await?;
        stats::compute(&mut conn, requester, &request).await?
    };
    let summary: Vec<(&str, Cell)> = vec![
        ("Dari (UTC)", Cell::Time(figures.from)),
        ("Sampai (UTC)", Cell::Time(figures.to)),
        (
            "Wilayah",
            Cell::text(figures.region.as_deref().unwrap_or("Nasional")),
        ),
        ("Jumlah laporan", Cell::Int(figures.total)),
        (
            "Penerima manfaat dilaporkan",
            Cell::Int(figures.beneficiaries.reported),
        ),
        (
            "Penerima manfaat dilayani",
            Cell::Int(figures.beneficiaries.served),
        ),
        (
            "Median detik sampai ditugaskan",
            Cell::opt_float(figures.times.to_assign.median_seconds),
        ),
        (
            "Median detik sampai diterima unit",
            Cell::opt_float(figures.times.to_acknowledge.median_seconds),
        ),
        (
            "Median detik sampai selesai",
            Cell::opt_float(figures.times.to_resolve.median_seconds),
        ),
        (
            "Kepatuhan SLA",
            Cell::opt_float(figures.sla.overall.compliance),
        ),
        (
            "Orang diasesmen",
            Cell::Int(figures.case_work.people.assessed),
        ),
        (
            "Orang terlayani",
            Cell::Int(figures.case_work.people.served),
        ),
        (
            "Layanan direncanakan",
            Cell::Int(figures.case_work.services.planned),
        ),
        (
            "Layanan diserahkan",
            Cell::Int(figures.case_work.services.delivered),
        ),
        (
            "Median hari sampai penyerahan pertama",
            Cell::opt_float(figures.case_work.median_days_to_first_delivery),
        ),
    ];
    let work = &figures.case_work;
    let people: [(&str, &[PeopleGroup]); 4] = [
        ("Orang per jenis kelamin", &work.people.by_sex),
        ("Orang per kelompok umur", &work.people.by_age_band),
        ("Orang per disabilitas", &work.people.by_disability),
        ("Orang per kesulitan", &work.people.by_functioning),
    ];
    let services: [(&str, &[ServiceGroup]); 5] = [
        ("Layanan per komponen", &work.services.by_component),
        ("Layanan per alat bantu", &work.services.by_device),
        ("Layanan per provinsi", &work.services.by_province),
        ("Layanan per kabupaten", &work.services.by_regency),
        ("Layanan per unit", &work.services.by_unit),
    ];
    let groups: [(&str, &[GroupCount]); 8] = [
        ("Per provinsi", &figures.by_province),
        ("Per kabupaten", &figures.by_regency),
        ("Per kategori", &figures.by_category),
        ("Per kebutuhan", &figures.by_need),
        ("Per urgensi", &figures.by_urgency),
        ("Per unit", &figures.by_unit),
        ("Per status", &figures.by_status),
        ("Per hari", &figures.by_day),
    ];
    let slas: [(&str, &[SlaGroup]); 2] = [
        ("SLA per unit", &figures.sla.by_unit),
        ("SLA per urgensi", &figures.sla.by_urgency),
    ];
    let mut rows = 0i64;
    if sink.multi_sheet() {
        sink.sheet("Ringkasan", &[col("Ukuran", 36.0), col("Nilai", 20.0)])?;
        for (label, value) in summary {
            sink.row(&[Cell::text(label), value])?;
            rows += 1;
        }
        for (name, list) in groups {
            sink.sheet(name, GROUP_COLUMNS)?;
            for group in list {
                sink.row(&[
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::Int(group.count),
                ])?;
                rows += 1;
            }
        }
        for (name, list) in slas {
            sink.sheet(name, SLA_COLUMNS)?;
            for group in list {
                sink.row(&[
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::Int(group.due),
                    Cell::Int(group.met),
                    Cell::Int(group.missed),
                    Cell::opt_float(group.compliance),
                ])?;
                rows += 1;
            }
        }
        for (name, list) in people {
            sink.sheet(name, PEOPLE_COLUMNS)?;
            for group in list {
                sink.row(&[
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::Int(group.assessed),
                    Cell::Int(group.served),
                ])?;
                rows += 1;
            }
        }
        for (name, list) in services {
            sink.sheet(name, SERVICE_GROUP_COLUMNS)?;
            for group in list {
                sink.row(&[
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::Int(group.planned),
                    Cell::Int(group.delivered),
                    Cell::Int(group.delivered_quantity),
                ])?;
                rows += 1;
            }
        }
    } else {
        sink.sheet(
            "Statistik",
            &[
                col("Pengelompokan", 20.0),
                col("Kode", 14.0),
                col("Nama", 40.0),
                col("Nilai", 10.0),
            ],
        )?;
        for (label, value) in summary {
            sink.row(&[
                Cell::text("Ringkasan"),
                Cell::Empty,
                Cell::text(label),
                value,
            ])?;
            rows += 1;
        }
        for (name, list) in groups {
            for group in list {
                sink.row(&[
                    Cell::text(name),
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::Int(group.count),
                ])?;
                rows += 1;
            }
        }
        for (name, list) in slas {
            for group in list {
                sink.row(&[
                    Cell::text(name),
                    Cell::text(&group.key),
                    Cell::text(&group.label),
                    Cell::opt_float(group.compliance),
                ])?;
                rows += 1;
            }
        }
        // One figure a row: people assessed and served, services planned
        // and delivered, each under its own grouping name.
        for (name, list) in people {
            for group in list {
                for (figure, value) in [("diasesmen", group.assessed), ("terlayani", group.served)]
                {
                    sink.row(&[
                        Cell::Text(Cow::Owned(format!("{name} ({figure})"))),
                        Cell::text(&group.key),
                        Cell::text(&group.label),
                        Cell::Int(value),
                    ])?;
                    rows += 1;
                }
            }
        }
        for (name, list) in services {
            for group in list {
                for (figure, value) in [
                    ("direncanakan", group.planned),
                    ("diserahkan", group.delivered),
                ] {
                    sink.row(&[
                        Cell::Text(Cow::Owned(format!("{name} ({figure})"))),
                        Cell::text(&group.key),
                        Cell::text(&group.label),
                        Cell::Int(value),
                    ])?;
                    rows += 1;
                }
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_spreadsheets_would_run_are_neutralised() {
        for (input, expected) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Lansia tinggal sendiri", "Lansia tinggal sendiri"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(neutralise(input), expected, "{input:?}");
        }
    }

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_neutralises_text() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.csv");
        let mut sink: Box<dyn Sink> = Box::new(CsvSink::create(&path).expect("create"));
        sink.sheet("x", &[col("Nomor tiket", 1.0), col("Jumlah", 1.0)])
            .expect("sheet");
        sink.row(&[Cell::text("=1+1"), Cell::Int(3)]).expect("row");
        assert!(sink.sheet("y", &[]).is_err(), "one table per CSV");
        sink.finish(&path).expect("finish");
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        assert_eq!(
            std::str::from_utf8(&bytes[3..]).expect("utf-8"),
            "Nomor tiket,Jumlah\n'=1+1,3\n"
        );
    }
}
