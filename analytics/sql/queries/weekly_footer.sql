-- model: none
-- kind: query
-- layer: queries
-- depends: policy, warehouse_meta
-- grain: none
--
-- Weekly footer: the versions the weekly report's footer names: the stored policy's (the
-- policy table holds one row), and the package and schema versions that last wrote the
-- warehouse.
-- Parameters: none.
-- Grain: one row.
--   policy_version: the stored policy's version
--   warehouse_package: the package version that last wrote the warehouse
--   schema_version: the warehouse's schema version
select
    (select any_value(policy_version) from policy) as policy_version,
    (select value from warehouse_meta where key = 'package_version') as warehouse_package,
    (select value from warehouse_meta where key = 'schema_version') as schema_version,
