"""Forms of the team area: a member added with a role."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from segprofile.web.studies.models import Membership


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    # The least role unless the owner chooses more: a newcomer reads before they edit.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.VIEWER,
        required=False,
    )

    def clean_username(self) -> str:
        # Whether such a user exists is not said here: the form would tell any owner of any
        # study which accounts exist (member_add answers the same either way).
        return str(self.cleaned_data["username"]).strip()

    def clean_role(self) -> str:
        return str(self.cleaned_data.get("role") or Membership.Role.VIEWER)
