-- model: timeline_events
-- kind: view
-- layer: intermediate
-- depends: stg_timeline_events, incidents, vendor_versions
-- grain: none
--
-- Timeline events of the incidents' winning documents: one row per TIMELINE line, and one per
-- update of the incident's status page: its own (a Statuspage incident) or the one a document
-- names (STATUS PAGE: header). Then the status page's updates are the incident's status_update
-- events, and the document's own "status page" lines take their kind by the other rules.
--   incident_id: the incident
--   kind: status_update, escalation, page or note (keyword rules of the policy at ingest)

-- The columns not documented above pass on from stg_timeline_events, whose docs they keep.
with source as (
    select * from stg_timeline_events
),

incidents as (
    select incident_id, source_file, linked_statuspage_id from incidents
),

-- the latest version of each Statuspage incident
statuspage_versions as (
    select incident_id, source_file,
    from vendor_versions
    where source_kind = 'statuspage' and is_latest_of_kind
),

own as (
    select
        e.incident_id,
        e.occurred_at,
        case
            when e.kind = 'status_update' and sp.incident_id is not null
                then coalesce(e.other_kind, 'note')
            else e.kind
        end as kind,
        e.text,
        e.line_no,
        e.source_file,
    from source as e
    inner join incidents as i
        on i.incident_id = e.incident_id and i.source_file = e.source_file
    left join statuspage_versions as sp on sp.incident_id = i.linked_statuspage_id
),

linked as (
    select
        i.incident_id,
        e.occurred_at,
        e.kind,
        e.text,
        e.line_no,
        e.source_file,
    from incidents as i
    inner join statuspage_versions as sp on sp.incident_id = i.linked_statuspage_id
    inner join source as e
        on e.incident_id = sp.incident_id and e.source_file = sp.source_file
),

final as (
    select * from own
    union all
    select * from linked
)

select * from final
