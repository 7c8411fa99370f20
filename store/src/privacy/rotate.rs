//! `sigap-api keys rotate`: every encrypted value re-encrypted under the
//! current key, and every value stored before encryption encrypted (with
//! its blind index), in batches.
//!
//! Safe while the api serves: each batch reads stale values in id order and
//! writes each one back only if it is still what was read (compare and set),
//! so that a change made meanwhile by the api (which encrypts under the
//! current key already) is never overwritten. Resumable: a run stopped
//! anywhere is started again from the beginning and finds only what is
//! still stale. Run it after the new key is first in every process's ring.

use super::{KeyRing, keys};
use crate::error::Result;
use crate::schema::{beneficiaries, export_chunks, reports, staff};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use sigap_domain::{Nik, Phone};
use uuid::Uuid;

/// What a run rewrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RotationProgress {
    /// Reporters' phones (`reports.reporter_phone`).
    pub reporter_phones: u64,
    /// Lists of people (`reports.beneficiaries`); their rows follow by trigger.
    pub people_lists: u64,
    /// People's rows (`beneficiaries`) that still differed.
    pub beneficiaries: u64,
    /// Staff TOTP secrets.
    pub totp_secrets: u64,
    /// Stored export files, chunk by chunk.
    pub export_chunks: u64,
}

/// `LIKE` pattern of values under the current key.
fn current_pattern(ring: &KeyRing) -> String {
    let id = ring.current_id().replace('_', "\\_");
    format!("enc1:{id}:%")
}

/// Rewrites every stale value, `batch` rows at a time; `progress` is told
/// after each batch.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    batch: i64,
    mut progress: impl FnMut(&RotationProgress),
) -> Result<RotationProgress> {
    let ring = keys()?;
    let mut done = RotationProgress::default();
    loop {
        let n = reporter_phones(conn, &ring, batch).await?;
        done.reporter_phones += n;
        progress(&done);
        if n == 0 {
            break;
        }
    }
    let mut after = Uuid::nil();
    loop {
        let (n, last) = people_lists(conn, &ring, batch, after).await?;
        done.people_lists += n;
        progress(&done);
        match last {
            Some(last) => after = last,
            None => break,
        }
    }
    loop {
        let n = beneficiary_rows(conn, &ring, batch).await?;
        done.beneficiaries += n;
        progress(&done);
        if n == 0 {
            break;
        }
    }
    done.totp_secrets = totp_secrets(conn, &ring).await?;
    let mut after = (Uuid::nil(), -1);
    loop {
        let (n, last) = chunks(conn, &ring, batch, after).await?;
        done.export_chunks += n;
        progress(&done);
        match last {
            Some(last) => after = last,
            None => break,
        }
    }
    Ok(done)
}

