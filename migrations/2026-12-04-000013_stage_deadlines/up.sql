-- Deadlines per stage of a case: acknowledge (assigned → acknowledged),
-- assess (acknowledged → assessing) and serve (assessing → in_service). One
-- row per stage a case entered; at most one is open (closed_at null). A
-- stage left forward is met at met_at; one left otherwise (reassigned,
-- triaged, cancelled) is closed without being met.
CREATE TABLE report_deadlines (
    id          BIGSERIAL PRIMARY KEY,
    report_id   UUID NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    stage       TEXT NOT NULL CHECK (stage IN ('acknowledge', 'assess', 'serve')),
    unit_code   TEXT,
    started_at  TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    -- As written in settings (`15m`, `2wd`, `4wh`): a calendar change
    -- recomputes due_at from started_at and this.
    allowance   TEXT NOT NULL CHECK (length(allowance) BETWEEN 1 AND 20),
    working     BOOLEAN NOT NULL,
    time_zone   TEXT NOT NULL CHECK (time_zone IN ('WIB', 'WITA', 'WIT')),
    met_at      TIMESTAMPTZ,
    closed_at   TIMESTAMPTZ,
    alerted_at  TIMESTAMPTZ,
    CHECK (met_at IS NULL OR closed_at IS NOT NULL)
);
CREATE UNIQUE INDEX report_deadlines_open_idx ON report_deadlines (report_id) WHERE closed_at IS NULL;
CREATE INDEX report_deadlines_report_idx ON report_deadlines (report_id);
-- The worker's look for later stages past due, not yet alerted.
CREATE INDEX report_deadlines_alert_idx ON report_deadlines (due_at)
    WHERE closed_at IS NULL AND alerted_at IS NULL AND stage <> 'acknowledge';
-- What a calendar change recomputes.
CREATE INDEX report_deadlines_working_idx ON report_deadlines (id) WHERE closed_at IS NULL AND working;

-- The open deadline, kept on the report too so that every read of a report
-- (views, lists, the overdue filter) has it without a join.
ALTER TABLE reports
    ADD COLUMN deadline_stage     TEXT CHECK (deadline_stage IN ('acknowledge', 'assess', 'serve')),
    ADD COLUMN deadline_due_at    TIMESTAMPTZ,
    ADD COLUMN deadline_allowance TEXT,
    ADD COLUMN deadline_working   BOOLEAN,
    ADD COLUMN deadline_time_zone TEXT CHECK (deadline_time_zone IN ('WIB', 'WITA', 'WIT'));
CREATE INDEX reports_deadline_due_idx ON reports (deadline_due_at) WHERE deadline_due_at IS NOT NULL;

-- Cases waiting for acknowledgement when this arrives keep their due time.
WITH waiting AS (
    SELECT id, unit_code, assigned_at, sla_due_at,
           greatest(1, extract(epoch FROM sla_due_at - coalesce(assigned_at, created_at)))::bigint || 's' AS allowance
    FROM reports WHERE status = 'assigned' AND sla_due_at IS NOT NULL
), opened AS (
    INSERT INTO report_deadlines (report_id, stage, unit_code, started_at, due_at, allowance, working, time_zone)
    SELECT id, 'acknowledge', unit_code, coalesce(assigned_at, sla_due_at), sla_due_at, allowance, FALSE, 'WIB'
    FROM waiting
    RETURNING report_id
)
UPDATE reports r SET deadline_stage = 'acknowledge', deadline_due_at = w.sla_due_at,
    deadline_allowance = w.allowance, deadline_working = FALSE, deadline_time_zone = 'WIB'
FROM waiting w WHERE r.id = w.id;
