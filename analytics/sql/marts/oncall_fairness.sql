-- model: oncall_fairness
-- kind: view
-- layer: marts
-- depends: oncall_fairness_between
-- grain: team, engineer, month
--
-- On-call fairness and working time (docs/metrics.md): one row per engineer, team and UTC calendar
-- month (unique team, engineer, month), for every month from a team's first shift or page to
-- its last. Rows: the members of the month's window (engineers with a non-override shift piece
-- of the team in it, 0-hour rows included) and whoever was on call or paged for the team in the
-- month. Hours are on each person's own calendar (people.timezone; business hours and weekdays
-- of the policy, public holidays of people.country, else of the policy's country): a shift
-- piece is cut at the person's local midnights, so a DST day holds 23 or 25 hours. The window
-- is the [working_time] fairness_weeks weeks ending at the month's end. Names people: the
-- compensation report may show it, the all-hands report never does. The logic is the table
-- macro oncall_fairness_between (intermediate/oncall_fairness_between.sql), which also computes a custom period.
-- Invariants: offhours_oncall_hours <= oncall_hours; weekend_ and holiday_oncall_hours <= oncall_hours.
--   engineer: the engineer, as spelled in people.csv when known there
--   team: the team, trimmed and lower-cased
--   month: the calendar month as text, e.g. 2026-10 (NULL for a custom period that is not a calendar month)
--   period_start: start of the month (UTC, included)
--   period_end: end of the month (UTC, excluded)
--   oncall_hours: hours on call for the team in the month (overrides included), hours
--   offhours_oncall_hours: on-call hours outside business hours on the person's calendar (nights, weekends, holidays included), hours
--   weekend_oncall_hours: on-call hours on local dates outside the policy's business weekdays, hours
--   holiday_oncall_hours: on-call hours on public holidays of the person's country (else the policy's), hours
--   pages: pages to the engineer for the team sent in the month (every page: daytime and repeats included)
--   nights_interrupted: distinct nights with an overnight page in the month, a night labelled by the local date of its start (22:00 by default)
--   max_consecutive_oncall_days: longest run of consecutive local dates with >= 4 h on call for the team, among runs with a day in the month, counted whole (days)
--   window_start_at: start of the fairness window, period_end - fairness_weeks weeks (UTC, included)
--   window_end_at: end of the fairness window, the period's end (UTC, excluded)
--   window_hours: the engineer's on-call hours for the team in the window (overrides included), hours
--   team_window_hours: the team's on-call hours in the window (everyone, overrides included), hours
--   is_member: whether the engineer has a non-override shift piece of the team in the window
--   member_weight: share of the window from the member's first to last non-override piece of the team, clipped to the window (0..1; 0 for non-members)
--   team_members: members of the team in the window (count)
--   team_member_weight: sum of the members' weights
--   team_fair_share_hours: team_window_hours / team_member_weight: what a member present the whole window would carry if the load were even, hours (NULL without members)
--   share_of_fair: window_hours / team_fair_share_hours (1 = a fair share; NULL without a fair share)
--   max_week_nights_interrupted: most interrupted nights in one ISO week (of the nights' local dates) touching the month (nights)
--   max_offhours_oncall_hours_28_days: most off-hours on-call hours in 28 consecutive local dates ending on a day of the month, hours
--   limit_flags: the [working_time] keys exceeded (strictly greater; a limit of 0 is off): max_consecutive_oncall_days, max_interrupted_nights_per_week, max_offhours_oncall_hours_per_4_weeks
with

final as (
    select * from oncall_fairness_between(cast(null as timestamptz), cast(null as timestamptz))
)

select * from final
