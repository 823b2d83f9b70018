"""Issue 19, point 4: the choices of a data file's check page become study settings.

Which column is the satisfaction rating, which the client id, which the date and which
columns become features: written into the study with the import as ONE revision (over the
revision the page showed, merged with edits saved meanwhile) and used by the next profile.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from segprofile.pipeline import staging
from segprofile.web.studies.models import DataImport, Membership, ProfileRun, Study
from segprofile.web.studies.services import staging_area, staging_root
from sp_factories import SMALL_STUDY
from upload_decisions_data import client_export
from upload_gate import follow_import, token_of


def text_of(response: Any) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ")


@pytest.fixture
def bare_study(user: User) -> Study:
    """A study set up in the browser so far: no rating column, one feature («Канал подачи»)."""
    data = {
        **SMALL_STUDY,
        "features": [
            {"id": "kanal", "column": "Канал подачи", "label": "Канал", "value_labels": {}}
        ],
        "segmentation": {},
    }
    document = StudyDocument.model_validate(data)
    return Study.create_from_document(document, owner=user, comment="тест")


def staged(client: Client, study: Study) -> str:
    content, _raw = client_export(400)
    url = reverse("studies:data_upload", kwargs={"pk": study.pk})
    response = client.post(
        url, {"source": "records", "file": SimpleUploadedFile("выгрузка.csv", content)}
    )
    return token_of(response)


def summary(study: Study, token: str) -> dict[str, Any]:
    meta: dict[str, Any] = staging.get(staging_root(), staging_area(study), token).meta
    return meta


def index(study: Study, token: str, name: str) -> str:
    names = [c["name"] for c in summary(study, token)["summary"]["columns"]]
    return str(names.index(name))


def form_data(study: Study, token: str, **changes: Any) -> dict[str, Any]:
    """The check page's form as a person fills it: defaults, the personal data confirmed,
    rating «Оценка», id «Номер заявления», date «Дата обращения», features «Категория» and
    «Возраст» (and «Канал подачи», already a feature)."""
    meta = summary(study, token)
    pii = {f["column"]: f for f in meta["summary"]["pii"]}
    data: dict[str, Any] = {"confirm_pii": "on", "action": "import"}
    for i, col in enumerate(meta["summary"]["columns"]):
        data[f"type_{i}"] = col["type"]
        data[f"use_{i}"] = col["use"]
        if col["name"] in pii:
            data[f"pii_{i}"] = pii[col["name"]]["action"]
            data[f"reason_{i}"] = ""
    data |= {
        "rating_column": index(study, token, "Оценка"),
        "id_column": index(study, token, "Номер заявления"),
        "date_column": index(study, token, "Дата обращения"),
        "feature_columns": [index(study, token, "Категория"), index(study, token, "Возраст")],
        "base_revision": study.current_revision().number,
    }
    data.update(changes)
    return data


def inspect_url(study: Study, token: str) -> str:
    return reverse("studies:data_inspect", kwargs={"pk": study.pk, "token": token})


@pytest.mark.django_db
def test_the_check_page_offers_the_settings_with_sensible_defaults(
    client_in: Client, bare_study: Study
) -> None:
    token = staged(client_in, bare_study)
    page = text_of(client_in.get(inspect_url(bare_study, token)))
    assert "Что исследование возьмёт из этого файла" in page
    section = page[page.index('id="study-settings"') : page.index('id="pii"')]
    # The rating is found by its values, the date by its type; the features offered are the
    # categorical and numeric columns that are no feature yet: no personal data, no id.
    selected = r'.*?<option value="\d+" selected>'
    assert re.search(rf'name="rating_column"{selected}Оценка<', section, re.S)
    assert re.search(rf'name="date_column"{selected}Дата обращения<', section, re.S)
    boxes = re.findall(r'name="feature_columns" value="\d+"[^>]*>\s*([^<]+)<', section)
    assert [b.strip() for b in boxes] == ["Категория", "Возраст"]
    assert "Уже признаки исследования: «Канал подачи»" in page
    for personal in ("ФИО", "СНИЛС", "Телефон"):
        assert f"> {personal}</label>" not in section


@pytest.mark.django_db
def test_a_good_import_writes_the_choices_as_one_revision_used_by_the_profile(
    client_in: Client, bare_study: Study
) -> None:
    token = staged(client_in, bare_study)
    before = bare_study.current_revision().number
    response = follow_import(
        client_in, client_in.post(inspect_url(bare_study, token), form_data(bare_study, token))
    )
    assert response.status_code == 302, text_of(response)[:2000]
    assert DataImport.objects.get(study=bare_study).status == DataImport.Status.DONE
    revision = bare_study.current_revision()
    assert revision.number == before + 1  # ONE revision: decisions and settings together
    document = revision.to_document()
    assert document.segmentation.satisfaction.column == "Оценка"
    source = document.data_source("records")
    assert source.id_column == "Номер заявления"
    assert source.date_column == "Дата обращения"
    features = {f.column: f for f in document.features}
    assert sorted(features) == sorted(["Возраст", "Категория", "Канал подачи"])  # no duplicate
    assert features["Категория"].label == "Категория"
    assert features["Категория"].type.value == "categorical"
    assert features["Возраст"].type.value == "numeric"
    assert features["Канал подачи"].id == "kanal"  # the existing feature is untouched
    assert features["Категория"].id == "kategoriia"

    # The next profile reads the rating: satisfaction numbers, not «0 оценок».
    run = client_in.post(reverse("studies:run_start", kwargs={"pk": bare_study.pk}))
    assert run.status_code == 302
    built = ProfileRun.objects.get(study=bare_study)
    assert built.status == ProfileRun.Status.DONE, built.error
    profile = pipeline.profile_from_json(built.result_json)
    assert profile.satisfaction is not None
    assert 150 < profile.satisfaction.n < 300  # 400 rows, ~40 % unrated, ~6 % «н/д»

    # Point 8: the study page's data card reads the import, and every time names its zone.
    detail = text_of(client_in.get(reverse("studies:detail", kwargs={"pk": bare_study.pk})))
    card = detail[detail.index('id="data"') :]
    assert "версия 1" in card
    assert "нет файла" not in detail
    assert "данных ещё нет" not in card
    assert re.search(r"\d\d:\d\d \(МСК\)", card)
    page = text_of(
        client_in.get(reverse("studies:run", kwargs={"pk": bare_study.pk, "run_pk": built.pk}))
    )
    # The page's header and the profile built in the worker: one zone, named.
    assert len(re.findall(r"\d\d:\d\d \(МСК\)", page)) >= 2
    assert "UTC" not in page


@pytest.mark.django_db
def test_browser_edits_saved_meanwhile_are_merged_not_lost(
    client_in: Client, bare_study: Study, user: User
) -> None:
    token = staged(client_in, bare_study)
    data = form_data(bare_study, token)  # the page shows revision N
    edited = bare_study.current_revision().to_document().model_copy(deep=True)
    edited.scope.title = "Пособие на ребёнка (уточнено)"
    bare_study.add_revision(edited, author=user, comment="правка в браузере")
    follow_import(client_in, client_in.post(inspect_url(bare_study, token), data))
    document = bare_study.current_revision().to_document()
    assert document.scope.title == "Пособие на ребёнка (уточнено)"
    assert document.segmentation.satisfaction.column == "Оценка"


@pytest.mark.django_db
def test_the_same_setting_changed_meanwhile_is_not_overwritten(
    client_in: Client, bare_study: Study, user: User
) -> None:
    token = staged(client_in, bare_study)
    data = form_data(bare_study, token)
    edited = bare_study.current_revision().to_document().model_copy(deep=True)
    edited.segmentation.satisfaction.column = "Оценка"
    edited.segmentation.satisfaction.csat_threshold = 5
    bare_study.add_revision(edited, author=user, comment="настройки в браузере")
    number = bare_study.current_revision().number
    response = follow_import(client_in, client_in.post(inspect_url(bare_study, token), data))
    assert response.status_code == 302
    job = DataImport.objects.get(study=bare_study)
    assert job.status == DataImport.Status.DONE  # the data is imported all the same
    assert "не сохранены" in job.warning
    document = bare_study.current_revision().to_document()
    assert bare_study.current_revision().number == number
    assert document.segmentation.satisfaction.csat_threshold == 5


BAD = [
    ("rating_column", {"type_RATING": "categorical"}, "Оценка должна быть числом"),
    ("rating_column", {"id_column": "RATING"}, "уже выбран"),
    ("id_column", {"id_column": "FIO"}, "удаляется при загрузке"),
    ("date_column", {"date_column": "AGE"}, "тип «дата»"),
    ("feature_columns", {"type_AGE": "text"}, "не могут быть признаками"),
    ("feature_columns", {"feature_columns": ["FIO"]}, "Выберите корректный вариант"),
    ("rating_column", {"rating_column": "99"}, "Выберите корректный вариант"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "changes", "message"), BAD)
def test_a_bad_choice_is_refused_beside_its_field_and_nothing_is_stored(
    client_in: Client, bare_study: Study, field: str, changes: dict[str, Any], message: str
) -> None:
    token = staged(client_in, bare_study)
    names = {"RATING": "Оценка", "FIO": "ФИО", "AGE": "Возраст"}

    def real(value: Any) -> Any:
        if isinstance(value, list):
            return [real(v) for v in value]
        return index(bare_study, token, names[value]) if value in names else value

    data = form_data(bare_study, token)
    for key, value in changes.items():
        for short, name in names.items():
            key = key.replace(short, index(bare_study, token, name))
        data[key] = real(value)
    before = bare_study.current_revision().number
    response = client_in.post(inspect_url(bare_study, token), data)
    assert response.status_code == 400
    page = text_of(response)
    section = page[page.index('id="study-settings"') : page.index('id="pii"')]
    name = re.escape(field)
    # The message sits beside its field (inside the same label / fieldset).
    assert re.search(rf'name="{name}".*?upload-settings__error[^>]*>[^<]*{message}', section, re.S)
    assert bare_study.current_revision().number == before
    assert not DataImport.objects.filter(study=bare_study).exists()


@pytest.mark.django_db
def test_a_viewer_cannot_import(
    client_in: Client, other_client: Client, other_user: User, bare_study: Study
) -> None:
    token = staged(client_in, bare_study)
    Membership.objects.create(study=bare_study, user=other_user, role=Membership.Role.VIEWER)
    response = other_client.post(inspect_url(bare_study, token), form_data(bare_study, token))
    assert response.status_code == 403
    assert not DataImport.objects.filter(study=bare_study).exists()


@pytest.mark.django_db
def test_a_survey_file_sets_no_study_settings(client_in: Client, bare_study: Study) -> None:
    content, _raw = client_export(50)
    url = reverse("studies:data_upload", kwargs={"pk": bare_study.pk})
    token = token_of(
        client_in.post(
            url,
            {
                "source": "__new__",
                "new_source_id": "survey",
                "new_source_kind": "survey",
                "new_source_title": "Опрос",
                "file": SimpleUploadedFile("опрос.csv", content),
            },
        )
    )
    page = text_of(client_in.get(inspect_url(bare_study, token)))
    assert "Что исследование возьмёт из этого файла" not in page


@pytest.mark.django_db
def test_a_recheck_keeps_the_choices_and_is_not_refused_for_them(
    client_in: Client, bare_study: Study
) -> None:
    token = staged(client_in, bare_study)
    rating = index(bare_study, token, "Оценка")
    data = form_data(bare_study, token, action="recheck", **{f"type_{rating}": "categorical"})
    data["id_column"] = index(bare_study, token, "Номер заявления")
    response = client_in.post(inspect_url(bare_study, token), data)
    assert response.status_code == 302  # re-checked with the new type
    page = text_of(client_in.get(inspect_url(bare_study, token)))
    section = page[page.index('id="study-settings"') : page.index('id="pii"')]
    assert re.search(
        r'name="id_column".*?<option value="\d+" selected>Номер заявления<', section, re.S
    )
    assert not DataImport.objects.filter(study=bare_study).exists()


@pytest.mark.django_db
def test_the_application_number_is_pseudonymised_by_default_and_the_page_says_why(
    client_in: Client, bare_study: Study
) -> None:
    """Issues 15 and 19: the client id column gets «заменить псевдонимом» by default on the
    check page, with the reason in plain Russian; imported with the defaults, no application
    number is stored raw."""
    import pyarrow.parquet as pq

    from segprofile.web.studies.services import workspace_for

    token = staged(client_in, bare_study)
    page = text_of(client_in.get(inspect_url(bare_study, token)))
    section = page[page.index('id="pii"') : page.index('id="quality"')]
    row = section[section.index("Номер заявления") :]
    row = row[: row.index("</tr>")]
    assert "идентификатор клиента" in row
    assert "номер заявления или клиента связывает запись с одним человеком" in row
    assert re.search(r'<option value="pseudonymise" selected>заменить псевдонимом<', row)
    settings_part = page[page.index('id="study-settings"') : page.index('id="pii"')]
    assert "При загрузке заменяется псевдонимом, как СНИЛС" in settings_part
    assert "З-100007" not in page

    response = follow_import(
        client_in, client_in.post(inspect_url(bare_study, token), form_data(bare_study, token))
    )
    assert response.status_code == 302
    document = bare_study.current_revision().to_document()
    assert document.data_source("records").columns["Номер заявления"].pii == "pseudonymise"
    ws = workspace_for(bare_study)
    manifest = pipeline.list_dataset_versions(ws, document.id, "records")[-1]
    stored = pq.read_table(ws.home / "datasets" / document.id / "records" / manifest.parquet)
    numbers = stored.column("Номер заявления").to_pylist()
    assert len(set(numbers)) == 400
    assert not [n for n in numbers if str(n).startswith("З-")]
