"""Persona and empathy-map drafts from what a cluster's members' linked data say (M-4)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats as sps

from segprofile import pipeline
from segprofile.analysis.personas import satisfaction_pains
from segprofile.analysis.stats import benjamini_hochberg
from segprofile.analysis.suppression import suppress
from segprofile.model.results import Profile, SatisfactionStats
from segprofile.model.study import Study

# --- the satisfaction test -----------------------------------------------------------------------


def _sat(n: int, csat: float) -> SatisfactionStats:
    return SatisfactionStats(n=n, csat=csat)


def test_a_gap_within_chance_is_no_pain() -> None:
    study = pipeline.example_study("child-benefit")
    # The case: 59 % against 61 % on a few hundred ratings is noise.
    found = satisfaction_pains(
        study, {"cluster=1": _sat(300, 0.59), "cluster=2": _sat(700, 0.6186)}, _sat(1000, 0.61)
    )
    assert found.findings == {}


def test_a_gap_beyond_chance_is_a_pain_with_the_adjusted_q() -> None:
    study = pipeline.example_study("child-benefit")
    groups = {
        "cluster=1": _sat(600, 0.80),
        "cluster=2": _sat(300, 0.55),  # clearly below the others' 77 %
        "cluster=3": _sat(100, 0.74),  # within chance
        "cluster=4": _sat(4, 0.0),  # fewer ratings than min_cell: never tested
    }
    everyone = _sat(1004, (480 + 165 + 74) / 1004)
    found = satisfaction_pains(study, groups, everyone)
    assert set(found.findings) == {"cluster=2"}
    (pain,) = found.findings["cluster=2"]
    assert ("persona", "pains") in pain.fields
    assert ("empathy", "pains") in pain.fields
    assert pain.note.basis == "satisfaction"
    # The q-value is Benjamini–Hochberg over the three tested clusters (chi-square, 2×2).
    p_values = []
    for n, happy in ((600, 480), (300, 165), (100, 74)):
        table = [[happy, n - happy], [719 - happy, 1004 - n - (719 - happy)]]
        p_values.append(sps.chi2_contingency(table, correction=False)[1])
    q = benjamini_hochberg(p_values)[1]
    assert q < 0.001
    assert "q < 0,001" in pain.note.text
    assert "CSAT 55\u00a0% против 79\u00a0%" in pain.note.text  # 554 of the other 704
    assert pain.note.text.startswith("Удовлетворённость ниже, чем у остальных клиентов")


# --- the members' linked survey, complaints and interviews, through the profile ---------------

TYPES: list[dict[str, Any]] = [
    # online city dwellers: happy, want status online
    {"channel": "epgu", "region": "city", "age": 31, "single": 0.15, "sat": 4.5, "w": 55},
    # rural single parents at the MFC: queues, unhappy
    {"channel": "mfc", "region": "rural", "age": 26, "single": 0.8, "sat": 2.6, "w": 30},
    # older applicants at the office: documents
    {"channel": "office", "region": "town", "age": 47, "single": 0.2, "sat": 3.1, "w": 15},
]
QUEUE = (
    "В МФЦ районного центра очередь на два часа, с ребёнком ждать тяжело.",
    "Приехала в МФЦ из села, простояла в очереди полдня и не успела подать заявление.",
    "Очередь в МФЦ огромная, талонов нет, приходится ехать второй раз.",
    "Из-за очереди в МФЦ потеряла целый день, автобус из села ходит редко.",
)
PORTAL = (
    "Портал Госуслуг выдаёт ошибку при отправке заявления, форма не сохраняется.",
    "На портале не видно статуса заявления, непонятно, на каком оно этапе.",
    "Личный кабинет портала завис на загрузке справки, заявление не отправилось.",
)
DOCS = (
    "В клиентской службе потребовали справку о доходах, которую я уже приносила.",
    "Попросили принести справки ещё раз, документы будто теряются.",
    "Сотрудник клиентской службы не принял документы без лишней справки.",
)
SHARED = (
    "Прошу ускорить рассмотрение заявления о пособии и сообщить решение.",
    "Не пришло уведомление о решении по пособию, прошу проверить.",
)
QUOTES = {
    0: ("«Хочу видеть в приложении, на каком этапе заявление»", "Хотела бы получать статус в СМС."),
    1: (
        "«Целый день потратила на поездку в район, а сказали прийти ещё раз»",
        "Хотела бы подать заявление через сельскую администрацию.",
    ),
    2: (
        "«Справки собираю неделю, и каждый раз новые»",
        "Просит не требовать одни и те же справки.",
    ),
}


def planted_study_files(folder: Path, n: int = 3000, seed: int = 7) -> None:
    """Records, survey answers, complaints and interview notes of three planted client types,
    all linked by the client's (already pseudonymised) id; some texts hold a phone number."""
    rng = random.Random(seed)
    records: dict[str, list[Any]] = {
        k: [] for k in ("client_id", "channel", "age", "single_parent", "region", "satisfaction")
    }
    kinds = []
    for i in range(n):
        k = rng.choices(range(3), [t["w"] for t in TYPES])[0]
        t = TYPES[k]
        kinds.append(k)
        records["client_id"].append(f"p{i:05d}")
        records["channel"].append(
            t["channel"] if rng.random() < 0.85 else rng.choice(["epgu", "mfc"])
        )
        records["age"].append(None if rng.random() < 0.02 else round(rng.gauss(t["age"], 4)))
        records["single_parent"].append(rng.random() < t["single"])
        records["region"].append(
            t["region"] if rng.random() < 0.85 else rng.choice(["city", "town"])
        )
        rated = rng.random() < 0.4
        sat = max(1, min(5, round(rng.gauss(t["sat"], 0.8))))
        records["satisfaction"].append(sat if rated else None)
    pq.write_table(pa.table(records), folder / "records.parquet")

    survey: dict[str, list[Any]] = {
        "client_id": [],
        "q_satisfaction": [],
        "q_queue": [],
        "q_status": [],
    }
    for i in rng.sample(range(n), 900):
        k = kinds[i]
        survey["client_id"].append(f"p{i:05d}")
        survey["q_satisfaction"].append(max(1, min(5, round(rng.gauss(TYPES[k]["sat"], 0.8)))))
        survey["q_queue"].append("да" if rng.random() < (0.75 if k == 1 else 0.12) else "нет")
        survey["q_status"].append("да" if rng.random() < (0.8 if k == 0 else 0.3) else "нет")
    pq.write_table(pa.table(survey), folder / "survey.parquet")

    complaints: dict[str, list[Any]] = {"complaint_id": [], "client_id": [], "text": []}
    for j, i in enumerate(rng.sample(range(n), 700)):
        k = kinds[i]
        own = (PORTAL, QUEUE, DOCS)[k]
        body = rng.choice(own) if rng.random() < 0.75 else rng.choice(SHARED)
        if rng.random() < 0.1:
            body += " Мой телефон +7 912 345-67-89, перезвоните."
        complaints["complaint_id"].append(f"C{j:04d}")
        complaints["client_id"].append(f"p{i:05d}")
        complaints["text"].append(body)
    pq.write_table(pa.table(complaints), folder / "complaints.parquet")

    notes: dict[str, list[Any]] = {"respondent_id": [], "client_id": [], "text": []}
    for j, k in enumerate([0] * 4 + [1] * 4 + [2] * 4):
        i = next(x for x in rng.sample(range(n), n) if kinds[x] == k)
        quote, wish = QUOTES[k]
        notes["respondent_id"].append(f"R{j:02d}")
        notes["client_id"].append(f"p{i:05d}")
        notes["text"].append(f"Респондентка, телефон 8 (912) 000-11-22. {quote}. {wish}")
    pq.write_table(pa.table(notes), folder / "interviews.parquet")


