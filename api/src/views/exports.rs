//! Exports and attachments as callers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sigap_store::attachments::AttachmentMeta;
use sigap_store::exports::Export;
use utoipa::ToSchema;
use uuid::Uuid;

/// Body of `POST /v1/exports`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "reports", "format": "xlsx",
    "filters": {"status": ["assigned", "acknowledged"], "region": "13", "created_from": "2026-11-01T00:00:00Z"}}))]
pub struct ExportInput {
    /// `reports` (as `GET /v1/reports` lists them), `beneficiaries` (the
    /// people listed on those reports, one row each), `services` (the
    /// services planned for the people of those reports, one row each), or
    /// `stats` (the figures of `GET /v1/stats`).
    #[schema(
        pattern = "^(reports|beneficiaries|services|stats)$",
        example = "reports"
    )]
    pub kind: String,
    /// `csv` (UTF-8 with a byte-order mark) or `xlsx`.
    #[schema(pattern = "^(csv|xlsx)$", example = "xlsx")]
    pub format: String,
    /// For `reports`, `beneficiaries` and `services` those of `GET /v1/reports`:
    /// `status` (an array), `unit`, `region`, `category`, `urgency`,
    /// `created_from`, `created_to`, `updated_since`, `overdue`; for
    /// `stats` those of `GET /v1/stats`: `from`, `to`, `region`. Unknown
    /// filters are 422.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filters: Option<serde_json::Value>,
}

/// An export.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019aa0b2-7a3e-7c11-9d0e-2f4b5c6d7e8f", "kind": "reports",
    "format": "xlsx", "status": "ready", "row_count": 1204, "size_bytes": 98304,
    "filename": "sigap-reports-20261207-101500.xlsx", "created_at": "2026-12-07T10:15:00Z",
    "finished_at": "2026-12-07T10:15:03Z", "expires_at": "2026-12-08T10:15:03Z",
    "file": "/v1/exports/019aa0b2-7a3e-7c11-9d0e-2f4b5c6d7e8f/file"}))]
pub struct ExportView {
    pub id: Uuid,
    /// `reports`, `beneficiaries`, `services` or `stats`.
    pub kind: String,
    /// `csv` or `xlsx`.
    pub format: String,
    /// `queued`, `building`, `ready`, `failed` (every attempt failed) or
    /// `expired` (the file was deleted).
    pub status: String,
    /// The filters as checked.
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    /// Data rows in the file (headers not counted), once ready.
    pub row_count: Option<i64>,
    /// The file's size in bytes, once ready.
    pub size_bytes: Option<i64>,
    /// The file's name, once ready.
    pub filename: Option<String>,
    /// Builds started (a build is retried when a worker fails or dies, at most 3 times).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    /// When it became ready or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// When the file is deleted (then `GET …/file` is 410).
    pub expires_at: Option<DateTime<Utc>>,
    /// Where to download it, while it is ready.
    pub file: Option<String>,
}

impl From<Export> for ExportView {
    fn from(export: Export) -> ExportView {
        let expired = export.expired(Utc::now());
        let ready = export.status == sigap_store::exports::ExportStatus::Ready;
        ExportView {
            id: export.id,
            kind: export.kind.as_str().into(),
            format: export.format.as_str().into(),
            status: if ready && expired {
                "expired".into()
            } else {
                export.status.as_str().into()
            },
            filters: export.filters,
            row_count: export.row_count,
            size_bytes: export.size_bytes,
            filename: export.filename,
            attempts: export.attempts,
            created_at: export.created_at,
            started_at: export.started_at,
            finished_at: export.finished_at,
            expires_at: export.expires_at,
            file: (ready && !expired).then(|| format!("/v1/exports/{}/file", export.id)),
        }
    }
}

/// A file attached to a case (without its bytes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub report_id: Uuid,
    /// The cleaned name; `lampiran.<ext>` for roles that may not see
    /// personal data (a name can name a person).
    #[schema(example = "foto-rumah.jpg")]
    pub filename: String,
    /// Decided from the file's bytes: `image/jpeg`, `image/png` or `application/pdf`.
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// Bytes stored (a JPEG's after its metadata was removed).
    pub size: i32,
    /// Hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// Which person the file concerns; only for roles that may see personal data.
    pub beneficiary_ref: Option<String>,
    /// What the file is; only for roles that may see personal data.
    pub note: Option<String>,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    pub file: String,
}

impl AttachmentView {
    /// The attachment as a caller sees it: without personal data for those
    /// who may not see it.
    pub fn new(meta: AttachmentMeta, personal: bool) -> AttachmentView {
        let filename = if personal {
            meta.filename
        } else {
            format!("lampiran.{}", extension(&meta.content_type))
        };
        AttachmentView {
            id: meta.id,
            report_id: meta.report_id,
            filename,
            content_type: meta.content_type,
            size: meta.size,
            sha256: meta.sha256,
            beneficiary_ref: meta.beneficiary_ref.filter(|_| personal),
            note: meta.note.filter(|_| personal),
            uploaded_by: meta.uploaded_by,
            created_at: meta.created_at,
            file: format!("/v1/attachments/{}", meta.id),
        }
    }
}

/// The extension of a stored type.
pub fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "application/pdf" => "pdf",
        _ => "jpg",
    }
}

/// The list of a report's attachments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentList {
    /// Oldest first, at most 500.
    pub items: Vec<AttachmentView>,
}
