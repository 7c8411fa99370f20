DROP INDEX outbox_parked_idx;
DROP INDEX outbox_unsent_idx;
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
ALTER TABLE outbox DROP CONSTRAINT outbox_parked_has_reason;
ALTER TABLE outbox DROP COLUMN parked_reason;
ALTER TABLE outbox DROP COLUMN parked_at;
ALTER TABLE reports DROP COLUMN requeued_at;
