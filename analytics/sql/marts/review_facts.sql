-- model: review_facts_live
-- kind: view
-- layer: marts
-- depends: incidents, action_items, stg_reviews, policy, blame_matches, macros.sql
-- grain: incident_id
--
-- Review facts, computed live: one row per incident (unique incident_id), everything of
-- `postmortem_reviews` that does not depend on the report time, under the policy in force.
-- Ingest stores these rows as the table `review_facts` (with their policy_version); a reader
-- given another policy computes them again from this view (docs/warehouse.md).
--   incident_id: the incident
--   has_document: true when a review document names the incident
--   published_at: when the post-mortem was published (UTC)
--   sections_missing: the template sections without content in the counted document, sorted
--   whys: why-steps in the counted document's root cause
--   whys_status: met (whys >= policy min_whys), breached, n/a (severity not reviewed)
--   items_without_owner_or_due: the incident's action_items with no owner or no due date, count
--   blame_mentions: people's names and blame phrases in the counted document, count of matches
--   is_reviewed: the severity is one the policy reviews
--   severity: the incident's severity
--   resolved_at: when it was resolved (UTC); NULL while open
--   deadline_at: resolution + the post-mortem deadline (UTC)
--   policy_version: the policy these facts were computed under
with

reviewed_incidents as (
    select
        incidents.incident_id,
        incidents.severity,
        incidents.resolved_at,
        incidents.postmortem_published_at,
        postmortem_due_at(incidents.severity, incidents.resolved_at) as deadline_at,
    from incidents
),

policy_numbers as (
    select
        policy_version,
        postmortem_severities,
        postmortem_min_whys,
    from policy
),

template as (
    select [
        'Incident summary',
        'Timeline',
        'Root cause',
        'What went well',
        'What could be improved',
        'Action items'
    ] as sections
),

ranked_documents as (
    select
        *,
        row_number() over (
            partition by incident_id
            order by published_at nulls last, source_kind = 'timeline', source_file
        ) as rank_in_incident,
    from stg_reviews
),

documents as (
    select incident_id, sections, whys, source_file,
    from ranked_documents
    where rank_in_incident = 1
),

blame as (
    select source_file, count(*) as blame_mentions,
    from blame_matches()
    group by source_file
),

items as (
    select
        incident_id,
        count(*) filter (where owner is null or due_date is null) as items_without_owner_or_due,
    from action_items
    group by incident_id
),

checks as (
    select
        i.incident_id,
        d.incident_id is not null as has_document,
        i.postmortem_published_at as published_at,
        list_sort(
            list_filter(t.sections, lambda s: not list_contains(coalesce(d.sections, []), s))
        ) as sections_missing,
        coalesce(d.whys, 0) as whys,
        case
            when not list_contains(p.postmortem_severities, i.severity) then 'n/a'
            when coalesce(d.whys, 0) >= p.postmortem_min_whys then 'met'
            else 'breached'
        end as whys_status,
        coalesce(it.items_without_owner_or_due, 0) as items_without_owner_or_due,
        coalesce(b.blame_mentions, 0) as blame_mentions,
        list_contains(p.postmortem_severities, i.severity) as is_reviewed,
        i.severity,
        i.resolved_at,
        i.deadline_at,
        p.policy_version,
    from reviewed_incidents as i
    cross join policy_numbers as p
    cross join template as t
    left join documents as d on d.incident_id = i.incident_id
    left join blame as b on b.source_file = d.source_file
    left join items as it on it.incident_id = i.incident_id
),

final as (
    select * from checks
)

select * from final
