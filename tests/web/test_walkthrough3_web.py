"""What a new analyst tripped over in a walk-through of an empty instance (a regional ministry's
cp1251 export with names and phones, a dominant department and tiny ones):

- the empty list of studies offered only the example and the YAML, not the start from scratch;
- the upload form's help texts (what «Идентификатор нового источника» may be) were never shown,
  though the fields pointed at them (``aria-describedby``);
- the data page's audit trail and its waiting uploads named the analyst by her user name
  («ivanova») where every other page says «Мария Иванова»;
- the study page's data table led with the source's generated id
  («obrashcheniia-za-vyplatoi-2025») above its title;
- a cluster's warning read «значение признака … есть ни у одного его клиента»;
- the research plan without a client id told a web user to set ``id_column`` in the YAML.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.analysis.clusters import _missing_warning
from segprofile.errors import InputError
from segprofile.web.studies.models import Study
from segprofile.web.studies.services import workspace_for


def _text(page: bytes) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page.decode())).split())


def _export_csv(rows: int = 300) -> bytes:
    """A ministry's export: «;», cp1251, names and phones, a dominant department, blanks."""
    departments = ["Отдел социальных выплат"] * 8 + ["Отдел опеки", "Архив"]
    lines = ["ФИО заявителя;Телефон;Дата обращения;Подразделение;Оценка (1-5)"]
    for i in range(rows):
        lines.append(
            f"Петрова Анна Сергеевна;+7 (912) 345-{i % 100:02d}-{i % 97:02d};"
            f"{1 + i % 28:02d}.03.2025;{departments[i % 10] if i % 13 else '   '};{1 + i % 5}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


@pytest.mark.django_db
def test_the_empty_list_offers_the_start_from_scratch(client_in: Client) -> None:
    text = _text(client_in.get(reverse("studies:list")).content)
    assert "Исследований пока нет" in text
    assert "ответив на четыре вопроса, и загрузите данные о клиентах" in text
    assert "Start from" not in text
    assert "Describe what" not in text


@pytest.mark.django_db
def test_the_upload_form_shows_the_help_its_fields_point_at(
    client_in: Client, stored_study: Study
) -> None:
    page = client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})).content
    source = page.decode()
    form = source[source.index('id="upload"') :]
    form = form[: form.index("</form>")]
    pointed = set(re.findall(r'aria-describedby="([^"]+)"', form))
    assert {"id_new_source_id_helptext", "id_file_helptext", "id_sheet_helptext"} <= pointed
    for helptext in pointed:  # every description a field points at is on the page
        assert f'id="{helptext}"' in form, helptext
    text = _text(form.encode())
    assert "Можно не заполнять: он будет составлен из названия (или имени файла)." in text
    assert "CSV, TSV, TXT, XLSX, XLS или Parquet." in text
    # Beside the label, not in it: a field is named by its label alone («Файл» is one field).
    labels = dict(re.findall(r'<label class="field__label" for="([^"]+)">([^<]*)</label>', form))
    assert labels["id_file"] == "Файл"
    assert labels["id_new_source_id"] == "Идентификатор нового источника"


@pytest.mark.django_db
def test_the_survey_upload_shows_each_help_text_once(
    client_in: Client, stored_study: Study
) -> None:
    text = _text(client_in.get(reverse("studies:survey", kwargs={"pk": stored_study.pk})).content)
    assert text.count("Так опрос называется в доказательствах гипотез") == 1


