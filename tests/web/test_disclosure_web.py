"""Disclosure suite, web side: every output of a profile with planted tiny groups is scanned.

The records plant segments of 1, 2 and 4 people (channels «Приёмная», «Почта», «Телефон»:
never named, combined into one line of 7), a 1-person settlement type («Остров»: combined
alone, that line hidden) whose 12-person neighbour («Село») must be hidden with it, and a
300-person segment («МФЦ») with only 3 ratings. The profile is built by the worker as a
user would start it; then profile.json (web and API), the pages (segments, clusters,
priorities, research plan), the profile HTML, the DOCX, XLSX and PDF reports and the
respondents CSV are read back, and no figure about fewer than ``min_cell`` people may appear.
Only an owner may ask for one unsuppressed output, which says so and is audited.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import random
import re
import shutil
import subprocess
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
from tests.analysis.test_suppression import check_table
from tests.sp_factories import SMALL_STUDY

from segprofile import pipeline
from segprofile.analysis.suppression import combine_rare
from segprofile.model.results import Profile
from segprofile.web.api.models import ApiToken
from segprofile.web.studies.models import AuditEvent, Membership, ProfileRun, Study
from upload_gate import confirm_import

MIN_CELL = 5
CHANNELS = {"epgu": 680, "mfc": 300, "office": 1, "post": 2, "phone": 4}
REGIONS = {"rural": 12, "island": 1}  # the rest: city and town
MFC_RATINGS = [5, 2, 4]  # 3 ratings in a 300-person segment
#: Rare values (fewer than min_cell clients): never named, never shown one by one; each
#: feature's are combined into one line («Прочие значения …», ``analysis.suppression``).
RARE = {
    "channel=office": "Приёмная",
    "channel=post": "Почта",
    "channel=phone": "Телефон",
    "region=island": "Остров",
}
#: 1 + 2 + 4 = 7 clients: the combined line of the channels is shown with its count.
CHANNEL_OTHER = ("channel=__other__", "Прочие значения (3 значения, в каждом меньше 5 клиентов)")
HIDDEN = {
    "region=__other__": "Прочие значения (1 значение, меньше 5 клиентов)",  # «Остров» alone
    "region=rural": "Село",  # 12 people: hidden only so that «Остров» cannot be worked out
}


def planted_records(seed: int = 15) -> pa.Table:
    rng = random.Random(seed)
    channel = [c for c, n in CHANNELS.items() for _ in range(n)]
    rng.shuffle(channel)
    total = len(channel)
    region = ["rural"] * REGIONS["rural"] + ["island"] * REGIONS["island"]
    region += [rng.choices(["city", "town"], [70, 30])[0] for _ in range(total - len(region))]
    rng.shuffle(region)
    mfc = iter(MFC_RATINGS)
    satisfaction: list[int | None] = []
    for ch in channel:
        if ch == "mfc":
            satisfaction.append(next(mfc, None))
        elif ch == "epgu" and rng.random() < 0.4:
            satisfaction.append(max(1, min(5, round(rng.gauss(4.2, 0.9)))))
        elif ch in ("office", "post", "phone"):
            satisfaction.append(rng.randint(1, 5))  # their own ratings: never shown
        else:
            satisfaction.append(None)
    return pa.table(
        {
            "client_id": pa.array([f"c{i:05d}" for i in range(total)], pa.string()),
            "channel": pa.array(channel, pa.string()),
            "age": pa.array([rng.randint(18, 60) for _ in range(total)], pa.int64()),
            "single_parent": pa.array([rng.random() < 0.2 for _ in range(total)], pa.bool_()),
            "region": pa.array(region, pa.string()),
            "satisfaction": pa.array(satisfaction, pa.int64()),
        }
    )


def planted_study() -> Any:
    data: dict[str, Any] = json.loads(json.dumps(SMALL_STUDY))
    data["data_sources"][0]["id_column"] = "client_id"
    labels = {"epgu": "ЕПГУ", "mfc": "МФЦ", "office": "Приёмная", "post": "Почта"}
    data["features"][0]["value_labels"] = labels | {"phone": "Телефон"}
    data["features"][3]["value_labels"] = {
        "city": "Город",
        "town": "Посёлок",
        "rural": "Село",
        "island": "Остров",
    }
    data["data_sources"].append(
        {"id": "complaints", "kind": "complaints", "path": "complaints.parquet"}
    )
    data["data_sources"].append({"id": "survey", "kind": "survey", "path": "survey.csv"})
    data["hypotheses"] = [
        {
            "id": "h_mfc_docs",
            "kind": "problem",
            "statement": "В МФЦ трудно собрать документы.",
            "segments": ["channel=mfc"],
        },
        {
            "id": "h_office_docs",
            "kind": "problem",
            "statement": "В приёмной трудно собрать документы.",
            "segments": ["channel=office"],
        },
    ]
    data["segmentation"]["clustering"] = {
        "features": ["channel", "age", "region"],
        "k_range": [2, 3],
        "n_init": 1,
    }
    return pipeline.study_from_data(data)


TOPICS = [
    "долго ждали в очереди, очередь большая, ожидание больше часа",
    "сайт госуслуг не работает, ошибка при загрузке документов на портале",
    "требуют лишние справки, справка о доходах, не хватает документов",
]


def planted_complaints(records: pa.Table, seed: int = 16) -> pa.Table:
    """Texts by client: many from the large channels, 2 from the one «Приёмная» client and
    1 from each «Почта» client."""
    rng = random.Random(seed)
    ids, texts = [], []
    for client, channel in zip(
        records["client_id"].to_pylist(), records["channel"].to_pylist(), strict=True
    ):
        count = {"office": 2, "post": 1}.get(channel, 1 if rng.random() < 0.3 else 0)
        for _ in range(count):
            ids.append(client)
            texts.append(f"{rng.choice(TOPICS)}, {rng.choice(['снова', 'опять', 'очень'])}")
    return pa.table({"client_id": pa.array(ids, pa.string()), "text": pa.array(texts)})


@pytest.fixture
def built(user: User, client_in: Client, tmp_path: Path) -> Iterator[tuple[Study, ProfileRun]]:
    cache.clear()
    study = Study.create_from_document(planted_study(), owner=user, comment="тест")
    records = planted_records()
    pq.write_table(records, study.data_dir() / "records.parquet")
    pq.write_table(planted_complaints(records), study.data_dir() / "complaints.parquet")
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    run = ProfileRun.objects.latest("pk")
    assert run.status == ProfileRun.Status.DONE, run.error
    yield study, run
    cache.clear()


def _computed(run: ProfileRun) -> Profile:
    return pipeline.profile_from_json(ProfileRun.objects.get(pk=run.pk).result_json)


def _run_url(name: str, study: Study, run: ProfileRun, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, "run_pk": run.pk, **kwargs})


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.content.decode())


# --- what may not appear -------------------------------------------------------------------------

COUNT_KEYS = {
    "capacity",
    "n",
    "count",
    "total",
    "clients",
    "sample_rows",
    "applicants",
    "blind",
    "documents",
    "yes",
    "rest_yes",
    "have",
}


def small_counts(node: Any, path: str = "") -> list[str]:
    """Every count in a JSON document that concerns 1 … min_cell − 1 people."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key in COUNT_KEYS and isinstance(value, int) and 0 < value < MIN_CELL:
                found.append(f"{where}={value}")
            found += small_counts(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += small_counts(value, f"{path}[{i}]")
    return found


def check_published_json(profile: dict[str, Any], computed: Profile) -> None:
    """The planted groups are hidden in a published profile.json, and nothing is recoverable."""
    assert small_counts(profile) == []
    assert profile["disclosure"]["suppressed"] is True
    text = json.dumps(profile, ensure_ascii=False)
    for key, label in RARE.items():
        assert key not in text, key
        assert label not in text, key
    segments = {s["key"]: s for fs in profile["by_feature"] for s in fs["segments"]}
    assert segments[CHANNEL_OTHER[0]]["label"] == CHANNEL_OTHER[1]
    assert segments[CHANNEL_OTHER[0]]["capacity"] == 7
    assert segments["region=__other__"]["hidden"] == "small"
    for key in HIDDEN:
        seg = segments[key]
        assert seg["capacity"] is None, key
        assert seg["share"] is None, key
        assert seg["satisfaction"]["n"] is None, key
        assert seg["satisfaction"]["mean"] is None, key
        assert seg["distinctive"] == [], key
    assert segments["region=rural"]["hidden"] == "complement"
    mfc = segments["channel=mfc"]
    assert mfc["capacity"] == 300
    assert mfc["satisfaction"]["hidden"] == "few_ratings"
    assert mfc["satisfaction"]["mean"] is None
    assert mfc["satisfaction"]["csat"] is None
    assert mfc["priority"] is None
    # No hidden cell of a cluster × channel table can be narrowed by its margins.
    clusters = profile["clusters"]
    assert clusters is not None
    crosstab = next(ct for ct in clusters["crosstabs"] if ct["feature_id"] == "channel")
    # The table is checked as published: the rare channels combined into one column.
    combined = combine_rare(computed, MIN_CELL)[0]
    assert combined.clusters is not None
    computed_ct = next(ct for ct in combined.clusters.crosstabs if ct.feature_id == "channel")
    truth = {(cl.key, seg): 0 for cl in combined.clusters.clusters for seg in computed_ct.segments}
    truth |= {(c.cluster, c.segment): c.count or 0 for c in computed_ct.cells}
    assert any(0 < v < MIN_CELL for v in truth.values())  # a tiny group inside a cell
    listed = {(c["cluster"], c["segment"]): c["count"] for c in crosstab["cells"]}
    shown = {cell: listed.get(cell, 0) for cell in truth}  # a cell not listed is an empty one
    rows = {c["key"]: c["capacity"] for c in clusters["clusters"]}
    cols = {key: segments[key]["capacity"] for key in computed_ct.segments}
    assert check_table(truth, shown, rows, cols, sum(truth.values())) == []
    # Ranks of the shown segments have no gaps.
    ranks = sorted(
        s["priority"]["rank"]
        for s in segments.values()
        if s.get("priority") and s["priority"]["rank"] is not None
    )
    assert ranks == list(range(1, len(ranks) + 1))


def no_digits(text: str) -> bool:
    return re.search(r"\d", text) is None


def check_rows(rows: list[list[str]], where: str) -> int:
    """Table rows (cell texts) naming a hidden segment carry no number; the 3-rating segment
    shows its size only. Returns how many rows were checked."""
    checked = 0
    for row in rows:
        cells = [c.strip() for c in row if c and c.strip()]
        if not cells:
            continue
        for label in RARE.values():
            assert not any(label in c for c in cells), (where, row)
        for label in HIDDEN.values():
            if label in cells[:3]:
                rest = [
                    c.replace(label, "")
                    for c in cells
                    if c != label and not c.startswith(("channel=", "region="))
                ]
                assert all(no_digits(c.replace(f"меньше {MIN_CELL}", "")) for c in rest), (
                    where,
                    row,
                )
                checked += 1
        if "МФЦ" in cells[:3] and "300" in cells:
            # (the PDF hyphenates a narrow cell's Russian words: «мало оце-/нок»)
            assert re.search(r"мало\s+оце(нок|\u2010)", " ".join(cells)), (where, row)
            assert not any(c in ("3,67", "67 %", "67\u00a0%") for c in cells), (where, row)
            checked += 1
    return checked


def html_rows(text: str) -> list[list[str]]:
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


def docx_rows(content: bytes) -> list[list[str]]:
    """Cell texts as a person reads them: a printed number keeps its unit with a no-break space
    («1\u00a0значение», report.build.print_text), read as a space."""
    doc = Document(io.BytesIO(content))
    return [[" ".join(c.text.split()) for c in row.cells] for t in doc.tables for row in t.rows]


def xlsx_rows(content: bytes) -> list[list[str]]:
    book = load_workbook(io.BytesIO(content))
    return [
        ["" if c is None else str(c) for c in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return done.stdout


def pdf_rows(text: str) -> list[list[str]]:
    """A layout line is a row; its cells are split by runs of two spaces or more."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()]


# --- the scans -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_profile_json_from_the_web_and_the_api_hides_every_small_group(
    built: tuple[Study, ProfileRun], client_in: Client, user: User
) -> None:
    study, run = built
    computed = _computed(run)
    # The computed profile does hold the planted groups: the scan would see them.
    raw = json.loads(computed.model_dump_json())
    assert small_counts(raw)
    web = json.loads(client_in.get(_run_url("run_json", study, run)).content)
    check_published_json(web, computed)
    token = ApiToken.issue(user, "тест")[1]
    api = Client().get(
        f"/api/studies/{study.pk}/runs/{run.pk}/profile", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 200
    check_published_json(api.json()["profile"], computed)


@pytest.mark.django_db
def test_pages_show_no_figure_of_a_small_group(
    built: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, run = built
    checked = 0
    for feature in ("channel", "region"):
        text = _text(client_in.get(_run_url("run_segments", study, run) + f"?feature={feature}"))
        for key in HIDDEN:
            if key.startswith(feature):
                row = re.search(rf'data-segment="{re.escape(key)}"[^>]*>(.*?)</tr>', text, re.S)
                assert row is not None, key
                cells = re.sub(r"<[^>]+>", " ", row.group(1)).replace(HIDDEN[key], "")
                assert no_digits(cells.replace(f"меньше {MIN_CELL}", "")), (key, cells)
                checked += 1
        checked += check_rows(html_rows(text), f"segments {feature}")
        for key, label in RARE.items():
            assert key not in text, key
            assert label not in text, key
    assert checked >= len(HIDDEN) + 1
    # Clusters: the cluster × channel table and the vulnerable groups × clusters table.
    for crosstab in ("channel", "region"):
        text = _text(client_in.get(_run_url("run_clusters", study, run) + f"?crosstab={crosstab}"))
        tables = re.findall(r'<table class="[^"]*sg-(?:crosstab|vulnerable).*?</table>', text, re.S)
        assert len(tables) == 2, crosstab  # the cross table and the vulnerable groups
        for table in tables:
            for row in html_rows(table)[1:]:
                for cell in row[1:]:
                    figure = re.match(r"(\d[\d\u00a0 ]*)", cell)
                    if figure:
                        value = int(re.sub(r"\D", "", figure.group(1)))
                        assert value == 0 or value >= MIN_CELL, (crosstab, row)
    # Priorities: no hidden segment, ranks without gaps.
    text = _text(client_in.get(_run_url("run_priorities", study, run)))
    for label in [*HIDDEN.values(), "МФЦ"]:
        assert f"<strong>{label}</strong>" not in text, label
        assert f">{label}<" not in text, label
    # The research plan: no quota and no respondent of a hidden segment.
    text = _text(client_in.get(reverse("studies:research", kwargs={"pk": study.pk})))
    # (An interview guide may be named after a hidden segment that has a hypothesis: it
    # carries no figure.) No table row — sample sizes, quotas, respondents — names one.
    for row in html_rows(text):
        for label in HIDDEN.values():
            assert not any(label in cell for cell in row), (label, row)
    csv = client_in.get(reverse("studies:research_respondents", kwargs={"pk": study.pk}))
    assert csv.status_code == 200
    body = csv.content.decode("utf-8-sig")
    assert body.count("\n") > 1  # respondents are listed
    for key, label in HIDDEN.items():
        assert key not in body, key
        assert label not in body, key


@pytest.mark.django_db
def test_reports_in_every_format_hide_every_small_group(
    built: tuple[Study, ProfileRun], client_in: Client, tmp_path: Path
) -> None:
    study, run = built
    html = _text(client_in.get(_run_url("run_html", study, run)))
    assert check_rows(html_rows(html), "html") >= len(HIDDEN) + 1
    docx = client_in.get(_run_url("run_report", study, run, fmt="docx")).content
    assert check_rows(docx_rows(docx), "docx") >= len(HIDDEN) + 1
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        body = archive.read("word/document.xml").decode()
    assert "&lt;\u00a05" not in body  # no «< 5» on any segment
    assert "‹" not in body
    xlsx = client_in.get(_run_url("run_report", study, run, fmt="xlsx")).content
    assert check_rows(xlsx_rows(xlsx), "xlsx") >= len(HIDDEN) + 1
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = client_in.get(_run_url("run_report", study, run, fmt="pdf")).content
    assert check_rows(pdf_rows(pdf_text(pdf, tmp_path)), "pdf") >= len(HIDDEN)


@pytest.mark.django_db
def test_runs_comparison_shows_no_figure_of_a_small_group(
    built: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, _ = built
    # A second profile on changed data: two more «Приёмная» clients (1 → 3), one «Почта» fewer.
    path = study.data_dir() / "records.parquet"
    table = pq.read_table(path)
    channel = table["channel"].to_pylist()
    epgu = [i for i, c in enumerate(channel) if c == "epgu"][:2]
    for i in epgu:
        channel[i] = "office"
    channel[channel.index("post")] = "epgu"
    table = table.set_column(table.schema.get_field_index("channel"), "channel", [channel])
    pq.write_table(table, path)
    client_in.post(reverse("studies:run_start", kwargs={"pk": study.pk}))
    assert ProfileRun.objects.filter(study=study, status=ProfileRun.Status.DONE).count() == 2
    text = _text(client_in.get(reverse("studies:runs_compare", kwargs={"pk": study.pk})))
    assert "→" in text  # the two runs are compared
    rows = [row for row in html_rows(text) if any(c in HIDDEN.values() for c in row)]
    for row in rows:
        figures = [c for c in row if c not in HIDDEN.values()]
        assert all(no_digits(c) for c in figures), row


def planted_survey(seed: int = 17) -> bytes:
    """Answers joined by the segment features: 38 of 40 МФЦ answers say «да» (the 2 «нет» are
    a small count), the one «Приёмная» client answers too."""
    rng = random.Random(seed)
    rows = ["channel;region;q_docs"]
    rows += [f"mfc;city;{'да' if i < 38 else 'нет'}" for i in range(40)]
    rows += [f"epgu;{rng.choice(['city', 'town'])};{rng.choice(['да', 'нет', 'нет'])}"]
    rows += [
        f"epgu;{rng.choice(['city', 'town'])};{rng.choice(['да', 'нет', 'нет'])}"
        for _ in range(199)
    ]
    rows.append("office;city;да")
    return ("\n".join(rows) + "\n").encode("utf-8")


@pytest.mark.django_db
def test_survey_results_and_verdicts_show_no_small_count(
    built: tuple[Study, ProfileRun], client_in: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    study, _ = built
    upload = SimpleUploadedFile("answers.csv", planted_survey())
    response = client_in.post(
        reverse("studies:survey", kwargs={"pk": study.pk}), {"source": "survey", "file": upload}
    )
    imported = confirm_import(client_in, study, response)  # through the gate, as every file
    assert imported.status_code == 302, _text(imported)
    url = str(imported["Location"])
    mapping = {
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "0",
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "60",
        "q-0-question": "q_docs",
        "q-0-hypothesis": "h_mfc_docs",
        "q-0-support": "yes",
        "q-1-question": "q_docs",
        "q-1-hypothesis": "h_office_docs",
        "q-1-support": "yes",
        "id_column": "__features__",
        "min_answers": "1",
    }
    analysed = client_in.post(url, {**mapping, "action": "analyse"})
    text = html_lib.unescape(analysed.content.decode())
    assert analysed.status_code == 200, re.sub(r"<[^>]+>", " ", text[text.find("error") :])[:1500]
    rows = {
        row[2].rsplit(": ", 1)[-1]: row
        for row in html_rows(text)
        if len(row) > 5 and row[0].startswith("№ ")  # a hypothesis by its number
    }
    assert set(rows) == {"МФЦ", "Приёмная"}, rows
    mfc = " ".join(rows["МФЦ"][4:])
    assert "95" not in mfc  # 38 of 40: the 2 «нет» would be told
    assert "38" not in " ".join(rows["МФЦ"])
    assert "40" in rows["МФЦ"][3]  # the answers themselves are enough
    assert no_digits(" ".join(rows["Приёмная"][3:]).replace(f"меньше {MIN_CELL}", ""))
    # Applied, the verdicts and evidence written into the study carry no such figure.
    assert client_in.post(url, {**mapping, "action": "apply"}).status_code == 302
    document = study.current_revision().to_document()
    for hyp in document.hypotheses:
        words = " ".join([hyp.verdict_reason, *(e.summary for e in hyp.evidence)])
        assert "95" not in words, hyp.id
        assert "38 из" not in words, hyp.id
        assert not hyp.evidence, hyp.id  # no share may be shown, so no evidence from it
    page = _text(client_in.get(reverse("studies:hypotheses", kwargs={"pk": study.pk})))
    assert "38 из 40" not in page
    mfc_card = page[page.index("h_mfc_docs") :][:3000]
    assert "95\u00a0% (" not in mfc_card


@pytest.mark.django_db
def test_topic_shares_show_no_small_count(
    built: tuple[Study, ProfileRun], client_in: Client
) -> None:
    study, _ = built
    url = reverse("studies:topics", kwargs={"pk": study.pk})
    response = client_in.get(url, {"source": "complaints", "feature": "channel", "n_topics": "3"})
    text = _text(response)
    section = text[text.index('id="topic-shares"') :]
    rows = html_rows(section.split("</table>", 1)[0])
    assert any("ЕПГУ" in row[0] for row in rows), rows  # the shares of the large segment
    for row in rows[1:]:
        assert row[0] not in HIDDEN.values(), row
        assert row[0] not in RARE.values(), row
        for cell in row[1:]:
            count = re.search(r"\((\d+)\)", cell)
            if count:
                assert int(count.group(1)) >= MIN_CELL, row


# --- the owner's unsuppressed output -------------------------------------------------------------


@pytest.mark.django_db
def test_only_an_owner_gets_an_unsuppressed_output_marked_and_audited(
    built: tuple[Study, ProfileRun], client_in: Client, tmp_path: Path
) -> None:
    study, run = built
    for role in ("viewer", "editor"):
        member = User.objects.create_user(f"u-{role}")
        Membership.objects.create(study=study, user=member, role=role)
        client = Client()
        client.force_login(member)
        assert client.get(_run_url("run_json", study, run)).status_code == 200
        for url in (
            _run_url("run_json", study, run),
            _run_url("run_report", study, run, fmt="docx"),
            _run_url("run_report", study, run, fmt="pdf"),
        ):
            assert client.get(url + "?unsuppressed=1").status_code == 403, (role, url)
        token = ApiToken.issue(member, "тест")[1]
        api = Client().get(
            f"/api/studies/{study.pk}/runs/{run.pk}/profile?unsuppressed=true",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert api.status_code == 403, role
    assert not AuditEvent.objects.filter(details__unsuppressed=True).exists()

    banner = "Без защиты малых групп — только для служебного пользования"
    raw = json.loads(client_in.get(_run_url("run_json", study, run) + "?unsuppressed=1").content)
    assert raw["disclosure"]["suppressed"] is False
    office = next(s for s in raw["by_feature"][0]["segments"] if s["key"] == "channel=office")
    assert office["capacity"] == 1
    docx = client_in.get(_run_url("run_report", study, run, fmt="docx") + "?unsuppressed=1")
    document = Document(io.BytesIO(docx.content))
    for section in document.sections:
        assert banner in " ".join(p.text for p in section.header.paragraphs)
        assert banner in " ".join(p.text for p in section.footer.paragraphs)
    xlsx = client_in.get(_run_url("run_report", study, run, fmt="xlsx") + "?unsuppressed=1")
    book = load_workbook(io.BytesIO(xlsx.content))
    for sheet in book.worksheets:
        assert banner in (sheet.oddHeader.center.text or ""), sheet.title
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, details__unsuppressed=True)
    assert {e.details["format"] for e in exports} == {"json", "docx", "xlsx"}
    if shutil.which("pdftotext") is None:
        return
    pdf = client_in.get(_run_url("run_report", study, run, fmt="pdf") + "?unsuppressed=1")
    pages = pdf_text(pdf.content, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert pages
    assert all(banner in re.sub(r"\s+", " ", p) for p in pages)
