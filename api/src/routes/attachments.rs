//! Files attached to a case: uploaded as multipart/form-data, typed by
//! their bytes, stored without photo metadata, read as the case is.

use crate::auth::Auth;
use crate::body;
use crate::problem::{ApiError, ApiResult, AuthErrors, Problem};
use crate::startup::AppState;
use crate::views::exports::{AttachmentList, AttachmentView};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use sigap_domain::files::{self, FileType};
use sigap_domain::{FieldError, Role};
use sigap_runtime::auth::Scope;
use sigap_store::attachments::{self, NewAttachment};
use sigap_store::privacy::access::{Access, Action};
use sigap_store::reports::sees_personal_data;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_attachment)
        .service(list_attachments)
        .service(get_attachment);
}

/// Largest file accepted.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// Room for the form's other fields and boundaries.
const MAX_FORM_OVERHEAD: usize = 64 * 1024;
const MAX_REF: usize = 200;
const MAX_NOTE: usize = 2000;

/// The form of `POST /v1/reports/{id}/attachments`.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the multipart form; the handler reads the fields one by one"
)]
pub struct AttachmentForm {
    /// The file: JPEG, PNG or PDF, at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Which of the case's people the file concerns (at most 200 characters).
    #[schema(max_length = 200)]
    beneficiary_ref: Option<String>,
    /// What the file is (at most 2000 characters).
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// What the form held.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    beneficiary_ref: Option<String>,
    note: Option<String>,
}

fn field_error(field: &str, message: impl Into<String>) -> ApiError {
    vec![FieldError::new(field, message)].into()
}

/// Reads the multipart form: one `file` field of at most [`MAX_FILE`]
/// bytes (413 beyond, as soon as it is exceeded), and the optional text
/// fields.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> ApiResult<Upload> {
    if body::media_type(req).as_deref() != Some("multipart/form-data") {
        return Err(ApiError::UnsupportedMediaType(
            "send the file as multipart/form-data".into(),
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_FILE + MAX_FORM_OVERHEAD) {
        return Err(ApiError::PayloadTooLarge(MAX_FILE));
    }
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("the multipart body cannot be read: {e}"))
    };
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut upload = Upload {
        name: String::new(),
        bytes: Vec::new(),
        beneficiary_ref: None,
        note: None,
    };
    let mut has_file = false;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or("").to_owned();
        let (limit, too_large): (usize, ApiError) = match name.as_str() {
            "file" if !has_file => (MAX_FILE, ApiError::PayloadTooLarge(MAX_FILE)),
            "file" => return Err(field_error("file", "send one file per request")),
            "beneficiary_ref" => (MAX_REF * 4, field_error(&name, "is at most 200 characters")),
            "note" => (
                MAX_NOTE * 4,
                field_error(&name, "is at most 2000 characters"),
            ),
            other => {
                return Err(field_error(
                    other,
                    "unknown field: send file, beneficiary_ref and note",
                ));
            }
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large);
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" => {
                has_file = true;
                upload.name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or("")
                    .to_owned();
                upload.bytes = bytes;
            }
            _ => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| field_error(&name, "must be UTF-8 text"))?;
                let text = text.trim().to_owned();
                let max = if name == "note" { MAX_NOTE } else { MAX_REF };
                if text.chars().count() > max || text.contains('\0') {
                    return Err(field_error(
                        &name,
                        format!("is at most {max} characters, without NUL"),
                    ));
                }
                let value = (!text.is_empty()).then_some(text);
                if name == "note" {
                    upload.note = value;
                } else {
                    upload.beneficiary_ref = value;
                }
            }
        }
    }
    if !has_file || upload.bytes.is_empty() {
        return Err(field_error("file", "is required and may not be empty"));
    }
    Ok(upload)
}

