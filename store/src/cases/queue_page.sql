-- One page of a unit's work queue, urgent first, then oldest first. The
-- question arrives as one JSON object with named fields (see `QueueQuestion`),
-- so that no argument can land in another's place; `unit_queue_page`
-- (migration `under_load`) says why the page is a function.
SELECT page.*, r.deadline_stage, r.deadline_due_at, r.deadline_allowance, r.deadline_working,
       r.deadline_time_zone
FROM jsonb_to_record($1) AS q(
        unit text,
        statuses text[],
        urgency text,
        updated_since timestamptz,
        after_rank int,
        after_created timestamptz,
        after_id uuid,
        page_size bigint
    ),
    unit_queue_page(q.unit, q.statuses, q.urgency, q.updated_since,
        q.after_rank, q.after_created, q.after_id, q.page_size) AS page
    JOIN reports r ON r.id = page.id
-- The join keeps the function's order in practice; the sort of one page makes it certain.
ORDER BY page.rank, page.created_at, page.id
