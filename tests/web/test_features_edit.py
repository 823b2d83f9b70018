"""The features section (M-3) edited in place: add from a column of the imported data, edit,
preview, names of values and their merging, pairs, delete; every bad input refused beside its
field with nothing stored; viewers refused; concurrent edits merged or a conflict."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from segprofile import pipeline
from segprofile.pipeline.features import PreviewSegment
from segprofile.web.studies import services
from segprofile.web.studies.models import Membership, Study

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def study(
    stored_study: Study, rewrite_records: Callable[[Study, Callable[[pa.Table], pa.Table]], None]
) -> Study:
    """The small study with its records imported as version 1, an e-mail column among them and
    a channel only one client used («dept-mail»)."""
    rng = random.Random(5)

    def add_email(table: pa.Table) -> pa.Table:
        emails = [f"client{rng.randint(0, 10**6)}@mail.ru" for _ in range(table.num_rows)]
        channel = table.column("channel").to_pylist()
        channel[0] = "dept-mail"
        table = table.set_column(
            table.schema.get_field_index("channel"), "channel", pa.array(channel, pa.string())
        )
        return table.append_column("email", pa.array(emails))

    rewrite_records(stored_study, add_email)
    document = stored_study.current_revision().to_document()
    pipeline.import_dataset(
        services.workspace_for(stored_study),
        stored_study.data_dir() / "records.parquet",
        document,
        "records",
        author="anna",
    )
    return stored_study


def _url(name: str, study: Study, **kwargs: Any) -> str:
    return reverse(f"studies:{name}", kwargs={"pk": study.pk, **kwargs})


def _on_page(study: Study, name: str = "detail", **kwargs: Any) -> dict[str, str]:
    """HTMX's headers of a request from the page ``name`` (the study page: in place)."""
    return {**HX, "HTTP_HX_CURRENT_URL": "http://testserver" + _url(name, study, **kwargs)}


def _document(study: Study) -> Any:
    return study.current_revision().to_document()


def _form(study: Study, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "base_revision": study.current_revision().number,
        "column": "region",
        "label": "Тип поселения (новый)",
        "type": "categorical",
        "source_kind": "other",
        "source_reference": "интервью",
        "binning_method": "",
        "thresholds": "",
        "n_bins": "",
        "unit": "",
        "value_code": ["city", "town", "rural", ""],
        "value_label": ["Город", "Посёлок", "Село", ""],
    }
    data.update(fields)
    return data


def _age(study: Study, **fields: Any) -> dict[str, Any]:
    age = {
        "column": "age",
        "label": "Возраст",
        "type": "numeric",
        "source_kind": "legal_act",
        "binning_method": "thresholds",
        "thresholds": "25; 35; 45",
        "value_code": [],
        "value_label": [],
    }
    return _form(study, **(age | fields))


def _errors_beside(html: str, text: str) -> bool:
    return 'class="errorlist' in html and text in html


# --- adding and editing ------------------------------------------------------------------------


def test_the_add_form_lists_columns_with_kinds_and_safe_examples(
    client_in: Client, study: Study
) -> None:
    html = client_in.get(_url("feature_add", study), **HX).content.decode()
    assert 'id="feature-columns"' in html
    assert "epgu, mfc, office" in html  # the most frequent values first
    assert "категориальный" in html
    assert "числовой" in html
    assert "заменён псевдонимом при импорте" in html  # the e-mail column: no values
    assert "@mail.ru" not in html


