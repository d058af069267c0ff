-- model: none
-- kind: query
-- layer: queries
-- depends: payroll_exports
-- grain: none
--
-- Payroll export of a period: the latest export recorded for exactly this period, if any,
-- for the compensation report's export status.
-- Parameters: $period_start, $period_end (DATE; period_end is the last day included).
-- Grain: at most one row.
--   exported_at: when the export was written (UTC)
--   csv_sha256: sha256 of the CSV written
--   inputs_sha256: checksum of the inputs it was computed from
--   policy_version: the policy version it was computed with
--   out_path: where the CSV was written
--   row_count: payroll lines in the CSV
--   total_pay_usd: the CSV's total pay, USD
with

exports as (
    select
        exported_at,
        csv_sha256,
        inputs_sha256,
        policy_version,
        out_path,
        row_count,
        total_pay_usd,
        rowid as written_order,
    from payroll_exports
    where period_start = $period_start::date and period_end = $period_end::date
)

select * exclude (written_order) from exports
order by exported_at desc, written_order desc
limit 1
