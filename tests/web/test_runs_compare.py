"""Two built profiles compared: never a profile with itself, and a segment hidden by disclosure
control says so rather than reading as clients who vanished."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.web.studies import runs, services
from segprofile.web.studies.models import Membership, ProfileRun, Study


def _page(client: Client, study: Study, a: int, b: int) -> tuple[int, str]:
    response = client.get(
        reverse("studies:runs_compare", kwargs={"pk": study.pk}) + f"?a={a}&b={b}"
    )
    return response.status_code, html.unescape(response.content.decode())


@pytest.fixture
def two_runs(
    client_in: Client, stored_study: Study, rewrite_records: Any
) -> tuple[ProfileRun, ProfileRun]:
    """The second profile has only three clients who came to the office (fewer than 5)."""
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))

    def three_at_the_office(table: pa.Table) -> pa.Table:
        office = pc.fill_null(pc.equal(table["channel"], "office"), False)
        seen = 0
        keep = []
        for is_office in office.to_pylist():
            seen += is_office
            keep.append(not is_office or seen <= 3)
        return table.filter(pa.array(keep))

    rewrite_records(stored_study, three_at_the_office)
    client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    old, new = ProfileRun.objects.filter(study=stored_study).order_by("pk")
    assert old.status == new.status == "done"
    return old, new


@pytest.mark.django_db
def test_a_profile_is_not_compared_with_itself(
    client_in: Client, stored_study: Study, two_runs: tuple[ProfileRun, ProfileRun]
) -> None:
    old, new = two_runs
    status, text = _page(client_in, stored_study, new.pk, new.pk)
    assert status == 400
    assert "Выберите два разных профиля" in text
    assert "Ни один сегмент не изменился" not in text
    assert "Сегменты, которые изменились" not in text
    assert _page(client_in, stored_study, old.pk, new.pk)[0] == 200


@pytest.mark.django_db
def test_a_value_too_rare_to_be_named_says_why(
    client_in: Client, stored_study: Study, two_runs: tuple[ProfileRun, ProfileRun]
) -> None:
    """Three clients at the office: the value joins «Прочие значения» — not «gone»."""
    old, new = two_runs
    status, text = _page(client_in, stored_study, old.pk, new.pk)
    assert status == 200
    row = next(r for r in re.findall(r"<tr>.*?</tr>", text, re.S) if "Приёмная" in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td.*?</td>", row, re.S)]
    assert cells[0] == "Приёмная скрыт"
    assert re.fullmatch(
        r"\d[\d\u00a0 ]* → меньше 5 клиентов: не называется отдельно \(см\. «Прочие значения»\)",
        cells[2],
    ), cells[2]
    assert "Клиенты из него не исчезли" in text


@pytest.mark.django_db
def test_a_segment_hidden_as_a_neighbour_of_a_small_one_says_why(
    two_runs: tuple[ProfileRun, ProfileRun],
) -> None:
    """«438 → —» reads as clients who vanished: a hidden side says why it is empty."""
    old, new = two_runs
    before, after = runs.published(old), runs.published(new)
    fs = after.by_feature[0]
    seg = fs.segments[0]
    hidden = seg.model_copy(update={"capacity": None, "share": None, "hidden": "complement"})
    after.by_feature[0] = fs.model_copy(update={"segments": [hidden, *fs.segments[1:]]})
    comparison = pipeline.compare_profiles(before, after)
    move = next(m for m in comparison.moves if m.key == seg.key)
    assert (move.status, move.capacity_new) == ("moved", None)
    assert move.hidden_new == "скрыто, чтобы нельзя было вычислить соседние"
    assert move.hidden_old == ""
    assert comparison.hidden


# --- data version 2 lost one client (152-ФЗ) --------------------------------------------------

_RARE = ["Зеленоград"] * 4 + ["Троицк"] * 3 + ["Щербинка"] * 2 + ["Коммунарка"]


@pytest.fixture
def two_versions(
    client_in: Client, stored_study: Study, other_user: Any, tmp_path: Path
) -> tuple[ProfileRun, ProfileRun, Client]:
    """Version 1: a dominant district, one of 12 and four rare ones (4, 3, 2, 1 clients);
    version 2: the single client of Коммунарка and one of the 12 removed. A run on each,
    and a reader's client."""
    table = pq.read_table(stored_study.data_dir() / "records.parquet")
    rest = ["Москва" if i % 5 else "Зеленоградский округ" for i in range(table.num_rows - 22)]
    districts = pa.array(_RARE + ["Мосрентген"] * 12 + rest)
    v1 = table.set_column(table.schema.get_field_index("region"), "region", districts)
    v2 = v1.filter(pa.array([i not in (9, 10) for i in range(v1.num_rows)]))
    document = stored_study.current_revision().to_document()
    for version, data in ((1, v1), (2, v2)):
        path = tmp_path / f"v{version}.parquet"
        pq.write_table(data, path)
        pipeline.import_dataset(
            services.workspace_for(stored_study), path, document, "records", author="anna"
        )
        client_in.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    old, new = ProfileRun.objects.filter(study=stored_study).order_by("pk")
    assert old.status == new.status == "done"
    Membership.objects.create(study=stored_study, user=other_user, role="viewer")
    reader = Client()
    reader.force_login(other_user)
    return old, new, reader


