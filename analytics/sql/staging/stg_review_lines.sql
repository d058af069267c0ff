-- model: stg_review_lines
-- kind: view
-- layer: staging
-- depends: src_review_lines
-- grain: source_file, line_no
--
-- Review lines as loaded: one row per content line of the root-cause and improvement sections
-- of every review document (the lines the blame checks read). Nothing is cleaned here: a name
-- matches case-sensitively as written (`blame_matches`).
--   incident_id: the incident the document names
--   section: root_cause or improvements: the section the line is in
--   line_no: line in its file
--   text: the line as written
--   source_file: the file the row was read from
with source as (
    select * from src_review_lines
),

final as (
    select
        incident_id,
        section,
        line_no,
        text,
        source_file,
    from source
)

select * from final
