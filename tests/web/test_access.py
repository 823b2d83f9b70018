"""Login, ownership, error pages, language and security headers."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from segprofile.web.studies.models import ProfileRun, Study


def _urls(study: Study, run: ProfileRun) -> list[tuple[str, str]]:
    s, r = {"pk": study.pk}, {"pk": study.pk, "run_pk": run.pk}
    return [
        ("get", reverse("studies:list")),
        ("get", reverse("studies:new")),
        ("post", reverse("studies:create_example")),
        ("post", reverse("studies:create_upload")),
        ("get", reverse("studies:detail", kwargs=s)),
        ("get", reverse("studies:yaml", kwargs=s)),
        ("post", reverse("studies:upload_revision", kwargs=s)),
        ("post", reverse("studies:data_upload", kwargs=s)),
        ("post", reverse("studies:run_start", kwargs=s)),
        ("get", reverse("studies:run", kwargs=r)),
        ("get", reverse("studies:run_progress", kwargs=r)),
        ("get", reverse("studies:run_html", kwargs=r)),
        ("get", reverse("studies:run_json", kwargs=r)),
        ("get", "/admin/"),
    ]


@pytest.fixture
def queued_run(stored_study: Study) -> ProfileRun:
    return ProfileRun.objects.create(study=stored_study, revision=stored_study.current_revision())


@pytest.mark.django_db
def test_every_page_sends_an_anonymous_visitor_to_the_login_page(
    stored_study: Study, queued_run: ProfileRun
) -> None:
    client = Client()
    for method, url in _urls(stored_study, queued_run):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(("/accounts/login/", "/admin/login/")), url
    assert ProfileRun.objects.count() == 1
    assert Study.objects.count() == 1


@pytest.mark.django_db
def test_another_user_cannot_see_or_touch_a_study(
    stored_study: Study, queued_run: ProfileRun, other_client: Client
) -> None:
    for method, url in _urls(stored_study, queued_run)[4:-1]:
        response = getattr(other_client, method)(url)
        assert response.status_code == 403, url
        assert "Доступ запрещён" in response.content.decode()
    assert ProfileRun.objects.count() == 1
    assert stored_study.revisions.count() == 1
    listing = other_client.get(reverse("studies:list")).content.decode()
    assert stored_study.title not in listing


@pytest.mark.django_db
def test_a_superuser_sees_every_study(stored_study: Study) -> None:
    admin = User.objects.create_superuser("root", password="x-very-long-pass")
    client = Client()
    client.force_login(admin)
    assert stored_study.title in client.get(reverse("studies:list")).content.decode()
    assert client.get(reverse("studies:detail", kwargs={"pk": stored_study.pk})).status_code == 200


@pytest.mark.django_db
def test_login_page_is_russian_and_logging_in_opens_the_studies(user: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get(reverse("login"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ru">' in html
    assert "Вход" in html
    assert "Имя пользователя" in html

    wrong = client.post(reverse("login"), {"username": "anna", "password": "nope"})
    assert wrong.status_code == 200
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in wrong.content.decode()

    ok = client.post(reverse("login"), {"username": "anna", "password": "correct-horse-42"})
    assert ok.status_code == 302
    assert ok["Location"] == reverse("studies:list")
    assert "Исследования" in client.get(reverse("studies:list")).content.decode()


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client_in: Client) -> None:
    response = client_in.post(reverse("logout"))
    assert response.status_code == 302
    assert client_in.get(reverse("studies:list")).status_code == 302


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client_in: Client) -> None:
    client_in.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Build client segment profiles" not in client_in.get("/").content.decode()
    assert "New study" in client_in.get("/").content.decode()
    client_in.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert "Новое исследование" in client_in.get("/").content.decode()


@pytest.mark.django_db
def test_unknown_page_is_a_russian_404(client_in: Client) -> None:
    response = client_in.get("/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@pytest.mark.django_db
def test_unknown_study_is_404(client_in: Client) -> None:
    response = client_in.get(reverse("studies:detail", kwargs={"pk": 999}))
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


@pytest.mark.django_db
def test_unexpected_error_is_a_russian_500_without_traceback(
    client_in: Client, stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segprofile.web.studies.views import study as study_views

    def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(study_views.pipeline, "check_with_data", broken)
    client_in.raise_request_exception = False
    response = client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk}))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Ошибка сервера" in html
    assert "secret internals" not in html
    assert "Traceback" not in html


@pytest.mark.django_db
def test_core_error_escaping_a_view_is_shown_with_its_status_and_message(
    client_in: Client, stored_study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segprofile.errors import NotFound
    from segprofile.web.studies.views import study as study_views

    def missing(*args: object) -> None:
        raise NotFound("Файл не найден.", hint="загрузите его.")

    monkeypatch.setattr(study_views.pipeline, "dump_study", missing)
    response = client_in.get(reverse("studies:yaml", kwargs={"pk": stored_study.pk}))
    html = response.content.decode()
    assert response.status_code == 404
    assert "Файл не найден." in html
    assert "загрузите его." in html


@pytest.mark.django_db
def test_pages_carry_a_strict_csp_and_no_inline_scripts(
    client_in: Client, stored_study: Study
) -> None:
    response = client_in.get(reverse("studies:detail", kwargs={"pk": stored_study.pk}))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "htmx must be loaded"
    assert all('src="/static/' in tag for tag in scripts)
    # No page loads anything from another site (a CDN would fail on a closed network); a bare
    # "cdn" could occur in a random CSRF token, so look at the addresses themselves.
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html)
    assert "hx-headers" in html  # CSRF token for HTMX requests


@pytest.mark.django_db
def test_static_files_are_served_with_debug_off(client_in: Client) -> None:
    from django.conf import settings

    assert settings.DEBUG is False
    response = client_in.get("/static/segprofile/htmx.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert b"htmx" in body[:200]


@pytest.mark.django_db
def test_forms_are_csrf_protected(user: User, stored_study: Study) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("studies:run_start", kwargs={"pk": stored_study.pk}))
    assert response.status_code == 403
    assert "Форма устарела" in response.content.decode()
    assert ProfileRun.objects.count() == 0
