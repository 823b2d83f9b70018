"""Issue 19 end to end in real Chromium at 1366×768: a new analyst builds a whole profile in the
browser, from nothing, never touching YAML.

On an instance with no demo study the analyst starts a study of a service from nothing (the
guided start), uploads a body's cp1251 «;» export with ФИО, СНИЛС and phones (skewed: a dominant
channel, a tiny category; a rating with «н/д» and blanks) and a population table for the blind
zone, confirms the rating, id and date columns and the candidate features on the check page (and
marks the application number as personal data to pseudonymise: the import does not find it),
fills every section in place — scope and legal acts, a role with its audience, legal basis,
eligibility rule and population table, features with round bins for the age and Russian names
that merge two small categories, segmentation settings —, builds the profile, sets the priority
threshold and weights, writes a need and a problem and accepts one suggested hypothesis, plans
interviews and invites a respondent of the computed plan, imports a survey and applies its
verdicts, makes a current and a target journey, writes a recommendation for the confirmed
problem that changes the target journey, and downloads the DOCX report. At the end the study
page says all three stages are passed, and the study's YAML (downloaded as a file) passes
``segprofile check`` with nothing missing.

Every step leaves a screenshot ``tests/browser/artifacts/whole-NN-….png``.

The steps other browser tests take too are theirs (``steps.py``), and so are their checks: what
the check page chooses by itself, that it offers no personal column and shows no raw value, and
that the confirmed rating reaches the profile are asserted in ``test_upload_decisions_browser.py``;
what the hypothesis and recommendation forms show and keep, in ``test_hypotheses_browser.py``.
This test asserts what only the whole way shows.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect
from tests.browser.steps import (
    SLOW,
    export_choices,
    new_hypothesis,
    new_recommendation,
    shot,
    sign_in,
)
from typer.testing import CliRunner

from segprofile import pipeline
from segprofile.cli import app
from segprofile.model.checks import Severity
from upload_decisions_data import client_export

pytestmark = pytest.mark.browser

ROWS = 1500


def _records(content: bytes) -> list[dict[str, str]]:
    """The export's rows as the body's system wrote them (to draw survey respondents from)."""
    header, *lines = content.decode("cp1251").splitlines()
    names = header.split(";")
    return [dict(zip(names, line.split(";"), strict=True)) for line in lines]


def survey_export(records: list[dict[str, str]], *, seed: int = 27) -> bytes:
    """Answers of a post-decision survey (UTF-8 «;»): the application number links them to the
    records. Applicants who came in person mostly did not know the processing time; the others
    mostly did — the problem «the time is not told at the office» holds for the office only."""
    rng = random.Random(seed)
    office = [r for r in records if r["Канал подачи"] == "Приёмная"]
    others = [r for r in records if r["Канал подачи"] != "Приёмная"]
    chosen = rng.sample(office, min(len(office), 60)) + rng.sample(others, 240)
    lines = ["Номер заявления;Срок рассмотрения неизвестен;Удобно подавать"]
    for row in chosen:
        unknown = rng.random() < (0.8 if row["Канал подачи"] == "Приёмная" else 0.15)
        lines.append(
            f"{row['Номер заявления']};{'да' if unknown else 'нет'};"
            f"{'да' if rng.random() < 0.7 else 'нет'}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def population_export(*, seed: int = 28, rows: int = 3000) -> bytes:
    """The people entitled to the service, one row a person (a registry extract, no names)."""
    rng = random.Random(seed)
    lines = ["Категория;Возраст"]
    for _ in range(rows):
        category = rng.choices(
            ["Многодетная семья", "Малоимущая семья", "Инвалид", "Ветеран боевых действий"],
            [50, 38, 10, 2],
        )[0]
        lines.append(f"{category};{rng.randint(18, 85)}")
    return ("\n".join(lines) + "\n").encode("cp1251")


def _upload(page: Any, study_url: str, path: Path, source: str, kind: str, title: str) -> None:
    """A file for a new data source, through the data page; the check page is open after it."""
    page.goto(study_url + "data/sources/")
    form = page.locator("#upload")
    form.locator("select[name=source]").select_option("__new__")
    form.locator("input[name=new_source_id]").fill(source)
    form.locator("select[name=new_source_kind]").select_option(kind)
    form.locator("input[name=new_source_title]").fill(title)
    form.locator("input[name=file]").set_input_files(str(path))
    page.locator("#upload-button").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {path.name}")).to_be_visible()


def _application_number_pseudonymised(page: Any) -> None:
    """On the check page: the application number names a person in the body's system; the
    import takes it for the client identifier and replaces it by a pseudonym by default."""
    from playwright.sync_api import expect

    number = page.locator("#pii").locator("tr", has_text="Номер заявления")
    expect(number).to_contain_text("идентификатор клиента")
    expect(number.get_by_label("Действие со столбцом Номер заявления")).to_have_value(
        "pseudonymise"
    )


def _feature(section: Any, column: str) -> Any:
    """The row of the features table of the feature made from ``column``."""
    return section.locator("tr[id^=feature-]").filter(
        has=section.page.get_by_text(column, exact=True)
    )


def _imported(page: Any, source: str) -> None:
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator(".message--success")).to_contain_text(
        f"источника «{source}» загружена", timeout=SLOW
    )


def test_a_whole_profile_built_in_the_browser(page: Any, live_app: Any, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    content, raw = client_export(ROWS)
    export = tmp_path / "заявления-2026.csv"
    export.write_bytes(content)
    population = tmp_path / "имеющие-право-2026.csv"
    population.write_bytes(population_export())
    survey = tmp_path / "опрос-после-решения.csv"
    survey.write_bytes(survey_export(_records(content)))

    # --- 1. A new study from nothing: the guided start -----------------------------------
    sign_in(page, live_app)
    expect(page.locator("main")).not_to_contain_text("Пособие на ребёнка")  # no demo study
    page.goto("/studies/new/")
    form = page.locator("form.new-study")
    form.get_by_label("Что профилируется").select_option("service")
    form.get_by_label("Орган власти").fill("Министерство социальной защиты Н-ской области")
    form.get_by_label("Название", exact=True).fill(
        "Назначение ежемесячной денежной выплаты льготным категориям"
    )
    form.get_by_label("Внешние клиенты: граждане").check()
    form.locator("input[name=acts-0-title]").fill(
        "Закон Н-ской области о мерах социальной поддержки отдельных категорий граждан"
    )
    form.locator("input[name=acts-0-reference]").fill("от 12.03.2021 № 45-ОЗ")
    shot(page, "whole-01-new-study")
    page.locator("#create-blank").click()
    expect(page).to_have_url(re.compile(r"/studies/\d+/$"))
    study_url = page.url
    expect(page.locator(".stage--current")).to_contain_text("Этап 1")
    shot(page, "whole-02-study-page")

    # --- 2. Scope: a description and a second legal act, in place ------------------------
    scope = page.locator("#scope")
    scope.locator("#scope-edit").click()
    scope.get_by_label("Описание").fill(
        "Ежемесячная выплата многодетным и малоимущим семьям, инвалидам и ветеранам."
    )
    scope.get_by_role("button", name="Сохранить").click()
    expect(scope.locator("dl.facts")).to_contain_text("Ежемесячная выплата многодетным")
    scope.locator("#act-add").click()
    act = scope.locator("#act-form")
    act.get_by_label("НПА", exact=True).fill(
        "Постановление Правительства Н-ской области о порядке назначения выплаты"
    )
    act.get_by_label("Номер, дата, ссылка").fill("от 01.02.2022 № 17-п")
    scope.get_by_role("button", name="Сохранить НПА").click()
    expect(scope.locator(".acts__item")).to_have_count(2)
    shot(page, "whole-03-scope", scope)

    # --- 2a. The document's requisites: the title page of the filed report (M-13) ----------
    requisites = page.locator("#requisites")
    requisites.locator("#requisites-edit").click()
    requisites.get_by_label("Организация").fill("Министерство социальной защиты Н-ской области")
    requisites.get_by_label("Регистрационный номер").fill("07-П")
    requisites.get_by_label("Дата документа").fill("2026-12-01")
    requisites.get_by_label("Должность утверждающего").fill("Заместитель министра")
    requisites.get_by_label("Инициалы и фамилия утверждающего").fill("А. Б. Смирнова")
    requisites.get_by_role("button", name="Сохранить").click()
    expect(requisites.locator("dl.facts")).to_contain_text("№ 07-П от 01.12.2026")

    # --- 3. The data: the client export and the population table -------------------------
    _upload(page, study_url, export, "records", "client_records", "Заявления за 2026 год")
    export_choices(page)
    _application_number_pseudonymised(page)
    shot(page, "whole-04-check-page")
    _imported(page, "Заявления за 2026 год")
    shot(page, "whole-05-imported")

    _upload(page, study_url, population, "entitled", "population", "Имеющие право (реестр)")
    shot(page, "whole-06-population-check")
    _imported(page, "Имеющие право (реестр)")

    page.goto(study_url)
    expect(page.locator("#data")).not_to_contain_text("нет файла")
    expect(page.locator("#features")).to_contain_text("Категория")
    shot(page, "whole-07-study-with-data")

    # --- 4. A role with its audience ------------------------------------------------------
    roles = page.locator("#roles")
    roles.get_by_role("button", name="Добавить роль").click()
    form = roles.locator("form.role-form")
    form.get_by_label("Вид роли").select_option("applicant")
    form.get_by_label("Название роли").fill("Заявитель")
    form.get_by_label("Аудитория: кто имеет право").fill(
        "Граждане льготных категорий, проживающие в Н-ской области"
    )
    form.get_by_label("Правило отбора").fill("Возраст >= 18")
    expect(form.locator("#rule-count-form")).to_contain_text("Подходят под правило")
    form.get_by_label("НПА").first.select_option(index=1)
    form.get_by_label("Статья, пункт").first.fill("ст. 3")
    form.get_by_label("Таблица численности").select_option("entitled")
    shot(page, "whole-08-role-form", roles)
    form.get_by_role("button", name="Сохранить роль").click()
    expect(roles.locator("form.role-form")).to_have_count(0)
    expect(roles).to_contain_text("Граждане льготных категорий")
    shot(page, "whole-09-role", roles)

    # --- 5. Features: names that merge the two small categories, round bins for the age --
    features = page.locator("#features")
    _feature(features, "Категория").locator(".feature-edit").click()
    form = features.locator("form.feature-form")
    form.locator("#id_label").fill("Льготная категория")
    form.locator("#id_source_kind").select_option("legal_act")
    form.locator("#id_source_reference").fill("Закон Н-ской области № 45-ОЗ, ст. 2")
    rows = form.locator("table.value-names tbody tr")
    for code in ("Инвалид", "Ветеран боевых действий"):  # 9 % and 1 %: one segment
        rows.filter(has=page.locator(f'input[name=value_code][value="{code}"]')).locator(
            "input[name=value_label]"
        ).fill("Инвалиды и ветераны")
    preview = features.locator("#feature-preview")
    expect(
        preview.locator("tbody td").get_by_text("Инвалиды и ветераны", exact=True)
    ).to_have_count(1)
    shot(page, "whole-10-feature-names", features)
    form.get_by_role("button", name="Сохранить").click()
    expect(_feature(features, "Категория")).to_contain_text("Льготная категория")

    _feature(features, "Возраст").locator(".feature-edit").click()
    form = features.locator("form.feature-form")
    form.locator("#id_label").fill("Возраст заявителя")
    form.locator("#id_source_kind").select_option("document_attribute")
    form.locator("#id_source_reference").fill("Заявление, дата рождения")
    # Choosing a method draws the form again: wait for that answer before typing into it.
    with page.expect_response(lambda r: r.request.method == "GET" and "/features/" in r.url):
        form.locator("#id_binning_method").select_option("round")
    form.locator("#id_n_bins").fill("3")
    expect(preview.locator("tbody tr:not(.muted)")).to_have_count(3)
    shot(page, "whole-11-feature-bins", features)
    form.get_by_role("button", name="Сохранить").click()
    expect(_feature(features, "Возраст")).to_contain_text("Возраст заявителя")

    _feature(features, "Канал подачи").locator(".feature-edit").click()
    form = features.locator("form.feature-form")
    form.locator("#id_source_kind").select_option("other")
    form.get_by_role("button", name="Сохранить").click()
    expect(features.locator("form.feature-form")).to_have_count(0)
    # A pair for cross segments: the channel × the category (the form offers these two first).
    pairs = features.locator("#feature-pairs")
    pairs.get_by_role("button", name="Добавить пару").click()
    expect(pairs).not_to_contain_text("Пар пока нет")
    features.scroll_into_view_if_needed()
    shot(page, "whole-12-features", features)

    # --- 6. Segmentation settings: the clustering features, a fixed k, min_cell ---------
    settings = page.locator("#settings")
    settings.get_by_role("button", name="Изменить").click()
    form = settings.locator("form.settings-form")
    for label in ("Канал подачи", "Льготная категория", "Возраст заявителя"):
        form.get_by_label(label, exact=True).check()
    form.get_by_label("задать").check()  # a fixed number: the quickest profile to build
    form.get_by_label("Заданное число").fill("3")
    form.get_by_label("Наименьшая показываемая группа").fill("10")
    shot(page, "whole-13-settings-form", settings)
    form.get_by_role("button", name="Сохранить настройки").click()
    expect(settings.locator("form")).to_have_count(0)
    expect(settings).to_contain_text("10 человек")
    shot(page, "whole-14-settings", settings)

    # --- 7. The profile ---------------------------------------------------------------------
    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("link", name="Приоритеты")).to_be_visible(timeout=SLOW)
    run_url = page.url
    assert not any(v in page.content() for v in raw["snils"] + raw["phone"] + raw["fio"])
    shot(page, "whole-15-profile")

    # --- 8. Priority: the threshold and the weights ----------------------------------------
    page.get_by_role("link", name="Приоритеты").click()
    # htmx listens to the form once the page has loaded: typed before, no preview is asked for.
    page.wait_for_load_state("load")
    weights = page.locator("#priority-settings")
    weights.locator("input[name='low_satisfaction_csat']").fill("70")
    weights.locator("input[name='when_low_sponsor']").fill("2")
    # A computation in the request: seconds on a loaded machine.
    expect(page.locator("#priority-ranking")).to_contain_text(
        "Предварительный расчёт", timeout=SLOW
    )
    shot(page, "whole-16-priority-preview")
    page.get_by_role("button", name="Сохранить порог и веса").click()
    expect(page.locator(".message--success")).to_contain_text("сохранена")
    shot(page, "whole-17-priority-saved")

    # --- 9. Hypotheses: a need, a problem of the office applicants, a suggestion ----------
    page.goto(study_url + "hypotheses/")
    form = new_hypothesis(
        page,
        kind="Потребность",
        statement="Знать заранее, сколько займёт рассмотрение заявления и когда придут деньги",
        hunt=2,
        aidas="Интерес",
        source="Обращения в приёмную министерства",
    )
    shot(page, "whole-18-need-form", form)
    form.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#h-n1")).to_contain_text("Знать заранее")

    form = new_hypothesis(
        page,
        kind="Проблема",
        statement="Подавшим заявление в приёмной не называют срок рассмотрения",
        need="n1",
        hunt=3,
        aidas=4,
        segments=["Приёмная"],
    )
    shot(page, "whole-19-problem-form", form)
    form.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#h-p1")).to_contain_text("не называют срок")

    suggested = page.locator("#suggested")
    suggested.locator("input[type=checkbox][name=id]").first.check()
    shot(page, "whole-20-suggestions", suggested)
    before = page.locator("article.hyp").count()
    suggested.get_by_role("button", name="Принять отмеченные").click()
    expect(page.locator("article.hyp")).to_have_count(before + 1)
    shot(page, "whole-21-hypotheses")

    # --- 10. The research plan: interviews for the office applicants -----------------------
    page.goto(study_url + "research/")
    if page.locator("#plan-missing").count():
        page.get_by_role("button", name="Рассчитать план").click()
    expect(page.locator("#respondents")).to_be_visible(timeout=SLOW)
    assert "З-1" not in page.locator("main").inner_text()  # pseudonyms, not application numbers
    shot(page, "whole-22-plan")
    page.locator("#research-record").get_by_role(
        "button", name="Запланировать интервью или опрос"
    ).click()
    form = page.locator("#activity-new")
    form.get_by_label("Название").fill("Интервью с заявителями, подававшими в приёмной")
    form.locator("label.research-target", has_text="Приёмная").locator("input").fill("3")
    form.locator('input[name="hypotheses"][value="p1"]').check()  # labelled «№ n. …»
    shot(page, "whole-23-interviews-form", form)
    form.get_by_role("button", name="Сохранить").click()
    activity = page.locator("article.research-activity").filter(
        has_text="Интервью с заявителями, подававшими в приёмной"
    )
    expect(activity.locator("table.research-targets")).to_contain_text("ещё 3 интервью")
    # One respondent of the computed plan invited, by pseudonym (the one of the office).
    activity.get_by_role("button", name="Пригласить респондентов из плана").click()
    choice = activity.locator("ul.respondent-choices li", has_text="Приёмная").first
    choice.locator("input[type=checkbox]").check()
    activity.get_by_role("button", name="Пригласить выбранных").click()
    activity = page.locator("article.research-activity")
    expect(activity.locator("li.respondent")).to_have_count(1)
    expect(activity.locator("li.respondent")).to_contain_text("Приглашён")
    shot(page, "whole-24-interviews", activity)

    # --- 11. A survey checks the problem -------------------------------------------------
    page.goto(study_url + "research/survey/")
    page.locator("input[name=file]").set_input_files(str(survey))
    page.get_by_role("button", name="Загрузить и проверить").click()
    expect(page.get_by_role("heading", name=f"Проверьте файл {survey.name}")).to_be_visible()
    _application_number_pseudonymised(page)
    shot(page, "whole-25-survey-check")
    page.get_by_label(re.compile("Я проверил")).check()
    page.locator("#import-button").click()
    expect(page.locator("#preview")).to_contain_text("Срок рассмотрения неизвестен", timeout=SLOW)
    page.select_option('select[name="q-0-question"]', "Срок рассмотрения неизвестен")
    page.select_option('select[name="q-0-hypothesis"]', "p1")
    page.select_option('select[name="q-0-support"]', "yes")
    shot(page, "whole-26-survey-map")
    page.get_by_role("button", name="Проанализировать").click()
    tests = page.locator("#tests")
    expect(tests).to_be_visible(timeout=SLOW)
    expect(tests.locator(".hyp-status--confirmed").first).to_be_visible()
    shot(page, "whole-27-survey-analysis")
    page.get_by_role("button", name="Записать вердикты в гипотезы").click()
    expect(page).to_have_url(re.compile(r"/hypotheses/#registry$"), timeout=SLOW)
    expect(page.locator("#h-p1 .hyp-status")).to_have_text("подтверждена")
    page.locator("#h-p1").scroll_into_view_if_needed()
    shot(page, "whole-28-verdicts")

    # --- 12. Journeys: the current one with its steps, the target one from it -------------
    page.goto(study_url + "journeys/")
    new = page.locator("#journey-new")
    new.get_by_label("Название пути").fill("Текущий путь заявителя")
    new.get_by_role("button", name="Создать путь").click()
    journey = page.locator("#j-current")
    expect(journey.locator(".journey__empty")).to_be_visible()
    steps = [
        ("Узнать о выплате", "Сайт министерства", "2", []),
        ("Подать заявление в приёмной", "Приёмная", "1", ["p1"]),
        ("Получить решение", "ЕПГУ", "2", []),
    ]
    for number, (title, channel, level, pains) in enumerate(steps, start=1):
        form = page.locator("#addform-current")
        form.get_by_label("Шаг", exact=True).fill(title)
        form.get_by_label("Роль (кто выполняет)").select_option(index=1)
        form.get_by_label("Канал").fill(channel)
        form.get_by_label("Уровень сервиса").select_option(level)
        group = form.get_by_role("group", name="Проблемы (боли) шага")
        for pain in pains:
            group.locator(f"input[value='{pain}']").check()  # named «№ n. …», never by id
        form.get_by_role("button", name="Сохранить новый шаг").click()
        expect(journey.locator("ol.jsteps > li")).to_have_count(number)
        if number < len(steps):
            journey.locator("#addstep-current > summary").click()
    expect(journey.locator(".backing").nth(1)).to_have_text("подтверждено исследованием")
    shot(page, "whole-29-current-journey", journey)
    new = page.locator("#journey-new")
    expect(new.get_by_label("Вид пути")).to_have_value("target")
    new.get_by_label("Название пути").fill("Целевой путь: срок называют при подаче")
    new.get_by_role("button", name="Создать путь").click()
    expect(page.locator("#j-target ol.jsteps > li")).to_have_count(3)
    page.reload()
    shot(page, "whole-30-journeys")

    # --- 13. A recommendation for the confirmed problem ------------------------------------
    page.goto(study_url + "hypotheses/")
    form = new_recommendation(
        page,
        "p1",
        title="Называть срок рассмотрения в расписке о приёме заявления и в СМС",
        change="На шаге «Подать заявление в приёмной» — срок в расписке и СМС.",
        responsible="Отдел назначения выплат",
        due="2027-03-31",
        segments=["Приёмная"],
    )
    shot(page, "whole-31-recommendation-form", form)
    form.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#rec-r1")).to_contain_text("Называть срок рассмотрения")
    shot(page, "whole-32-recommendation", page.locator("#rec-r1"))

    # --- 14. The profile again, its DOCX ---------------------------------------------------
    page.goto(study_url)
    page.get_by_role("button", name="Построить профиль").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    assert page.url != run_url
    docx = page.get_by_role("link", name="Отчёт (DOCX)")
    expect(docx).to_be_visible(timeout=SLOW)
    shot(page, "whole-33-final-profile")
    with page.expect_download() as download:
        docx.click()
    report = tmp_path / download.value.suggested_filename
    download.value.save_as(report)
    assert report.suffix == ".docx"
    assert report.read_bytes()[:2] == b"PK"  # a zip, as a DOCX is
    title_page = [p.text for p in Document(str(report)).paragraphs[:12]]
    assert "Министерство социальной защиты Н-ской области" in title_page
    assert "УТВЕРЖДАЮ" in title_page
    assert "01.12.2026 № 07-П" in title_page

    # --- 15. The study's YAML passes the methodology check -----------------------------------
    page.goto(study_url)
    expect(page.get_by_text("Профиль полон по методике.", exact=True)).to_be_visible()
    expect(page.locator(".stage")).to_have_count(3)
    for stage in page.locator(".stage").all():
        expect(stage).to_contain_text("пройден")
    shot(page, "whole-34-study-complete")
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать YAML").click()
    document = tmp_path / "study.yaml"
    download.value.save_as(document)
    missing = [
        str(f)
        for f in pipeline.check(pipeline.load_study(document))
        if f.severity is Severity.missing
    ]
    assert missing == []
    result = CliRunner().invoke(
        app, ["check", str(document)], env={"SEGPROFILE_HOME": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert "заполнен по всем разделам методики" in result.output
