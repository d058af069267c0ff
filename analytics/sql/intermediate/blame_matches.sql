-- model: blame_matches
-- kind: macro
-- layer: intermediate
-- depends: stg_people, policy, stg_review_lines, macros.sql
-- grain: none
--
-- Possible blame in review documents (docs/metrics.md): one row per match in the root-cause and
-- improvement lines of stg_review_lines. A person matches by the first token of their
-- people.csv name when it has at least 3 letters, else by the whole name (a whole-name match
-- always contains its first token, so each mention counts once), whole-word and
-- case-sensitive; policy.blame_phrases match whole-word, case-insensitively. A name that is
-- one word is matched by joining on the lines' words (fast with a thousand people); other
-- names and the phrases by whole_word_matches.
create or replace macro blame_matches() as table
    with names as (
        select distinct engineer, from stg_people
    ),

    name_terms as (
        select distinct
            case
                when len(regexp_extract_all(regexp_extract(engineer, '^\S+'), '\pL')) >= 3
                    then regexp_extract(engineer, '^\S+')
                else engineer
            end as term,
        from names
        where engineer <> ''
    ),

    classified_terms as (
        select term, regexp_full_match(term, '[\pL\p{Nd}]+') as is_word, from name_terms
    ),

    word_terms as (
        select term, from classified_terms where is_word
    ),

    other_terms as (
        select term, false as ignore_case,
        from classified_terms
        where not is_word
        union
        select distinct lower(trim(unnest(blame_phrases))) as term, true as ignore_case,
        from policy
    ),

    words as (
        select
            source_file,
            incident_id,
            section,
            line_no,
            unnest(regexp_extract_all(text, '[\pL\p{Nd}]+')) as word,
        from stg_review_lines
    )

    select w.source_file, w.incident_id, w.section, w.line_no, w.word as match,
    from words as w
    inner join word_terms as t on t.term = w.word
    union all
    select
        l.source_file,
        l.incident_id,
        l.section,
        l.line_no,
        unnest(whole_word_matches(l.text, t.term, t.ignore_case)) as match,
    from stg_review_lines as l
    cross join other_terms as t;
