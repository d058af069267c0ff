-- model: postmortem_reviews
-- kind: view
-- layer: marts
-- depends: params, macros.sql, review_facts
-- grain: incident_id
--
-- Post-mortem review checks (docs/metrics.md): one row per incident (unique incident_id), whether or
-- not it has a review document. The document that counts is the earliest published review
-- document of the incident (a reviews/ document before a timeline document's own review part,
-- then path order). Counted at ingest, per document: the sections present and the why-steps;
-- computed here: everything that depends on the policy (min_whys, blame phrases, severities),
-- on people.csv (names) or on the report time. An incident with no review document has all six
-- sections missing and 0 whys. Blame is counted, never shown (ingest --dry-run shows the author).
-- What does not depend on as_of is read from `review_facts`, stored at ingest under the
-- policy's version; only the timeliness and review statuses are computed here.
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

checks as (
    select
        f.*,
        postmortem_status_at(f.severity, f.resolved_at, f.published_at, r.as_of)
            as timeliness_status,
        r.as_of,
    from review_facts as f
    cross join report_time as r
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
