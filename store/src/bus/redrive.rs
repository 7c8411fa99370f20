//! The dead-letter queue (`<prefix>.routing.dead`): its depth, for the
//! metrics, and `redrive`, which moves its messages back to routing once the
//! cause is fixed (`sigap-api redrive`).

use crate::bus::{self as amqp, Message, Topology, received_routing_key};
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation};

/// What [`redrive`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redriven {
    /// Messages published to routing again and removed from the dead-letter
    /// queue.
    pub moved: u64,
    /// Messages left in the dead-letter queue: unreadable (no report to
    /// route), or refused by the broker when published again.
    pub kept: u64,
}

/// Messages waiting in the dead-letter queue (declared by [`Topology::declare`]).
pub async fn dead_letter_depth(channel: &Channel, topology: &Topology) -> lapin::Result<u32> {
    let queue = channel
        .queue_declare(
            topology.dead_letter_queue().into(),
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(queue.message_count())
}

/// Publishes every routing message of the dead-letter queue to the reports
/// exchange again (with publisher confirms), and removes each from the
/// dead-letter queue only once the broker has confirmed its copy. Messages
/// that name no report are left where they are. Safe to run while workers
/// route: a report routed twice is skipped the second time.
pub async fn redrive(amqp_url: &str, topology: &Topology) -> lapin::Result<Redriven> {
    let connection = amqp::connect(amqp_url, "sigap-api redrive").await?;
    let channel = connection.create_channel().await?;
    topology.declare(&channel).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    // Only what is there now: a message dead-lettered again meanwhile waits
    // for the next run.
    let depth = dead_letter_depth(&channel, topology).await?;
    let mut done = Redriven::default();
    for _ in 0..depth {
        let Some(message) = channel
            .basic_get(
                topology.dead_letter_queue().into(),
                BasicGetOptions::default(),
            )
            .await?
        else {
            break;
        };
        let delivery = message.delivery;
        let urgency = match serde_json::from_slice::<Message>(&delivery.data) {
            Ok(Message::ReportReceivedV1 { urgency, .. }) => urgency,
            // Left unacknowledged: back in the queue when the channel closes.
            _ => {
                done.kept += 1;
                continue;
            }
        };
        let mut properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into());
        if let Some(id) = delivery.properties.message_id() {
            properties = properties.with_message_id(id.clone());
        }
        let confirm = channel
            .basic_publish(
                topology.reports_exchange().into(),
                received_routing_key(urgency).into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &delivery.data,
                properties,
            )
            .await?
            .await?;
        match confirm {
            Confirmation::Ack(None) | Confirmation::NotRequested => {
                delivery.ack(BasicAckOptions::default()).await?;
                done.moved += 1;
            }
            Confirmation::Ack(Some(_)) | Confirmation::Nack(_) => done.kept += 1,
        }
    }
    let _ = channel.close(200, "redrive done".into()).await;
    let _ = connection.close(200, "redrive done".into()).await;
    Ok(done)
}
