"""Forms of the features section (M-3): one feature (column, label, type, source, binning,
names of its values) and a pair of features for cross segments."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.model.format import number, parse_number
from segprofile.model.labels import ru
from segprofile.model.study import BinningMethod, FeatureSourceKind, FeatureType

LABEL_MAX = 200
REFERENCE_MAX = 500
VALUE_MAX = 200
#: Empty rows of the value names table, for values typed by hand (rare ones are not listed).
BLANK_VALUE_ROWS = 2

BINNING_CHOICES = [
    ("", _("Quartiles (four equal groups)")),
    (BinningMethod.thresholds.value, _("Thresholds (a legal act, a decision)")),
    (BinningMethod.quantiles.value, _("Quantiles (groups of equal size)")),
    (BinningMethod.round.value, _("Round bounds (rounded quantiles)")),
]


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, ru(member)) for member in enum]


#: What separates thresholds: «;», a new line or a comma followed by a space («18, 30»).
_LIST = re.compile(r"\s*(?:[;\n]|,\s)\s*")


def parse_thresholds(text: str) -> list[float]:
    """«18; 30; 45», «15 000; 30 000» (thousands spaced, a no-break space too), «0,5; 1,5»,
    «18, 30, 45», «18,30,45» or «18 30 45» → numbers, or a ``ValidationError`` in Russian
    naming the wrong threshold and what order is needed."""
    text = text.strip()
    spaced = False  # a plain space separates thresholds: «15 000 30 000» cannot be read
    if _LIST.search(text):
        pieces = _LIST.split(text)
    elif text.count(",") > 1 and not re.search(r"\s", text):
        pieces = text.split(",")
    else:
        pieces = re.split(r"[ \t]+", text)
        spaced = len(pieces) > 1
    pieces = [p for p in pieces if p]
    values: list[float] = []
    for i, piece in enumerate(pieces, start=1):
        value = parse_number(piece)
        if value is None:
            raise forms.ValidationError(
                gettext(
                    "Threshold %(n)s («%(piece)s») is not a number. Separate the thresholds "
                    "with semicolons, e.g. 18; 30; 45 or 15 000; 30 000."
                )
                % {"n": i, "piece": piece[:20]}
            )
        if not math.isfinite(value):
            raise forms.ValidationError(gettext("Thresholds must be finite numbers."))
        values.append(value)
    for before, after in itertools.pairwise(values):
        if after <= before:
            if spaced:
                raise forms.ValidationError(
                    gettext(
                        "Thresholds must increase: %(after)s comes after %(before)s. If a "
                        "space separates thousands, separate the thresholds with semicolons: "
                        "15 000; 30 000."
                    )
                    % {"before": _number(before), "after": _number(after)}
                )
            raise forms.ValidationError(
                gettext(
                    "Thresholds must increase: %(after)s comes after %(before)s. "
                    "Write them from the smallest, e.g. 18; 30; 45."
                )
                % {"before": _number(before), "after": _number(after)}
            )
    return values


def _number(value: float) -> str:
    """A threshold as the form writes it back: «15 000», «0,5» (read again by the parser)."""
    if float(value).is_integer():
        return number(value)
    return number(value, 10).rstrip("0").rstrip(",")


def thresholds_text(values: list[float]) -> str:
    return "; ".join(_number(v) for v in values)


class FeatureForm(forms.Form):
    """One feature. ``columns`` are the columns a feature may be built on (the imported data);
    ``values`` the column's values that may be named (shown as rows of the names table)."""

    column = forms.ChoiceField(label=_("Column of the client data"))
    label = forms.CharField(label=_("Name of the feature"), max_length=LABEL_MAX)
    type = forms.ChoiceField(label=_("Type"), choices=_choices(FeatureType))
    source_kind = forms.ChoiceField(
        label=_("Why the feature matters"),
        choices=[("", _("not stated")), *_choices(FeatureSourceKind)],
        required=False,
    )
    source_reference = forms.CharField(
        label=_("Reference"), max_length=REFERENCE_MAX, required=False
    )
    binning_method = forms.ChoiceField(
        label=_("How to cut the number"), choices=BINNING_CHOICES, required=False
    )
    thresholds = forms.CharField(label=_("Thresholds"), max_length=500, required=False)
    n_bins = forms.IntegerField(
        label=_("Number of groups"), min_value=2, max_value=20, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    #: Where the names of values are refused (the names table is its own inputs).
    value_labels = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        columns: pipeline.FeatureColumns,
        values: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.available = columns
        usable = [c for c in columns.columns if c.usable]
        self.fields["column"].choices = [("", gettext("— choose a column —"))] + [
            (c.name, f"{c.name} · {c.kind_label}") for c in usable
        ]
        self.fields["source_reference"].widget.attrs["placeholder"] = gettext(
            "e.g. Federal law No. 81-FZ, article 4"
        )
        self.fields["thresholds"].widget.attrs["placeholder"] = "18; 30; 45"
        self.fields["n_bins"].widget.attrs["placeholder"] = "4"
        self.value_rows = self._value_rows(values or [])

    def _value_rows(self, values: list[str]) -> list[dict[str, Any]]:
        """Rows of the names table: the data's values, the values already named, blank rows."""
        named: dict[str, str] = dict(self.initial.get("value_labels") or {})
        if self.is_bound:
            named = dict(
                zip(self.data.getlist("value_code"), self.data.getlist("value_label"), strict=False)
            )
        rows = [{"code": v, "label": named.get(v, ""), "known": True} for v in values]
        listed = set(values)
        rows += [
            {"code": c, "label": t, "known": True}
            for c, t in named.items()
            if c.strip() and c not in listed
        ]
        rows += [{"code": "", "label": "", "known": False} for _ in range(BLANK_VALUE_ROWS)]
        return rows

    def clean_thresholds(self) -> list[float]:
        return parse_thresholds(self.cleaned_data.get("thresholds") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        column = cleaned.get("column")
        if column and self.available.get(column) is None:
            self.add_error("column", gettext("There is no such column in the imported data."))
        method = cleaned.get("binning_method") or ""
        if cleaned.get("type") != FeatureType.numeric.value:
            cleaned["binning_method"] = ""
        elif (
            method == BinningMethod.thresholds.value
            and not cleaned.get("thresholds")
            and "thresholds" not in self.errors
        ):
            self.add_error("thresholds", gettext("Give at least one threshold, e.g. 18; 30; 45."))
        cleaned["value_labels"] = self._value_labels()
        return cleaned

    def _value_labels(self) -> dict[str, str]:
        codes = self.data.getlist("value_code") if self.is_bound else []
        labels = self.data.getlist("value_label") if self.is_bound else []
        out: dict[str, str] = {}
        for code, label in zip(codes, labels, strict=False):
            code, label = code.strip(), " ".join(label.split())
            if not code or not label:
                continue
            if len(code) > VALUE_MAX or len(label) > VALUE_MAX:
                self.add_error(
                    None,
                    gettext("A value or its name is longer than %(n)s characters.")
                    % {"n": VALUE_MAX},
                )
                continue
            out[code] = label
        return out

    def feature_data(self, feature_id: str, old: dict[str, Any] | None) -> dict[str, Any]:
        """The feature as the document's JSON has it; what the form does not edit (its data
        source, interval labels that still fit, names of intervals) is kept from ``old``."""
        c = self.cleaned_data
        numeric = c["type"] == FeatureType.numeric.value
        item: dict[str, Any] = {k: v for k, v in (old or {}).items() if k == "data_source"}
        item |= {
            "id": feature_id,
            "column": c["column"],
            "label": c["label"].strip(),
            "type": c["type"],
            # Names of a number's intervals are not edited here: kept as they were.
            "value_labels": (old or {}).get("value_labels", {}) if numeric else c["value_labels"],
        }
        if c.get("source_kind"):
            item["source"] = {
                "kind": c["source_kind"],
                "reference": (c.get("source_reference") or "").strip(),
            }
        method = c.get("binning_method") or ""
        if numeric and method:
            binning: dict[str, Any] = {"method": method, "unit": (c.get("unit") or "").strip()}
            if method == BinningMethod.thresholds.value:
                binning["thresholds"] = c["thresholds"]
                labels = ((old or {}).get("binning") or {}).get("labels")
                if labels is not None and len(labels) == len(c["thresholds"]) + 1:
                    binning["labels"] = labels
            else:
                binning["n_bins"] = c.get("n_bins") or 4
            item["binning"] = binning
        return item


def initial_of(feature: Any) -> dict[str, Any]:
    """The form's initial values for a feature of the document."""
    binning = feature.binning
    return {
        "column": feature.column,
        "label": feature.label,
        "type": feature.type.value,
        "source_kind": feature.source.kind.value if feature.source else "",
        "source_reference": feature.source.reference if feature.source else "",
        "binning_method": binning.method.value if binning else "",
        "thresholds": thresholds_text(binning.thresholds) if binning else "",
        "n_bins": binning.n_bins if binning else None,
        "unit": binning.unit if binning else "",
        "value_labels": dict(feature.value_labels),
    }


class PairForm(forms.Form):
    """Two features whose combinations make cross segments."""

    first = forms.ChoiceField(label=_("First feature"))
    second = forms.ChoiceField(label=_("Second feature"))

    def __init__(self, *args: Any, features: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f.id, f.label) for f in features]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("first") and cleaned.get("first") == cleaned.get("second"):
            self.add_error("second", gettext("Choose two different features."))
        return cleaned
