"""Top-level URLs: login/logout, language switch, the studies app, the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from segprofile import pipeline
from segprofile.web.api.urls import api_urls


@login_not_required
@require_GET
@cache_control(max_age=3600)
def report_css(request: HttpRequest) -> HttpResponse:
    """The profile report's stylesheet, shared with the standalone HTML (no inline styles)."""
    return HttpResponse(pipeline.profile_css(), content_type="text/css; charset=utf-8")


urlpatterns = [
    path("", include("segprofile.web.studies.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("report.css", report_css, name="report_css"),
    # The JSON API (token authentication) and the page where users manage their tokens.
    path("api/", api_urls()),
    path("account/api-tokens/", include("segprofile.web.api.urls")),
]
