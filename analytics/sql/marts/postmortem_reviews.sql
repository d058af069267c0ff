-- Post-mortem review checks (docs/metrics.md): one row per incident (unique incident_id), whether or
-- not it has a review document. The document that counts is the earliest published review
-- document of the incident (a reviews/ document before a timeline document's own review part,
-- then path order). Counted at ingest, per document: the sections present and the why-steps;
-- computed here: everything that depends on the policy (min_whys, blame phrases, severities),
-- on people.csv (names) or on the report time. An incident with no review document has all six
-- sections missing and 0 whys. Blame is counted, never shown (ingest --dry-run shows the author).
--   incident_id: the incident
--   has_document: true when a review document (reviews/, or a timeline document with What went well / What could be improved) names the incident
--   published_at: when the post-mortem was published (UTC): the earliest PUBLISHED: of its review documents, else the timeline's POSTMORTEM: (as incident_metrics.postmortem_published_at)
--   timeliness_status: incident_metrics.postmortem_status: met (published within the deadline after resolution), breached, pending, n/a (severity not reviewed)
--   sections_missing: the template sections without content in the counted document, sorted (Action items, Incident summary, Root cause, Timeline, What could be improved, What went well)
--   whys: why-steps in the counted document's root cause: lines beginning with Why, else top-level numbered items under a heading or lead-in containing "why"
--   whys_status: met (whys >= policy min_whys), breached, n/a (severity not reviewed)
--   items_without_owner_or_due: the incident's action_items with no owner or no due date, count
--   blame_mentions: people's names and blame phrases in the counted document's root-cause and improvement sections, count of matches
--   review_status: met (published in time, no section missing, enough whys, no blame), pending (unresolved, or a check fails before resolution + deadline), breached (a check fails after it), n/a (severity not reviewed)
with

report_time as (
    select as_of from params
),

reviewed_incidents as (
    select
        incidents.incident_id,
        incidents.severity,
        incidents.resolved_at,
        incidents.postmortem_published_at,
        postmortem_status_at(
            incidents.severity,
            incidents.resolved_at,
            incidents.postmortem_published_at,
            report_time.as_of
        ) as postmortem_status,
        postmortem_due_at(incidents.severity, incidents.resolved_at) as deadline_at,
    from incidents
    cross join report_time
),

policy_numbers as (
    select
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
    from src_reviews
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
        i.postmortem_status as timeliness_status,
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
        i.resolved_at,
        i.deadline_at,
        r.as_of,
    from reviewed_incidents as i
    cross join policy_numbers as p
    cross join template as t
    cross join report_time as r
    left join documents as d on d.incident_id = i.incident_id
    left join blame as b on b.source_file = d.source_file
    left join items as it on it.incident_id = i.incident_id
),

final as (
    select
        incident_id,
        has_document,
        published_at,
        timeliness_status,
        sections_missing,
        whys,
        whys_status,
        items_without_owner_or_due,
        blame_mentions,
        case
            when not is_reviewed then 'n/a'
            when resolved_at is null then 'pending'
            when
                timeliness_status = 'met'
                and len(sections_missing) = 0
                and whys_status = 'met'
                and blame_mentions = 0
                then 'met'
            when as_of <= deadline_at then 'pending'
            else 'breached'
        end as review_status,
    from checks
)

select * from final
