-- model: none
-- kind: schema
-- layer: none
-- depends: none
-- grain: none
--
-- Warehouse base tables (schema version in analytics/db.py: SCHEMA_VERSION).
-- src_* tables hold what ingest read, keyed by source_file so an edited or removed file
-- replaces exactly its own rows. The public names of docs/warehouse.md are views over them
-- (sql/staging) or tables derived at the end of each ingest (oncall_shifts, rotation_findings).
-- All timestamps are TIMESTAMPTZ in UTC; money is DECIMAL(18,2).

create table warehouse_meta (
    key varchar not null,
    value varchar
);
comment on table warehouse_meta is 'Key/value facts about this warehouse: schema_version, package_version, created_at, views_version.';

create table ingest_log (
    run_id varchar not null,
    run_started_at timestamptz not null,
    file varchar not null,
    sha256 varchar,
    kind varchar,
    rows integer,
    rejected integer,
    status varchar not null,
    error varchar
);
comment on table ingest_log is 'One row per file per ingest run: what was read, its sha256, how many rows it gave, and whether it loaded (loaded, unchanged, rejected, pruned).';
comment on column ingest_log.file is 'Absolute path of the input file.';
comment on column ingest_log.status is 'loaded | unchanged | rejected | pruned | warning';
comment on column ingest_log.error is 'file:line: reason lines, for rejections and warnings (the first 50).';
comment on column ingest_log.rows is 'Rows loaded from the file.';
comment on column ingest_log.rejected is 'Rows (or the whole file: 1) rejected.';

create table src_incidents (
    incident_id varchar not null,
    title varchar,
    severity integer not null,
    team varchar,
    service varchar,
    started_at timestamptz not null,
    detected_at timestamptz,
    detection_method varchar,
    acknowledged_at timestamptz,
    acknowledged_by varchar,
    mitigated_at timestamptz,
    mitigation varchar,
    resolved_at timestamptz,
    users_affected bigint,
    users_affected_pct double,
    revenue_impact_usd decimal(18, 2),
    data_loss boolean,
    data_loss_detail varchar,
    root_cause varchar,
    postmortem_published_at timestamptz,
    stated_duration_s double,
    source_file varchar not null,
    source_kind varchar not null,
    severity_source varchar default 'document',
    source_updated_at timestamptz,
    linked_pagerduty_id varchar,
    linked_opsgenie_id varchar,
    linked_statuspage_id varchar,
    impact_text varchar
);

create table src_timeline_events (
    incident_id varchar not null,
    occurred_at timestamptz not null,
    kind varchar not null,
    text varchar,
    line_no integer,
    source_file varchar not null,
    other_kind varchar
);

create table src_action_items (
    incident_id varchar not null,
    item_no integer not null,
    description varchar,
    owner varchar,
    due_date date,
    ticket varchar,
    done boolean not null,
    line_no integer,
    source_file varchar not null
);

-- Review documents (docs/inputs.md): one row per reviews/ document, and one per timeline
-- document that is its own review (source_kind = 'timeline'). Counted at parse time.
create table src_reviews (
    incident_id varchar not null,
    title varchar,
    published_at timestamptz,
    sections varchar[] not null,
    whys integer not null,
    source_kind varchar not null,
    line_no integer,
    source_file varchar not null
);

-- Content lines of the root-cause and improvement sections of review documents; the blame
-- checks run on them in SQL (names from people, phrases from policy).
create table src_review_lines (
    incident_id varchar not null,
    section varchar not null,
    line_no integer not null,
    text varchar not null,
    source_file varchar not null
);

create table src_pages (
    page_id varchar not null,
    sent_at timestamptz not null,
    recipient varchar not null,
    team varchar not null,
    service varchar,
    incident_id varchar,
    acknowledged_at timestamptz,
    acknowledged_by varchar,
    escalated_at timestamptz,
    urgency varchar,
    line_no integer,
    source_file varchar not null
);

