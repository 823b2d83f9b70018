"""The page where users create and revoke their API tokens (login required, CSRF)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from segprofile.web.api.models import ApiToken

MAX_ACTIVE_TOKENS = 20


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where the token is used, e.g. «nightly report script»."),
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name or not name.isprintable():
            raise forms.ValidationError(gettext("Give the token a name."), code="name")
        return name


@never_cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens; POST creates one and shows its text once."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    status = 200
    if request.method == "POST":
        active = ApiToken.objects.active().filter(user=request.user).count()
        if active >= MAX_ACTIVE_TOKENS:
            form.add_error(
                None,
                gettext("You already have %(count)s active tokens; revoke one first.")
                % {"count": active},
            )
        if form.is_valid():
            _token, created = ApiToken.issue(request.user, form.cleaned_data["name"])
            form = TokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "api/tokens.html", context, status=status)


@require_POST
def revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_pk, user=request.user)
    token.revoke()
    messages.success(request, gettext("The token «%(name)s» was revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
