-- model: none
-- kind: query
-- layer: queries
-- depends: postmortem_reviews, incident_metrics
-- grain: team
--
-- Review checks per team: the post-mortem review checks of the incidents whose post-mortem
-- was published or due in the report week, for the weekly report's review section (n/a:
-- severity not reviewed, left out).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per team with such incidents (unique team).
--   team: the incidents' team
--   reviews: incidents whose post-mortem was published or due in the week
--   met: of them, review_status met
--   breached: of them, review_status breached
--   pending: of them, review_status pending
--   without_document: of them, incidents without a review document
--   with_sections_missing: of them, incidents whose document lacks a required section
--   too_few_whys: of them, incidents with fewer why-steps than required
--   items_without_owner_or_due: their action items without an owner or a due date
--   blame_mentions: blame phrase matches in their documents (a count, never shown as text)
with

due as (
    select
        m.team,
        p.*,
    from postmortem_reviews as p
    inner join incident_metrics as m on m.incident_id = p.incident_id
    where
        p.review_status <> 'n/a'
        and (
            (p.published_at >= $period_start and p.published_at < $period_end)
            or (m.postmortem_due_at >= $period_start and m.postmortem_due_at < $period_end)
        )
),

final as (
    select
        team,
        count(*) as reviews,
        count(*) filter (where review_status = 'met') as met,
        count(*) filter (where review_status = 'breached') as breached,
        count(*) filter (where review_status = 'pending') as pending,
        count(*) filter (where not has_document) as without_document,
        count(*) filter (where len(sections_missing) > 0) as with_sections_missing,
        count(*) filter (where whys_status = 'breached') as too_few_whys,
        coalesce(sum(items_without_owner_or_due), 0)::bigint as items_without_owner_or_due,
        coalesce(sum(blame_mentions), 0)::bigint as blame_mentions,
    from due
    group by team
)

select * from final
order by team
