"""Research on the profiles (M-8) and the evidence it brings (M-9).

Plan:

- :func:`survey_sample_sizes` — survey respondents each segment needs for the chosen margin
  and confidence, with the finite-population correction (:func:`~.stats.required_sample`);
- :func:`draw_candidates` / :func:`candidate_pool` and :func:`recruit_respondents` — a small
  set of interview respondents such that every segment of every feature (and every cluster,
  given as one more column of codes) has at least one: greedy set cover on a numpy matrix of
  segment indexes, with its approximation bound stated, excluding people who opted out or
  reached the per-person interview limit; segments nobody can cover are listed with the reason;
- :func:`interview_guide` — a draft guide per segment from its hypotheses: open, non-leading
  Russian questions grouped by journey step (:func:`question_problems` checks a question).

Evidence:

- :func:`link_survey` joins survey answers to the segments of the client records in the engine
  (by pseudonymised id, or by feature columns present in the survey);
- :func:`analyse_survey` — for each question mapped to a hypothesis (:class:`QuestionLink`):
  per segment share of answers that support it, with a Wilson interval; the difference against
  the rest of the answers by Pearson's chi-square, or Fisher's exact test when an expected
  count is below 5; Benjamini–Hochberg across all tests; a verdict per segment and per
  hypothesis by the explicit rules of :class:`VerdictRules` (:func:`verdict_rules_text` says
  them in Russian), each with its reason and :class:`~segprofile.model.study.Evidence`.

Aggregates run in the engine; only counts and the interview candidates (a bounded sample)
come back to Python.
"""

from __future__ import annotations

from segprofile.analysis.research.guides import (
    interview_guide,
    interview_guides,
    question_problems,
)
from segprofile.analysis.research.recruitment import (
    CandidatePool,
    candidate_pool,
    checked_recruitment,
    draw_candidates,
    greedy_cover,
    harmonic,
    recruit_respondents,
    recruitment_frame,
)
from segprofile.analysis.research.sample_sizes import (
    survey_sample_sizes,
)
from segprofile.analysis.research.survey import (
    LinkedSurvey,
    QuestionLink,
    VerdictRules,
    analyse_survey,
    apply_survey_verdicts,
    link_questions,
    link_survey,
    question_links,
    segment_verdict,
    verdict_rules_text,
)
from segprofile.analysis.stats import (
    benjamini_hochberg,
    compare_shares,
)

__all__ = [
    "CandidatePool",
    "LinkedSurvey",
    "QuestionLink",
    "VerdictRules",
    "analyse_survey",
    "apply_survey_verdicts",
    "benjamini_hochberg",
    "candidate_pool",
    "checked_recruitment",
    "compare_shares",
    "draw_candidates",
    "greedy_cover",
    "harmonic",
    "interview_guide",
    "interview_guides",
    "link_questions",
    "link_survey",
    "question_links",
    "question_problems",
    "recruit_respondents",
    "recruitment_frame",
    "segment_verdict",
    "survey_sample_sizes",
    "verdict_rules_text",
]