def _small_differences(text: str) -> list[str]:
    """Every «a → b» of client counts on the page whose difference is 1 to 4, and every
    change «+n»/«-n» of 1 to 4."""
    found = []
    arrows = r"(\d[\d\u00a0 ]*?)[ \u00a0]→[ \u00a0](\d[\d\u00a0 ]*)(?![\d\u00a0 ]*%)"
    for a, b in re.findall(arrows, text):
        difference = abs(int(re.sub(r"\D", "", a)) - int(re.sub(r"\D", "", b)))
        if 0 < difference < 5:
            found.append(f"{a} → {b}")
    found += re.findall(r'<td class="num">[+-]?[1-4]</td>', text)
    return found


@pytest.mark.django_db
def test_one_client_removed_between_versions_is_not_told(
    stored_study: Study, two_versions: tuple[ProfileRun, ProfileRun, Client]
) -> None:
    old, new, reader = two_versions
    status, text = _page(reader, stored_study, old.pk, new.pk)
    assert status == 200
    assert _small_differences(text) == []
    clients = re.search(r"<dt>Клиенты</dt><dd>(.*?)</dd>", text, re.S)
    assert clients is not None
    assert "→" not in clients.group(1)
    assert "2 998" in clients.group(1).replace("\u00a0", " ")
    assert "изменение меньше 5 клиентов" in clients.group(1)
    rows = re.findall(r"<tr>.*?</tr>", text, re.S)
    other = next(r for r in rows if "Прочие значения" in r)
    assert "состав строки «Прочие значения» изменился: не сравнивается" in other
    assert "значения," not in other  # neither «4 значения» nor «3 значения»
    twelve = next(r for r in rows if "Мосрентген" in r)
    assert "11" in twelve
    assert "12" not in twelve
    assert "изменение меньше 5 клиентов" in twelve
    # CSAT as a percentage, like the rest of the pages; never a fraction «0,651».
    csat = re.search(r"<dt>CSAT в целом</dt><dd>(.*?)</dd>", text, re.S)
    assert csat is not None
    assert re.search(r"\d+\u00a0%", csat.group(1)), csat.group(1)
    assert not re.search(r"0,\d{3}", text)


@pytest.mark.django_db
def test_runs_are_named_with_their_data_versions(
    stored_study: Study, two_versions: tuple[ProfileRun, ProfileRun, Client]
) -> None:
    """Both runs are of the same study revision: they are told apart by their number and
    date and by the data version each read, and the change of data is said."""
    old, new, reader = two_versions
    _, text = _page(reader, stored_study, old.pk, new.pk)
    text = text.replace("\u00a0", " ")
    revision = old.revision.number
    for run, version in ((old, 1), (new, 2)):
        assert f"профиль № {run.pk} от " in text
        assert f"{run.pk} от " in text
        assert f"редакция {revision}" in text
        assert f"данные «records.parquet», версия {version}, загружена " in text
    assert "Что изменилось между ними" in text
    assert re.search(
        r"Данные «records\.parquet»: версия 1 → версия 2, загружена \d\d\.\d\d\.\d{4}", text
    )
