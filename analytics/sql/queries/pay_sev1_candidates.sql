-- model: none
-- kind: query
-- layer: queries
-- depends: stg_incidents
-- grain: incident_id
--
-- Pay SEV-1 candidates: the incidents any loaded version of which is a SEV-1 of the pay period
-- (detected in it or, with no detection time, started in it). A superset of pay_sev1's, which
-- judges each incident's winning version: while the pay tables are built, a TEMP `incidents`
-- of these alone shadows the view (db.incidents_only), so its winner-picking and the severity
-- audit run for them only.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded).
--   incident_id: an incident with a SEV-1 version in the period
with

period_sev1 as (
    select incident_id,
    from stg_incidents
    where
        severity = 1
        and (
            (detected_at >= $period_start and detected_at < $period_end)
            or (
                detected_at is null
                and started_at >= $period_start
                and started_at < $period_end
            )
        )
)

select distinct incident_id
from period_sev1
