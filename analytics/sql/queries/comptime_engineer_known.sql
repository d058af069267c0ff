-- model: none
-- kind: query
-- layer: queries
-- depends: people, comp_time_ledger
-- grain: none
--
-- Comp-time engineer known: whether a name given to the comp-time command is in people.csv or
-- in the ledger (names match case-insensitively after trimming), so a typo is an error rather
-- than an empty ledger. Parameters: $name (VARCHAR). Grain: one row.
--   known: rows of people and of the ledger with that name, a count (0: unknown)
with

names as (
    select name_key,
    from people
    union all
    select lower(trim(engineer)) as name_key,
    from comp_time_ledger
)

select count(*) as known
from names
where name_key = lower(trim($name))
