-- model: stg_reviews
-- kind: view
-- layer: staging
-- depends: src_reviews
-- grain: source_file, incident_id
--
-- Review document rows as loaded: one row per reviews/ document, and one per timeline document
-- that is its own review (What went well / What could be improved). Sections and why-steps were
-- counted when the document was parsed; nothing is cleaned or picked here (`incidents` takes the
-- earliest PUBLISHED:, `review_facts` the document it counts).
--   incident_id: the incident the document names
--   title: the document's INCIDENT: title
--   published_at: its PUBLISHED: (UTC; NULL when not given)
--   sections: the template sections the document has content for
--   whys: why-steps in its root cause
--   source_kind: review (a reviews/ document) or timeline (a post-mortem document's own review part)
--   line_no: line of the document's ID: in its file
--   source_file: the file the row was read from
with source as (
    select * from src_reviews
),

final as (
    select
        incident_id,
        title,
        published_at,
        sections,
        whys,
        source_kind,
        line_no,
        source_file,
    from source
)

select * from final
