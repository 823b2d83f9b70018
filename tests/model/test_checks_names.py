"""The methodology check names things as the analyst sees them: titles, labels, statements and
the study page's sections — never identifiers or keys of the YAML document."""

from __future__ import annotations

import re

from segprofile.examples import EXAMPLES
from segprofile.model.checks import check_study
from segprofile.model.format import shorten
from segprofile.model.spec_yaml import load_study
from segprofile.model.study import FeatureType, HypothesisStatus, Study

#: A key of the document: «scope.body», «(roles)», «data_sources с kind: client_records».
_YAML_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+\b|\([a-z_]+\)|\bkind:|\b[a-z]+_[a-z_]+\b")


def _everything_missing() -> Study:
    study = load_study(EXAMPLES["child-benefit"].study_path)
    data = study.model_dump(mode="json")
    data["scope"]["body"] = ""
    data["scope"]["legal_acts"] = []
    for role in data["roles"]:
        role["audience"] = None
    for feature in data["features"]:
        feature["source"] = None
        if feature["type"] == FeatureType.numeric.value:
            feature["binning"] = None
    for hyp in data["hypotheses"]:
        hyp["hunt_stage"] = None
        hyp["aidas_stage"] = None
        hyp["status"] = HypothesisStatus.confirmed.value
        hyp["evidence"] = []
    for journey in data["journeys"]:
        for step in journey["steps"]:
            step["service_level"] = None
            step["role"] = None
    data["journeys"].append(dict(data["journeys"][0], id="empty-journey", steps=[]))
    data["segmentation"]["clustering"]["enabled"] = True
    data["segmentation"]["clustering"]["features"] = []
    data["recommendations"][0]["problems"].append("gone-problem-6bc06952")
    data["recommendations"] = data["recommendations"][:1]  # problems left without a remedy
    return Study.model_validate(data)


def test_findings_name_items_by_title_never_by_id() -> None:
    study = _everything_missing()
    messages = [f.message for f in check_study(study)]
    ids = {
        *(r.id for r in study.roles),
        *(f.id for f in study.features),
        *(h.id for h in study.hypotheses),
        *(j.id for j in study.journeys),
        *(f"{j.id}.{s.id}" for j in study.journeys for s in j.steps),
        "gone-problem-6bc06952",
    }
    for message in messages:
        named = set(re.findall(r"«([^«»]+)»", message))
        assert not named & ids, message
        assert not _YAML_KEY.search(message), message
    # Each kind of item is named by what the analyst wrote.
    feature = study.features[0]
    assert f"у признака «{feature.label}» не указан источник" in messages
    role = study.roles[0]
    assert f"у роли «{role.title}» не описана целевая аудитория" in messages
    journey, step = study.journeys[0], study.journeys[0].steps[0]
    assert any(f"«{step.title[:20]}" in m and f"«{journey.title[:20]}" in m for m in messages)
    assert "не выбраны признаки для кластеризации (раздел «Настройки сегментации»)" in messages
    # A step without a role: the blueprint would show a staff member's step as the client's.
    assert any(
        f"у шага «{step.title[:20]}" in m and m.endswith("не указана роль (кто выполняет шаг)")
        for m in messages
    )


def test_a_long_statement_is_shortened_with_an_ellipsis() -> None:
    study = _everything_missing()
    long = max(study.hypotheses, key=lambda h: len(h.statement))
    assert len(long.statement) > 60
    line = next(m for m in (f.message for f in check_study(study)) if long.statement[:40] in m)
    quoted = re.search(r"«([^«»]+)»", line)
    assert quoted is not None
    assert quoted.group(1).endswith("…")
    assert len(quoted.group(1)) <= 60


def test_a_statement_is_cut_after_a_whole_word() -> None:
    statement = (
        "При личной подаче в клиентской службе СФР заявители ждут решения дольше, "
        "чем при подаче через ЕПГУ"
    )
    short = shorten(statement, 70)
    assert short == "При личной подаче в клиентской службе СФР заявители ждут решения…"
    assert shorten("Сверхдлинноеслово" * 6, 20) == ("Сверхдлинноеслово" * 6)[:19] + "…"
    assert shorten("Коротко и ясно", 70) == "Коротко и ясно"
