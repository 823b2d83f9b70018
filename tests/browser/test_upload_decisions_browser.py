"""Issue 19 in a real browser: the choices of the upload check page become study settings, and
a YAML revision replaces only the sections the person chooses.

A study with no rating column and no features (a browser-only set-up so far) gets a body's
cp1251 «;» export with ФИО, СНИЛС and phone; the analyst confirms the rating, picks the
application number as the client id and the features, imports, builds the profile and sees
satisfaction figures. Then a YAML file written elsewhere is uploaded as a revision: the page
shows what it would change per section, the analyst takes the scope and keeps the rest.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.steps import export_choices, shot, sign_in, upload_for_check

from segprofile import pipeline
from segprofile.model.study import Study as StudyDocument
from sp_factories import SMALL_STUDY
from upload_decisions_data import client_export

pytestmark = pytest.mark.browser


def bare_study_yaml() -> bytes:
    """The study as it stands before its data: scope, a role, one client-records source."""
    data = {
        **SMALL_STUDY,
        "id": "posobie",
        "title": "Пособие многодетным семьям",
        "features": [],
        "segmentation": {},
        "data_sources": [
            {"id": "records", "kind": "client_records", "title": "Заявления", "path": "r.csv"}
        ],
    }
    return pipeline.dump_study(StudyDocument.model_validate(data)).encode()


def test_upload_choices_reach_the_profile_and_a_yaml_revision_asks_first(
    page: Any, live_app: Any, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    export = tmp_path / "заявления-2026.csv"
    content, raw = client_export(800)
    export.write_bytes(content)

    sign_in(page, live_app)
    page.goto("/studies/new/")
    page.locator("input[name=document]").set_input_files(
        {"name": "posobie.yaml", "mimeType": "application/yaml", "buffer": bare_study_yaml()}
    )
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Пособие многодетным семьям")
    study_url = page.url

    page.locator("#data-import-link").click()
    upload_for_check(page, export)

    settings = page.locator("#study-settings")
    expect(settings).to_contain_text("Что исследование возьмёт из этого файла")
    expect(settings.locator("select[name=rating_column]")).to_have_value(re.compile(r"\d+"))
    expect(settings.locator("select[name=rating_column]").locator("option:checked")).to_have_text(
        "Оценка"
    )
    expect(settings.locator("select[name=date_column]").locator("option:checked")).to_have_text(
        "Дата обращения"
    )
    expect(settings.get_by_label("Категория", exact=True)).to_be_checked()
    expect(settings.get_by_label("Канал подачи", exact=True)).to_be_checked()
    export_choices(page)
    for personal in ("ФИО", "СНИЛС", "Телефон"):  # never offered as a feature
        expect(settings.get_by_label(personal, exact=True)).to_have_count(0)
    content_now = page.content()
    assert not any(v in content_now for v in raw["snils"] + raw["phone"] + raw["fio"])
    settings.scroll_into_view_if_needed()
    shot(page, "upload-decisions-01-settings", settings)
    # The application number is personal data: a pseudonym by default, and the page says why.
    pii = page.locator("#pii")
    number = pii.locator("tr", has_text="Номер заявления")
    expect(number).to_contain_text("идентификатор клиента")
    expect(number).to_contain_text("связывает запись с одним человеком")
    expect(number.get_by_label("Действие со столбцом Номер заявления")).to_have_value(
        "pseudonymise"
    )
    pii.scroll_into_view_if_needed()
    shot(page, "upload-decisions-01b-pii", pii)

    # A wrong choice first: the rating as text is refused beside its field, nothing imported.
    page.get_by_label("Тип столбца Оценка").select_option("categorical")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    settings = page.locator("#study-settings")
    expect(settings.locator(".upload-settings__error")).to_contain_text("Оценка должна быть числом")
    settings.scroll_into_view_if_needed()
    shot(page, "upload-decisions-02-refused", settings)

    page.get_by_label("Тип столбца Оценка").select_option("numeric")
    settings.locator("select[name=id_column]").select_option(label="Номер заявления")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator(".message--success")).to_contain_text(
        "Версия 1 источника «Заявления» загружена, строк: 800", timeout=120_000
    )

    page.goto(study_url)
    data_card = page.locator("#data")
    expect(data_card).to_contain_text("версия 1")
    expect(data_card).to_contain_text("(МСК)")
    expect(data_card).not_to_contain_text("нет файла")
    expect(page.locator("#features")).to_contain_text("Категория")
    expect(page.locator("#revisions")).to_contain_text("Загрузка данных: источник «")
    expect(page.locator("#revisions")).not_to_contain_text("«records»")  # by title, not id
    shot(page, "upload-decisions-03-study")

    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.locator("table[data-table^='segments_']").first).to_be_visible(timeout=120_000)
    ratings = page.locator("#sp-summary tr", has_text="Оценок удовлетворённости").locator("td")
    expect(ratings.nth(1)).to_be_visible()
    count = int(re.sub(r"\D", "", ratings.nth(1).inner_text()))
    assert 300 < count < 600, count  # 800 rows, ~40 % unrated, ~6 % «н/д»
    expect(page.locator("body")).not_to_contain_text("UTC")
    shot(page, "upload-decisions-04-profile")

    # A YAML written elsewhere: an older scope title wins only if chosen; features are kept.
    page.goto(study_url)
    current = page.request.get(study_url + "study.yaml").text()
    document = pipeline.parse_study(current)
    changed = document.model_copy(deep=True)
    changed.scope.title = "Ежемесячное пособие многодетным семьям"
    changed.features = []
    changed.segmentation.satisfaction.column = None
    page.locator("#revisions input[name=document]").set_input_files(
        {
            "name": "из-почты.yaml",
            "mimeType": "application/yaml",
            "buffer": pipeline.dump_study(changed).encode(),
        }
    )
    page.get_by_role("button", name="Сохранить как новую редакцию").click()
    expect(page.get_by_role("heading", name="Что изменит файл из-почты.yaml")).to_be_visible()
    scope = page.locator("#section-scope")
    expect(scope).to_contain_text("Изменено название")
    expect(page.locator("#section-features")).to_contain_text("Удалён признак «Категория»")
    expect(page.locator("#section-roles")).to_have_count(0)  # unchanged: not asked
    shot(page, "upload-decisions-05-choice")

    scope = page.locator("#section-scope")
    scope.get_by_label("взять версию из файла").check()
    page.locator("#section-features").get_by_label("оставить текущую версию").check()
    page.locator("#section-segmentation").get_by_label("оставить текущую версию").check()
    shot(page, "upload-decisions-06-chosen")
    page.get_by_role("button", name="Сохранить выбранное как новую редакцию").click()

    expect(page.locator(".message--success")).to_contain_text("сохранена")
    expect(page.locator("#scope")).to_contain_text("Ежемесячное пособие многодетным семьям")
    expect(page.locator("#features")).to_contain_text("Категория")
    expect(page.locator("#revisions")).to_contain_text(
        "Из файла «из-почты.yaml» взяты разделы: Объект профилирования"
    )
    shot(page, "upload-decisions-07-saved")
