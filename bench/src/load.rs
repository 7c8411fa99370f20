//! The load generator: closed loops (a fixed number of clients, each sending
//! its next request when the last one is answered) and an open loop (requests
//! started on a fixed schedule, however long the answers take). Every latency
//! goes into an HDR histogram.

use futures_util::future::join_all;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use sigap_domain::{Category, Need};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one request came to: the HTTP status, or why there was none.
pub type Outcome = Result<u16, String>;

/// Latencies (µs) and outcomes of a run.
pub struct Tally {
    pub latency_us: Histogram<u64>,
    pub statuses: BTreeMap<String, u64>,
    pub elapsed: Duration,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            latency_us: Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid bounds"),
            statuses: BTreeMap::new(),
            elapsed: Duration::ZERO,
        }
    }

    fn record(&mut self, outcome: &Outcome, took: Duration) {
        let key = match outcome {
            Ok(status) => status.to_string(),
            Err(error) => error.clone(),
        };
        *self.statuses.entry(key).or_default() += 1;
        if outcome.is_ok() {
            let _ = self
                .latency_us
                .record((took.as_micros() as u64).clamp(1, 120_000_000));
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.latency_us
            .add(&other.latency_us)
            .expect("histograms of the same bounds");
        for (k, v) in &other.statuses {
            *self.statuses.entry(k.clone()).or_default() += v;
        }
    }

    /// Requests answered with `status`.
    pub fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status.to_string()).copied().unwrap_or(0)
    }

    /// Requests answered with `status`, per second.
    pub fn rate(&self, status: u16) -> f64 {
        self.count(status) as f64 / self.elapsed.as_secs_f64()
    }

    pub fn total(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// A latency percentile (0–100), in milliseconds.
    pub fn ms(&self, percentile: f64) -> f64 {
        self.latency_us.value_at_percentile(percentile) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.latency_us.max() as f64 / 1000.0
    }

    /// Outcomes other than `expected`, for the notes.
    pub fn unexpected(&self, expected: &[u16]) -> String {
        let other: Vec<String> = self
            .statuses
            .iter()
            .filter(|(k, _)| !expected.iter().any(|e| e.to_string() == **k))
            .map(|(k, v)| format!("{v} × {k}"))
            .collect();
        if other.is_empty() {
            "none".into()
        } else {
            other.join(", ")
        }
    }
}

/// When a closed loop stops: after a time, or after a number of requests.
#[derive(Clone, Copy)]
pub enum Until {
    Elapsed(Duration),
    Requests(u64),
}

/// `clients` loops sending requests back to back. `request(client, n)`
/// sends the `n`-th request of the whole run.
pub async fn closed_loop<F, Fut>(clients: usize, until: Until, request: F) -> Tally
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let loops = (0..clients).map(|client| {
        let request = request.clone();
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut tally = Tally::new();
            loop {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                let done = match until {
                    Until::Elapsed(d) => start.elapsed() >= d,
                    Until::Requests(total) => n >= total,
                };
                if done {
                    return tally;
                }
                let began = Instant::now();
                let outcome = request(client, n).await;
                tally.record(&outcome, began.elapsed());
            }
        })
    });
    let mut tally = Tally::new();
    for joined in join_all(loops).await {
        tally.merge(&joined.expect("a load loop panicked"));
    }
    tally.elapsed = start.elapsed();
    tally
}

/// Requests started at `rate` per second for `duration`, each on schedule
/// whatever the earlier ones are doing. Latency counts from the scheduled
/// start, so that a stall shows in full.
pub async fn open_loop<F, Fut>(rate: f64, duration: Duration, request: F) -> Tally
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let at = start + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(at).await;
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = request(n).await;
            (outcome, at.elapsed())
        }));
    }
    let mut tally = Tally::new();
    for joined in join_all(tasks).await {
        let (outcome, took) = joined.expect("a request task panicked");
        tally.record(&outcome, took);
    }
    tally.elapsed = start.elapsed();
    tally
}

/// A regency with a point inside it, for report bodies.
#[derive(Clone)]
pub struct Place {
    pub code: String,
    pub lat: f64,
    pub lon: f64,
}

const CHANNELS: [&str; 4] = ["hotline", "whatsapp", "email", "mobile_app"];

/// The `n`-th report of a flood of them: regencies all over the country in
/// a stride, every category, one in ten critical and three in ten high,
/// every other one with coordinates. `tag` goes to `external_ref`.
pub fn report_body(places: &[Place], n: u64, tag: &str) -> Value {
    let i = n as usize;
    let place = &places[(i * 37) % places.len()];
    let urgency = match i % 10 {
        0 => "critical",
        1..=3 => "high",
        _ => "normal",
    };
    let mut body = json!({
        "category": Category::ALL[i % Category::ALL.len()].as_str(),
        "need": Need::ALL[(i / 3) % Need::ALL.len()].as_str(),
        "urgency": urgency,
        "channel": CHANNELS[i % CHANNELS.len()],
        "region_code": place.code,
        "address": "Jorong Koto Tuo, Kec. Kamang Baru",
        "reporter": {"name": "Pelapor Uji", "phone": "+6281234567890"},
        "beneficiaries": [{"name": "Penerima Uji", "age": 78, "sex": "F", "disability": "physical"}],
        "beneficiary_count": 1,
        "description": "Lansia tinggal sendiri setelah banjir, rumah rusak, butuh kursi roda dan bantuan dasar.",
        "external_ref": tag,
    });
    if i.is_multiple_of(2) {
        body["location"] = json!({"lat": place.lat, "lon": place.lon});
    }
    body
}

/// The Sigap api as the load generator sees it.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(base: String) -> Api {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Api { http, base }
    }

    /// Files a report with its own `Idempotency-Key`.
    pub async fn file(&self, token: &str, key: String, body: &Value) -> Outcome {
        let response = self
            .http
            .post(format!("{}/v1/reports", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        // Read the body, so that the connection is reused.
        let _ = response.bytes().await;
        Ok(status)
    }

    /// Polls a unit's work queue; returns the status and the ETag.
    pub async fn poll(
        &self,
        token: &str,
        unit: &str,
        etag: Option<&str>,
    ) -> Result<(u16, Option<String>), String> {
        let mut request = self
            .http
            .get(format!("{}/v1/units/{unit}/cases", self.base))
            .bearer_auth(token);
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let _ = response.bytes().await;
        Ok((status, etag))
    }
}

fn transport(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".into()
    } else if error.is_connect() {
        "connection refused".into()
    } else {
        "transport error".into()
    }
}
