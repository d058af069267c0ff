-- model: none
-- kind: query
-- layer: queries
-- depends: payroll_exports
-- grain: none
--
-- Pay exports sharing days: every final payroll export recorded for a period that shares at
-- least one day with this one, per period newest first (Python keeps the first of each), for
-- finality by instant (docs/payroll.md). A warehouse from before pay_policy_version lacks
-- that column. Parameters: $period_start, $period_end (DATE; period_end is the last day
-- included).
--   period_start: first day of the exported period
--   period_end: last day of the exported period, included
--   exported_at: when the export was written (UTC)
--   csv_sha256: sha256 of the CSV written
--   inputs_sha256: checksum of the inputs it was computed from
--   policy_version: the policy version it was computed with
--   out_path: where the CSV was written
--   row_count: payroll lines in the CSV
--   total_pay_usd: the CSV's total pay, USD
--   lines_json: the lines and the inputs' checksums, JSON, to describe what a new export changes
--   pay_policy_version: version of the pay keys ([[pay]], [overnight]) it used; NULL before that column existed
with

sharing as (
    select
        *,
        rowid as written_order,
    from payroll_exports
    where period_start <= $period_end::date and period_end >= $period_start::date
)

select * exclude (written_order) from sharing
order by period_start asc, period_end asc, exported_at desc, written_order desc
