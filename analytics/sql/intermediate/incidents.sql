-- model: incidents
-- kind: view
-- layer: intermediate
-- depends: stg_incidents, vendor_versions, people, stg_reviews
-- grain: incident_id
--
-- Incidents: one row per incident_id (unique). A post-mortem document wins over an imported
-- (PagerDuty) row of the same id; of one vendor incident found in several files the latest
-- version (source_updated_at) wins, ties to the later path. A vendor record a document names
-- (PAGERDUTY:, OPSGENIE:, STATUS PAGE:) makes no row of its own; a linked PagerDuty incident's
-- acknowledgement fills a document that has none. Timestamps UTC; acknowledged_by spelled as
-- in people.csv.
--   acknowledged_by: who acknowledged, as spelled in people.csv when known
--   postmortem_published_at: when the post-mortem was published (UTC): the earliest PUBLISHED: of its review documents, else the timeline's POSTMORTEM:

-- The columns not documented above pass on from stg_incidents, whose docs they keep.
with

-- vendor records named by a timeline document: they attach to it (docs/importers.md)
links as (
    select incident_id as document_id, 'pagerduty' as source_kind, linked_pagerduty_id as vendor_id,
    from stg_incidents
    where source_kind = 'timeline' and linked_pagerduty_id is not null
    union all
    select incident_id, 'opsgenie', linked_opsgenie_id,
    from stg_incidents
    where source_kind = 'timeline' and linked_opsgenie_id is not null
    union all
    select incident_id, 'statuspage', linked_statuspage_id,
    from stg_incidents
    where source_kind = 'timeline' and linked_statuspage_id is not null
),

source as (
    select s.*,
    from stg_incidents as s
    anti join links as l
        on l.source_kind = s.source_kind and l.vendor_id = s.incident_id
),

-- the latest version of each PagerDuty incident, for linked documents
pagerduty_versions as (
    select incident_id, acknowledged_at, acknowledged_by,
    from vendor_versions
    where source_kind = 'pagerduty' and is_latest_of_kind
),

ranked as (
    select
        *,
        row_number() over (
            partition by incident_id
            order by
                case when source_kind = 'timeline' then 0 else 1 end,
                source_updated_at desc nulls last,
                source_file desc
        ) as rank_in_id,
    from source
),

people as (
    select name_key, engineer from people
),

attached as (
    select
        r.*,
        coalesce(r.acknowledged_at, v.acknowledged_at) as ack_at,
        case
            when r.acknowledged_at is null and v.acknowledged_at is not null then v.acknowledged_by
            else r.acknowledged_by
        end as ack_by,
    from ranked as r
    left join pagerduty_versions as v on v.incident_id = r.linked_pagerduty_id
    where r.rank_in_id = 1
),

-- PUBLISHED: of a review document wins over the timeline's POSTMORTEM: (docs/metrics.md)
reviews as (
    select incident_id, min(published_at) as published_at,
    from stg_reviews
    group by incident_id
),

final as (
    select
        r.incident_id,
        r.title,
        r.severity,
        r.team,
        r.service,
        r.started_at,
        r.detected_at,
        r.detection_method,
        r.ack_at as acknowledged_at,
        coalesce(p.engineer, r.ack_by) as acknowledged_by,
        r.mitigated_at,
        r.mitigation,
        r.resolved_at,
        r.users_affected,
        r.users_affected_pct,
        r.revenue_impact_usd,
        r.data_loss,
        r.data_loss_detail,
        r.root_cause,
        coalesce(rv.published_at, r.postmortem_published_at) as postmortem_published_at,
        r.stated_duration_s,
        r.source_kind,
        r.severity_source,
        r.source_file,
        r.linked_pagerduty_id,
        r.linked_opsgenie_id,
        r.linked_statuspage_id,
    from attached as r
    left join people as p on p.name_key = lower(trim(r.ack_by))
    left join reviews as rv on rv.incident_id = r.incident_id
)

select * from final
