//! Files attached to a case: photos (JPEG, PNG) and letters (PDF), stored in
//! PostgreSQL in `attachments`, a table of their own (the bytes are read only
//! by a download, never by a list). Who may read them is who may read the
//! case ([`crate::reports::Visibility`], in the query): another unit's staff
//! get not found. An upload appends an `attachment_added` event to the case's
//! history and publishes `report.attachment_added` carrying ids only.

use crate::error::{Error, Result};
use crate::lifecycle::{self, Actor, Change};
use crate::reports::{self, ReportRow};
use crate::schema::attachments;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sigap_domain::{Claims, Role};
use uuid::Uuid;

/// Attachments listed per report, at most.
pub const MAX_LISTED: i64 = 500;

/// A checked upload: the api has decided the type from the bytes, removed
/// photo metadata and cleaned the name.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// The name to offer on download (no path, no control characters).
    pub filename: String,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub content_type: &'static str,
    /// The bytes as stored.
    pub bytes: Vec<u8>,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    /// Which of the case's people the file concerns, in the filer's words.
    pub beneficiary_ref: Option<String>,
    /// What the file is.
    pub note: Option<String>,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentMeta {
    /// UUIDv7.
    pub id: Uuid,
    /// The case.
    pub report_id: Uuid,
    /// The cleaned name.
    pub filename: String,
    /// The type decided from the bytes.
    pub content_type: String,
    /// Bytes stored.
    pub size: i32,
    /// Hex SHA-256 of the stored bytes.
    pub sha256: String,
    /// Which person the file concerns.
    pub beneficiary_ref: Option<String>,
    /// What the file is.
    pub note: Option<String>,
    /// The `sub` of the uploader.
    pub uploaded_by: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// Stores `new` on report `report_id` for `claims`: a report the caller may
/// not read is not found; regional offices and admins read cases but do not
/// add to them (forbidden).
pub async fn add(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
    new: &NewAttachment,
) -> Result<AttachmentMeta> {
    conn.transaction::<AttachmentMeta, Error, _>(async |conn| {
        let report = reports::lock_for(conn, claims, report_id).await?;
        if matches!(claims.role, Role::Regional | Role::Admin) {
            return Err(Error::Forbidden(format!(
                "role {} has read-only access to cases",
                claims.role
            )));
        }
        let size = i32::try_from(new.bytes.len())
            .map_err(|_| Error::validation("file", "is too large"))?;
        let meta: AttachmentMeta = diesel::insert_into(attachments::table)
            .values((
                attachments::id.eq(Uuid::now_v7()),
                attachments::report_id.eq(report_id),
                attachments::filename.eq(&new.filename),
                attachments::content_type.eq(new.content_type),
                attachments::size.eq(size),
                attachments::sha256.eq(&new.sha256),
                attachments::bytes.eq(&new.bytes),
                attachments::beneficiary_ref.eq(&new.beneficiary_ref),
                attachments::note.eq(&new.note),
                attachments::uploaded_by.eq(&claims.sub),
            ))
            .returning(AttachmentMeta::as_returning())
            .get_result(conn)
            .await?;
        diesel::sql_query("UPDATE reports SET updated_at = now() WHERE id = $1")
            .bind::<SqlUuid, _>(report_id)
            .execute(conn)
            .await?;
        lifecycle::record(
            conn,
            &report,
            &Actor::from_claims(claims),
            Change {
                kind: "attachment_added",
                from: report.status,
                to: report.status,
                unit: report.unit_code.as_deref(),
                note: None,
                details: Some(serde_json::json!({ "attachment_id": meta.id })),
                event: "report.attachment_added".into(),
                routing_key: "report.attachment_added".into(),
            },
        )
        .await?;
        Ok(meta)
    })
    .await
}

/// The report `claims` may read and its attachments, oldest first (at most
/// [`MAX_LISTED`]); not found when the report is not visible.
pub async fn list_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    report_id: Uuid,
) -> Result<(ReportRow, Vec<AttachmentMeta>)> {
    let report = reports::find_for(conn, claims, report_id).await?;
    let list = attachments::table
        .filter(attachments::report_id.eq(report_id))
        .order((attachments::created_at, attachments::id))
        .limit(MAX_LISTED)
        .select(AttachmentMeta::as_select())
        .load(conn)
        .await?;
    Ok((report, list))
}

/// How many files a report has.
pub async fn count(conn: &mut AsyncPgConnection, report_id: Uuid) -> Result<i64> {
    Ok(attachments::table
        .filter(attachments::report_id.eq(report_id))
        .count()
        .get_result(conn)
        .await?)
}

/// An attachment with its report and its bytes, when `claims` may read its report (the
/// report is read through the visibility rule before any byte is);
/// otherwise not found.
pub async fn get_for(
    conn: &mut AsyncPgConnection,
    claims: &Claims,
    id: Uuid,
) -> Result<(ReportRow, AttachmentMeta, Vec<u8>)> {
    let meta: AttachmentMeta = attachments::table
        .find(id)
        .select(AttachmentMeta::as_select())
        .first(conn)
        .await?;
    let report = reports::find_for(conn, claims, meta.report_id).await?;
    let bytes: Vec<u8> = attachments::table
        .find(id)
        .select(attachments::bytes)
        .first(conn)
        .await?;
    Ok((report, meta, bytes))
}