def _keep(column: str = "client_id") -> dict[str, Any]:
    return {column: {"pii": "keep"}}


def planted_study() -> Study:
    return pipeline.study_from_data(
        {
            "id": "personas",
            "title": "Портреты",
            "scope": {
                "kind": "service",
                "title": "Пособие",
                "body": "Ведомство",
                "client_types": ["citizen"],
            },
            "roles": [{"id": "applicant", "kind": "applicant", "title": "Заявитель"}],
            "data_sources": [
                {
                    "id": "records",
                    "kind": "client_records",
                    "path": "records.parquet",
                    "id_column": "client_id",
                    "columns": _keep(),
                },
                {
                    "id": "survey",
                    "kind": "survey",
                    "title": "Опрос заявителей",
                    "path": "survey.parquet",
                    "id_column": "client_id",
                    "columns": {**_keep(), "q_satisfaction": {"use": "satisfaction"}},
                    "questions": [
                        {"question": "q_queue", "hypothesis": "p_queue"},
                        {"question": "q_status", "hypothesis": "n_status"},
                    ],
                },
                {
                    "id": "complaints",
                    "kind": "complaints",
                    "title": "Жалобы",
                    "path": "complaints.parquet",
                    "id_column": "complaint_id",
                    "columns": {**_keep(), "text": {"use": "text"}},
                },
                {
                    "id": "interviews",
                    "kind": "interviews",
                    "title": "Интервью",
                    "path": "interviews.parquet",
                    "id_column": "respondent_id",
                    "columns": {**_keep(), "text": {"use": "text"}},
                },
            ],
            "features": [
                {
                    "id": "channel",
                    "column": "channel",
                    "label": "Канал подачи",
                    "value_labels": {"epgu": "Портал Госуслуг", "mfc": "МФЦ", "office": "Приёмная"},
                },
                {
                    "id": "age",
                    "column": "age",
                    "label": "Возраст",
                    "type": "numeric",
                    "binning": {"thresholds": [25, 35, 45], "unit": "лет"},
                },
                {
                    "id": "single_parent",
                    "column": "single_parent",
                    "label": "Неполная семья",
                    "type": "boolean",
                },
                {
                    "id": "region",
                    "column": "region",
                    "label": "Тип поселения",
                    "value_labels": {
                        "city": "Город",
                        "town": "Малый город",
                        "rural": "Сельская местность",
                    },
                },
            ],
            "segmentation": {
                "satisfaction": {"column": "satisfaction"},
                "clustering": {
                    "features": ["channel", "age", "single_parent", "region"],
                    "n_clusters": 3,
                    "n_init": 3,
                },
            },
            "hypotheses": [
                {
                    "id": "p_queue",
                    "kind": "problem",
                    "statement": "Заявители подолгу ждут в очереди в МФЦ.",
                },
                {
                    "id": "n_status",
                    "kind": "need",
                    "statement": "Видеть, на каком этапе заявление.",
                },
            ],
        }
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Profile]:
    folder = tmp_path_factory.mktemp("personas")
    planted_study_files(folder)
    study = planted_study()
    return study, pipeline.profile_study(
        pipeline.Workspace.in_folder(folder, data_dir=folder), study
    )


