//! The transactional outbox. Changes write an outbox row in their own
//! transaction; `bus::relay` publishes the rows.

use crate::bus::Message;
use crate::schema::outbox;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A message to write to the outbox in the caller's transaction.
pub struct OutboxMessage {
    /// The AMQP message id (UUIDv7); for an event, the event's id.
    pub message_id: Uuid,
    /// `reports` or `events`; the relay adds the prefix.
    pub exchange: &'static str,
    /// Such as `report.received.critical` or `report.assigned.<unit>`.
    pub routing_key: String,
    /// The message, stored as the row's JSON `payload`.
    pub message: Message,
}

impl OutboxMessage {
    /// A message with a fresh UUIDv7 id.
    pub fn new(exchange: &'static str, routing_key: String, message: Message) -> OutboxMessage {
        OutboxMessage {
            message_id: Uuid::now_v7(),
            exchange,
            routing_key,
            message,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    message_id: Uuid,
    exchange: &'a str,
    routing_key: &'a str,
    payload: serde_json::Value,
}

/// Writes messages to the outbox (call inside the transaction of the change).
pub async fn enqueue(conn: &mut AsyncPgConnection, messages: &[OutboxMessage]) -> QueryResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewOutboxRow<'_>> = messages
        .iter()
        .map(|m| NewOutboxRow {
            message_id: m.message_id,
            exchange: m.exchange,
            routing_key: &m.routing_key,
            payload: serde_json::to_value(&m.message).expect("messages always serialize"),
        })
        .collect();
    diesel::insert_into(outbox::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// Rows waiting for the relay: neither sent nor parked.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::parked_at.is_null())
        .count()
        .get_result(conn)
        .await
}