-- Acknowledgements read from Opsgenie alert logs (docs/importers.md): used by `pages` for an alert
-- whose own report has no ackTime.
create table src_page_acks (
    page_id varchar not null,
    acknowledged_at timestamptz not null,
    acknowledged_by varchar,
    line_no integer,
    source_file varchar not null
);

create table src_people (
    engineer varchar not null,
    employee_id varchar,
    team varchar,
    timezone varchar not null,
    email varchar,
    country varchar,
    line_no integer,
    source_file varchar not null
);

create table src_rotations (
    team varchar not null,
    engineer varchar not null,
    start_at timestamptz not null,
    end_at timestamptz not null,
    is_override boolean not null,
    line_no integer,
    source_file varchar not null
);

create table src_tracker_items (
    ticket varchar not null,
    summary varchar,
    status varchar,
    assignee varchar,
    due_date date,
    created_at timestamptz,
    resolved_at timestamptz,
    incident_id varchar,
    is_category_done boolean default false,
    line_no integer,
    source_file varchar not null
);

create table src_handoffs (
    team varchar not null,
    from_engineer varchar not null,
    to_engineer varchar,
    written_at timestamptz not null,
    body_lines integer not null,
    line_no integer,
    source_file varchar not null
);

create table src_comp_time (
    engineer varchar not null,
    taken_on date not null,
    hours decimal(9, 2) not null,
    line_no integer,
    source_file varchar not null
);
create table oncall_shifts (
    team varchar not null,
    engineer varchar not null,
    start_at timestamptz not null,
    end_at timestamptz not null,
    is_override boolean not null
);
comment on table oncall_shifts is 'Resolved primary on-call: one row per non-overlapping interval [start_at, end_at) per team, overrides applied (an override splits the shift it covers).';
comment on column oncall_shifts.team is 'Team name, trimmed and lower-cased.';
comment on column oncall_shifts.engineer is 'Engineer on call, as written in the rotation (spelled as in people.csv where known).';
comment on column oncall_shifts.start_at is 'Start of the interval, UTC, included.';
comment on column oncall_shifts.end_at is 'End of the interval, UTC, excluded.';
comment on column oncall_shifts.is_override is 'True when this interval comes from an override row.';

create table rotation_findings (
    team varchar not null,
    kind varchar not null,
    start_at timestamptz not null,
    end_at timestamptz not null,
    detail varchar,
    source_file varchar
);
comment on table rotation_findings is 'Data-quality findings on rotations: gap (nobody on call) or overlap (two non-override rows at once), per team and interval.';
comment on column rotation_findings.kind is 'gap | overlap';

create table payroll_exports (
    period_start date not null,
    period_end date not null,
    exported_at timestamptz not null,
    csv_sha256 varchar not null,
    inputs_sha256 varchar not null,
    policy_version varchar not null,
    out_path varchar,
    row_count integer,
    total_pay_usd decimal(18, 2),
    lines_json varchar,
    pay_policy_version varchar
);
comment on table payroll_exports is 'Every payroll export written: the period (period_end is the last day included), checksums of the CSV and of its inputs, and the policy version. An exported period is final.';

-- The policy in force for the stored views (written with each ingest). Readers given
-- --policy shadow these with TEMP tables of the same shape: nothing stored is rewritten.
create table policy (
    policy_version varchar not null,
    response_sev1_minutes double not null,
    response_sev2_minutes double not null,
    response_sev3_business_hours double not null,
    page_ack_minutes double not null,
    escalate_after_minutes double not null,
    status_sev1_minutes double not null,
    status_sev2_minutes double not null,
    postmortem_deadline_hours double not null,
    postmortem_severities integer[] not null,
    business_timezone varchar not null,
    business_start time not null,
    business_end time not null,
    business_weekdays integer[] not null,
    holidays_country varchar not null,
    overnight_start time not null,
    overnight_end time not null,
    done_statuses varchar[] not null,
    handoff_before_hours double not null,
    handoff_after_hours double not null,
    fairness_weeks integer not null,
    max_consecutive_oncall_days integer not null,
    max_interrupted_nights_per_week integer not null,
    max_offhours_oncall_hours_per_4_weeks double not null,
    postmortem_min_whys integer not null,
    blame_phrases varchar[] not null,
    communication_within_minutes double not null,
    sev1_phrases varchar[] not null,
    sev2_phrases varchar[] not null,
    comp_time_expires_after_days integer not null
);
comment on table policy is 'The playbook numbers the stored views use (one row), written with each ingest from the policy then in force.';