@pytest.mark.django_db
def test_the_data_page_names_the_uploader_by_her_full_name(
    user: User, client_in: Client, stored_study: Study
) -> None:
    user.first_name, user.last_name = "Мария", "Иванова"
    user.save()
    document = stored_study.current_revision().to_document()
    pipeline.audit_original(
        workspace_for(stored_study),
        kept=True,
        user=user.get_username(),
        study_id=document.id,
        source_id="records",
        file="records.csv",
        version=1,
    )
    # A file waiting for its review: listed with who uploaded it.
    response = client_in.post(
        reverse("studies:data_upload", kwargs={"pk": stored_study.pk}),
        {
            "source": "__new__",
            "new_source_title": "Обращения за выплатой 2025",
            "new_source_kind": "client_records",
            "file": SimpleUploadedFile("obrashcheniya_2025.csv", _export_csv()),
        },
    )
    assert response.status_code == 302
    page = client_in.get(reverse("studies:data", kwargs={"pk": stored_study.pk})).content.decode()
    audit = page[page.index('id="audit"') :]
    audit = _text(audit[: audit.index("</table>")].encode())
    assert "Мария Иванова" in audit
    assert f" {user.get_username()} " not in f" {audit} "
    waiting = _text(page[: page.index('id="upload"')].encode())
    assert "obrashcheniya_2025.csv" in waiting
    assert "Мария Иванова" in waiting
    assert f" {user.get_username()} " not in f" {waiting} "
    # No raw value of the export is on the page.
    assert "Петрова" not in page
    assert "345-" not in page


@pytest.mark.django_db
def test_the_study_page_names_a_source_by_its_title(
    user: User, client_in: Client, stored_study: Study
) -> None:
    document = pipeline.example_study("child-benefit")
    study = Study.create_from_document(document, owner=user, comment="пример")
    page = client_in.get(reverse("studies:detail", kwargs={"pk": study.pk})).content.decode()
    cells = re.findall(r'<td class="source-name">(.*?)</td>', page, re.S)
    assert len(cells) == len(document.data_sources)
    for source, cell in zip(document.data_sources, cells, strict=True):
        assert source.title
        assert f"<strong>{html_lib.escape(source.title)}</strong>" in cell
        assert f"<code>{source.id}</code>" in cell
    # A source without a title is named by its id, once.
    page = client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content
    cell = re.search(r'<td class="source-name">(.*?)</td>', page.decode(), re.S)
    assert cell is not None
    assert cell.group(1).strip() == "<strong>records</strong>"


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (1.0, "Кластер 6: значения признака «Район» нет ни у одного его клиента, так что"),
        (0.98, "Кластер 6: значения признака «Район» почти ни у кого из его клиентов нет, так"),
        (0.6, "Кластер 6: значение признака «Район» есть лишь у 40\u00a0% его клиентов, так что"),
    ],
)
def test_a_cluster_of_missing_values_is_told_in_plain_russian(share: float, expected: str) -> None:
    text = _missing_warning(6, "Район", share, 160, 5)
    assert text.startswith(expected)
    assert "есть ни у" not in text
    assert "есть почти ни у" not in text


def test_the_plan_without_a_client_id_says_where_to_choose_it(tmp_path: Path) -> None:
    study = pipeline.example_study("child-benefit")
    records = study.client_records()
    assert records is not None
    records.id_column = None
    from segprofile.pipeline import research

    with pytest.raises(InputError) as caught:
        research.research_plan(pipeline.Workspace.in_folder(tmp_path), study, profile=object())  # type: ignore[arg-type]
    assert "«Столбец идентификатора клиента» в настройках сегментации" in str(caught.value.hint)


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (1925, "Тем: 5 в 1\u00a0925 текстах («Обращения», столбец «Комментарий»)"),
        (21, "Тем: 5 в 21 тексте («Обращения», столбец «Комментарий»)"),
        (3, "Тем: 5 в 3 текстах («Обращения», столбец «Комментарий»)"),
    ],
)
def test_the_topics_heading_groups_digits_and_agrees_with_the_count(
    texts: int, expected: str
) -> None:
    """«Тем: 5 в 1925 текстах» read as a year; «в 21 текстах» disagrees with its number."""
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.utils import translation

    page = (
        Path(__file__).parents[2]
        / "src/segprofile/web/studies/templates/studies/research/topics.html"
    ).read_text(encoding="utf-8")
    heading = re.search(r'<h2 class="card__title">(\{% blocktranslate with n=.*?)</h2>', page)
    assert heading is not None
    model = SimpleNamespace(n_topics=5, n_documents=texts)
    result = SimpleNamespace(model=model, title="Обращения", text_column="Комментарий")
    with translation.override("ru"):
        shown = Template("{% load i18n studies_tags %}" + heading.group(1)).render(
            Context({"result": result})
        )
    assert html_lib.unescape(shown) == expected