/// One batch of reporters' phones; how many were rewritten. A value the api
/// changed meanwhile is left (it is current), so a batch that rewrote none
/// of what it read would loop: it reads only stale values, which the api
/// never writes, so each batch rewrites or skips rows once.
async fn reporter_phones(conn: &mut AsyncPgConnection, ring: &KeyRing, batch: i64) -> Result<u64> {
    let stale: Vec<(Uuid, Option<String>)> = reports::table
        .filter(reports::reporter_phone.is_not_null())
        .filter(reports::reporter_phone.not_like(current_pattern(ring)))
        .order(reports::id)
        .limit(batch)
        .select((reports::id, reports::reporter_phone))
        .load(conn)
        .await?;
    let read = stale.len();
    conn.transaction::<_, crate::error::Error, _>(async |conn| {
        for (id, old) in stale {
            let Some(old) = old else { continue };
            let plain = ring.open(&old)?;
            let index = Phone::parse(&plain).ok().map(|p| ring.phone_index(&p));
            diesel::update(
                reports::table
                    .find(id)
                    .filter(reports::reporter_phone.eq(&old)),
            )
            .set((
                reports::reporter_phone.eq(ring.seal(&plain)),
                reports::reporter_phone_index.eq(index),
            ))
            .execute(conn)
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(read as u64)
}

/// One batch of reports' lists of people after `after`; how many were
/// rewritten and the last id read (`None` at the end).
async fn people_lists(
    conn: &mut AsyncPgConnection,
    ring: &KeyRing,
    batch: i64,
    after: Uuid,
) -> Result<(u64, Option<Uuid>)> {
    let lists: Vec<(Uuid, Value)> = reports::table
        .filter(reports::id.gt(after))
        .order(reports::id)
        .limit(batch)
        .select((reports::id, reports::beneficiaries))
        .load(conn)
        .await?;
    let last = lists.last().map(|(id, _)| *id);
    let mut rewritten = 0;
    conn.transaction::<_, crate::error::Error, _>(async |conn| {
        for (id, old) in &lists {
            let sealed = ring.seal_people(old)?;
            if &sealed == old {
                continue;
            }
            rewritten += diesel::update(
                reports::table
                    .find(id)
                    .filter(reports::beneficiaries.eq(old)),
            )
            .set(reports::beneficiaries.eq(&sealed))
            .execute(conn)
            .await? as u64;
        }
        Ok(())
    })
    .await?;
    Ok((rewritten, last))
}

/// One batch of people's rows whose NIK or phone is stale.
async fn beneficiary_rows(conn: &mut AsyncPgConnection, ring: &KeyRing, batch: i64) -> Result<u64> {
    let pattern = current_pattern(ring);
    let stale: Vec<(Uuid, Option<String>, Option<String>)> = beneficiaries::table
        .filter(
            beneficiaries::nik
                .not_like(&pattern)
                .or(beneficiaries::phone.not_like(&pattern)),
        )
        .order(beneficiaries::id)
        .limit(batch)
        .select((beneficiaries::id, beneficiaries::nik, beneficiaries::phone))
        .load(conn)
        .await?;
    let read = stale.len();
    conn.transaction::<_, crate::error::Error, _>(async |conn| {
        for (id, nik, phone) in stale {
            let nik_plain = nik.as_deref().map(|n| ring.open(n)).transpose()?;
            let phone_plain = phone.as_deref().map(|p| ring.open(p)).transpose()?;
            diesel::update(
                beneficiaries::table
                    .find(id)
                    .filter(beneficiaries::nik.is_not_distinct_from(&nik))
                    .filter(beneficiaries::phone.is_not_distinct_from(&phone)),
            )
            .set((
                beneficiaries::nik.eq(nik_plain.as_deref().map(|n| ring.seal(n))),
                beneficiaries::nik_index.eq(nik_plain
                    .as_deref()
                    .and_then(|n| Nik::parse(n).ok())
                    .map(|n| ring.nik_index(&n))),
                beneficiaries::phone.eq(phone_plain.as_deref().map(|p| ring.seal(p))),
                beneficiaries::phone_index.eq(phone_plain
                    .as_deref()
                    .and_then(|p| Phone::parse(p).ok())
                    .map(|p| ring.phone_index(&p))),
            ))
            .execute(conn)
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(read as u64)
}

/// Staff TOTP secrets (few: one per account, all at once).
async fn totp_secrets(conn: &mut AsyncPgConnection, ring: &KeyRing) -> Result<u64> {
    let secrets: Vec<(Uuid, Option<Vec<u8>>)> = staff::table
        .filter(staff::totp_secret.is_not_null())
        .select((staff::id, staff::totp_secret))
        .load(conn)
        .await?;
    let mut rewritten = 0;
    for (id, old) in secrets {
        let Some(old) = old.filter(|s| ring.is_stale_bytes(s)) else {
            continue;
        };
        let plain = ring.open_bytes(&old)?;
        rewritten += diesel::update(staff::table.find(id).filter(staff::totp_secret.eq(&old)))
            .set(staff::totp_secret.eq(ring.seal_bytes(&plain)))
            .execute(conn)
            .await? as u64;
    }
    Ok(rewritten)
}

/// One batch of export chunks after `after` (export, chunk number).
async fn chunks(
    conn: &mut AsyncPgConnection,
    ring: &KeyRing,
    batch: i64,
    after: (Uuid, i32),
) -> Result<(u64, Option<(Uuid, i32)>)> {
    // Files are up to a few MiB a chunk: read a few at a time.
    let rows: Vec<(Uuid, i32, Vec<u8>)> = export_chunks::table
        .filter(
            export_chunks::export_id
                .gt(after.0)
                .or(export_chunks::export_id
                    .eq(after.0)
                    .and(export_chunks::seq.gt(after.1))),
        )
        .order((export_chunks::export_id, export_chunks::seq))
        .limit(batch.min(16))
        .select((
            export_chunks::export_id,
            export_chunks::seq,
            export_chunks::bytes,
        ))
        .load(conn)
        .await?;
    let last = rows.last().map(|(id, seq, _)| (*id, *seq));
    let mut rewritten = 0;
    for (id, seq, old) in rows {
        if !ring.is_stale_bytes(&old) {
            continue;
        }
        let plain = ring.open_bytes(&old)?;
        rewritten += diesel::update(
            export_chunks::table
                .filter(export_chunks::export_id.eq(id))
                .filter(export_chunks::seq.eq(seq)),
        )
        .set(export_chunks::bytes.eq(ring.seal_bytes(&plain)))
        .execute(conn)
        .await? as u64;
    }
    Ok((rewritten, last))
}
