-- model: none
-- kind: query
-- layer: queries
-- depends: stg_people
-- grain: code
--
-- Countries codes: every country people.csv names, upper-cased, for the holidays written at
-- ingest (countries.write_country_holidays; an unknown code writes none).
-- Parameters: none.
-- Grain: one row per code (unique code), in code order.
--   code: a country as people.csv names it, upper-cased and trimmed (e.g. DE, DE-BY)
select distinct country as code,
from stg_people
where country is not null
order by code
