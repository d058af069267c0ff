-- model: vendor_versions
-- kind: view
-- layer: intermediate
-- depends: stg_incidents
-- grain: incident_id, source_kind, source_file
--
-- Versions of vendor incidents (PagerDuty, Opsgenie, Statuspage): one row per vendor incident
-- and file that holds it (unique incident_id, source_kind, source_file). When one
-- vendor incident is in several files, the version with the latest updated time wins (a
-- version without one is the oldest), ties to the later path. The one place that ranks them:
-- `incidents`, `timeline_events`, `pages` and `data_coverage` read it.
--   incident_id: the vendor's incident id
--   source_kind: pagerduty, opsgenie or statuspage
--   source_file: the file holding this version
--   acknowledged_at: this version's acknowledgement (UTC)
--   acknowledged_by: who acknowledged it
--   is_latest_of_kind: the winning version among this vendor's files
--   is_latest: the winning version among every vendor file with this id (pages of the others give way)
with

source as (
    select
        incident_id, source_kind, source_file, source_updated_at, acknowledged_at, acknowledged_by,
    from stg_incidents
    where source_kind <> 'timeline'
),

final as (
    select
        incident_id,
        source_kind,
        source_file,
        acknowledged_at,
        acknowledged_by,
        row_number() over (
            partition by source_kind, incident_id
            order by source_updated_at desc nulls last, source_file desc
        ) = 1 as is_latest_of_kind,
        row_number() over (
            partition by incident_id
            order by source_updated_at desc nulls last, source_file desc
        ) = 1 as is_latest,
    from source
)

select * from final