create table communication_rules (
    severity integer not null,
    requirement varchar not null,
    phrases varchar[] not null
);
comment on table communication_rules is 'Who must be told, and where, per severity ([communication] of the policy): each requirement is met by a timeline event matching one of its phrases, whole-word and case-insensitively.';

create table pay_rates (
    effective_from timestamptz not null,
    weekly_stipend_usd decimal(18, 2) not null,
    sev1_bonus_usd decimal(18, 2) not null,
    comp_hours_per_overnight_page double not null
);
comment on table pay_rates is 'Effective-dated pay: the latest effective_from <= an instant applies at that instant.';

create table holidays (
    holiday_date date not null,
    name varchar
);
comment on table holidays is 'Public holidays of the policy country (business-hours clock); empty when no country is set.';

create table country_holidays (
    country varchar not null,
    holiday_date date not null,
    name varchar
);
comment on table country_holidays is 'Public holidays of every country named in people.csv (the person''s calendar), for the years the shifts and pages span; written by each ingest.';
comment on column country_holidays.country is 'Country code as in people.country, upper-cased: ISO 3166-1 alpha-2, optionally -subdivision (e.g. DE-BY).';
comment on column country_holidays.holiday_date is 'The holiday, a local calendar date.';
comment on column country_holidays.name is 'The holiday''s name, as the holidays package gives it.';

-- The report time of the stored views. Readers shadow it with a TEMP table holding --as-of.
create view params as select now() as as_of;

-- Column comments of the public tables (docs/warehouse.md: every column says what it is, with units).
comment on column warehouse_meta.key is 'Fact name: schema_version, package_version, created_at, views_version (digest of the installed views and macros).';
comment on column warehouse_meta.value is 'Fact value, as text.';
comment on column ingest_log.run_id is 'Identifier of one ingest run (all files of a batch share it).';
comment on column ingest_log.run_started_at is 'When the run started (UTC).';
comment on column ingest_log.sha256 is 'sha256 of the file as read (hex).';
comment on column ingest_log.kind is 'Input kind: timeline, review, pages, rotations, ics, people, tracker, pagerduty, opsgenie.';
comment on column rotation_findings.team is 'Team name, trimmed and lower-cased.';
comment on column rotation_findings.start_at is 'Start of the finding''s interval, UTC, included.';
comment on column rotation_findings.end_at is 'End of the finding''s interval, UTC, excluded.';
comment on column rotation_findings.detail is 'What was found, e.g. nobody on call for 6.0 h; who overlaps and who wins.';
comment on column rotation_findings.source_file is 'A rotation file involved.';
comment on column payroll_exports.period_start is 'First day of the exported period (00:00 UTC).';
comment on column payroll_exports.period_end is 'Last day included in the exported period.';
comment on column payroll_exports.exported_at is 'When the export was written (UTC).';
comment on column payroll_exports.csv_sha256 is 'sha256 of the CSV written (hex).';
comment on column payroll_exports.inputs_sha256 is 'sha256 over the rows that feed pay (shifts, SEV-1s, overnight pages, people, rates).';
comment on column payroll_exports.policy_version is 'Version of the policy the export used.';
comment on column payroll_exports.pay_policy_version is 'Version of the pay keys of the policy ([[pay]], [overnight]) the export used: what finality compares, so other policy keys never make a final period refuse.';
comment on column payroll_exports.out_path is 'Where the CSV was written.';
comment on column payroll_exports.row_count is 'Payroll lines in the CSV.';
comment on column payroll_exports.total_pay_usd is 'Sum of total_pay_usd over the lines, USD.';
comment on column payroll_exports.lines_json is 'The lines and input checksums as JSON, to say what changed on a refused re-export.';