/// Attach a file to a case.
///
/// `multipart/form-data` with one `file` field (JPEG, PNG or PDF, at most
/// 10 MiB) and optional `beneficiary_ref` and `note`. The type is decided
/// from the file's first bytes, never from its name or declared type:
/// anything else (an executable named `photo.jpg`) is 415. JPEG photos are
/// stored without their EXIF, XMP, IPTC and comment segments (GPS
/// positions, camera serials, times), PNGs without their text and EXIF
/// chunks. The name is cleaned (letters, digits, spaces, `._-()`; the type's
/// extension added when missing). Who may upload: operators, supervisors,
/// the unit holding the case, and an integrator (`reports:write`) on the
/// reports it filed; a case the caller may not read is 404, regional
/// offices and admins 403. The case's history records `attachment_added`,
/// and `report.attachment_added` is published with ids only.
#[utoipa::path(
    tag = "attachments",
    params(("id" = Uuid, Path, description = "The report")),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("client_credentials" = ["reports:write"])),
    responses(
        (status = 201, body = AttachmentView, description = "Stored",
            headers(("Location" = String, description = "The download URL"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "The multipart body cannot be read"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "File larger than 10 MiB"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "Not multipart/form-data, or a file that is not a well-formed JPEG, PNG or PDF"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "No file, several files, an unknown field, or a text field too long (listed in `errors`)"),
        AuthErrors,
    )
)]
#[post("/v1/reports/{id}/attachments")]
#[tracing::instrument(name = "upload_attachment", skip_all)]
async fn upload_attachment(
    req: HttpRequest,
    payload: web::Payload,
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let claims = auth.require_scoped(
        &[
            Role::Operator,
            Role::Supervisor,
            Role::UptStaff,
            Role::Regional,
            Role::Admin,
            Role::Integrator,
        ],
        Scope::ReportsWrite,
    )?;
    let upload = read_form(&req, payload).await?;
    let kind = FileType::sniff(&upload.bytes).ok_or_else(|| {
        ApiError::UnsupportedMediaType("only JPEG, PNG and PDF files are accepted".into())
    })?;
    let bytes = files::clean(kind, &upload.bytes).map_err(|malformed| {
        ApiError::UnsupportedMediaType(format!(
            "the file is not a well-formed {}: {}",
            kind.media_type(),
            malformed.0
        ))
    })?;
    let new = NewAttachment {
        filename: files::sanitize_filename(&upload.name, kind),
        content_type: kind.media_type(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        bytes,
        beneficiary_ref: upload.beneficiary_ref,
        note: upload.note,
    };
    let mut conn = state.pool.get().await?;
    let meta = attachments::add(&mut conn, claims, *id, &new).await?;
    state.relay.wake();
    tracing::info!(report_id = %meta.report_id, attachment_id = %meta.id,
        content_type = %meta.content_type, size = meta.size, "attachment stored");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/attachments/{}", meta.id)))
        .json(AttachmentView::new(meta, true)))
}

/// A case's attachments, without their bytes.
///
/// Visible as the case is (`GET /v1/reports/{id}`): another unit's staff
/// get 404. Names, `beneficiary_ref` and `note` only for roles that may see
/// the case's personal data.
#[utoipa::path(
    tag = "attachments",
    params(("id" = Uuid, Path, description = "The report")),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, body = AttachmentList),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such report, or not visible to the caller"),
        AuthErrors,
    )
)]
#[get("/v1/reports/{id}/attachments")]
async fn list_attachments(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AttachmentList>> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let mut conn = state.pool.get().await?;
    let (report, list) = attachments::list_for(&mut conn, claims, *id).await?;
    let personal = sees_personal_data(claims, &report);
    Ok(web::Json(AttachmentList {
        items: list
            .into_iter()
            .map(|meta| AttachmentView::new(meta, personal))
            .collect(),
    }))
}

/// Download an attachment.
///
/// Authorised as its case is read; served with the stored type,
/// `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`.
#[utoipa::path(
    tag = "attachments",
    params(("id" = Uuid, Path, description = "The attachment")),
    security(("bearer" = []), ("client_credentials" = ["reports:read"])),
    responses(
        (status = 200, description = "The file",
            content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"), (Vec<u8> = "application/pdf")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"))),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such attachment, or its case is not visible to the caller"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "The file was erased with the case's personal data (retention)"),
        AuthErrors,
    )
)]
#[get("/v1/attachments/{id}")]
async fn get_attachment(
    auth: Auth,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    request_id: RequestId,
) -> ApiResult<HttpResponse> {
    let claims = auth.require_scope(Scope::ReportsRead)?;
    let mut conn = state.pool.get().await?;
    let (report, meta, bytes) = attachments::get_for(&mut conn, claims, *id).await?;
    drop(conn);
    if bytes.is_empty() {
        return Err(ApiError::Gone(
            "this file was erased with the case's personal data (retention)".into(),
        ));
    }
    // A photo of a person or a signed letter is personal data, whoever
    // may download it.
    state
        .access_log
        .record(
            Access::by(
                claims,
                Action::AttachmentDownload,
                Some(request_id.to_string()),
            )
            .of_report(report.id),
        )
        .await;
    let personal = sees_personal_data(claims, &report);
    let view = AttachmentView::new(meta, personal);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, view.content_type.as_str()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", view.filename),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
