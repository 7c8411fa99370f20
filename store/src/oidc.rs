//! Signing in through the organisation's identity provider (OpenID Connect):
//! the sign-ins in progress (state, nonce, PKCE verifier), finding the staff
//! account the provider vouches for, and the one-time codes that hand a
//! finished sign-in to the console.
//!
//! Every secret here is short-lived and single use: taking it deletes it.
//! State and codes are kept as SHA-256, so a database read reveals neither.

use crate::error::{Error, Result};
use crate::schema::{oidc_sign_ins, staff, staff_sign_in_codes};
use crate::staff::Staff;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a person has at the provider's pages before the sign-in expires.
pub const SIGN_IN_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// How long the console has to exchange its one-time code.
pub const CODE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn ttl(d: std::time::Duration) -> Duration {
    Duration::from_std(d).expect("minutes")
}

/// What the callback needs of a sign-in it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// Must come back in the ID token.
    pub nonce: String,
    /// The PKCE code verifier, sent with the code.
    pub pkce_verifier: String,
}

/// Keeps a started sign-in under its `state`, and drops the expired ones
/// (bounded: an index range scan of what is past its time).
pub async fn begin(
    conn: &mut AsyncPgConnection,
    state: &str,
    pending: &PendingSignIn,
) -> Result<()> {
    let now = Utc::now();
    diesel::delete(oidc_sign_ins::table.filter(oidc_sign_ins::expires_at.lt(now)))
        .execute(conn)
        .await?;
    diesel::insert_into(oidc_sign_ins::table)
        .values((
            oidc_sign_ins::state_hash.eq(hash(state)),
            oidc_sign_ins::nonce.eq(&pending.nonce),
            oidc_sign_ins::pkce_verifier.eq(&pending.pkce_verifier),
            oidc_sign_ins::expires_at.eq(now + ttl(SIGN_IN_TTL)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the sign-in of `state` once: `None` when it is unknown, used or
/// expired.
pub async fn take(conn: &mut AsyncPgConnection, state: &str) -> Result<Option<PendingSignIn>> {
    let taken: Option<(String, String)> = diesel::delete(
        oidc_sign_ins::table
            .filter(oidc_sign_ins::state_hash.eq(hash(state)))
            .filter(oidc_sign_ins::expires_at.gt(Utc::now())),
    )
    .returning((oidc_sign_ins::nonce, oidc_sign_ins::pkce_verifier))
    .get_result(conn)
    .await
    .optional()?;
    Ok(taken.map(|(nonce, pkce_verifier)| PendingSignIn {
        nonce,
        pkce_verifier,
    }))
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity<'a> {
    /// The provider's issuer URL.
    pub issuer: &'a str,
    /// The person's stable id at the provider.
    pub subject: &'a str,
    /// The person's email (lower-cased) when the provider verified it.
    pub verified_email: Option<&'a str>,
}

/// What the staff directory says of a person the provider vouches for.
#[derive(Debug, Clone)]
pub enum Found {
    /// An active account: it may sign in.
    Active(Staff),
    /// The account exists but is deactivated.
    Inactive,
    /// No account is bound to this identity or has its verified email (or
    /// the one that has it is bound to another identity already).
    Unknown,
}

/// The account of an identity: the one bound to its issuer and subject, or
/// the first time the unbound account with its verified email, which is
/// then bound to it (so that a later change of email at the provider does
/// not lose the account, and another identity cannot take it). Binding
/// retires a one-time password still waiting to be changed.
pub async fn find_staff(conn: &mut AsyncPgConnection, who: &Identity<'_>) -> Result<Found> {
    let issuer = who.issuer.to_owned();
    let subject = who.subject.to_owned();
    let email = who.verified_email.map(str::to_owned);
    conn.transaction::<_, Error, _>(async |conn| {
        let bound: Option<Staff> = staff::table
            .filter(staff::oidc_issuer.eq(&issuer))
            .filter(staff::oidc_subject.eq(&subject))
            .select(Staff::as_select())
            .first(conn)
            .await
            .optional()?;
        let person = match (bound, email) {
            (Some(person), _) => person,
            (None, None) => return Ok(Found::Unknown),
            (None, Some(email)) => {
                let newly_bound: Option<Staff> = diesel::update(
                    staff::table
                        .filter(staff::email.eq(&email))
                        .filter(staff::oidc_issuer.is_null()),
                )
                .set((
                    staff::oidc_issuer.eq(&issuer),
                    staff::oidc_subject.eq(&subject),
                ))
                .returning(Staff::as_returning())
                .get_result(conn)
                .await
                .optional()?;
                match newly_bound {
                    // A one-time password nobody changed yet is retired: the
                    // person signs in through the provider, and it would only
                    // hold their token to the password-change page.
                    Some(person) if person.must_change_password => {
                        diesel::update(staff::table.find(person.id))
                            .set((
                                staff::password_hash.eq(None::<String>),
                                staff::must_change_password.eq(false),
                            ))
                            .returning(Staff::as_returning())
                            .get_result(conn)
                            .await?
                    }
                    Some(person) => person,
                    None => return Ok(Found::Unknown),
                }
            }
        };
        Ok(if person.active {
            Found::Active(person)
        } else {
            Found::Inactive
        })
    })
    .await
}

/// A new one-time code for `staff_id`, good once within [`CODE_TTL`].
pub async fn issue_code(conn: &mut AsyncPgConnection, staff_id: Uuid) -> Result<String> {
    let code = crate::staff::random_token();
    let now = Utc::now();
    diesel::delete(staff_sign_in_codes::table.filter(staff_sign_in_codes::expires_at.lt(now)))
        .execute(conn)
        .await?;
    diesel::insert_into(staff_sign_in_codes::table)
        .values((
            staff_sign_in_codes::code_hash.eq(hash(&code)),
            staff_sign_in_codes::staff_id.eq(staff_id),
            staff_sign_in_codes::expires_at.eq(now + ttl(CODE_TTL)),
        ))
        .execute(conn)
        .await?;
    Ok(code)
}

/// Takes a one-time code: the account it was issued for, or `None` when it
/// is unknown, used or expired.
pub async fn redeem_code(conn: &mut AsyncPgConnection, code: &str) -> Result<Option<Uuid>> {
    Ok(diesel::delete(
        staff_sign_in_codes::table
            .filter(staff_sign_in_codes::code_hash.eq(hash(code)))
            .filter(staff_sign_in_codes::expires_at.gt(Utc::now())),
    )
    .returning(staff_sign_in_codes::staff_id)
    .get_result(conn)
    .await
    .optional()?)
}
