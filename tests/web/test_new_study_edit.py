"""«Новое исследование» from nothing: the guided start of the scope and its legal acts, then the
study page with where it stands in the methodology's stages and what to do next."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from segprofile import pipeline
from segprofile.model.format import plural
from segprofile.model.study import Hypothesis, HypothesisKind
from segprofile.web.studies.models import Study

pytestmark = pytest.mark.django_db


def _rows(*acts: tuple[str, str], total: int = 3) -> dict[str, Any]:
    data: dict[str, Any] = {"acts-TOTAL_FORMS": str(total), "acts-INITIAL_FORMS": "0"}
    for i in range(total):
        title, reference = acts[i] if i < len(acts) else ("", "")
        data[f"acts-{i}-title"] = title
        data[f"acts-{i}-reference"] = reference
    return data


GOOD = {
    "new-kind": "service",
    "new-title": "  Назначение  ежемесячного пособия на ребёнка ",
    "new-body": "Отделение СФР по Н-ской области",
    "new-client_types": ["citizen"],
    "new-description": "Семьи с доходом ниже прожиточного минимума.",
    **_rows(
        ("Федеральный закон «О государственных пособиях гражданам, имеющим детей»", "№ 81-ФЗ"),
        ("", ""),
        ("Постановление Правительства РФ № 2330", "от 16.12.2022"),
    ),
}


def test_the_new_page_offers_the_guided_start_beside_the_other_ways(client_in: Client) -> None:
    html = client_in.get(reverse("studies:new")).content.decode()
    assert reverse("studies:create_blank") in html
    for text in (
        "С нуля: опишите, что профилируется",
        "Услуга",
        "Мера поддержки",
        "Жизненная ситуация",
        "Внешние клиенты: представители бизнеса",
        "Внутренние клиенты",
        "Номер, дата, ссылка",
        "Другие способы начать",
    ):
        assert text in html
    assert html.count('name="acts-2-title"') == 1
    # The examples and the YAML upload stay.
    assert reverse("studies:create_example") in html
    assert reverse("studies:create_upload") in html


def test_a_study_from_nothing_is_a_valid_document_and_the_page_says_what_next(
    client_in: Client, user: Any
) -> None:
    response = client_in.post(reverse("studies:create_blank"), GOOD)
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:detail", kwargs={"pk": study.pk})
    document = study.current_revision().to_document()
    assert document.id == "naznachenie-ezhemesiachnogo-posobiia-na"
    assert study.slug == document.id
    assert study.owner == user
    assert document.scope.title == "Назначение ежемесячного пособия на ребёнка"
    assert document.title == (
        "Профиль клиентских сегментов услуги «Назначение ежемесячного пособия на ребёнка»"
    )
    assert [(a.id, a.reference) for a in document.scope.legal_acts] == [
        ("federalnyi-zakon-o", "№ 81-ФЗ"),
        ("postanovlenie", "от 16.12.2022"),
    ]
    assert pipeline.parse_study(pipeline.dump_study(document)) == document  # a valid document

    html = client_in.get(response["Location"]).content.decode()
    assert "Исследование создано. Следующий шаг — загрузить данные о клиентах" in html
    assert "Этап 1 · идёт" in html
    assert "Этап 2 · впереди" in html
    assert "Этап 3 · впереди" in html
    data_url = reverse("studies:data", kwargs={"pk": study.pk})
    assert f'href="{data_url}" id="next-step">загрузите данные о клиентах' in html


def test_the_same_title_twice_gets_a_second_identifier(client_in: Client) -> None:
    for _ in range(2):
        assert client_in.post(reverse("studies:create_blank"), GOOD).status_code == 302
    slugs = sorted(Study.objects.values_list("slug", flat=True))
    assert slugs == [
        "naznachenie-ezhemesiachnogo-posobiia-na",
        "naznachenie-ezhemesiachnogo-posobiia-na-2",
    ]


def test_acts_with_the_same_title_get_their_own_identifiers(client_in: Client) -> None:
    data = {**GOOD, **_rows(("Закон", "№ 1"), ("Закон", "№ 2"))}
    client_in.post(reverse("studies:create_blank"), data)
    acts = Study.objects.get().current_revision().to_document().scope.legal_acts
    assert [a.id for a in acts] == ["zakon", "zakon-2"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"new-title": "   "}, "new-title", "Напишите название услуги, функции или меры."),
        ({"new-client_types": []}, "new-client_types", "Отметьте хотя бы один тип клиентов."),
        ({"new-kind": "galaxy"}, "new-kind", "Выберите корректный вариант"),
        (
            _rows(("", "№ 81-ФЗ")),
            "acts-0-title",
            "Напишите название НПА или очистите его номер и дату.",
        ),
        ({"new-title": "ы" * 501}, "new-title", "не более 500 символов"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_created(
    client_in: Client, change: dict[str, Any], field: str, message: str
) -> None:
    response = client_in.post(reverse("studies:create_blank"), {**GOOD, **change})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Исследование не создано: исправьте отмеченные поля." in html
    block = html.split(f'name="{field}"', 1)[1].split("field__label", 1)[0]
    assert message in block
    assert Study.objects.count() == 0
    # What was typed elsewhere is kept.
    assert "Отделение СФР по Н-ской области" in html


def test_a_missing_management_form_is_a_message_not_a_500(client_in: Client) -> None:
    data = {k: v for k, v in GOOD.items() if not k.startswith("acts-")}
    response = client_in.post(reverse("studies:create_blank"), data)
    assert response.status_code == 400
    assert Study.objects.count() == 0


def test_the_check_counts_what_it_lists(client_in: Client, stored_study: Study, user: Any) -> None:
    """«Не хватает 11 пунктов» over a list of 12 misled: the list also has the points worth a
    look; the sentence counts both kinds, and each of the latter is marked."""
    document = stored_study.current_revision().to_document()
    document.hypotheses = [
        Hypothesis(id="n1", kind=HypothesisKind.need, statement="Не знают о выплате"),
        Hypothesis(id="n2", kind=HypothesisKind.need, statement="Далеко до офиса"),
    ]
    stored_study.add_revision(document, author=user, comment="гипотезы без ступеней")
    html = client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content.decode()
    check = html.split('id="check"', 1)[1].split("</section>", 1)[0]
    missing = check.count('class="finding finding--missing"')
    warnings = check.count('class="finding finding--warning"')
    assert missing >= 2  # no problems, no plan, no journeys…
    assert warnings >= 4  # two hypotheses, each without a step of Hunt's ladder and of AIDAS
    counts = check.split('id="check-counts">', 1)[1].split("</p>", 1)[0]
    lacking = plural(missing, "пункта", "пунктов", "пунктов")
    assert f"Для полного профиля не хватает {lacking}." in counts
    assert f"На {plural(warnings, 'пункт', 'пункта', 'пунктов')} стоит обратить внимание." in counts
    assert check.count("обратить внимание</span>") == warnings


def test_stages_and_findings_link_to_where_they_are_fixed(
    client_in: Client, stored_study: Study
) -> None:
    html = client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).content.decode()
    detail = reverse("studies:detail", kwargs={"pk": stored_study.pk})
    findings = html.split('id="check"', 1)[1].split("</section>", 1)[0]
    # The small study has no hypotheses, no plan, no journeys: each finding links to its page.
    for name in ("hypotheses", "research", "journeys"):
        assert f'href="{reverse(f"studies:{name}", kwargs={"pk": stored_study.pk})}"' in findings
    assert f'href="{detail}#settings"' in findings  # no clustering features (M-4)
    # Its records are a file, not an imported version: the next step is the import.
    assert "Этап 1 · идёт" in html
    assert "загрузите данные о клиентах" in html
