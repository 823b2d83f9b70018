"""The check page of an upload says what each column with personal data is, beforehand.

A body's messy export (Windows-1251, «;», decimal commas, 20,000 rows): a ФИО column is shown as
personal data «ФИО», not as «свободный текст»; phones and e-mails as «телефон» and «e-mail», never
as the table's client identifier; birth dates written two ways are read as dates, so only the
year is kept; a comment with phones and e-mails inside is listed as holding personal data, masked
on import. No raw value reaches the page.
"""

from __future__ import annotations

import random
import re

import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.web.test_data_import_web import (
    column_index,
    decisions,
    do_import,
    inspect_url,
    meta,
    page_text,
    token_of,
    upload,
    versions,
)

from messy_export import messy_export
from segprofile.data import datasets
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import create_study_from_example, study_home


def _row(page: str, column: str) -> str:
    """The text of the columns table's row of ``column`` (tags stripped)."""
    table = page.split('id="columns"', 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        if cells and re.sub(r"<[^>]+>", "", cells[0]).strip() == column:
            return " ".join(re.sub(r"<[^>]+>", " ", row).split())
    raise AssertionError(f"no row of {column}")


@pytest.fixture
def messy(client_in: Client, stored_study: Study) -> tuple[str, str, dict[str, list[str]]]:
    content, raw = messy_export()
    token = token_of(upload(client_in, stored_study, "выгрузка_клиентов.csv", content))
    return token, page_text(client_in.get(inspect_url(stored_study, token))), raw


@pytest.mark.django_db
def test_personal_data_columns_are_shown_as_what_they_are(
    stored_study: Study, messy: tuple[str, str, dict[str, list[str]]]
) -> None:
    token, page, _raw = messy
    # ФИО: personal data of its kind, dropped — no analytic type, no type or use to pick.
    fio = _row(page, "ФИО")
    assert "персональные данные ФИО" in fio
    assert "удалить столбец" in fio
    assert "свободный текст" not in fio
    assert "категориальный" not in fio
    # Phones and e-mails are what they are, pseudonymised; no client identifier anywhere.
    phone, email = _row(page, "Телефон"), _row(page, "E-mail")
    assert "персональные данные телефон" in phone
    assert "персональные данные e-mail" in email
    for row in (phone, email):
        assert "заменить псевдонимом" in row
        assert "идентификатор" not in row
    findings = {f["column"]: f for f in meta(stored_study, token)["summary"]["pii"]}
    assert findings["Телефон"]["kind"] == "phone"
    assert findings["E-mail"]["kind"] == "email"
    assert "столбец идентификатора клиента" not in page  # no finding is called the client id
    # Nor is the phone the file's identifier the quality card checks for repeats.
    assert meta(stored_study, token)["summary"]["quality"]["id_column"] not in ("Телефон", "E-mail")
    # The analytic types of other columns stay choosable.
    assert 'aria-label="Тип столбца Район"' in page


@pytest.mark.django_db
def test_birth_dates_written_two_ways_keep_the_year(
    stored_study: Study, messy: tuple[str, str, dict[str, list[str]]]
) -> None:
    token, page, _raw = messy
    summary = meta(stored_study, token)["summary"]
    born = next(c for c in summary["columns"] if c["name"] == "Дата рождения")
    assert born["type"] == "date"
    assert born["is_date"]
    finding = next(f for f in summary["pii"] if f["column"] == "Дата рождения")
    assert (finding["kind"], finding["action"]) == ("birth_date", "generalise")
    assert "персональные данные дата рождения" in _row(page, "Дата рождения")
    assert "оставить только год" in _row(page, "Дата рождения")
    i = column_index(stored_study, token, "Дата рождения")
    assert decisions(stored_study, token)[f"pii_{i}"] == "generalise"


@pytest.mark.django_db
def test_unreadable_birth_dates_say_why_the_column_is_dropped(
    client_in: Client, stored_study: Study
) -> None:
    # Two-digit years and a month written out: no date the engine reads, yet shaped like dates.
    rows = [
        f"{(i % 28) + 1:02d}.{(i % 12) + 1:02d}.{40 + i % 60};{['ЕПГУ', 'МФЦ'][i % 2]}"
        for i in range(300)
    ]
    content = ("Дата рожд.;Канал\n" + "\n".join(rows) + "\n").encode("cp1251")
    token = token_of(upload(client_in, stored_study, "даты.csv", content))
    page = page_text(client_in.get(inspect_url(stored_study, token)))
    finding = next(f for f in meta(stored_study, token)["summary"]["pii"])
    assert (finding["kind"], finding["action"]) == ("birth_date", "drop")
    assert "не прочитаны как даты" in page
    assert "столбец удаляется" in page
    assert "01.01.40" not in page


@pytest.mark.django_db
def test_a_comment_with_phones_inside_is_listed_and_never_shown(
    stored_study: Study, messy: tuple[str, str, dict[str, list[str]]]
) -> None:
    token, page, raw = messy
    assert "в тексте" in _row(page, "Комментарий")
    texts = page.split('id="pii-texts"', 1)[1].split("</table>", 1)[0]
    assert "Персональные данные внутри текстов" in texts
    assert "Комментарий" in texts
    assert re.search(r"персональные данные есть в \d+ из 1 000 проверенных значений", texts)
    assert "маскируются: заменяются метками [телефон], [e-mail]" in texts
    [text] = meta(stored_study, token)["summary"]["texts"]
    assert text["column"] == "Комментарий"
    assert text["kinds"] == ["phones", "emails"]
    # Not one raw value on the page: names, СНИЛС, phones, e-mails, comments with them inside.
    for kind in ("fio", "snils", "phone", "email", "comment"):
        assert not [v for v in set(raw[kind]) if v in page], kind
    assert "Просит перезвонить" not in page


@pytest.mark.django_db
def test_a_recheck_and_the_import_keep_the_hidden_types(
    client_in: Client, stored_study: Study, messy: tuple[str, str, dict[str, list[str]]]
) -> None:
    """The personal-data columns' type and use go back unchanged with the form."""
    token, page, _raw = messy
    i = column_index(stored_study, token, "ФИО")
    assert f'type="hidden" name="type_{i}"' in page
    data = decisions(stored_study, token, action="recheck")
    response = client_in.post(inspect_url(stored_study, token), data)
    assert response.status_code == 302, page_text(response)[:2000]
    columns = meta(stored_study, token)["summary"]["columns"]
    assert not any(c["overridden"] for c in columns)


@pytest.mark.django_db
def test_the_import_does_what_the_check_page_said(client_in: Client, stored_study: Study) -> None:
    """The defaults accepted: ФИО dropped, phones and e-mails pseudonymised, the year of birth
    kept, the comment's phones and e-mails replaced by their labels."""
    content, raw = messy_export(2_000, seed=11)
    token = token_of(upload(client_in, stored_study, "выгрузка.csv", content))
    assert do_import(client_in, stored_study, token).status_code == 302
    [version] = versions(stored_study)
    table = pq.read_table(datasets.version_path(study_home(stored_study), version)).to_pydict()
    assert "ФИО" not in table
    assert "Дата рождения" not in table
    years = [y for y in table["Дата рождения (год)"] if y is not None]
    assert len(years) > 1_700  # a tenth is empty
    assert min(years) >= 1940
    assert max(years) <= 2005
    cells = {str(v) for values in table.values() for v in values}
    for kind in ("fio", "snils", "phone", "email", "comment"):
        assert not cells & set(raw[kind]), kind
    comments = " ".join(str(v) for v in table["Комментарий"] if v)
    assert "[телефон]" in comments
    assert "[e-mail]" in comments
    assert "@" not in comments


@pytest.mark.django_db
def test_a_study_from_the_example_does_not_keep_a_real_files_client_ids_without_a_reason(
    client_in: Client, user: User
) -> None:
    """The worked example keeps its demo ids (pseudonyms already) as they are. A body's real
    records uploaded into a study made from it: the check page says the id is kept only with a
    reason, refuses the import without one (naming the column, nothing stored), and imports
    with pseudonyms once the analyst chooses them."""
    study = create_study_from_example(user, "child-benefit", rows=300, seed=3)
    demo = versions(study)
    assert [v.version for v in demo] == [1]  # the example's own demo import went through
    rng = random.Random(11)
    ids = [str(rng.randint(10**9, 10**10 - 1)) for _ in range(120)]
    lines = [
        f"{cid};{rng.choice(['ЕПГУ', 'ЕПГУ', 'МФЦ'])};{rng.choice(['1', '4', '5', '5', ''])}"
        for cid in ids
    ]
    content = ("client_id;channel;satisfaction\n" + "\n".join(lines) + "\n").encode()
    token = token_of(upload(client_in, study, "заявления_2025.csv", content))
    page = page_text(client_in.get(inspect_url(study, token)))
    # The help beside the study's client id setting follows the chosen action too.
    assert "При загрузке заменяется псевдонимом" not in page
    assert "При загрузке остаётся как есть — так решено в исследовании раньше" in page
    found = page.split("Причина оставить", 1)[1]
    assert "заменяется псевдонимом" not in found  # it is not: «оставить как есть» is chosen
    assert "только с указанной причиной" in found

    refused = do_import(client_in, study, token)
    assert refused.status_code == 400
    text = page_text(refused)
    assert "столбец «client_id» как есть, но причина указывается для каждого файла" in text
    assert [v.version for v in versions(study)] == [1]  # nothing stored

    i = column_index(study, token, "client_id")
    do_import(client_in, study, token, **{f"pii_{i}": "pseudonymise"})
    assert [v.version for v in versions(study)] == [1, 2]
    latest = versions(study)[-1]
    stored = pq.read_table(datasets.version_path(study_home(study), latest))
    assert not set(map(str, stored.column("client_id").to_pylist())) & set(ids)


@pytest.mark.django_db
def test_a_comment_of_stock_phrases_and_own_words_is_free_text(
    stored_study: Study, messy: tuple[str, str, dict[str, list[str]]]
) -> None:
    """Four stock remarks repeat across thousands of rows, the rest are each its own: free
    text (masked on import), not a category with thousands of values; districts stay one."""
    token, page, _raw = messy
    types = {
        c["name"]: (c["type"], c["use"]) for c in meta(stored_study, token)["summary"]["columns"]
    }
    assert types["Комментарий"] == ("text", "text")
    assert types["Район"] == ("categorical", "feature")
    assert "в тексте" in _row(page, "Комментарий")  # phones inside, masked on import
