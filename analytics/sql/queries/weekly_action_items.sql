-- model: none
-- kind: query
-- layer: queries
-- depends: action_item_status
-- grain: none
--
-- Weekly action items: what the weekly report's two action-item summaries
-- (metrics.action_items_summary by team and by severity) read of action_item_status, computed
-- once: the columns they use, of every open item (the backlog) and of the week's items
-- (opened, or closed in the week). The report keeps it as a TEMP table named
-- action_item_status that shadows the view for its reader: 70,000 of 153,000 rows, 12 of 24
-- columns, ~0.15 s CPU less than computing the view whole at full size.
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per action item kept (items are not unique on these columns).
--   team: the incident's team
--   service: the incident's service
--   severity: the incident's severity, 1..3
--   incident_started_at: when the incident started (UTC); the item is counted as opened then
--   resolved_at: when the tracker resolved the ticket (UTC)
--   is_done: the item is done
--   is_open: the item is not done
--   is_overdue: open and due_date before as_of's UTC date
--   meets_rule3: has_owner and has_due and has_ticket (playbook post-incident rule 3)
--   has_owner: an owner is named
--   has_due: a due date is known
--   has_ticket: a tracker ticket is named
select
    team,
    service,
    severity,
    incident_started_at,
    resolved_at,
    is_done,
    is_open,
    is_overdue,
    meets_rule3,
    has_owner,
    has_due,
    has_ticket,
from main.action_item_status
where
    is_open
    or (incident_started_at >= $period_start and incident_started_at < $period_end)
    or (is_done and resolved_at >= $period_start and resolved_at < $period_end)
