-- model: stg_comp_time
-- kind: view
-- layer: staging
-- depends: src_comp_time
-- grain: none
--
-- Comp time taken, as loaded: one row per row of every comp_time/ file (rows may repeat).
-- Names trimmed, with the key people are matched on; hours as money-grade decimals. Nothing is
-- summed or consumed here (`comp_time_ledger`).
--   engineer: the engineer, trimmed, as the file spells it
--   name_key: lower(trim(engineer)), matched with people.name_key
--   taken_on: the day taken (the engineer's local date)
--   hours: hours taken
--   line_no: line (or record) of the row in its file
--   source_file: the file the row was read from
with source as (
    select * from src_comp_time
),

final as (
    select
        trim(engineer) as engineer,
        lower(trim(engineer)) as name_key,
        taken_on,
        cast(hours as decimal(18, 2)) as hours,
        line_no,
        source_file,
    from source
)

select * from final
