ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_owner_role_check;
ALTER TABLE directory_changes DROP CONSTRAINT directory_changes_actor_role_check;
ALTER TABLE coverage_rules DROP CONSTRAINT coverage_rules_category_check;
ALTER TABLE units DROP CONSTRAINT units_categories_check;
ALTER TABLE report_events
    DROP CONSTRAINT report_events_actor_role_check,
    DROP CONSTRAINT report_events_to_status_check,
    DROP CONSTRAINT report_events_from_status_check;
ALTER TABLE reports
    DROP CONSTRAINT reports_channel_check,
    DROP CONSTRAINT reports_need_check,
    DROP CONSTRAINT reports_category_check,
    DROP CONSTRAINT reports_status_check;
