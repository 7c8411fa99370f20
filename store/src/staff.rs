//! Staff accounts (the people who sign in), their sessions, failed sign-ins
//! and the audit trail of changes to accounts.
//!
//! A session is started by [`start_session`] whatever proved who the person
//! is (a password here; the organisation's identity provider later), and is
//! continued by rotating refresh tokens ([`refresh`]). Ending a session
//! announces its id on [`ENDED_CHANNEL`], so that every api process refuses
//! its access tokens without a database read per request.

use crate::error::{Error, Result};
use crate::schema::{regions, staff, staff_audit, staff_login_failures, staff_sessions, units};
use crate::vocabulary::Term;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sigap_domain::{FieldError, Role};
use uuid::Uuid;

/// The channel an ended session's id is announced on.
pub const ENDED_CHANNEL: &str = "sigap_session_ended";
/// How long a session lives at most, refreshed or not.
pub const SESSION_TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);
/// Failed sign-ins for one email that lock it out...
pub const MAX_LOGIN_FAILURES: i64 = 5;
/// ...when they fall within this window; the lock lifts when the oldest of
/// them leaves it.
pub const LOGIN_FAILURE_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The roles a staff account may hold (not `integrator`: machines use API
/// clients).
pub const STAFF_ROLES: [Role; 5] = [
    Role::Operator,
    Role::Supervisor,
    Role::UptStaff,
    Role::Regional,
    Role::Admin,
];

/// An account as stored, without its secrets.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff, check_for_backend(diesel::pg::Pg))]
pub struct Staff {
    /// UUIDv7; the `sub` of the person's tokens and the `actor` of what they do.
    pub id: Uuid,
    /// Lower-cased.
    pub email: String,
    /// Personal data: shown to admins, to the person, and in case histories
    /// to roles that may see names.
    pub name: String,
    /// What the person may do.
    #[diesel(deserialize_as = Term<Role>)]
    pub role: Role,
    /// The unit of UPT staff.
    pub unit_code: Option<String>,
    /// The province or regency of a regional office.
    pub region_code: Option<String>,
    /// False: the person cannot sign in, and their sessions have ended.
    pub active: bool,
    /// Set when an admin chose or generated the password.
    pub must_change_password: bool,
    /// When the person confirmed TOTP enrolment; codes are required after.
    pub totp_confirmed_at: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
    /// When the person last signed in.
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl Staff {
    /// Whether the person's tokens open `/v1/me` only: admins without
    /// confirmed TOTP, and anyone who must change a password an admin chose
    /// (or Sigap generated) first.
    pub fn enrol_only(&self) -> bool {
        (self.role == Role::Admin && self.totp_confirmed_at.is_none()) || self.must_change_password
    }
}

/// A new account, its values checked by the caller (email lower-cased).
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Lower-cased.
    pub email: String,
    /// Trimmed, 1 to 200 characters.
    pub name: String,
    /// One of [`STAFF_ROLES`].
    pub role: Role,
    /// Required for `upt_staff`, absent otherwise; checked against `units`.
    pub unit_code: Option<String>,
    /// Required for `regional`, absent otherwise; checked against `regions`.
    pub region_code: Option<String>,
    /// The argon2id hash of the initial password.
    pub password_hash: String,
    /// Whether the person must change it at first sign-in.
    pub must_change_password: bool,
}

/// Why an account changes, recorded with the sessions it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The person signed out.
    Logout,
    /// A used refresh token was presented again.
    RefreshReuse,
    /// An admin deactivated the account.
    Deactivated,
    /// An admin changed the role, unit or region.
    RoleChanged,
    /// The password changed (the person's other sessions end).
    PasswordChanged,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::RefreshReuse => "refresh_reuse",
            EndReason::Deactivated => "deactivated",
            EndReason::RoleChanged => "role_changed",
            EndReason::PasswordChanged => "password_changed",
        }
    }
}

fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Checks that the unit and region fit the role and exist.
async fn check_placement(
    conn: &mut AsyncPgConnection,
    role: Role,
    unit_code: Option<&str>,
    region_code: Option<&str>,
) -> Result<()> {
    let mut errors = Vec::new();
    match (role, unit_code) {
        (Role::UptStaff, None) => {
            errors.push(FieldError::new("unit_code", "is required for upt_staff"))
        }
        (Role::UptStaff, Some(code)) => {
            let known: bool = diesel::select(diesel::dsl::exists(units::table.find(code)))
                .get_result(conn)
                .await?;
            if !known {
                errors.push(FieldError::new("unit_code", "is not a known unit"));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new("unit_code", "is only for upt_staff")),
        (_, None) => {}
    }
    match (role, region_code) {
        (Role::Regional, None) => {
            errors.push(FieldError::new("region_code", "is required for regional"))
        }
        (Role::Regional, Some(code)) => {
            let known: bool = diesel::select(diesel::dsl::exists(regions::table.find(code)))
                .get_result(conn)
                .await?;
            if !known {
                errors.push(FieldError::new(
                    "region_code",
                    "is not a known province or regency",
                ));
            }
        }
        (_, Some(_)) => errors.push(FieldError::new("region_code", "is only for regional")),
        (_, None) => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

async fn audit(
    conn: &mut AsyncPgConnection,
    staff_id: Uuid,
    actor: &str,
    action: &str,
    changes: Value,
) -> Result<()> {
    diesel::insert_into(staff_audit::table)
        .values((
            staff_audit::staff_id.eq(staff_id),
            staff_audit::actor.eq(actor),
            staff_audit::action.eq(action),
            staff_audit::changes.eq(changes),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Creates an account as `actor` (an admin's `sub`, or the command line);
/// [`Error::Conflict`] when the email is taken.
pub async fn create(conn: &mut AsyncPgConnection, actor: &str, new: &NewStaff) -> Result<Staff> {
    conn.transaction::<_, Error, _>(async |conn| {
        check_placement(
            conn,
            new.role,
            new.unit_code.as_deref(),
            new.region_code.as_deref(),
        )
        .await?;
        let id = Uuid::now_v7();
        let created = diesel::insert_into(staff::table)
            .values((
                staff::id.eq(id),
                staff::email.eq(&new.email),
                staff::name.eq(&new.name),
                staff::role.eq(Term(new.role)),
                staff::unit_code.eq(&new.unit_code),
                staff::region_code.eq(&new.region_code),
                staff::password_hash.eq(&new.password_hash),
                staff::must_change_password.eq(new.must_change_password),
            ))
            .returning(Staff::as_returning())
            .get_result(conn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::Conflict("an account with this email exists".into())
                } else {
                    e.into()
                }
            })?;
        audit(
            conn,
            id,
            actor,
            "created",
            json!({
                "role": new.role.as_str(),
                "unit_code": new.unit_code,
                "region_code": new.region_code,
                "password": "set",
            }),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// Which accounts [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only this unit's staff.
    pub unit: Option<String>,
    /// Only active (true) or inactive (false) accounts.
    pub active: Option<bool>,
}

/// Accounts in creation order (by id), after `after`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &StaffFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Staff>> {
    let mut query = staff::table
        .select(Staff::as_select())
        .order(staff::id)
        .limit(limit)
        .into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(staff::role.eq(Term(role)));
    }
    if let Some(unit) = &filter.unit {
        query = query.filter(staff::unit_code.eq(unit.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(staff::active.eq(active));
    }
    if let Some(after) = after {
        query = query.filter(staff::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// One account.
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Staff> {
    Ok(staff::table
        .find(id)
        .select(Staff::as_select())
        .first(conn)
        .await?)
}

/// One account by email (lower-cased), for commands.
pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> Result<Option<Staff>> {
    Ok(staff::table
        .filter(staff::email.eq(email))
        .select(Staff::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// What `PATCH /v1/staff/{id}` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StaffChanges {
    /// Trimmed, 1 to 200 characters.
    pub name: Option<String>,
    /// One of [`STAFF_ROLES`].
    pub role: Option<Role>,
    /// The unit, for (new or current) upt_staff.
    pub unit_code: Option<String>,
    /// The region, for (new or current) regional offices.
    pub region_code: Option<String>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// The hash of a password an admin sets (the person must change it).
    pub password_hash: Option<String>,
}

/// Changes an account as `actor`. Deactivating it, or changing its role,
/// unit or region, ends every session of the person; their ids are
/// returned (and announced).
pub async fn update(
    conn: &mut AsyncPgConnection,
    actor: &str,
    id: Uuid,
    changes: &StaffChanges,
) -> Result<(Staff, Vec<Uuid>)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let old: Staff = staff::table
            .find(id)
            .select(Staff::as_select())
            .for_update()
            .first(conn)
            .await?;
        let role = changes.role.unwrap_or(old.role);
        // A role that has no unit (or region) drops it; one that needs it
        // keeps the current one unless another is given.
        let unit_code = match (&changes.unit_code, role) {
            (Some(code), _) => Some(code.clone()),
            (None, Role::UptStaff) => old.unit_code.clone(),
            (None, _) => None,
        };
        let region_code = match (&changes.region_code, role) {
            (Some(code), _) => Some(code.clone()),
            (None, Role::Regional) => old.region_code.clone(),
            (None, _) => None,
        };
        check_placement(conn, role, unit_code.as_deref(), region_code.as_deref()).await?;
        let name = changes.name.clone().unwrap_or_else(|| old.name.clone());
        let active = changes.active.unwrap_or(old.active);
        let mut diff = serde_json::Map::new();
        let mut note = |field: &str, from: Value, to: Value| {
            if from != to {
                diff.insert(field.into(), json!({"from": from, "to": to}));
            }
        };
        note("name", json!(old.name), json!(name));
        note("role", json!(old.role.as_str()), json!(role.as_str()));
        note("unit_code", json!(old.unit_code), json!(unit_code));
        note("region_code", json!(old.region_code), json!(region_code));
        note("active", json!(old.active), json!(active));
        if changes.password_hash.is_some() {
            diff.insert("password".into(), json!("set"));
        }
        let must_change = old.must_change_password || changes.password_hash.is_some();
        let updated: Staff = diesel::update(staff::table.find(id))
            .set((
                staff::name.eq(&name),
                staff::role.eq(Term(role)),
                staff::unit_code.eq(&unit_code),
                staff::region_code.eq(&region_code),
                staff::active.eq(active),
                staff::must_change_password.eq(must_change),
                staff::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Staff::as_returning())
            .get_result(conn)
            .await?;
        if let Some(hash) = &changes.password_hash {
            diesel::update(staff::table.find(id))
                .set(staff::password_hash.eq(hash))
                .execute(conn)
                .await?;
        }
        let reason = if old.active && !active {
            Some(EndReason::Deactivated)
        } else if old.role != role || old.unit_code != unit_code || old.region_code != region_code {
            Some(EndReason::RoleChanged)
        } else {
            None
        };
        let ended = match reason {
            Some(reason) => end_sessions_of(conn, id, None, reason).await?,
            None => Vec::new(),
        };
        if !diff.is_empty() {
            audit(conn, id, actor, "updated", Value::Object(diff)).await?;
        }
        Ok((updated, ended))
    })
    .await
}

/// What signing in with a password needs to know about an email.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The account.
    pub staff: Staff,
    /// Its argon2id hash; `None` when the person signs in elsewhere only.
    pub password_hash: Option<String>,
    /// The confirmed TOTP secret, if any: a code is then required.
    pub totp_secret: Option<Vec<u8>>,
    /// The last step a code was accepted for.
    pub totp_last_step: Option<i64>,
}

/// The active account of `email` (lower-cased) with its secrets; `None` for
/// an unknown or inactive one. Verifying the password is left to the caller,
/// so that the connection goes back to the pool before the slow hash runs.
pub async fn sign_in(conn: &mut AsyncPgConnection, email: &str) -> Result<Option<SignIn>> {
    type Found = (Staff, Option<String>, Option<Vec<u8>>, Option<i64>);
    let found: Option<Found> = staff::table
        .filter(staff::email.eq(email))
        .filter(staff::active.eq(true))
        .select((
            Staff::as_select(),
            staff::password_hash,
            staff::totp_secret,
            staff::totp_last_step,
        ))
        .first(conn)
        .await
        .optional()?;
    // TOTP secrets are stored encrypted, as personal data is.
    let keys = crate::privacy::keys()?;
    let found = match found {
        Some((staff, hash, Some(secret), step)) => {
            Some((staff, hash, Some(keys.open_bytes(&secret)?), step))
        }
        other => other,
    };
    Ok(
        found.map(|(staff, password_hash, secret, last_step)| SignIn {
            totp_secret: secret.filter(|_| staff.totp_confirmed_at.is_some()),
            staff,
            password_hash,
            totp_last_step: last_step,
        }),
    )
}

/// The password hash of an account, to check a current password.
pub async fn password_hash(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<String>> {
    Ok(staff::table
        .find(id)
        .select(staff::password_hash)
        .first(conn)
        .await?)
}

/// Seconds until `email` may try again, when it has failed
/// [`MAX_LOGIN_FAILURES`] times within [`LOGIN_FAILURE_WINDOW`].
pub async fn lockout(conn: &mut AsyncPgConnection, email: &str) -> Result<Option<u64>> {
    let window = Duration::from_std(LOGIN_FAILURE_WINDOW).expect("small");
    let since = Utc::now() - window;
    let failures: Vec<DateTime<Utc>> = staff_login_failures::table
        .filter(staff_login_failures::email.eq(email))
        .filter(staff_login_failures::failed_at.gt(since))
        .order(staff_login_failures::failed_at.desc())
        .limit(MAX_LOGIN_FAILURES)
        .select(staff_login_failures::failed_at)
        .load(conn)
        .await?;
    if (failures.len() as i64) < MAX_LOGIN_FAILURES {
        return Ok(None);
    }
    // The fifth most recent failure leaving the window frees a try.
    let oldest = failures[failures.len() - 1];
    let left = (oldest + window - Utc::now()).num_seconds().max(1);
    Ok(Some(left as u64))
}

/// Records a failed sign-in for `email` (known or not), dropping its
/// failures that left the window.
pub async fn record_login_failure(conn: &mut AsyncPgConnection, email: &str) -> Result<()> {
    let since = Utc::now() - Duration::from_std(LOGIN_FAILURE_WINDOW).expect("small");
    diesel::delete(
        staff_login_failures::table
            .filter(staff_login_failures::email.eq(email))
            .filter(staff_login_failures::failed_at.le(since)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(staff_login_failures::table)
        .values(staff_login_failures::email.eq(email))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the failures of `email` after it signed in.
pub async fn clear_login_failures(conn: &mut AsyncPgConnection, email: &str) -> Result<()> {
    diesel::delete(staff_login_failures::table.filter(staff_login_failures::email.eq(email)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Accepts a TOTP code's step for `id` once: false when that step (or a
/// later one) was accepted already, so that a code cannot be replayed.
pub async fn accept_totp_step(conn: &mut AsyncPgConnection, id: Uuid, step: i64) -> Result<bool> {
    let updated = diesel::update(
        staff::table.find(id).filter(
            staff::totp_last_step
                .is_null()
                .or(staff::totp_last_step.lt(step)),
        ),
    )
    .set(staff::totp_last_step.eq(step))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// A session just started or refreshed, with its refresh token (only its
/// hash is stored).
#[derive(Debug, Clone)]
pub struct SessionTokens {
    /// The session id: the `sid` of its access tokens.
    pub sid: Uuid,
    /// Single use: [`refresh`] exchanges it for the next.
    pub refresh_token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// 32 random bytes, hex: refresh tokens and one-time codes.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session for the active account `id`, however the person proved
/// who they are (password, identity provider), and records the sign-in.
/// [`Error::NotFound`] for an unknown or inactive account.
pub async fn start_session(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<(Staff, SessionTokens)> {
    conn.transaction::<_, Error, _>(async |conn| {
        let person: Staff = diesel::update(staff::table.find(id).filter(staff::active.eq(true)))
            .set(staff::last_sign_in_at.eq(diesel::dsl::now))
            .returning(Staff::as_returning())
            .get_result(conn)
            .await?;
        let sid = Uuid::now_v7();
        let refresh_token = random_token();
        let now = Utc::now();
        let expires_at = now + Duration::from_std(SESSION_TTL).expect("12 hours");
        diesel::insert_into(staff_sessions::table)
            .values((
                staff_sessions::id.eq(sid),
                staff_sessions::staff_id.eq(id),
                staff_sessions::refresh_hash.eq(token_hash(&refresh_token)),
                staff_sessions::created_at.eq(now),
                staff_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .await?;
        Ok((
            person,
            SessionTokens {
                sid,
                refresh_token,
                expires_at,
            },
        ))
    })
    .await
}

/// What presenting a refresh token did.
#[derive(Debug, Clone)]
pub enum Refresh {
    /// The token was current: here is the next one, with the account.
    Rotated(Box<Staff>, SessionTokens),
    /// The token had been used already: its session has ended.
    Reused(Uuid),
    /// Unknown token, or its session has ended or expired, or the account
    /// is inactive.
    Invalid,
}

/// Exchanges a refresh token for the next one of its session.
pub async fn refresh(conn: &mut AsyncPgConnection, token: &str) -> Result<Refresh> {
    let hash = token_hash(token);
    conn.transaction::<_, Error, _>(async |conn| {
        type Found = (Uuid, Uuid, Vec<u8>, DateTime<Utc>, Option<DateTime<Utc>>);
        let found: Option<Found> = staff_sessions::table
            .filter(
                staff_sessions::refresh_hash
                    .eq(&hash)
                    .or(staff_sessions::previous_refresh_hash.eq(&hash)),
            )
            .select((
                staff_sessions::id,
                staff_sessions::staff_id,
                staff_sessions::refresh_hash,
                staff_sessions::expires_at,
                staff_sessions::ended_at,
            ))
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some((sid, staff_id, current, expires_at, ended_at)) = found else {
            return Ok(Refresh::Invalid);
        };
        if current != hash {
            if ended_at.is_none() {
                end_session(conn, sid, EndReason::RefreshReuse).await?;
            }
            return Ok(Refresh::Reused(sid));
        }
        if ended_at.is_some() || expires_at <= Utc::now() {
            return Ok(Refresh::Invalid);
        }
        let person = get(conn, staff_id).await?;
        if !person.active {
            return Ok(Refresh::Invalid);
        }
        let refresh_token = random_token();
        diesel::update(staff_sessions::table.find(sid))
            .set((
                staff_sessions::refresh_hash.eq(token_hash(&refresh_token)),
                staff_sessions::previous_refresh_hash.eq(&hash),
                staff_sessions::refreshed_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        Ok(Refresh::Rotated(
            Box::new(person),
            SessionTokens {
                sid,
                refresh_token,
                expires_at,
            },
        ))
    })
    .await
}

/// Ends a session and announces it (when the transaction commits); false
/// when it had ended already or does not exist.
pub async fn end_session(
    conn: &mut AsyncPgConnection,
    sid: Uuid,
    reason: EndReason,
) -> Result<bool> {
    let updated = diesel::update(
        staff_sessions::table
            .find(sid)
            .filter(staff_sessions::ended_at.is_null()),
    )
    .set((
        staff_sessions::ended_at.eq(diesel::dsl::now),
        staff_sessions::ended_reason.eq(reason.as_str()),
    ))
    .execute(conn)
    .await?;
    if updated == 1 {
        crate::db::notify(conn, ENDED_CHANNEL, &sid.to_string()).await?;
    }
    Ok(updated == 1)
}

/// Ends every open session of account `id` but `except`, announcing each;
/// returns their ids.
pub async fn end_sessions_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    except: Option<Uuid>,
    reason: EndReason,
) -> Result<Vec<Uuid>> {
    let ended: Vec<Uuid> = diesel::update(
        staff_sessions::table
            .filter(staff_sessions::staff_id.eq(id))
            .filter(staff_sessions::ended_at.is_null())
            .filter(staff_sessions::id.ne(except.unwrap_or(Uuid::nil()))),
    )
    .set((
        staff_sessions::ended_at.eq(diesel::dsl::now),
        staff_sessions::ended_reason.eq(reason.as_str()),
    ))
    .returning(staff_sessions::id)
    .get_results(conn)
    .await?;
    for sid in &ended {
        crate::db::notify(conn, ENDED_CHANNEL, &sid.to_string()).await?;
    }
    Ok(ended)
}

/// Ended sessions whose access tokens could still be presented (the
/// session had not expired a minute ago).
pub async fn ended_session_ids(conn: &mut AsyncPgConnection) -> Result<Vec<String>> {
    let since = Utc::now() - Duration::minutes(1);
    let ids: Vec<Uuid> = staff_sessions::table
        .filter(staff_sessions::ended_at.is_not_null())
        .filter(staff_sessions::expires_at.gt(since))
        .select(staff_sessions::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(|id| id.to_string()).collect())
}

/// Follows ended sessions until the connection ends: first every ended
/// session still relevant, then each session ended after.
pub async fn watch_ended_sessions(
    database_url: &str,
    ended: impl FnMut(crate::db::SetChange),
) -> Result<()> {
    crate::db::watch_set(
        database_url,
        ENDED_CHANNEL,
        async |conn| ended_session_ids(conn).await,
        ended,
    )
    .await
}

/// Sets the person's own password (they knew the current one): clears
/// `must_change_password` and ends their other sessions, whose ids are
/// returned.
pub async fn change_own_password(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    hash: &str,
    keep: Option<Uuid>,
) -> Result<Vec<Uuid>> {
    conn.transaction::<_, Error, _>(async |conn| {
        let updated = diesel::update(staff::table.find(id))
            .set((
                staff::password_hash.eq(hash),
                staff::must_change_password.eq(false),
                staff::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        if updated == 0 {
            return Err(Error::NotFound);
        }
        audit(conn, id, &id.to_string(), "password_changed", json!({})).await?;
        end_sessions_of(conn, id, keep, EndReason::PasswordChanged).await
    })
    .await
}

/// Stores a new, unconfirmed TOTP secret for `id` (replacing an unconfirmed
/// one); [`Error::Conflict`] once TOTP is confirmed.
pub async fn begin_totp(conn: &mut AsyncPgConnection, id: Uuid, secret: &[u8]) -> Result<()> {
    let updated = diesel::update(
        staff::table
            .find(id)
            .filter(staff::totp_confirmed_at.is_null()),
    )
    .set((
        staff::totp_secret.eq(crate::privacy::keys()?.seal_bytes(secret)),
        staff::totp_last_step.eq(None::<i64>),
    ))
    .execute(conn)
    .await?;
    if updated == 0 {
        get(conn, id).await?;
        return Err(Error::Conflict("TOTP is confirmed already".into()));
    }
    Ok(())
}

/// The unconfirmed TOTP secret of `id`; [`Error::Conflict`] when there is
/// none to confirm.
pub async fn pending_totp(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<u8>> {
    let (secret, confirmed): (Option<Vec<u8>>, Option<DateTime<Utc>>) = staff::table
        .find(id)
        .select((staff::totp_secret, staff::totp_confirmed_at))
        .first(conn)
        .await?;
    match (secret, confirmed) {
        (_, Some(_)) => Err(Error::Conflict("TOTP is confirmed already".into())),
        (None, None) => Err(Error::Conflict(
            "no TOTP enrolment to confirm: POST /v1/me/totp first".into(),
        )),
        (Some(secret), None) => Ok(crate::privacy::keys()?.open_bytes(&secret)?),
    }
}

/// Confirms TOTP for `id` with the step of the code that proved it.
pub async fn confirm_totp(conn: &mut AsyncPgConnection, id: Uuid, step: i64) -> Result<Staff> {
    conn.transaction::<_, Error, _>(async |conn| {
        let person: Staff = diesel::update(
            staff::table
                .find(id)
                .filter(staff::totp_confirmed_at.is_null()),
        )
        .set((
            staff::totp_confirmed_at.eq(diesel::dsl::now),
            staff::totp_last_step.eq(step),
            staff::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Staff::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or_else(|| Error::Conflict("TOTP is confirmed already".into()))?;
        audit(conn, id, &id.to_string(), "totp_confirmed", json!({})).await?;
        Ok(person)
    })
    .await
}

/// The names of the accounts among `actors` (event actors: staff ids, or
/// other subjects, which are skipped), for histories.
pub async fn names_of(
    conn: &mut AsyncPgConnection,
    actors: &[&str],
) -> Result<std::collections::HashMap<String, String>> {
    let ids: Vec<Uuid> = actors.iter().filter_map(|a| a.parse().ok()).collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, String)> = staff::table
        .filter(staff::id.eq_any(&ids))
        .select((staff::id, staff::name))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect())
}
