-- Each review's scores in its round's rubric order (issue 16): the
-- ranking reads one row per review, where it sorted and joined 42,000
-- scores as text for SPEC §8's round (about 50 ms of its 120). Kept by
-- triggers on review_scores and rubric_criteria (sql/85_ranking.sql);
-- review_scores stays the record. criteria: the codes, in rubric order,
-- then any no longer in the rubric, by code; halves: in the same order
-- (NULL where a draft lacks one).
CREATE TABLE review_halves (
	assignment_id	bigint PRIMARY KEY REFERENCES reviews ON DELETE CASCADE,
	criteria	text[] NOT NULL,
	halves		smallint[] NOT NULL
);

INSERT INTO review_halves (assignment_id, criteria, halves)
SELECT x.assignment_id,
    array_agg(x.criterion ORDER BY k.position NULLS LAST, x.criterion),
    array_agg(x.halves ORDER BY k.position NULLS LAST, x.criterion)
FROM review_scores x
JOIN assignments s ON s.id = x.assignment_id
LEFT JOIN rubric_criteria k ON k.round_id = s.round_id
    AND k.code = x.criterion
GROUP BY x.assignment_id;