def test_choosing_a_column_opens_the_form_with_its_values(client_in: Client, study: Study) -> None:
    response = client_in.get(_url("feature_add", study) + "?column=region", **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="value_label"' in html
    for value in ("city", "town", "rural"):
        assert f'value="{value}"' in html
    assert 'value="region" selected' in html


def test_a_new_feature_is_saved_as_a_revision_with_its_names(
    client_in: Client, study: Study
) -> None:
    before = study.current_revision().number
    response = client_in.post(_url("feature_add", study), _form(study), **_on_page(study))
    assert response.status_code == 200
    assert 'id="features"' in response.content.decode()
    assert study.current_revision().number == before + 1
    feature = _document(study).feature("region-2")
    assert feature.label == "Тип поселения (новый)"
    assert feature.value_labels == {"city": "Город", "town": "Посёлок", "rural": "Село"}
    assert feature.source is not None
    assert feature.source.reference == "интервью"


def test_a_plain_post_is_redirected_to_the_section(client_in: Client, study: Study) -> None:
    response = client_in.post(_url("feature_add", study), _form(study))
    assert response.status_code == 302
    assert response["Location"].endswith("#features")


def test_round_bins_are_saved_and_previewed_with_live_sizes(
    client_in: Client, study: Study
) -> None:
    data = _age(study, binning_method="round", n_bins="3", thresholds="")
    preview = client_in.post(_url("feature_preview_edit", study, feature_id="age"), data, **HX)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "около" in html
    assert "округлённые квантили" in html
    saved = client_in.post(_url("feature_edit", study, feature_id="age"), data, **HX)
    assert saved.status_code == 200
    binning = _document(study).feature("age").binning
    assert binning is not None
    assert binning.method.value == "round"
    assert binning.n_bins == 3


def test_names_given_to_two_values_and_a_merge_reach_the_preview(
    client_in: Client, study: Study
) -> None:
    data = _form(
        study,
        value_code=["epgu", "mfc", "office"],
        value_label=["Портал госуслуг", "Лично", "Лично"],
        column="channel",
        label="Канал",
    )
    html = client_in.post(_url("feature_preview_edit", study, feature_id="channel"), data).content
    text = html.decode()
    assert "Портал госуслуг" in text
    assert text.count("Лично") == 1
    response = client_in.post(_url("feature_edit", study, feature_id="channel"), data, **HX)
    assert response.status_code == 200
    assert _document(study).feature("channel").value_labels["office"] == "Лично"


def test_a_typed_value_gets_one_answer_whether_the_data_have_it_or_not(
    client_in: Client, study: Study
) -> None:
    """«dept-mail» is one client's channel, «Курьер» nobody's: the preview of the names table
    must not tell them apart (the tester's «менее 10» against no row at all)."""

    def preview(value: str) -> str:
        data = _form(
            study,
            column="channel",
            label="Канал",
            value_code=["epgu", "mfc", "office", value, ""],
            value_label=["ЕПГУ", "МФЦ", "Приёмная", "Электронная почта", ""],
        )
        url = _url("feature_preview_edit", study, feature_id="channel")
        return client_in.post(url, data, **HX).content.decode()

    present, absent = preview("dept-mail"), preview("Курьер")
    assert present == absent
    assert "<td>Электронная почта</td><td>менее 5 из" in present
    assert "dept-mail" not in present
    assert "Редких значений в столбце (у каждого меньше 5 клиентов): 1." in present


@pytest.mark.parametrize(
    "typed",
    [
        "15 000; 30 000; 60 000",
        "15\u00a0000; 30\u00a0000; 60\u00a0000",  # as Excel copies them
        "15\u202f000; 30\u202f000; 60\u202f000",
        "15000, 30000, 60000",
    ],
)
def test_thresholds_with_thousands_spaced_are_read_as_numbers(
    client_in: Client, study: Study, typed: str
) -> None:
    data = _age(study, column="age", thresholds=typed)
    preview = client_in.post(_url("feature_preview_edit", study, feature_id="age"), data, **HX)
    assert "пороги: 15\u00a0000; 30\u00a0000; 60\u00a0000" in preview.content.decode()
    saved = client_in.post(_url("feature_edit", study, feature_id="age"), data, **HX)
    assert saved.status_code == 200
    binning = _document(study).feature("age").binning
    assert binning.thresholds == [15000.0, 30000.0, 60000.0]
    # The form shows them again as typed, and they are read again alike.
    form = client_in.get(_url("feature_edit", study, feature_id="age"), **HX).content.decode()
    assert 'value="15\u00a0000; 30\u00a0000; 60\u00a0000"' in form


def test_decimal_commas_in_thresholds(client_in: Client, study: Study) -> None:
    data = _age(study, thresholds="0,5; 1,5; 2,25")
    saved = client_in.post(_url("feature_edit", study, feature_id="age"), data, **HX)
    assert saved.status_code == 200
    assert _document(study).feature("age").binning.thresholds == [0.5, 1.5, 2.25]


# --- bad input: a Russian message beside the field, nothing stored ----------------------------


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"thresholds": "35; 25; 45"}, "thresholds", "Пороги должны возрастать"),
        ({"thresholds": "25; 25"}, "thresholds", "Пороги должны возрастать"),
        ({"thresholds": "двадцать"}, "thresholds", "не число"),
        ({"thresholds": "15 000; abc"}, "thresholds", "Порог №\u00a02 («abc») — не число"),
        ({"thresholds": "15 000 30 000"}, "thresholds", "Если пробел отделяет тысячи"),
        ({"thresholds": ""}, "thresholds", "хотя бы один порог"),
        ({"label": ""}, "label", "Обязательное поле"),
        ({"n_bins": "40", "binning_method": "quantiles"}, "n_bins", "меньше либо равно 20"),
        ({"column": "settlement"}, "column", "Выберите корректный вариант"),
        ({"type": "date"}, "type", "Выберите корректный вариант"),
        ({"source_kind": "rumour"}, "source_kind", "Выберите корректный вариант"),
    ],
)
def test_bad_values_are_refused_beside_their_field(
    client_in: Client, study: Study, fields: dict[str, Any], field: str, text: str
) -> None:
    before = study.current_revision().number
    response = client_in.post(
        _url("feature_edit", study, feature_id="age"), _age(study, **fields), **HX
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert text in html, html[:3000]
    assert response["HX-Retarget"] == "#features"
    assert study.current_revision().number == before


def test_a_name_that_merges_every_value_is_refused(client_in: Client, study: Study) -> None:
    before = study.current_revision().number
    data = _form(
        study,
        column="single_parent",
        label="Одинокий родитель",
        type="boolean",
        value_code=["true", "false"],
        value_label=["Все родители", "Все родители"],
    )
    response = client_in.post(_url("feature_edit", study, feature_id="single_parent"), data, **HX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "«Все родители» дано всем значениям" in html
    assert study.current_revision().number == before
    preview = client_in.post(_url("feature_preview_edit", study, feature_id="single_parent"), data)
    assert "один сегмент" in preview.content.decode()


def test_an_old_document_naming_a_missing_column_is_marked_and_the_form_offers_real_ones(
    client_in: Client, study: Study, user: Any
) -> None:
    data = _document(study).model_dump(mode="json")
    data["features"][3]["column"] = "settlement"
    study.add_revision(pipeline.study_from_data(data, source="тест"), author=user)
    page = client_in.get(_url("detail", study)).content.decode()
    assert "Столбца «settlement» нет в загруженных данных" in page
    form = client_in.get(_url("feature_edit", study, feature_id="region"), **HX).content.decode()
    assert "«settlement», который называет признак, нет в загруженных данных" in form
    assert 'value="settlement"' not in form  # only the data's columns are offered
    assert 'value="region"' in form


# --- delete and pairs ------------------------------------------------------------------------


def test_deleting_a_feature_removes_what_names_it_and_says_so(
    client_in: Client, study: Study, user: Any
) -> None:
    data = _document(study).model_dump(mode="json")
    data["segmentation"]["clustering"]["features"] = ["channel", "age"]
    data["segmentation"]["by_feature"]["pairs"] = [["channel", "age"]]
    study.add_revision(pipeline.study_from_data(data, source="тест"), author=user)
    form = client_in.get(_url("feature_edit", study, feature_id="age"), **HX).content.decode()
    assert "признаки кластеризации; пара «Канал подачи × Возраст»" in form
    response = client_in.post(
        _url("feature_delete", study, feature_id="age"),
        {"base_revision": study.current_revision().number},
        **_on_page(study),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Признак «Возраст» удалён вместе с" in html
    assert "пара «Канал подачи × Возраст»" in html
    after = _document(study)
    assert [f.id for f in after.features] == ["channel", "single_parent", "region"]
    assert after.segmentation.clustering.features == ["channel"]
    assert after.segmentation.by_feature.pairs == []


@pytest.mark.parametrize("action", ["feature_delete", "feature_edit"])
def test_from_the_feature_s_own_page_the_browser_goes_to_the_features_list(
    client_in: Client, study: Study, action: str
) -> None:
    """The feature's own page (opened in a new tab, say) shows the section in place of the
    form: its address would stay — «not found» on reload after a deletion. The browser goes to
    the study page at its features instead, where the message is shown."""
    own = _url("feature_edit", study, feature_id="age")
    assert client_in.get(own).status_code == 200
    data = {"base_revision": study.current_revision().number}
    if action == "feature_edit":
        data = _age(study, thresholds="18; 30")
    response = client_in.post(
        _url(action, study, feature_id="age"),
        data,
        **_on_page(study, "feature_edit", feature_id="age"),
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("detail", study) + "#features"
    assert "HX-Refresh" not in response
    assert response.content == b""
    listed = client_in.get(_url("detail", study)).content.decode()
    assert 'id="features"' in listed
    if action == "feature_delete":
        assert "age" not in [f.id for f in _document(study).features]
        assert "Признак «Возраст» удалён." in listed
        assert client_in.get(own).status_code == 404
    else:
        assert _document(study).feature("age").binning.thresholds == [18.0, 30.0]  # type: ignore[union-attr]


def test_without_htmx_a_deletion_is_redirected_to_the_features_list(
    client_in: Client, study: Study
) -> None:
    response = client_in.post(
        _url("feature_delete", study, feature_id="age"),
        {"base_revision": study.current_revision().number},
    )
    assert response.status_code == 302
    assert response["Location"] == _url("detail", study) + "#features"
    assert "age" not in [f.id for f in _document(study).features]


def test_pairs_are_added_refused_when_repeated_and_removed(client_in: Client, study: Study) -> None:
    def post(name: str, data: dict[str, Any], **kwargs: Any) -> Any:
        data = {"base_revision": study.current_revision().number, **data}
        return client_in.post(_url(name, study, **kwargs), data, **HX)

    assert post("feature_pair_add", {"first": "channel", "second": "region"}).status_code == 200
    assert _document(study).segmentation.by_feature.pairs == [("channel", "region")]
    before = study.current_revision().number
    again = post("feature_pair_add", {"first": "region", "second": "channel"})
    assert again.status_code == 400
    assert "Эта пара уже есть" in again.content.decode()
    same = post("feature_pair_add", {"first": "age", "second": "age"})
    assert same.status_code == 400
    assert "два разных признака" in same.content.decode()
    assert study.current_revision().number == before
    assert post("feature_pair_delete", {}, first="channel", second="region").status_code == 200
    assert _document(study).segmentation.by_feature.pairs == []


# --- who may, and two people at once ----------------------------------------------------------


def test_a_viewer_is_refused(study: Study, other_client: Client, other_user: Any) -> None:
    Membership.objects.create(study=study, user=other_user, role="viewer")
    before = study.current_revision().number
    assert other_client.get(_url("feature_add", study), **HX).status_code == 403
    assert other_client.post(_url("feature_add", study), _form(study), **HX).status_code == 403
    assert other_client.post(_url("feature_delete", study, feature_id="age")).status_code == 403
    assert study.current_revision().number == before
    page = other_client.get(_url("detail", study)).content.decode()
    assert 'id="feature-add"' not in page
    assert "feature-edit" not in page


def test_two_people_editing_different_features_both_succeed(
    client_in: Client, other_client: Client, other_user: Any, study: Study
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    first = _age(study, thresholds="18; 30")
    second = _form(study, column="region", label="Поселение")
    assert (
        client_in.post(_url("feature_edit", study, feature_id="age"), first, **HX).status_code
        == 200
    )
    response = other_client.post(_url("feature_edit", study, feature_id="region"), second, **HX)
    assert response.status_code == 200
    after = _document(study)
    assert after.feature("age").binning.thresholds == [18.0, 30.0]  # type: ignore[union-attr]
    assert after.feature("region").label == "Поселение"


def test_the_same_feature_edited_twice_is_a_conflict_with_both_versions(
    client_in: Client, other_client: Client, other_user: Any, study: Study
) -> None:
    Membership.objects.create(study=study, user=other_user, role="editor")
    mine = _age(study, thresholds="18; 30")
    theirs = _age(study, thresholds="20; 40")
    assert (
        client_in.post(_url("feature_edit", study, feature_id="age"), mine, **HX).status_code == 200
    )
    before = study.current_revision().number
    response = other_client.post(_url("feature_edit", study, feature_id="age"), theirs, **HX)
    html = response.content.decode()
    assert response.status_code == 409
    assert "18" in html
    assert "40" in html
    assert study.current_revision().number == before


def test_a_form_drawn_again_keeps_the_revision_it_began_from(
    client_in: Client, study: Study
) -> None:
    base = study.current_revision().number
    client_in.post(_url("feature_pair_add", study), {"first": "channel", "second": "age"}, **HX)
    assert study.current_revision().number == base + 1
    query = f"?column=age&type=numeric&base_revision={base}"
    again = client_in.get(_url("feature_edit", study, feature_id="age") + query, **HX)
    assert f'name="base_revision" value="{base}"' in again.content.decode()
    refused = client_in.post(
        _url("feature_edit", study, feature_id="age"),
        _age(study, thresholds="45; 25", base_revision=base),
        **HX,
    )
    assert f'name="base_revision" value="{base}"' in refused.content.decode()


def test_the_preview_of_an_identifier_names_no_value(client_in: Client, study: Study) -> None:
    data = _form(study, column="email", label="Почта", value_code=[], value_label=[])
    html = client_in.post(_url("feature_preview", study), data, **HX).content.decode()
    assert "Редких значений в столбце (у каждого меньше 5 клиентов):" in html
    assert "@mail.ru" not in html


@pytest.mark.parametrize(
    ("more", "text"),
    [
        (18363, "Ещё 18\u00a0363 сегмента не показаны"),
        (1, "Ещё 1 сегмент не показан"),
        (21, "Ещё 21 сегмент не показан"),
        (11, "Ещё 11 сегментов не показано"),
        (1005, "Ещё 1\u00a0005 сегментов не показано"),
    ],
)
def test_segments_past_the_list_are_counted_with_spaced_thousands_and_agreed(
    more: int, text: str
) -> None:
    """«Ещё 18 363 сегмента», not «Ещё 18363 сегмента»: figures as every page writes them."""
    preview = pipeline.FeaturePreview(
        segments=[PreviewSegment(label="Город", size="около 1\u00a0230 из 3\u00a0000")],
        binning="",
        total=3000,
        more=more,
    )
    with translation.override("ru"):
        html = render_to_string(
            "studies/study/sections/_feature_preview.html", {"preview": preview, "min_cell": 5}
        )
    assert text in html
