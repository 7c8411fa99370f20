//! RabbitMQ: the names Sigap uses, their declaration, and the messages it
//! sends. Messages carry ids and trace context, never the report itself.

use chrono::{DateTime, Utc};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use serde::{Deserialize, Serialize};
use sigap_domain::{Status, Urgency};
use uuid::Uuid;

/// Exchange, queue and routing-key names under one prefix, so that tests and
/// tenants can share a broker.
#[derive(Debug, Clone)]
pub struct Topology {
    /// What every name starts with, such as `sigap` (`sigap.reports`).
    pub prefix: String,
}

impl Topology {
    /// Names under `prefix`.
    pub fn new(prefix: &str) -> Topology {
        Topology {
            prefix: prefix.to_owned(),
        }
    }

    /// `<prefix>.reports`: new reports, routing key `report.received.<urgency>`.
    pub fn reports_exchange(&self) -> String {
        format!("{}.reports", self.prefix)
    }

    /// `<prefix>.events`: what happened to reports (`report.assigned.<unit>`, …).
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// The exchange an outbox row names (`reports` or `events`).
    pub fn exchange(&self, logical: &str) -> String {
        format!("{}.{}", self.prefix, logical)
    }

    /// The routing queue for one urgency. Normal reports use `<prefix>.routing`;
    /// high and critical ones have queues of their own, so that they never wait
    /// behind a backlog of normal ones (quorum queues have no priorities).
    pub fn routing_queue(&self, urgency: Urgency) -> String {
        match urgency {
            Urgency::Normal => format!("{}.routing", self.prefix),
            other => format!("{}.routing.{}", self.prefix, other.as_str()),
        }
    }

    /// Where routing messages go when they cannot be processed.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.routing.dead", self.prefix)
    }

    /// `<prefix>.webhooks`: every event, for webhook fan-out.
    pub fn webhooks_queue(&self) -> String {
        format!("{}.webhooks", self.prefix)
    }

    /// Declares exchanges and queues (idempotent). Both the api and the worker
    /// declare them, so that a report published before any worker started is
    /// still queued.
    pub async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        for exchange in [self.reports_exchange(), self.events_exchange()] {
            channel
                .exchange_declare(
                    exchange.into(),
                    ExchangeKind::Topic,
                    durable,
                    FieldTable::default(),
                )
                .await?;
        }
        let queue_options = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        channel
            .queue_declare(self.dead_letter_queue().into(), queue_options, quorum(&[]))
            .await?;
        for urgency in Urgency::ALL {
            let queue = self.routing_queue(*urgency);
            let arguments = quorum(&[
                (
                    "x-dead-letter-exchange",
                    AMQPValue::LongString(LongString::from("")),
                ),
                (
                    "x-dead-letter-routing-key",
                    AMQPValue::LongString(LongString::from(self.dead_letter_queue())),
                ),
                // A message redelivered this often (worker crashes) is poison.
                ("x-delivery-limit", AMQPValue::LongInt(20)),
            ]);
            channel
                .queue_declare(queue.clone().into(), queue_options, arguments)
                .await?;
            channel
                .queue_bind(
                    queue.into(),
                    self.reports_exchange().into(),
                    received_routing_key(*urgency).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        channel
            .queue_declare(self.webhooks_queue().into(), queue_options, quorum(&[]))
            .await?;
        // Report events, and the case work on a report's people and services.
        for pattern in ["report.#", "beneficiary.#", "service.#"] {
            channel
                .queue_bind(
                    self.webhooks_queue().into(),
                    self.events_exchange().into(),
                    pattern.into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }
}

fn quorum(extra: &[(&str, AMQPValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    table.insert(
        ShortString::from("x-queue-type"),
        AMQPValue::LongString(LongString::from("quorum")),
    );
    for (key, value) in extra {
        table.insert(ShortString::from(*key), value.clone());
    }
    table
}

/// Routing key of a new report.
pub fn received_routing_key(urgency: Urgency) -> String {
    format!("report.received.{}", urgency.as_str())
}

/// Connects with a name that shows in the broker's management UI.
pub async fn connect(url: &str, name: &str) -> lapin::Result<Connection> {
    Connection::connect(
        url,
        ConnectionProperties::default().with_connection_name(name.into()),
    )
    .await
}

/// Everything Sigap puts on the bus. Versioned: a consumer that meets a
/// variant it does not know dead-letters it instead of guessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Message {
    /// A report was filed and waits to be routed.
    ReportReceivedV1 {
        /// The report to route.
        report_id: Uuid,
        /// The report's urgency, as in the routing key.
        urgency: Urgency,
        /// The `request_id` of the api request that filed the report (trace
        /// context); omitted when there is none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// Something happened to a report (assigned, status changed, …); the
    /// payload partners and webhooks see.
    ReportEventV1(EventPayload),
}

/// An event about a report, as published on `<prefix>.events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPayload {
    /// Unique id of the event (also the message id and `Sigap-Event-Id`).
    pub event_id: Uuid,
    /// `report.assigned`, `report.needs_triage`, `report.status.acknowledged`,
    /// …; case work: `beneficiary.added`, `beneficiary.assessed`,
    /// `service.planned`, `service.delivered`, `service.cancelled`,
    /// `service.followed_up` (details: ids, component, item, quantity and
    /// statuses, never personal data).
    pub event: String,
    /// The report the event is about.
    pub report_id: Uuid,
    /// The report's ticket (`CC-2026-000123`), which partners know it by.
    pub ticket: String,
    /// The report's status after the event.
    pub status: Status,
    /// The unit that has the report after the event; `None` when none has
    /// it (triage).
    pub unit_code: Option<String>,
    /// When the change was made.
    pub occurred_at: DateTime<Utc>,
    /// What else the event says, by kind: the routing reason and rule, a
    /// transfer's or escalation's units and decision, who assigned by hand;
    /// absent for status changes and notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_with_their_versioned_type() {
        let id = Uuid::nil();
        let message = Message::ReportReceivedV1 {
            report_id: id,
            urgency: Urgency::Critical,
            request_id: None,
        };
        let json = serde_json::to_value(&message).expect("json");
        assert_eq!(json["type"], "ReportReceivedV1");
        assert_eq!(json["urgency"], "critical");
        assert_eq!(
            serde_json::from_value::<Message>(json).expect("parse"),
            message
        );
        assert!(serde_json::from_str::<Message>(r#"{"type":"ReportReceivedV9"}"#).is_err());
    }

    #[test]
    fn critical_and_high_reports_have_queues_of_their_own() {
        let t = Topology::new("t1");
        assert_eq!(t.routing_queue(Urgency::Normal), "t1.routing");
        assert_eq!(t.routing_queue(Urgency::Critical), "t1.routing.critical");
        assert_eq!(t.dead_letter_queue(), "t1.routing.dead");
        assert_eq!(received_routing_key(Urgency::High), "report.received.high");
    }
}
pub mod backoff;
pub mod redrive;
pub mod relay;
