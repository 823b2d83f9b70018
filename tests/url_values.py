"""Values of every URL parameter of the site, for the tests that walk all its URLs
(``tests/web/test_roles.py``, ``tests/web/test_hardening.py``): one table to extend."""

from __future__ import annotations

from typing import Any

KWARGS: dict[str, Any] = {
    "role_id": "applicant",
    "hypothesis_id": "h1",
    "recommendation_id": "r1",
    "token": "0123456789abcdef0123456789abcdef",
    "source_id": "records",
    "version": 1,
    "number": 1,
    "journey_id": "current",
    "step_id": "apply",
    "index": 0,
    "token_pk": 1,
    "member_pk": 1,
    "import_pk": 1,
    "study_id": 1,
    "run_id": 1,
    "fmt": "pdf",
    "section": "scope",
    "list_name": "roles",
    "item_id": "applicant",
    "act_id": "law",
    "feature_id": "channel",
    "first": "channel",
    "second": "age",
    "activity_id": "interviews",
    "respondent_id": "r1",
}
