"""Differences of study documents in Russian words, and three-way merges (M-10, issue #9)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from segprofile import pipeline
from segprofile.model.diff import (
    RevisionHypotheses,
    describe_changes,
    describe_conflict,
    first_change,
    merge_documents,
    status_history,
)


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return pipeline.example_study("child-benefit").model_dump(mode="json")


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)


def _role(doc: dict[str, Any], role_id: str) -> dict[str, Any]:
    return next(r for r in doc["roles"] if r["id"] == role_id)


def test_equal_documents_have_no_changes(base: dict[str, Any]) -> None:
    assert describe_changes(base, _copy(base)) == []


def test_added_removed_and_renamed_items_in_words(base: dict[str, Any]) -> None:
    new = _copy(base)
    feature = _copy(new["features"][0])
    feature |= {"id": "income", "label": "доход"}
    new["features"].append(feature)
    old_label = new["features"][0]["label"]
    new["features"][0]["label"] = "Тип поселения"
    removed = new["roles"].pop(1)
    lines = describe_changes(base, new)
    assert "Добавлен признак «доход»" in lines
    assert f"Удалена роль «{removed['title']}»" in lines
    assert f"Изменена подпись признака «{old_label}»: «{old_label}» → «Тип поселения»" in lines
    assert len(lines) == 3


def test_eligibility_rule_change_names_the_role_and_both_rules(base: dict[str, Any]) -> None:
    new = _copy(base)
    role = _role(new, "applicant")
    old_rule = role["audience"]["eligibility_rule"]
    role["audience"]["eligibility_rule"] = "age >= 21"
    assert describe_changes(base, new) == [
        f"Изменено правило отбора роли «{role['title']}»: «{old_rule}» → «age >= 21»"
    ]
    role["audience"]["eligibility_rule"] = None
    assert describe_changes(base, new) == [
        f"Очищено правило отбора роли «{role['title']}» (было «{old_rule}»)"
    ]


def test_enumerations_lists_and_nested_steps(base: dict[str, Any]) -> None:
    new = _copy(base)
    hyp = new["hypotheses"][0]
    old_status = hyp["status"]
    hyp["status"] = "refuted" if old_status != "refuted" else "confirmed"
    hyp["segments"] = [*hyp["segments"], "возраст=18-30"]
    journey = new["journeys"][0]
    step = journey["steps"][0]
    step["channel"] = "МФЦ"
    gone = journey["steps"].pop()
    new["segmentation"]["min_cell"] = 10
    lines = describe_changes(base, new)
    text = "\n".join(lines)
    assert "Изменён статус гипотезы" in text
    assert "«Опровергнута»" in text or "«Подтверждена»" in text
    assert "сегменты гипотезы" in text
    assert "значение «18-30» признака, которого нет в исследовании" in text
    assert f"Изменён канал шага «{step['title']}» пути «{journey['title']}»" in text
    assert f"Удалён шаг «{gone['title']}» из пути «{journey['title']}»" in text
    assert "Настройки сегментации: изменён минимальный размер сегмента: 5 → 10" in text
    assert "{" not in text  # words, not raw JSON


def test_reordering_is_reported(base: dict[str, Any]) -> None:
    new = _copy(base)
    new["features"].reverse()
    assert describe_changes(base, new) == ["Изменён порядок признаков"]


# --- merges ------------------------------------------------------------------------------------


def test_edits_of_different_parts_both_survive(base: dict[str, Any]) -> None:
    theirs = _copy(base)
    _role(theirs, "applicant")["audience"]["eligibility_rule"] = "age >= 21"
    theirs["features"].append({**theirs["features"][0], "id": "x1", "label": "новый их"})
    mine = _copy(base)
    mine["hypotheses"][0]["verdict_reason"] = "по опросу"
    mine["features"].append({**mine["features"][0], "id": "x2", "label": "новый мой"})
    result = merge_documents(base, mine, theirs)
    assert result.conflicts == []
    merged = result.merged
    assert _role(merged, "applicant")["audience"]["eligibility_rule"] == "age >= 21"
    assert merged["hypotheses"][0]["verdict_reason"] == "по опросу"
    assert [f["id"] for f in merged["features"]][-2:] == ["x1", "x2"]
    pipeline.study_from_data(merged)  # still a valid document


def test_same_part_changed_differently_is_a_conflict_with_three_versions(
    base: dict[str, Any],
) -> None:
    theirs = _copy(base)
    _role(theirs, "applicant")["audience"]["eligibility_rule"] = "age >= 21"
    mine = _copy(base)
    _role(mine, "applicant")["audience"]["eligibility_rule"] = "age >= 30"
    mine["segmentation"]["min_cell"] = 7
    result = merge_documents(base, mine, theirs)
    assert len(result.conflicts) == 1
    conflict = result.conflicts[0]
    assert conflict.title.startswith("роль «")
    assert conflict.theirs["audience"]["eligibility_rule"] == "age >= 21"
    assert conflict.mine["audience"]["eligibility_rule"] == "age >= 30"
    assert conflict.base == _role(base, "applicant")


def test_first_change_names_the_document_that_changed_the_conflicting_part(
    base: dict[str, Any],
) -> None:
    # Saved after the base: a change elsewhere, the change of the journey, another change.
    elsewhere = _copy(base)
    elsewhere["segmentation"]["min_cell"] = 9
    journey = _copy(elsewhere)
    journey["journeys"][0]["steps"][0]["title"] = "Узнать о праве (изменено)"
    later = _copy(journey)
    later["title"] = "Другое название"
    mine = _copy(base)
    mine["journeys"][0]["steps"][0]["title"] = "Моё название"
    result = merge_documents(base, mine, later)
    assert [c.part for c in result.conflicts] == [("journeys", "#item", base["journeys"][0]["id"])]
    assert first_change(result.conflicts, [elsewhere, journey, later]) == 1
    assert first_change(result.conflicts, [elsewhere]) is None


def test_same_change_on_both_sides_is_no_conflict(base: dict[str, Any]) -> None:
    theirs = _copy(base)
    theirs["segmentation"]["min_cell"] = 7
    mine = _copy(theirs)
    assert merge_documents(base, mine, theirs).conflicts == []


def test_deleted_by_one_and_changed_by_the_other_is_a_conflict(base: dict[str, Any]) -> None:
    theirs = _copy(base)
    theirs["features"].pop(0)
    mine = _copy(base)
    mine["features"][0]["label"] = "другая подпись"
    result = merge_documents(base, mine, theirs)
    assert [c.title for c in result.conflicts] == ["признак «другая подпись»"]
    assert result.conflicts[0].theirs is None


def test_deleted_by_one_untouched_by_the_other_stays_deleted(base: dict[str, Any]) -> None:
    theirs = _copy(base)
    gone = theirs["hypotheses"].pop()["id"]
    mine = _copy(base)
    mine["title"] = "Новое название"
    result = merge_documents(base, mine, theirs)
    assert result.conflicts == []
    assert gone not in [h["id"] for h in result.merged["hypotheses"]]
    assert result.merged["title"] == "Новое название"


def test_both_reordering_differently_is_a_conflict(base: dict[str, Any]) -> None:
    theirs = _copy(base)
    theirs["features"].reverse()
    mine = _copy(base)
    mine["features"] = mine["features"][1:] + mine["features"][:1]
    result = merge_documents(base, mine, theirs)
    assert [c.title for c in result.conflicts] == ["порядок признаков"]


def test_status_history_lists_each_verdict_decision_newest_first(base: dict[str, Any]) -> None:
    at = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    first = base["hypotheses"]
    hid, other = first[0]["id"], first[1]["id"]
    confirmed = _copy(first)
    confirmed[0] |= {"status": "confirmed", "verdict_reason": "опрос: 64 % за"}
    renamed = _copy(confirmed)
    renamed[1]["statement"] = "Другая формулировка"  # not a status change
    refuted = _copy(renamed)
    refuted[0] |= {"status": "refuted", "verdict_reason": "интервью"}
    added = [*_copy(refuted), {"id": "h_new", "status": "open"}, {"no id": True}, "junk"]
    revisions = [
        RevisionHypotheses(1, "anna", at, "создано", first),
        RevisionHypotheses(2, "anna", at, "статус", confirmed),
        RevisionHypotheses(3, None, at, "формулировка", renamed),
        RevisionHypotheses(4, "boris", at, "статус", refuted),
        RevisionHypotheses(5, "boris", at, "новая", added),
    ]
    history = status_history(revisions)
    assert [(c.number, c.author, c.old, c.new, c.reason) for c in history[hid]] == [
        (4, "boris", "confirmed", "refuted", "интервью"),
        (2, "anna", first[0].get("status", "open"), "confirmed", "опрос: 64 % за"),
    ]
    assert other not in history
    assert [(c.number, c.old, c.new) for c in history["h_new"]] == [(5, "", "open")]
    # The first revision is the state before the history; a damaged list reads as empty.
    assert status_history(revisions[:1]) == {}
    assert status_history([RevisionHypotheses(1, None, at, "", None), revisions[1]]).keys() == {
        h["id"] for h in confirmed
    }


# --- issue 19 review: the respondents of one activity are merged one by one ---------------------


def _with_respondents(base: dict[str, Any]) -> dict[str, Any]:
    doc = _copy(base)
    doc["research"]["activities"] = [
        {
            "id": "interviews",
            "method": "interview",
            "title": "Интервью в сёлах",
            "respondents": [
                {"id": "Qm9vW3pLr7XaT2cYv0dE1f", "segment": "channel=epgu", "status": "invited"},
                {"id": "ZkP1n8sLw4HqR6tUb3mN9a", "segment": "channel=mfc", "status": "invited"},
            ],
        }
    ]
    return doc


def test_different_respondents_of_one_activity_merge(base: dict[str, Any]) -> None:
    start = _with_respondents(base)
    theirs, mine = _copy(start), _copy(start)
    theirs["research"]["activities"][0]["respondents"][0]["status"] = "interviewed"
    mine["research"]["activities"][0]["respondents"][1]["status"] = "refused"
    mine["research"]["activities"][0]["respondents"].append(
        {"id": "Lx2cV7bN1mQ8wE5rT0yU4i", "segment": "channel=mfc", "status": "invited"}
    )
    result = merge_documents(start, mine, theirs)
    assert result.conflicts == []
    people = result.merged["research"]["activities"][0]["respondents"]
    assert [(p["id"][:2], p["status"]) for p in people] == [
        ("Qm", "interviewed"),
        ("Zk", "refused"),
        ("Lx", "invited"),
    ]
    assert result.merged["research"]["activities"][0]["title"] == "Интервью в сёлах"
    pipeline.study_from_data(result.merged)  # still a valid document
    # The inputs are not changed by the merge.
    assert len(start["research"]["activities"][0]["respondents"]) == 2


def test_the_same_respondent_changed_by_both_is_a_conflict_named_in_words(
    base: dict[str, Any],
) -> None:
    start = _with_respondents(base)
    theirs, mine = _copy(start), _copy(start)
    theirs["research"]["activities"][0]["respondents"][0]["status"] = "interviewed"
    mine["research"]["activities"][0]["respondents"][0]["status"] = "refused"
    mine["research"]["activities"][0]["title"] = "Интервью"  # merges: only mine changed it
    result = merge_documents(start, mine, theirs)
    [conflict] = result.conflicts
    assert conflict.title == "респондент «Qm9vW3pLr7XaT2cYv0dE1f» исследования «Интервью»"
    assert (conflict.theirs["status"], conflict.mine["status"]) == ("interviewed", "refused")
    theirs_words, mine_words = describe_conflict(conflict)
    assert theirs_words == [
        # Named by the segment they stand for: sentences of changes are the history's, which
        # every reader sees; a pseudonym is for the activity's editors.
        "Изменён статус респондента «значение «epgu» признака, которого нет в исследовании» "
        "исследования «interviews»: «Приглашён» → «Интервью проведено»"
    ]
    assert mine_words[0].endswith("«Приглашён» → «Отказался от интервью»")
    assert first_change(result.conflicts, [theirs]) == 0


def test_a_deleted_activity_whose_respondent_the_other_changed_is_a_conflict(
    base: dict[str, Any],
) -> None:
    start = _with_respondents(base)
    theirs, mine = _copy(start), _copy(start)
    theirs["research"]["activities"] = []
    mine["research"]["activities"][0]["respondents"][1]["note"] = "перезвонить"
    result = merge_documents(start, mine, theirs)
    assert [c.title for c in result.conflicts] == [
        "респондент «ZkP1n8sLw4HqR6tUb3mN9a» исследования «Интервью в сёлах»"
    ]
    assert result.merged["research"]["activities"] == []