def _cluster(profile: Profile, channel: str) -> Any:
    assert profile.clusters is not None
    return next(c for c in profile.clusters.clusters if c.prototype.get("channel") == channel)


def _field(items: list[Any], key: str) -> Any:
    return next(f for f in items if f.key == key)


def test_pains_goals_and_quotes_come_from_the_members_data(planted: tuple[Study, Profile]) -> None:
    _, profile = planted
    rural = _cluster(profile, "mfc")
    online = _cluster(profile, "epgu")
    pains = _field(rural.portrait.persona, "pains")
    # The survey's problem confirmed for the MFC cluster beyond chance, with its numbers.
    assert any(
        n.source == "опрос «Опрос заявителей»"
        and n.text.startswith("Заявители подолгу ждут в очереди в МФЦ — так ответили")
        for n in pains.notes
    )
    # Its complaints are about queues far more than the others'.
    assert any(n.source == "жалобы «Жалобы»" and "очередь" in n.text.lower() for n in pains.notes)
    # Lower satisfaction beyond chance.
    assert any(n.basis == "satisfaction" for n in pains.notes)
    # The need confirmed for the online cluster is its goal, not the MFC cluster's.
    goals = _field(online.portrait.persona, "goals")
    assert any(n.text.startswith("Видеть, на каком этапе заявление") for n in goals.notes)
    assert not any(
        "Видеть, на каком этапе" in n.text for n in _field(rural.portrait.persona, "goals").notes
    )
    assert not any("очеред" in n.text for n in _field(online.portrait.persona, "pains").notes)
    # Quotes from the members' interview notes and complaints, as written in Russian.
    quote = _field(rural.portrait.persona, "quote")
    assert "«Целый день потратила на поездку в район, а сказали прийти ещё раз»" in quote.value
    assert quote.origin == "data"
    assert "интервью «Интервью»" in quote.sources
    wishes = _field(rural.portrait.persona, "goals")
    assert any("сельскую администрацию" in n.text for n in wishes.notes)


def test_every_field_with_material_is_filled_and_says_where_from(
    planted: tuple[Study, Profile],
) -> None:
    _, profile = planted
    assert profile.clusters is not None
    for cluster in profile.clusters.clusters:
        for item in cluster.portrait.persona + cluster.portrait.empathy_map:
            if item.notes:
                assert item.value
                assert item.value != "—"
                assert item.origin == "data"
                assert all(n.source for n in item.notes)
            else:
                assert item.origin == "interviews"
        persona = {f.key: f for f in cluster.portrait.persona}
        for key in ("age", "situation", "channels", "quote"):
            assert persona[key].value, (cluster.key, key)


def test_no_personal_data_reaches_a_portrait(planted: tuple[Study, Profile]) -> None:
    _, profile = planted
    assert profile.clusters is not None
    texts = [
        text
        for c in profile.clusters.clusters
        for f in c.portrait.persona + c.portrait.empathy_map
        for text in (f.value, *(n.text for n in f.notes))
    ]
    assert any("«" in t for t in texts)  # quotes are there…
    for text in texts:  # …but no phone number and no client's pseudonym
        for leak in ("912", "345-67-89", "000-11-22", "p0"):
            assert leak not in text


