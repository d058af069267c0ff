-- model: action_item_status
-- kind: view
-- layer: marts
-- depends: action_items, incidents, params, macros.sql
-- grain: incident_id, item_no
--
-- Action item status: one row per action item (unique incident_id, item_no): every column of
-- `action_items`, the incident's team/service/severity/start, and the playbook's rule-3 checks
-- (an owner, a due date and a ticket). Overdue = open and due before as_of's UTC date.
--   incident_id: the incident
--   item_no: 1-based position in the ACTION ITEMS section
--   description: the item as written
--   owner: the Owner: named in the document
--   due_date: due date (the tracker's when the ticket is known there)
--   ticket: tracker key written in the item (e.g. OPS-123), NULL when none
--   done: done per the tracker's status when known, else the document's checkbox
--   resolved_at: when the tracker resolved the ticket (UTC)
--   tracker_status: the tracker's status, NULL when the ticket is not in a tracker export
--   source_file: the file the row was read from
--   team: the incident's team
--   service: the incident's service
--   severity: the incident's severity, 1..3
--   incident_started_at: when the incident started (UTC); the item is counted as opened then
--   is_done: the item is done
--   is_open: the item is not done
--   is_overdue: open and due_date before as_of's UTC date
--   has_owner: an owner is named
--   has_due: a due date is known
--   has_ticket: a tracker ticket is named
--   meets_rule3: has_owner and has_due and has_ticket (playbook post-incident rule 3)
--   days_to_close: resolved_at - incident start, days (DOUBLE; NULL unless done with a known resolved_at)
with

action_items as (
    select * from action_items
),

incidents as (
    select
        incident_id,
        team,
        service,
        severity,
        started_at,
    from incidents
),

report_time as (
    select utc_date(as_of) as as_of_date from params
),

checks as (
    select
        action_items.*,
        incidents.team,
        incidents.service,
        incidents.severity,
        incidents.started_at as incident_started_at,
        coalesce(action_items.done, false) as is_done,
        not coalesce(action_items.done, false) as is_open,
        not coalesce(action_items.done, false)
        and coalesce(action_items.due_date < report_time.as_of_date, false) as is_overdue,
        coalesce(trim(action_items.owner), '') <> '' as has_owner,
        action_items.due_date is not null as has_due,
        coalesce(trim(action_items.ticket), '') <> '' as has_ticket,
        case
            when coalesce(action_items.done, false)
                then seconds_between(incidents.started_at, action_items.resolved_at) / 86400
        end as days_to_close,
    from action_items
    cross join report_time
    left join incidents
        on incidents.incident_id = action_items.incident_id
),

final as (
    select
        * exclude (days_to_close),
        has_owner and has_due and has_ticket as meets_rule3,
        days_to_close,
    from checks
)

select * from final
