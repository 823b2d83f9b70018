"""The studies app's forms, one module per area, as the views are; and the one number input
they share (:class:`NumberField`), written as the user's language writes numbers."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile.model.format import number, parse_number


class NumberField(forms.FloatField):
    """A number with a fraction, shown and read in the user's language: «0,45» in Russian (a
    point, «0.45», is taken too), 3 rather than «3,0». A text input with the decimal keypad:
    the browser's number input would show and send the point whatever the page's language.
    ``min_value``/``max_value`` refuse a number outside them with the bounds written alike."""

    widget = forms.TextInput
    default_error_messages: ClassVar[dict[str, Any]] = {"invalid": _("Enter a number, e.g. 2.5.")}

    def __init__(
        self, *, min_value: float | None = None, max_value: float | None = None, **kwargs: Any
    ) -> None:
        kwargs["localize"] = True
        super().__init__(**kwargs)
        self.low, self.high = min_value, max_value
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> float | None:
        if isinstance(value, str):
            # A number as people type it (model.format.parse_number): thousands grouped by a
            # space or a no-break space («1 000», as Excel copies it), a decimal comma or point,
            # a typographic minus, spaces around it.
            parsed = parse_number(value)
            if parsed is not None:
                return parsed
            value = value.strip().replace("\u2212", "-")
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        low, high = self.low, self.high
        if (low is None or value >= low) and (high is None or value <= high):
            return
        if low is not None and high is not None:
            message = gettext("Enter a number from %(low)s to %(high)s.")
        elif low is not None:
            message = gettext("Enter a number no less than %(low)s.")
        else:
            message = gettext("Enter a number no greater than %(high)s.")
        bounds = {"low": _number(low), "high": _number(high)}
        raise forms.ValidationError(message % bounds, code="range")


class LimitedTextField(forms.CharField):
    """A text with a length limit that is said under the box and checked by the server: no
    ``maxlength`` on the box, so a pasted text longer than the limit is not cut by the browser
    without a word; the form refuses it, naming the field and the limit, and keeps what was
    typed for the user to shorten."""

    widget = forms.Textarea

    def __init__(self, *, limit: int, help_text: Any = "", **kwargs: Any) -> None:
        super().__init__(help_text=_limit_hint(help_text, limit), **kwargs)
        self.limit = limit

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and len(value) > self.limit:
            raise forms.ValidationError(
                gettext(
                    "“%(field)s”: the text is %(length)s characters long, at most %(limit)s "
                    "are allowed. Shorten it: nothing was saved or cut."
                )
                % {
                    "field": self.label,
                    "length": number(len(value)),
                    "limit": number(self.limit),
                },
                code="max_length",
            )


def _hint(help_text: Any, limit: int) -> str:
    hint = gettext("At most %(limit)s characters.") % {"limit": number(limit)}
    return f"{help_text} {hint}" if help_text else hint


_limit_hint = lazy(_hint, str)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(number_format(int(value) if float(value).is_integer() else value))
