-- Every column holding a word of the domain's vocabulary (status, category,
-- need, channel, role) accepts only that vocabulary, as reports.urgency has
-- from the start: a row the application could not read is refused when it is
-- written, whoever writes it. The lists are the domain's; a new value needs a
-- migration that widens its checks.

ALTER TABLE reports
    ADD CONSTRAINT reports_status_check CHECK (status IN (
        'received', 'needs_triage', 'assigned', 'acknowledged', 'assessing',
        'in_service', 'resolved', 'closed', 'cancelled', 'duplicate')),
    ADD CONSTRAINT reports_category_check CHECK (category IN (
        'child', 'disability', 'elderly', 'social_vulnerability', 'substance_abuse',
        'disaster_victim', 'poverty', 'other')),
    ADD CONSTRAINT reports_need_check CHECK (need IN (
        'assistive_device', 'accessibility', 'rehabilitation', 'protection',
        'basic_needs', 'evacuation', 'health_referral', 'other')),
    ADD CONSTRAINT reports_channel_check CHECK (channel IN (
        'hotline', 'whatsapp', 'email', 'sms', 'web', 'mobile_app', 'social_media',
        'walk_in', 'partner_api', 'open311'));

-- A change made by routing or escalation is recorded as made in the role
-- `system`, which no caller can hold.
ALTER TABLE report_events
    ADD CONSTRAINT report_events_from_status_check CHECK (from_status IN (
        'received', 'needs_triage', 'assigned', 'acknowledged', 'assessing',
        'in_service', 'resolved', 'closed', 'cancelled', 'duplicate')),
    ADD CONSTRAINT report_events_to_status_check CHECK (to_status IN (
        'received', 'needs_triage', 'assigned', 'acknowledged', 'assessing',
        'in_service', 'resolved', 'closed', 'cancelled', 'duplicate')),
    ADD CONSTRAINT report_events_actor_role_check CHECK (actor_role IN (
        'operator', 'supervisor', 'upt_staff', 'regional', 'integrator', 'admin',
        'system'));

ALTER TABLE units
    ADD CONSTRAINT units_categories_check CHECK (categories <@ ARRAY[
        'child', 'disability', 'elderly', 'social_vulnerability', 'substance_abuse',
        'disaster_victim', 'poverty', 'other']::TEXT[]);

-- No category: the rule covers every category.
ALTER TABLE coverage_rules
    ADD CONSTRAINT coverage_rules_category_check CHECK (category IN (
        'child', 'disability', 'elderly', 'social_vulnerability', 'substance_abuse',
        'disaster_victim', 'poverty', 'other'));

-- No role: the change was made by seeding or directly in the database.
ALTER TABLE directory_changes
    ADD CONSTRAINT directory_changes_actor_role_check CHECK (actor_role IN (
        'operator', 'supervisor', 'upt_staff', 'regional', 'integrator', 'admin'));

ALTER TABLE webhook_subscriptions
    ADD CONSTRAINT webhook_subscriptions_owner_role_check CHECK (owner_role IN (
        'operator', 'supervisor', 'upt_staff', 'regional', 'integrator', 'admin'));
