-- model: people
-- kind: view
-- layer: intermediate
-- depends: stg_people
-- grain: engineer
--
-- People from people.csv: one row per engineer (names unique case-insensitively after trimming).
-- Names are shown as spelled here; time zones are IANA names, UTC when not given. Of two rows
-- naming one person (case and spacing aside), the first wins: the earlier file, then the
-- earlier line.

-- The columns not documented above pass on from stg_people, whose docs they keep.
with ranked as (
    select
        *,
        row_number() over (partition by name_key order by source_file, line_no) as rank_in_name,
    from stg_people
),

final as (
    select
        engineer,
        employee_id,
        team,
        timezone,
        email,
        country,
        name_key,
        source_file,
    from ranked
    where rank_in_name = 1
)

select * from final
