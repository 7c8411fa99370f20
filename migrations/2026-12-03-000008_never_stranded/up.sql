-- Nothing stranded: the sweeper re-publishes reports left `received` (their
-- message lost, dead-lettered or never consumed), and the relay parks an
-- outbox row the broker refuses instead of republishing its batch forever.

-- When the sweeper last re-published the report's routing message; it waits
-- SIGAP_REQUEUE_AFTER before publishing it again.
ALTER TABLE reports ADD COLUMN requeued_at TIMESTAMPTZ;

-- A row the broker refused (nacked, or returned as unroutable) is parked: the
-- relay publishes it no more, and an operator sees why.
ALTER TABLE outbox ADD COLUMN parked_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN parked_reason TEXT;
ALTER TABLE outbox ADD CONSTRAINT outbox_parked_has_reason
    CHECK ((parked_at IS NULL) = (parked_reason IS NULL));

-- The relay reads rows neither sent nor parked.
DROP INDEX outbox_unsent_idx;
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_parked_idx ON outbox (parked_at) WHERE parked_at IS NOT NULL;
