-- Each subscription's own queue of due deliveries: the worker claims the
-- oldest due ones per subscription, so it needs them by subscription.
CREATE INDEX webhook_deliveries_due_per_subscription_idx
    ON webhook_deliveries (subscription_id, next_attempt_at)
    WHERE status = 'pending';
