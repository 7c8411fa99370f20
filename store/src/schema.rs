// @generated automatically by Diesel CLI.

diesel::table! {
    access_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor -> Text,
        actor_kind -> Text,
        role -> Text,
        report_id -> Nullable<Uuid>,
        export_id -> Nullable<Uuid>,
        beneficiary_ids -> Array<Nullable<Uuid>>,
        action -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Array<Text>,
        active -> Bool,
        created_by -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    assessments (id) {
        id -> Uuid,
        beneficiary_id -> Uuid,
        report_id -> Uuid,
        assessed_on -> Date,
        method -> Text,
        eligible -> Bool,
        findings -> Text,
        seeing -> Nullable<Text>,
        hearing -> Nullable<Text>,
        walking -> Nullable<Text>,
        remembering -> Nullable<Text>,
        self_care -> Nullable<Text>,
        communicating -> Nullable<Text>,
        recommendations -> Jsonb,
        assessed_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Uuid,
        report_id -> Uuid,
        filename -> Text,
        content_type -> Text,
        size -> Int4,
        sha256 -> Text,
        bytes -> Bytea,
        beneficiary_ref -> Nullable<Text>,
        note -> Nullable<Text>,
        uploaded_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    beneficiaries (id) {
        id -> Uuid,
        report_id -> Uuid,
        ordinal -> Int4,
        name -> Nullable<Text>,
        nik -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        age -> Nullable<Int4>,
        sex -> Nullable<Text>,
        disabilities -> Array<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        assessed_at -> Nullable<Timestamptz>,
        functioning -> Nullable<Array<Nullable<Text>>>,
        nik_index -> Nullable<Text>,
        phone_index -> Nullable<Text>,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    beneficiary_imports (report_id, digest) {
        report_id -> Uuid,
        digest -> Text,
        beneficiary_ids -> Array<Nullable<Uuid>>,
        imported -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    consents (id) {
        id -> Uuid,
        beneficiary_id -> Uuid,
        report_id -> Uuid,
        purposes -> Array<Text>,
        given_by -> Text,
        guardian_name -> Nullable<Text>,
        guardian_relation -> Nullable<Text>,
        method -> Text,
        recorded_on -> Date,
        recorded_by -> Text,
        recorded_by_role -> Text,
        created_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_by -> Nullable<Text>,
        withdrawal_reason -> Nullable<Text>,
    }
}

diesel::table! {
    coverage_rule_removals (unit_code, region_key, category_key) {
        unit_code -> Text,
        region_key -> Text,
        category_key -> Text,
        removed_at -> Timestamptz,
        removed_by -> Text,
    }
}

diesel::table! {
    coverage_rules (id) {
        id -> Int8,
        unit_code -> Text,
        region_code -> Nullable<Text>,
        category -> Nullable<Text>,
        priority -> Int4,
        active -> Bool,
        basis -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        confidence -> Nullable<Text>,
        year -> Nullable<Int4>,
        source -> Nullable<Text>,
        origin -> Text,
    }
}

diesel::table! {
    directory_changes (id) {
        id -> Int8,
        at -> Timestamptz,
        actor -> Text,
        actor_role -> Nullable<Text>,
        unit_code -> Text,
        entity -> Text,
        rule_id -> Nullable<Int8>,
        action -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
    }
}

diesel::table! {
    directory_version (id) {
        id -> Bool,
        version -> Int8,
    }
}

diesel::table! {
    export_chunks (export_id, seq) {
        export_id -> Uuid,
        seq -> Int4,
        bytes -> Bytea,
    }
}

diesel::table! {
    exports (id) {
        id -> Uuid,
        kind -> Text,
        format -> Text,
        filters -> Jsonb,
        requested_by -> Text,
        requester_role -> Text,
        requester_unit -> Nullable<Text>,
        requester_region -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        lease_until -> Nullable<Timestamptz>,
        row_count -> Nullable<Int8>,
        size_bytes -> Nullable<Int8>,
        filename -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    holidays (day) {
        day -> Date,
        name -> Text,
        kind -> Text,
        origin -> Text,
        removed -> Bool,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    oidc_sign_ins (state_hash) {
        state_hash -> Bytea,
        nonce -> Text,
        pkce_verifier -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        message_id -> Uuid,
        exchange -> Text,
        routing_key -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        parked_at -> Nullable<Timestamptz>,
        parked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        latitude -> Float8,
        longitude -> Float8,
    }
}

diesel::table! {
    report_deadlines (id) {
        id -> Int8,
        report_id -> Uuid,
        stage -> Text,
        unit_code -> Nullable<Text>,
        started_at -> Timestamptz,
        due_at -> Timestamptz,
        allowance -> Text,
        working -> Bool,
        time_zone -> Text,
        met_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        alerted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_events (id) {
        id -> Int8,
        report_id -> Uuid,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        unit_code -> Nullable<Text>,
        actor -> Text,
        actor_role -> Text,
        note -> Nullable<Text>,
        details -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    report_people (report_id, ordinal) {
        report_id -> Uuid,
        ordinal -> Int4,
        name_key -> Nullable<Text>,
        nik -> Nullable<Text>,
        phone -> Nullable<Text>,
    }
}

diesel::table! {
    reports (id) {
        id -> Uuid,
        ticket -> Text,
        idempotency_owner -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        request_hash -> Nullable<Text>,
        channel -> Text,
        category -> Text,
        need -> Text,
        urgency -> Text,
        region_code -> Text,
        province_code -> Text,
        address -> Nullable<Text>,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        reporter_name -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        reporter_anonymous -> Bool,
        beneficiaries -> Jsonb,
        beneficiary_count -> Int4,
        description -> Text,
        external_ref -> Nullable<Text>,
        filed_by -> Text,
        client_id -> Nullable<Text>,
        status -> Text,
        unit_code -> Nullable<Text>,
        previous_units -> Array<Text>,
        triage_reason -> Nullable<Text>,
        sla_due_at -> Nullable<Timestamptz>,
        escalation_level -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        assigned_at -> Nullable<Timestamptz>,
        acknowledged_at -> Nullable<Timestamptz>,
        assessing_at -> Nullable<Timestamptz>,
        in_service_at -> Nullable<Timestamptz>,
        resolved_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        requeued_at -> Nullable<Timestamptz>,
        tracking_code -> Text,
        deadline_stage -> Nullable<Text>,
        deadline_due_at -> Nullable<Timestamptz>,
        deadline_allowance -> Nullable<Text>,
        deadline_working -> Nullable<Bool>,
        deadline_time_zone -> Nullable<Text>,
        duplicate_of -> Nullable<Uuid>,
        reporter_phone_index -> Nullable<Text>,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    service_follow_ups (id) {
        id -> Int8,
        service_id -> Uuid,
        checked_on -> Date,
        outcome -> Text,
        note -> Nullable<Text>,
        checked_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    services (id) {
        id -> Uuid,
        report_id -> Uuid,
        beneficiary_id -> Uuid,
        unit_code -> Nullable<Text>,
        component -> Text,
        modality -> Text,
        item -> Nullable<Text>,
        quantity -> Int4,
        due_on -> Date,
        note -> Nullable<Text>,
        status -> Text,
        delivered_on -> Nullable<Date>,
        delivered_quantity -> Nullable<Int4>,
        handover_ref -> Nullable<Text>,
        received_by -> Nullable<Text>,
        delivery_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        follow_up_due_on -> Nullable<Date>,
        followed_up_on -> Nullable<Date>,
        follow_up_outcome -> Nullable<Text>,
        planned_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    staff (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        unit_code -> Nullable<Text>,
        region_code -> Nullable<Text>,
        active -> Bool,
        password_hash -> Nullable<Text>,
        oidc_issuer -> Nullable<Text>,
        oidc_subject -> Nullable<Text>,
        totp_secret -> Nullable<Bytea>,
        totp_confirmed_at -> Nullable<Timestamptz>,
        totp_last_step -> Nullable<Int8>,
        must_change_password -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_sign_in_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    staff_audit (id) {
        id -> Int8,
        staff_id -> Uuid,
        actor -> Text,
        action -> Text,
        changes -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    staff_login_failures (id) {
        id -> Int8,
        email -> Text,
        failed_at -> Timestamptz,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> Uuid,
        staff_id -> Uuid,
        refresh_hash -> Bytea,
        previous_refresh_hash -> Nullable<Bytea>,
        created_at -> Timestamptz,
        refreshed_at -> Nullable<Timestamptz>,
        expires_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        ended_reason -> Nullable<Text>,
    }
}

diesel::table! {
    staff_sign_in_codes (code_hash) {
        code_hash -> Bytea,
        staff_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    subject_requests (id) {
        id -> Uuid,
        kind -> Text,
        status -> Text,
        identifier_kind -> Text,
        identifier_index -> Text,
        requested_by -> Text,
        note -> Text,
        received_by -> Text,
        received_at -> Timestamptz,
        due_at -> Timestamptz,
        reporter_report_ids -> Array<Nullable<Uuid>>,
        beneficiary_ids -> Array<Nullable<Uuid>>,
        matches_capped -> Bool,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Text>,
        completion_note -> Nullable<Text>,
    }
}

diesel::table! {
    unit_queues (unit_code) {
        unit_code -> Text,
        version -> Int8,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    units (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        region_code -> Text,
        latitude -> Float8,
        longitude -> Float8,
        categories -> Array<Text>,
        capacity -> Int4,
        open_cases -> Int4,
        active -> Bool,
        contact -> Nullable<Text>,
        updated_at -> Timestamptz,
        origin -> Text,
        office_days -> Array<Nullable<Int2>>,
        office_opens -> Time,
        office_closes -> Time,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Int8,
        subscription_id -> Uuid,
        event_id -> Uuid,
        event -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        owner -> Text,
        owner_role -> Text,
        url -> Text,
        events -> Array<Text>,
        secret -> Text,
        active -> Bool,
        paused_reason -> Nullable<Text>,
        consecutive_failures -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(assessments -> beneficiaries (beneficiary_id));
diesel::joinable!(assessments -> reports (report_id));
diesel::joinable!(attachments -> reports (report_id));
diesel::joinable!(beneficiaries -> reports (report_id));
diesel::joinable!(beneficiary_imports -> reports (report_id));
diesel::joinable!(consents -> beneficiaries (beneficiary_id));
diesel::joinable!(consents -> reports (report_id));
diesel::joinable!(coverage_rules -> regions (region_code));
diesel::joinable!(coverage_rules -> units (unit_code));
diesel::joinable!(export_chunks -> exports (export_id));
diesel::joinable!(report_deadlines -> reports (report_id));
diesel::joinable!(report_events -> reports (report_id));
diesel::joinable!(report_people -> reports (report_id));
diesel::joinable!(reports -> units (unit_code));
diesel::joinable!(service_follow_ups -> services (service_id));
diesel::joinable!(services -> beneficiaries (beneficiary_id));
diesel::joinable!(services -> reports (report_id));
diesel::joinable!(services -> units (unit_code));
diesel::joinable!(staff -> regions (region_code));
diesel::joinable!(staff -> units (unit_code));
diesel::joinable!(staff_audit -> staff (staff_id));
diesel::joinable!(staff_sessions -> staff (staff_id));
diesel::joinable!(staff_sign_in_codes -> staff (staff_id));
diesel::joinable!(units -> regions (region_code));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));

diesel::allow_tables_to_appear_in_same_query!(
    access_log,
    api_clients,
    assessments,
    attachments,
    beneficiaries,
    beneficiary_imports,
    consents,
    coverage_rule_removals,
    coverage_rules,
    directory_changes,
    directory_version,
    export_chunks,
    exports,
    holidays,
    oidc_sign_ins,
    outbox,
    regions,
    report_deadlines,
    report_events,
    report_people,
    reports,
    service_follow_ups,
    services,
    staff,
    staff_audit,
    staff_login_failures,
    staff_sessions,
    staff_sign_in_codes,
    subject_requests,
    unit_queues,
    units,
    webhook_deliveries,
    webhook_subscriptions,
);
