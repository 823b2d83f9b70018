"""M-8: a list of respondents every reader of the study sees names each person only by the
quotas they fill, and never by a combination of attributes fewer than ``min_cell`` people share.

The data is skewed as real exports are: a dominant country of birth and a few small ones, one
channel most people use, a district or two with few people, so that most people of the small
groups hold a combination of attributes nobody else holds.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from segprofile.analysis.research import (
    candidate_pool,
    checked_recruitment,
    recruit_respondents,
    recruitment_frame,
)
from segprofile.model.results import RecruitedRespondent, Recruitment
from sp_factories import made_recruitment

MIN_CELL = 10
FEATURES = {
    "strana": ("Страна рождения", {"ru": 85, "kg": 4, "uz": 4, "am": 3, "ua": 4}),
    "pol": ("Пол", {"m": 45, "f": 55}),
    "vozrast": ("Возраст", {"18-25": 10, "25-35": 30, "35-45": 30, "45-60": 20, "60+": 10}),
    "raion": ("Район", {"okt": 40, "len": 30, "sov": 20, "zar": 6, "kir": 4}),
    "kanal": ("Канал подачи", {"mfc": 55, "epgu": 35, "post": 6, "office": 4}),
    "dohod": ("Доход", {"lt15": 15, "15-30": 35, "30-60": 40, "gt60": 10}),
}
NAMES = {
    "ru": "Россия",
    "kg": "Киргизия",
    "uz": "Узбекистан",
    "am": "Армения",
    "ua": "Украина",
    "m": "мужчины",
    "f": "женщины",
    "okt": "Октябрьский",
    "len": "Ленинский",
    "sov": "Советский",
    "zar": "Заречный",
    "kir": "Кировский",
    "mfc": "МФЦ",
    "epgu": "ЕПГУ",
    "post": "Почта России",
    "office": "личный приём",
}


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row: dict[str, object] = {"id": f"p{i:04d}"}
        for fid, (_label, weights) in FEATURES.items():
            value = rng.choices(list(weights), list(weights.values()))[0]
            row[fid] = None if rng.random() < 0.02 else value  # a few missing values
        rows.append(row)
    return pd.DataFrame(rows)


def _labels() -> dict[str, str]:
    return {
        f"{fid}={code}": f"{label}: {NAMES.get(code, code)}"
        for fid, (label, weights) in FEATURES.items()
        for code in weights
    }


def _plan(frame: pd.DataFrame, **kwargs: object) -> Recruitment:
    labels = _labels()
    pool = candidate_pool(
        frame, id_column="id", quota_columns={f: f for f in FEATURES}, labels=labels
    )
    counts = pool.in_data
    quotas = {k: labels[k] for k, n in counts.items() if n >= MIN_CELL}  # the shown segments
    return recruit_respondents(pool, required=quotas, min_cell=MIN_CELL, **kwargs)  # type: ignore[arg-type]


def _holding(frame: pd.DataFrame, keys: list[str]) -> int:
    """People of the data in every segment ``keys`` names."""
    mask = np.ones(len(frame), dtype=bool)
    for key in keys:
        fid, _, code = key.partition("=")
        mask &= (frame[fid] == code).to_numpy()
    return int(mask.sum())


def _full_combination(frame: pd.DataFrame, pid: str) -> list[str]:
    row = frame.loc[frame["id"] == pid].iloc[0]
    return [f"{f}={row[f]}" for f in FEATURES if row[f] is not None]


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_no_respondent_is_named_by_a_combination_fewer_than_min_cell_share(seed: int) -> None:
    frame = _people(600, seed)
    # The data really does hold people described by their attributes alone.
    unique = [
        pid for pid in frame["id"] if _holding(frame, _full_combination(frame, pid)) < MIN_CELL
    ]
    assert len(unique) > len(frame) // 2
    plan = _plan(frame)
    assert plan.respondents
    for r in plan.respondents:
        assert r.segments, r.respondent_id
        assert _holding(frame, r.segments) >= MIN_CELL, (r.respondent_id, r.segments)
    assert plan.min_cell == MIN_CELL


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_the_recruiter_sees_which_quota_each_respondent_fills(seed: int) -> None:
    frame = _people(600, seed)
    plan = _plan(frame, per_segment=2)
    labels = _labels()
    listed: dict[str, int] = {}
    for r in plan.respondents:
        assert r.labels == [labels[k] for k in r.segments]  # by name, as the page shows them
        row = frame.loc[frame["id"] == r.respondent_id].iloc[0]
        for key in r.segments:  # a quota the person is really in
            fid, _, code = key.partition("=")
            assert row[fid] == code
            listed[key] = listed.get(key, 0) + 1
    # Every shown quota is filled by what the list says, not by what it keeps quiet about.
    assert not plan.uncovered
    shown = [k for k in labels if _holding(frame, [k]) >= MIN_CELL]
    assert {k: listed.get(k, 0) >= 2 for k in shown} == dict.fromkeys(shown, True)
    assert plan.segments_covered == plan.segments_total == len(shown)
    # Still a short list: people fill several quotas where that names nobody.
    assert len(plan.respondents) < 2 * len(shown)


def test_the_export_names_quotas_and_holds_no_raw_keys() -> None:
    frame = _people(600, 3)
    table = recruitment_frame(_plan(frame))
    assert list(table.columns) == ["Респондент", "Закрываемые квоты", "Прошёл интервью ранее"]
    quotas = " ".join(table["Закрываемые квоты"])
    assert "=" not in quotas
    assert "Страна рождения: Киргизия" in quotas or "Район: Кировский" in quotas


def test_a_pair_too_few_people_share_gets_nobody_with_the_reason() -> None:
    frame = _people(600, 5)
    labels = _labels()
    pool = candidate_pool(
        frame, id_column="id", quota_columns={f: f for f in FEATURES}, labels=labels
    )
    pair = next(
        f"strana=kg&{other}"
        for other in ("raion=kir", "raion=zar", "kanal=office", "kanal=post", "vozrast=60+")
        if 0 < _holding(frame, ["strana=kg", other]) < MIN_CELL
    )
    plan = recruit_respondents(
        pool, required={pair: "Киргизия, Кировский район"}, min_cell=MIN_CELL
    )
    assert not any(set(pair.split("&")) <= set(r.segments) for r in plan.respondents)
    (lost,) = plan.uncovered
    assert lost.key == pair
    assert f"меньше {MIN_CELL} человек" in lost.reason


def test_a_plan_stored_before_the_check_shows_one_quota_per_respondent() -> None:
    old = made_recruitment(
        [
            RecruitedRespondent(
                respondent_id="ljdxr",
                segments=["strana=kg", "pol=m", "raion=okt"],
                labels=["Киргизия", "Мужчины", "Октябрьский"],
            )
        ],
    )
    assert old.min_cell is None
    (person,) = checked_recruitment(old).respondents
    assert person.segments == ["strana=kg"]
    assert person.labels == ["Киргизия"]
    table = recruitment_frame(old)
    assert list(table["Закрываемые квоты"]) == ["Киргизия"]
