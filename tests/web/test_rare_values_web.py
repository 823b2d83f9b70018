"""Rare category values are never named in any output (issue 15, disclosure control).

A settlement with two applicants names them. The records plant, in «Тип поселения», a dominant
value, several mid ones, three values of 1, 2 and 4 clients (7 together: their combined line
shows its count) and one of exactly ``min_cell`` clients (shown by name); in «Канал подачи»
one value of 3 clients (its combined line is itself small: «меньше 5», and a neighbour is
hidden with it) and two values of 2 and 3 clients that the analyst merged by one value label
(«Киоск», 5 together: shown by name). The profile is built by the worker as a user would start
it; then profile.json (web and API), the pages and the reports in every format are read back:
the names of the rare values appear nowhere, the combined line does, with its wording.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook
from tests.sp_factories import SMALL_STUDY
from tests.web.test_disclosure_web import _run_url, _text, html_rows, pdf_text

from segprofile import pipeline
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import ProfileRun, Study

MIN_CELL = 5
SETTLEMENTS = {
    "Metropol": 700,
    "Gorodok": 160,
    "Selo-Bolshoe": 90,
    "Prigorod": 45,
    "Zarechye-Five": 5,  # exactly min_cell: shown by name
    "Tiny-village": 2,
    "Khutor-Maly": 1,
    "Ostrov-Dalny": 4,
}
CHANNELS = {"epgu": 659, "mfc": 300, "office": 40, "kiosk-a": 2, "kiosk-b": 3, "Pochta-Rare": 3}
#: Names of the rare values, that no output may carry («kiosk-a» and «kiosk-b» are not rare:
#: merged, they are one value of 5 clients, «Киоск», whose code is «kiosk-a»).
RARE = ("Tiny-village", "Khutor-Maly", "Ostrov-Dalny", "Pochta-Rare")
SETTLEMENT_LINE = "Прочие значения (3 значения, в каждом меньше 5 клиентов)"
CHANNEL_LINE = "Прочие значения (1 значение, меньше 5 клиентов)"


def rare_records(seed: int = 29) -> pa.Table:
    rng = random.Random(seed)
    region = [v for v, n in SETTLEMENTS.items() for _ in range(n)]
    channel = [v for v, n in CHANNELS.items() for _ in range(n)]
    assert len(region) == len(channel)
    rng.shuffle(region)
    rng.shuffle(channel)
    total = len(region)
    rated = [rng.random() < 0.4 for _ in range(total)]
    return pa.table(
        {
            "client_id": pa.array([f"c{i:05d}" for i in range(total)], pa.string()),
            "channel": pa.array(channel, pa.string()),
            "age": pa.array([rng.randint(18, 60) for _ in range(total)], pa.int64()),
            "single_parent": pa.array([rng.random() < 0.2 for _ in range(total)], pa.bool_()),
            "region": pa.array(region, pa.string()),
            "satisfaction": pa.array([rng.randint(1, 5) if r else None for r in rated], pa.int64()),
        }
    )


def rare_study() -> Any:
    data: dict[str, Any] = json.loads(json.dumps(SMALL_STUDY))
    data["data_sources"][0]["id_column"] = "client_id"
    data["features"][0]["value_labels"] = {
        "epgu": "ЕПГУ",
        "mfc": "МФЦ",
        "office": "Приёмная",
        "kiosk-a": "Киоск",
        "kiosk-b": "Киоск",
    }
    data["segmentation"]["clustering"] = {
        "features": ["channel", "age", "region"],
        "k_range": [2, 3],
        "n_init": 1,
    }
    return pipeline.study_from_data(data)


@pytest.fixture
def built(user: User, client_in: Client) -> Iterator[tuple[Study, ProfileRun]]:
    cache.clear()
    study = Study.create_from_document(rare_study(), owner=user, comment="тест")
    pq.write_table(rare_records(), study.data_dir() / "records.parquet")
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    yield study, run
    cache.clear()


def named(text: str) -> list[str]:
    """The rare names found in an output (case-insensitive: a name may be cased anew)."""
    low = text.casefold()
    return [name for name in RARE if name.casefold() in low]


def check_json(profile: dict[str, Any]) -> None:
    assert named(json.dumps(profile, ensure_ascii=False)) == []
    features = {fs["feature_id"]: fs["segments"] for fs in profile["by_feature"]}
    region = {s["label"]: s for s in features["region"]}
    assert region[SETTLEMENT_LINE]["capacity"] == 7  # 1 + 2 + 4: enough to be shown
    assert region[SETTLEMENT_LINE]["hidden"] is None
    assert region["Zarechye-Five"]["capacity"] == MIN_CELL
    channel = {s["label"]: s for s in features["channel"]}
    assert channel[CHANNEL_LINE]["capacity"] is None
    assert channel[CHANNEL_LINE]["hidden"] == "small"
    # The merged «Киоск» (2 + 3) is counted after merging: named, and hidden only to protect
    # the combined line beside it (the smallest shown value of the feature).
    assert channel["Киоск"]["hidden"] == "complement"
    assert channel["Приёмная"]["capacity"] == 40


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    return "\n".join(parts)


def xlsx_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        "" if c is None else str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    )


@pytest.mark.django_db
def test_rare_values_are_named_in_no_output(
    built: tuple[Study, ProfileRun], client_in: Client, user: User, tmp_path: Path
) -> None:
    study, run = built
    # The computed profile does hold the rare values by name: the scans would see them.
    computed = ProfileRun.objects.get(pk=run.pk).result_json
    assert len(named(computed)) >= 4
    check_json(json.loads(client_in.get(_run_url("run_json", study, run)).content))
    token = ApiToken.issue(user, "тест")[1]
    api = Client().get(
        f"/api/studies/{study.pk}/runs/{run.pk}/profile", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 200
    check_json(api.json()["profile"])

    pages = {
        "segments region": _run_url("run_segments", study, run) + "?feature=region",
        "segments channel": _run_url("run_segments", study, run) + "?feature=channel",
        "clusters region": _run_url("run_clusters", study, run) + "?crosstab=region",
        "clusters channel": _run_url("run_clusters", study, run) + "?crosstab=channel",
        "priorities": _run_url("run_priorities", study, run),
        "run": _run_url("run", study, run),
        "study": reverse("studies:detail", kwargs={"pk": study.pk}),
        "research": reverse("studies:research", kwargs={"pk": study.pk}),
        "hypotheses": reverse("studies:hypotheses", kwargs={"pk": study.pk}),
        "journeys": reverse("studies:journeys", kwargs={"pk": study.pk}),
    }
    texts = {}
    for name, url in pages.items():
        response = client_in.get(url)
        assert response.status_code == 200, name
        texts[name] = _text(response)
        assert named(texts[name]) == [], name
    assert 'id="suggested"' in texts["hypotheses"]  # suggestions from the data are listed
    # The combined lines are shown, with their counts: 7 is enough, the lone one is not.
    rows = html_rows(texts["segments region"])
    line = next(r for r in rows if SETTLEMENT_LINE in r)
    assert "7" in line
    assert any("Zarechye-Five" in r and "5" in r for r in rows)
    rows = html_rows(texts["segments channel"])
    line = next(r for r in rows if CHANNEL_LINE in r)
    assert f"скрыто: меньше {MIN_CELL}" in " ".join(line)
    assert "Прочие значения" in texts["clusters region"]

    reports = {
        "html": _text(client_in.get(_run_url("run_html", study, run))),
        "docx": docx_text(client_in.get(_run_url("run_report", study, run, fmt="docx")).content),
        "xlsx": xlsx_text(client_in.get(_run_url("run_report", study, run, fmt="xlsx")).content),
    }
    if shutil.which("pdftotext") is not None:
        pdf = client_in.get(_run_url("run_report", study, run, fmt="pdf")).content
        reports["pdf"] = pdf_text(pdf, tmp_path)
    for name, text in reports.items():
        assert named(text) == [], name
        flat = re.sub(r"\s+", " ", text)
        assert SETTLEMENT_LINE in flat or name == "pdf", name  # pdf: lines may wrap
        assert "Zarechye-Five" in text, name
