-- model: none
-- kind: query
-- layer: queries
-- depends: people, stg_incidents, stg_action_items, stg_pages, stg_rotations
-- grain: name
--
-- Weekly names: every spelling of every person the warehouse knows (people, e-mail addresses,
-- acknowledgers, action item owners, rotation engineers, page recipients), for the weekly
-- report's scrubber, which replaces them with "someone" in every text the report shows.
-- Loaded rows are read as spelled (the stg_ models), not
-- through the public views: the pages view's people joins cost seconds at 10 M rows and add
-- no spelling. One branch per column: a hash aggregate per column takes 0.04 s at 10 M rows,
-- unnesting both of a table's columns 0.5 s.
-- Parameters: none.
-- Grain: one row per distinct spelling (unique name; one NULL row when people has a NULL).
--   name: a person's name, e-mail address or handle as some source spells it
select engineer as name from people
union
select email from people where email is not null
union
select acknowledged_by from stg_incidents where acknowledged_by is not null
union
select owner from stg_action_items where owner is not null
union
select engineer from stg_rotations
union
select recipient from stg_pages
union
select acknowledged_by from stg_pages where acknowledged_by is not null
