"""Forms of the segments area (M-4): the team's edit of a cluster's portrait."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PORTRAIT_NAME_MAX = 200
"""Longest portrait name a team may give."""
PORTRAIT_TEXT_MAX = 2000
"""Longest text of one persona or empathy-map field."""


def _one_line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class PortraitEditForm(forms.Form):
    """The team's texts of a cluster's portrait: its name, the persona card, the empathy map.

    Only the fields whose text differs from what the card showed are saved (see
    :meth:`changes`); an emptied field returns to the drafted text on the next profile run.
    """

    name = forms.CharField(label=_("Portrait name"), max_length=PORTRAIT_NAME_MAX, required=False)
    comment = forms.CharField(label=_("Comment to the revision"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from segprofile.model.study import EMPATHY_FIELDS, PERSONA_FIELDS

        super().__init__(*args, **kwargs)
        self.persona_keys = list(PERSONA_FIELDS)
        self.empathy_keys = list(EMPATHY_FIELDS)
        for prefix, fields in (("persona", PERSONA_FIELDS), ("empathy", EMPATHY_FIELDS)):
            for key, title in fields.items():
                self.fields[f"{prefix}_{key}"] = forms.CharField(
                    label=title,
                    max_length=PORTRAIT_TEXT_MAX,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def text_names(self) -> list[str]:
        return (
            ["name"]
            + [f"persona_{k}" for k in self.persona_keys]
            + [f"empathy_{k}" for k in self.empathy_keys]
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.text_names():
            if isinstance(cleaned.get(name), str):
                cleaned[name] = _one_line_breaks(cleaned[name])
        if not self.errors and not any(cleaned.get(n) for n in self.text_names()):
            raise forms.ValidationError(
                gettext(
                    "The form is empty: type the portrait's name or the text of at least one "
                    "field. To return one field to the drafted text, empty only that field."
                ),
                code="empty",
            )
        return cleaned

    def changes(
        self, name: str, persona: dict[str, str], empathy: dict[str, str]
    ) -> tuple[str | None, dict[str, str], dict[str, str]]:
        """What differs from the texts the card showed: (name or None, persona, empathy map).

        An emptied field is a change to ``""`` (the team's text is removed)."""
        data = self.cleaned_data
        new_name = data.get("name", "")
        name_change = new_name if new_name != _one_line_breaks(name) else None
        persona_changes = {
            k: data.get(f"persona_{k}", "")
            for k in self.persona_keys
            if data.get(f"persona_{k}", "") != _one_line_breaks(persona.get(k, ""))
        }
        empathy_changes = {
            k: data.get(f"empathy_{k}", "")
            for k in self.empathy_keys
            if data.get(f"empathy_{k}", "") != _one_line_breaks(empathy.get(k, ""))
        }
        return name_change, persona_changes, empathy_changes