def test_hidden_ratings_take_their_pain_with_them(planted: tuple[Study, Profile]) -> None:
    """When the published profile hides a cluster's ratings (another cluster has too few, and
    this one is their complement), the pain that quotes them goes too."""
    study, profile = planted
    assert profile.clusters is not None
    rural = _cluster(profile, "mfc")
    assert any(n.basis == "satisfaction" for f in rural.portrait.persona for n in f.notes)
    clusters = []
    for c in profile.clusters.clusters:
        if c.key != rural.key and c.prototype.get("channel") == "office":
            c = c.model_copy(update={"satisfaction": c.satisfaction.model_copy(update={"n": 3})})
        clusters.append(c)
    # The office cluster now has 3 ratings (< min_cell): hidden, and the next smallest rated
    # cluster with it so that it cannot be worked out.
    changed = profile.model_copy(
        update={"clusters": profile.clusters.model_copy(update={"clusters": clusters})}
    )
    published = suppress(changed, study)
    assert published.clusters is not None
    online = _cluster(profile, "epgu")
    assert (rural.satisfaction.n or 0) < (online.satisfaction.n or 0)  # the complement
    shown = next(c for c in published.clusters.clusters if c.key == rural.key)
    assert shown.satisfaction.hidden is not None
    notes = [n for f in shown.portrait.persona + shown.portrait.empathy_map for n in f.notes]
    assert not any(n.basis == "satisfaction" for n in notes)
    assert not any("CSAT" in f.value for f in shown.portrait.persona + shown.portrait.empathy_map)
    # What does not rest on the ratings stays: the survey's and the complaints' pains.
    assert any(n.basis in ("survey", "complaints") for n in notes)
    # The unchanged profile keeps the pain.
    original = suppress(profile, study)
    assert original.clusters is not None
    kept = next(c for c in original.clusters.clusters if c.key == rural.key)
    assert any(n.basis == "satisfaction" for f in kept.portrait.persona for n in f.notes)


def test_a_minimum_cell_larger_than_the_groups_leaves_only_what_is_safe(
    tmp_path: Path,
) -> None:
    """With min_cell = 40 every share, test or count a statement gives rests on at least 40
    people; the office cluster's ratings, though clearly low, are too few satisfied ones (its
    CSAT is not shown) and are not judged."""
    planted_study_files(tmp_path, n=1200, seed=3)
    study = planted_study()
    study.segmentation.min_cell = 40
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=tmp_path), study
    )
    assert profile.clusters is not None
    counted = 0
    for cluster in profile.clusters.clusters:
        for f in cluster.portrait.persona + cluster.portrait.empathy_map:
            for n in f.notes:
                for found in re.finditer(r"(оценок|ответов|жалоб кластера): ([\d\u00a0]+)", n.text):
                    counted += 1
                    assert int(found.group(2).replace("\u00a0", "")) >= 40, n.text
                if n.basis in ("satisfaction", "survey", "complaints") and "%" in n.text:
                    assert re.search(r"(оценок|ответов|жалоб кластера): ", n.text), n.text
    assert counted  # something was still said
    office = _cluster(profile, "office")
    rated = office.satisfaction.n or 0
    satisfied = round((office.satisfaction.csat or 0) * rated)
    assert satisfied < 40 or rated - satisfied < 40
    notes = [n for f in office.portrait.persona for n in f.notes]
    assert not any(n.basis == "satisfaction" for n in notes)
    # At the default min_cell the same ratings are a pain: only the threshold kept it out.
    everyone = profile.satisfaction
    groups = {c.key: c.satisfaction for c in profile.clusters.clusters}
    lenient = satisfaction_pains(planted_study(), groups, everyone)
    assert office.key in lenient.findings


def test_a_linked_source_not_yet_uploaded_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    planted_study_files(tmp_path, n=900, seed=5)
    (tmp_path / "survey.parquet").unlink()
    study = planted_study()
    study.data_sources[1].columns = {}  # no rating column: only the personas read the survey
    profile = pipeline.profile_study(
        pipeline.Workspace.in_folder(tmp_path, data_dir=tmp_path), study
    )
    assert profile.clusters is not None
    warning = next(w for w in profile.warnings if w.startswith("Источник «Опрос заявителей»"))
    assert "ещё не загружены" in warning
    assert str(tmp_path) not in warning  # no server path in what the team reads
    # The complaints and interviews still speak.
    sources = {s for c in profile.clusters.clusters for f in c.portrait.persona for s in f.sources}
    assert "жалобы «Жалобы»" in sources