def test_the_interviewers_questions_are_not_suggested_as_quotes() -> None:
    """A transcript «вопрос — ответ»: the interviewer's «— Какие документы понадобились?» shared
    the most words with the hypothesis and came first; the client's answers are suggested."""
    from segprofile.analysis.texts import note_from_text, tag_quotes
    from segprofile.model.study import Hypothesis

    hypothesis = Hypothesis.model_validate(
        {
            "id": "p1",
            "kind": "problem",
            "statement": "Не могу дозвониться в отдел опеки, чтобы узнать, какие документы нужны",
        }
    )
    note = note_from_text(
        "Интервью 12.11.2025. Респондент: Кузнецова Ольга Петровна, тел. 8-912-345-67-89.\n"
        "— Какие документы понадобились?\n"
        "— Не знала, какие документы нужны: в отдел опеки не дозвониться.\n"
        "Вопрос: Как вы узнали, куда звонить в отдел опеки?\n",
        source="interview_1.txt",
    )
    quotes = [s.quote for s in tag_quotes(note.quotes, [hypothesis])]
    assert "— Не знала, какие документы нужны: в отдел опеки не дозвониться." in quotes
    assert "— Какие документы понадобились?" not in quotes
    assert not any(q.startswith("Вопрос:") for q in quotes)
    assert all("Кузнецова" not in q for q in quotes)
    assert all("345-67" not in q for q in quotes)


@pytest.mark.django_db
def test_the_audit_log_names_every_detail_of_an_import_in_russian(
    user: User, client_in: Client, stored_study: Study
) -> None:
    """The import's line read «… версия: 1 rows: 320 файл: opros_2025.csv»."""
    from segprofile.web.studies.audit import audit
    from segprofile.web.studies.models import AuditEvent

    audit(
        None,
        AuditEvent.Action.IMPORT,
        stored_study,
        {"what": "dataset", "source": "records", "version": 1, "rows": 320, "file": "o.csv"},
        user=user,
    )
    text = _text(client_in.get(reverse("studies:audit", kwargs={"pk": stored_study.pk})).content)
    assert "версия: 1 строк: 320 файл: o.csv" in text
    assert "rows" not in text


@pytest.mark.django_db
def test_the_upload_form_offers_sources_by_their_titles(user: User, client_in: Client) -> None:
    """«obrashcheniia-za-vyplatoi-2025 — Обращения за выплатой 2025» was the choice offered."""
    document = pipeline.example_study("child-benefit")
    study = Study.create_from_document(document, owner=user, comment="пример")
    page = client_in.get(reverse("studies:data", kwargs={"pk": study.pk})).content.decode()
    select = re.search(r'<select name="source"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    offered = {
        value: html_lib.unescape(label.strip())
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select[1])
    }
    for source in document.data_sources:
        assert offered[source.id] == source.title
    assert offered["__new__"] == "новый источник…"


def test_the_contacts_form_offers_the_client_records_by_their_title() -> None:
    """The owner's «Контакты респондентов» offered «records — Заявления…» too."""
    from segprofile.web.studies.forms.keys import ReidentifyForm

    document = pipeline.example_study("child-benefit")
    records = document.client_records()
    assert records is not None
    assert records.id_column
    assert records.title
    form = ReidentifyForm(document=document)
    assert dict(form.fields["source"].choices) == {records.id: records.title}
