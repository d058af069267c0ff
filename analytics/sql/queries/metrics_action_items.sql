-- model: none
-- kind: query
-- layer: queries
-- depends: action_item_status
-- grain: grp
--
-- Metrics action items: per group (the incident's team, service or severity), the action
-- items of the incidents started in a period, those the tracker resolved in the period, and
-- the backlog open at as_of (metrics.action_items_summary adds the rates).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, end excluded); $grouping (VARCHAR:
-- team, service or severity, checked by the caller).
-- Grain: one row per group that has any item opened or resolved in the period or open at
-- as_of, sorted by group (severity as a number), the missing group last; a count of a part
-- without rows is NULL (metrics.action_items_summary makes it 0).
--   grp: the group as text: team, service or severity ('1', '2', '3'); NULL when the item's incident has none
--   opened: items of incidents started in the period
--   closed: of those, done
--   open: of those, not done
--   overdue: of those, open and due before as_of's UTC date
--   rule3: of those, with an owner, a due date and a ticket (playbook post-incident rule 3)
--   with_owner: of those, with an owner
--   with_due: of those, with a due date
--   with_ticket: of those, with a tracker ticket
--   closed_in_period: items of any incident the tracker resolved in the period
--   open_backlog: items not done at as_of, whatever their incident's date
--   overdue_backlog: of those, overdue
with

items as (
    select
        case $grouping
            when 'team' then team
            when 'service' then service
            when 'severity' then cast(severity as varchar)
        end as grp,
        incident_started_at,
        resolved_at,
        is_done,
        is_open,
        is_overdue,
        meets_rule3,
        has_owner,
        has_due,
        has_ticket,
    from action_item_status
),

opened as (
    select
        grp,
        count(*) as opened,
        count(*) filter (where is_done) as closed,
        count(*) filter (where is_open) as open,
        count(*) filter (where is_overdue) as overdue,
        count(*) filter (where meets_rule3) as rule3,
        count(*) filter (where has_owner) as with_owner,
        count(*) filter (where has_due) as with_due,
        count(*) filter (where has_ticket) as with_ticket,
    from items
    where
        incident_started_at >= $period_start::timestamptz
        and incident_started_at < $period_end::timestamptz
    group by grp
),

closed_in_period as (
    select
        grp,
        count(*) as closed_in_period,
    from items
    where
        is_done
        and resolved_at >= $period_start::timestamptz
        and resolved_at < $period_end::timestamptz
    group by grp
),

backlog as (
    select
        grp,
        count(*) as open_backlog,
        count(*) filter (where is_overdue) as overdue_backlog,
    from items
    where is_open
    group by grp
),

group_keys as (
    select grp from opened
    union
    select grp from closed_in_period
    union
    select grp from backlog
),

final as (
    select
        group_keys.grp,
        opened.* exclude (grp),
        closed_in_period.closed_in_period,
        backlog.open_backlog,
        backlog.overdue_backlog,
    from group_keys
    left join opened on opened.grp is not distinct from group_keys.grp
    left join closed_in_period on closed_in_period.grp is not distinct from group_keys.grp
    left join backlog on backlog.grp is not distinct from group_keys.grp
    order by
        case when $grouping = 'severity' then cast(group_keys.grp as integer) end nulls last,
        group_keys.grp nulls last
)

select * from final
