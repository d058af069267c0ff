-- model: data_coverage
-- kind: view
-- layer: marts
-- depends: coverage_spans, event_coverage, stg_rotations, ingest_log
-- grain: source, team
--
-- Data coverage: how far each source's inputs reach (one row per source; rotations one row per
-- team), and when a file behind each row was last loaded. A number computed over data that is
-- not there is a wrong number: reports, metrics and payroll read this view to say where the
-- data ends. The spans are `coverage_spans` (its description says how each source is dated and
-- what covered_until means), which payroll reads without the load times.
-- Invariant: unique (source, team).
--   last_ingested_at: when a file behind these rows was last loaded (UTC, from ingest_log)
with

spans as (
    select * from coverage_spans
),

-- the event sources' files (stored at ingest: event_coverage)
files as (
    select source, source_file from event_coverage
),

rotation_files as (
    select distinct team, source_file from stg_rotations
),

loads as (
    select file, max(run_started_at) as loaded_at,
    from ingest_log
    where status = 'loaded'
    group by file
),

event_loads as (
    select f.source, max(l.loaded_at) as last_ingested_at,
    from (select distinct source, source_file from files) as f
    inner join loads as l on l.file = f.source_file
    group by f.source
),

rotation_loads as (
    select f.team, max(l.loaded_at) as last_ingested_at,
    from rotation_files as f
    inner join loads as l on l.file = f.source_file
    group by f.team
),

final as (
    select
        spans.source,
        spans.team,
        spans.first_at,
        spans.last_at,
        spans.covered_until,
        spans.rows,
        coalesce(e.last_ingested_at, r.last_ingested_at) as last_ingested_at,
    from spans
    left join event_loads as e on e.source = spans.source
    left join rotation_loads as r on spans.source = 'rotations' and r.team = spans.team
)

select * from final
order by source, team
