-- model: none
-- kind: query
-- layer: queries
-- depends: incident_communication, incident_metrics
-- grain: severity, requirement
--
-- Reviews communication: the communication requirements of the incidents started in the
-- report week, per severity and requirement, for the weekly report (n/a: no timeline, not
-- checked, left out; reviews_unchecked.sql counts those).
-- Parameters: $period_start, $period_end (TIMESTAMPTZ, the report week; end excluded).
-- Grain: one row per severity and requirement (unique severity, requirement).
--   severity: 1, 2 or 3
--   requirement: the requirement's name in [communication] (e.g. vp_engineering, exec_channel)
--   met: incidents that met it
--   breached: incidents that breached it
--   pending: incidents still inside its deadline at as_of
select
    c.severity,
    c.requirement,
    count(*) filter (where c.status = 'met') as met,
    count(*) filter (where c.status = 'breached') as breached,
    count(*) filter (where c.status = 'pending') as pending,
from incident_communication as c
inner join incident_metrics as m on m.incident_id = c.incident_id
where m.started_at >= $period_start and m.started_at < $period_end and c.status <> 'n/a'
group by c.severity, c.requirement
order by c.severity, c.requirement
