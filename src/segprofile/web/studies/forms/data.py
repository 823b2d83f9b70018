"""Forms of the data area: a file uploaded, the decisions on its columns before import, a dataset
version deleted."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.model import labels
from segprofile.model.ids import identifier_from
from segprofile.model.study import Study as StudyDocument


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """A size and its limit as people read them, never «1,0 МБ при пределе 1,0 МБ»: in bytes
    when rounding would make them look the same."""
    shown = filesizeformat(size), filesizeformat(limit)
    if shown[0] != shown[1] or size == limit:
        return shown
    unit = gettext("bytes")
    return (
        f"{number_format(size, force_grouping=True)} {unit}",
        f"{number_format(limit, force_grouping=True)} {unit}",
    )


# --- Data in: upload, inspect, confirm, import (issue #3) ---------------------------------------

DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet", ".pq")
NEW_SOURCE = "__new__"

COLUMN_TYPE_LABELS: dict[str, Any] = {
    "categorical": _("categorical"),
    "numeric": _("numeric"),
    "boolean": _("yes/no"),
    "date": _("date"),
    "identifier": _("identifier"),
    "text": _("free text"),
}
COLUMN_USE_LABELS: dict[str, Any] = {
    "feature": _("feature candidate"),
    "satisfaction": _("satisfaction score"),
    "nps": _("NPS score (0–10)"),
    "id": _("client identifier"),
    "text": _("text for analysis"),
    "none": _("not used"),
}
PII_ACTION_LABELS: dict[str, Any] = {
    "pseudonymise": _("replace with a pseudonym"),
    "drop": _("drop the column"),
    "generalise": _("keep the year only"),
    "keep": _("keep as is (give a reason)"),
    "mask": _("personal data in the texts masked"),
}
PII_KIND_LABELS: dict[str, Any] = {
    "fio": _("full name"),
    "snils": _("SNILS"),
    "inn": _("INN"),
    "passport": _("passport"),
    "phone": _("phone"),
    "email": _("e-mail"),
    "address": _("address"),
    "birth_date": _("birth date"),
    "client_id": _("client identifier"),
    "other": _("personal data"),
}
SOURCE_KIND_LABELS: dict[str, Any] = {
    "client_records": _("client records"),
    "population": _("population counts"),
    "survey": _("survey"),
    "interviews": _("interviews"),
    "complaints": _("complaints"),
    "other": _("other"),
}
ENCODING_CHOICES = [
    ("", _("detect")),
    ("utf-8", "UTF-8"),
    ("cp1251", "Windows-1251"),
    ("koi8-r", "KOI8-R"),
]
DELIMITER_CHOICES = [
    ("", _("detect")),
    (";", _("semicolon ;")),
    (",", _("comma ,")),
    ("tab", _("tab")),
    ("|", _("bar |")),
]
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def plain_file_name(name: str) -> bool:
    """A file name without folders, dots-only names or control characters."""
    return bool(
        name
        and "/" not in name
        and "\\" not in name
        and ".." not in name
        and name not in (".", "..")
        and name.isprintable()
        and len(name) <= 255
    )


class DataFileForm(forms.Form):
    """A data file to inspect before import: for a source of the study or for a new one."""

    masked_list = ""
    """What the new source's title had masked («1 имя, 1 телефон»), once the form is valid."""

    source = forms.ChoiceField(label=_("Data source"))
    new_source_id = forms.CharField(
        label=_("Identifier of the new source"),
        max_length=64,
        required=False,
        help_text=_(
            "May be left empty: it is made from the title (or the file name). Latin letters, "
            "digits, «_», «-», «.»."
        ),
    )
    new_source_kind = forms.ChoiceField(
        label=_("Kind of the new source"),
        choices=list(SOURCE_KIND_LABELS.items()),
        required=False,
    )
    new_source_title = forms.CharField(
        label=_("Title of the new source"), max_length=300, required=False
    )
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,  # a 0-byte file gets our own message that names it
        help_text=_("CSV, TSV, TXT, XLSX, XLS or Parquet."),
    )
    sheet = forms.CharField(
        label=_("Sheet (workbooks)"),
        max_length=200,
        required=False,
        help_text=_("Name or number; empty: the first sheet with data."),
    )
    header_row = forms.IntegerField(
        label=_("Header row (workbooks)"), min_value=1, max_value=1000, required=False
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITER_CHOICES, required=False)

    def __init__(self, *args: Any, document: StudyDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        # Sources as every page names them (by title), never by their generated ids.
        choices = list(labels.source_titles(document).items())
        self.fields["source"].choices = [*choices, (NEW_SOURCE, gettext("a new source…"))]
        self.fields["file"].widget.attrs["accept"] = ",".join(DATA_SUFFIXES)

    def clean_file(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["file"]
        name = uploaded.name or ""
        if not plain_file_name(name):
            raise forms.ValidationError(
                gettext("The file name must be a plain name without folders."), code="name"
            )
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in DATA_SUFFIXES:
            raise forms.ValidationError(
                gettext(
                    "The file %(name)s is not a CSV, TSV, TXT, XLSX, XLS or Parquet file. "
                    "Save the data in one of these formats and upload it again."
                ),
                params={"name": name},
                code="format",
            )
        size = uploaded.size or 0
        if size == 0:
            raise forms.ValidationError(
                gettext(
                    "The file %(name)s is empty (0 bytes): the upload failed or the export is "
                    "empty. Export the data again and upload the file once more."
                ),
                params={"name": name},
                code="empty",
            )
        limit = settings.SEGPROFILE_MAX_UPLOAD_BYTES
        if size > limit:
            raise forms.ValidationError(
                gettext(
                    "The file %(name)s is too large: %(size)s, the limit is %(limit)s. Split it "
                    "into parts or ask the administrator to raise SEGPROFILE_MAX_UPLOAD_MB."
                ),
                params=dict(zip(("size", "limit"), _sizes(size, limit), strict=True), name=name),
                code="too_large",
            )
        return uploaded

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("source") != NEW_SOURCE:
            return cleaned
        source_id = (cleaned.get("new_source_id") or "").strip()
        taken = {s.id for s in self.document.data_sources}
        uploaded = cleaned.get("file")
        # The title is a typed text about clients like the study's others: masked before its
        # id or the upload's record is made of it (the revision would mask it too late).
        title, self.masked_list = pipeline.mask_text(
            (cleaned.get("new_source_title") or "").strip()
        )
        cleaned["new_source_title"] = title
        if not source_id:  # made from what the analyst did write: the title, else the file
            named = title
            if not named and uploaded is not None:
                named = pipeline.mask_text(PurePosixPath(uploaded.name or "").stem)[0]
            source_id = identifier_from(named, taken, fallback="source", length=32)
        if not _SOURCE_ID.match(source_id):
            self.add_error(
                "new_source_id",
                gettext(
                    "Give the new source a short identifier: Latin letters, digits, «_», «-», «.»."
                ),
            )
        elif source_id in taken:
            self.add_error(
                "new_source_id",
                gettext("The study already has a source «%(id)s».") % {"id": source_id},
            )
        if not cleaned.get("new_source_kind"):
            self.add_error("new_source_kind", gettext("Choose the kind of the new source."))
        cleaned["new_source_id"] = source_id
        return cleaned

    def read_options(self) -> dict[str, Any]:
        """The reading options the user set (stored with the upload, used on every read)."""
        data = self.cleaned_data
        delimiter = data.get("delimiter") or None
        return {
            "sheet": (data.get("sheet") or "").strip() or None,
            "header_row": data.get("header_row"),
            "encoding": data.get("encoding") or None,
            "delimiter": "\t" if delimiter == "tab" else delimiter,
        }


class ImportDecisionsForm(forms.Form):
    """The user's decisions on an inspected file: type and use of every column, the action on
    every column with personal data (a reason to keep one as is), and — for an owner only —
    whether the original is kept.

    Fields are numbered by column position: column names may hold any character.
    """

    extra_pii_column = forms.ChoiceField(label=_("Also personal data"), required=False)
    extra_pii_action = forms.ChoiceField(
        label=_("Action"),
        choices=[(k, PII_ACTION_LABELS[k]) for k in ("pseudonymise", "drop")],
        required=False,
    )
    confirm_pii = forms.BooleanField(
        label=_("I have checked the personal data found in the file and the actions on it."),
        required=False,
    )
    keep_original = forms.BooleanField(
        label=_(
            "Keep the original file after the import, apart from the data (owners only; "
            "recorded in the audit log)"
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        summary: dict[str, Any],
        can_keep: bool = False,
        settings_of: tuple[StudyDocument, str] | None = None,
        count_of: tuple[StudyDocument, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not can_keep:  # only an owner may keep an original (issue 15)
            del self.fields["keep_original"]
        self.summary = summary
        self.columns: list[dict[str, Any]] = summary["columns"]
        pii = {f["column"]: f for f in summary["pii"]}
        self.findings = pii
        type_choices = list(COLUMN_TYPE_LABELS.items())
        use_choices = list(COLUMN_USE_LABELS.items())
        reasons: dict[str, str] = summary.get("reasons", {})
        for i, col in enumerate(self.columns):
            self.fields[f"type_{i}"] = forms.ChoiceField(
                label=col["name"], choices=type_choices, initial=col["type"]
            )
            self.fields[f"use_{i}"] = forms.ChoiceField(
                label=col["name"], choices=use_choices, initial=col["use"]
            )
            self.fields[f"type_{i}"].widget.attrs["aria-label"] = gettext(
                "Type of the column %(column)s"
            ) % {"column": col["name"]}
            self.fields[f"use_{i}"].widget.attrs["aria-label"] = gettext(
                "Use of the column %(column)s"
            ) % {"column": col["name"]}
            finding = pii.get(col["name"])
            if finding is None:
                continue
            actions = ["pseudonymise", "drop", "keep"]
            if col.get("is_date"):
                actions.insert(2, "generalise")
            self.fields[f"pii_{i}"] = forms.ChoiceField(
                label=col["name"],
                choices=[(a, PII_ACTION_LABELS[a]) for a in actions],
                initial=finding["action"],
            )
            self.fields[f"reason_{i}"] = forms.CharField(
                label=col["name"],
                max_length=300,
                required=False,
                initial=reasons.get(col["name"], ""),
            )
            self.fields[f"pii_{i}"].widget.attrs["aria-label"] = gettext(
                "Action on the column %(column)s"
            ) % {"column": col["name"]}
            self.fields[f"reason_{i}"].widget.attrs.update(
                {
                    "aria-label": gettext("Why the column %(column)s is kept as is")
                    % {"column": col["name"]},
                    "placeholder": gettext("reason, if kept as is"),
                }
            )
        self.fields["extra_pii_column"].choices = [("", "—")] + [
            (str(i), c["name"]) for i, c in enumerate(self.columns) if c["name"] not in pii
        ]
        self.settings_source: str | None = None
        self.internal = False
        self.existing_features: list[str] = []
        if settings_of is not None:
            self._settings_fields(*settings_of)
        self.count_source: str | None = None
        if count_of is not None:
            self._count_field(*count_of)

    # --- the study settings chosen here (issue 19): rating, id, date, features ------------------

    def _settings_fields(self, document: StudyDocument, source_id: str) -> None:
        """The fields that write the study's settings from this file: which column is the
        satisfaction rating, the client id, the date, and which become features."""
        self.settings_source = source_id
        self.internal = document.scope.internal_only  # examples of employees, not citizens
        source = next((s for s in document.data_sources if s.id == source_id), None)
        records = document.client_records()
        default_table = records.id if records is not None else source_id
        names = [c["name"] for c in self.columns]

        def index(name: str | None) -> str:
            return str(names.index(name)) if name in names else ""

        def first(test: Any) -> str:
            return next((str(i) for i, c in enumerate(self.columns) if test(c)), "")

        features = {
            f.column for f in document.features if (f.data_source or default_table) == source_id
        }
        self.existing_features = [n for n in names if n in features]
        any_column = [("", gettext("— not in this file —"))] + [
            (str(i), n) for i, n in enumerate(names)
        ]
        rating = index(document.segmentation.satisfaction.column) or first(
            lambda c: c["use"] == "satisfaction"
        )
        id_column = index(source.id_column if source else None) or index(
            self.summary["quality"].get("id_column")
        )
        date = index(source.date_column if source else None) or first(
            lambda c: c["type"] == "date" and not c["pii"]
        )
        chosen_before = self.summary.get("settings")  # a re-check keeps what was chosen
        if chosen_before:
            rating = index(chosen_before.get("rating_column"))
            id_column = index(chosen_before.get("id_column"))
            date = index(chosen_before.get("date_column"))
        self.fields["rating_column"] = forms.ChoiceField(
            label=_("Satisfaction rating"), choices=any_column, initial=rating, required=False
        )
        self.fields["id_column"] = forms.ChoiceField(
            label=_("Client identifier"),
            choices=any_column,
            initial=id_column,
            required=False,
            help_text=self._id_help(id_column),
        )
        self.fields["date_column"] = forms.ChoiceField(
            label=_("Date of the request"), choices=any_column, initial=date, required=False
        )
        candidates = [
            (str(i), c["name"])
            for i, c in enumerate(self.columns)
            if c["name"] not in features
            and c["type"] in pipeline.uploads.FEATURE_TYPES
            and c["use"] not in ("satisfaction", "nps", "id")
            and not c["pii"]
        ]
        if chosen_before:
            before = {str(c) for c, _t in chosen_before.get("features") or []}
            picked = [i for i, n in candidates if n in before]
        else:
            picked = [i for i, _n in candidates if self.columns[int(i)]["use"] == "feature"]
        self.fields["feature_columns"] = forms.MultipleChoiceField(
            label=_("New features"),
            choices=candidates,
            initial=picked,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    # --- a population table: which column holds the number of people ---------------------------

    def _count_field(self, document: StudyDocument, source_id: str) -> None:
        """The column with the number of people in a row of a population table; guessed from
        the name («Численность», «Количество…», «Число…») among the numeric columns."""
        self.count_source = source_id
        source = next((s for s in document.data_sources if s.id == source_id), None)
        numeric = [
            (str(i), c["name"])
            for i, c in enumerate(self.columns)
            if c["type"] == "numeric" and not c["pii"]
        ]
        by_name = {name: i for i, name in numeric}
        chosen_before = self.summary.get("settings") or {}
        if chosen_before.get("count_column") is not None:
            initial = by_name.get(chosen_before["count_column"], "")
        elif source is not None and source.count_column:
            initial = by_name.get(source.count_column, "")
        else:
            guess = pipeline.guess_count_column([name for _i, name in numeric])
            initial = by_name.get(guess, "") if guess else ""
        self.fields["count_column"] = forms.ChoiceField(
            label=_("Number of people in a row"),
            choices=[("", gettext("— none: a row is one person —")), *numeric],
            initial=initial,
            required=False,
            help_text=_(
                "The population table tells how many people are entitled: choose the column "
                "with the number of people in each row (e.g. «Численность»). Without it every "
                "row counts as one person, and the blind zone is wrong for a table of counts. "
                "Only numeric columns are offered: set a column's type to «numeric» above and "
                "check the file again if it is missing."
            ),
        )

    def _clean_count(self, cleaned: dict[str, Any]) -> None:
        value = cleaned.get("count_column") or ""
        if not value:
            return
        name = self.columns[int(value)]["name"]
        if cleaned.get(f"type_{value}") != "numeric":
            self.add_error(
                "count_column",
                gettext(
                    "The number of people must be a number: set the type of the column "
                    "«%(column)s» to «numeric» in the table above, or choose another column."
                )
                % {"column": name},
            )
        elif cleaned.get(f"pii_{value}") == "drop":
            self.add_error(
                "count_column",
                gettext(
                    "The column «%(column)s» is dropped on import: choose another column or "
                    "another action on it."
                )
                % {"column": name},
            )

    def count_row(self) -> Any:
        """The count column's field for the template (``None`` when this file is no
        population table)."""
        return self["count_column"] if self.count_source is not None else None

    def _id_help(self, index: str) -> str:
        """What the import does with the client id column, as chosen on this page (the action
        in «Personal data»): the text follows the choice, never says «pseudonym» of a column
        kept as it is."""
        action = "pseudonymise"
        if index:
            name = self.columns[int(index)]["name"]
            action = (self.findings.get(name) or {}).get("action", action)
            if self.is_bound and f"pii_{index}" in self.fields:
                action = self.data.get(f"pii_{index}") or action
        if action == "keep" and self.internal:
            return gettext(
                "Kept as is on import, as the study decided before: only with a reason given "
                "for this file (in «Personal data» below). A personnel number or a request number "
                "leads to one employee: choose «replace with a pseudonym» there unless the file "
                "holds pseudonyms already."
            )
        if action == "keep":
            return gettext(
                "Kept as is on import, as the study decided before: only with a reason given "
                "for this file (in «Personal data» below). An application or client number "
                "leads to one person: choose «replace with a pseudonym» there unless the file "
                "holds pseudonyms already."
            )
        if action == "drop":
            return gettext(
                "Dropped on import: survey answers and complaints cannot be linked to the "
                "records by it."
            )
        if self.internal:
            return gettext(
                "Replaced by a pseudonym on import: a personnel number or a request number leads "
                "to one employee. Survey answers and memos with this column get the same "
                "pseudonyms, so they stay linked to the records."
            )
        return gettext(
            "Replaced by a pseudonym on import, like SNILS: an application or client number "
            "leads to one person. Survey answers and complaints with this column get the same "
            "pseudonyms, so they stay linked to the records."
        )

    def settings_rows(self) -> dict[str, Any] | None:
        """The settings fields for the template (``None`` when this file sets none)."""
        if self.settings_source is None:
            return None
        return {
            "columns": [self["rating_column"], self["id_column"], self["date_column"]],
            "features": self["feature_columns"],
            "existing": self.existing_features,
        }

    def _clean_settings(self, cleaned: dict[str, Any]) -> None:
        chosen: dict[str, str] = {}
        for field in ("rating_column", "id_column", "date_column"):
            value = cleaned.get(field) or ""
            if not value:
                continue
            other = next((f for f, v in chosen.items() if v == value), None)
            if other is not None:
                self.add_error(
                    field,
                    gettext("The column «%(column)s» is already chosen as «%(other)s».")
                    % {
                        "column": self.columns[int(value)]["name"],
                        "other": self.fields[other].label,
                    },
                )
                continue
            chosen[field] = value
            name = self.columns[int(value)]["name"]
            chosen_type = cleaned.get(f"type_{value}")
            if cleaned.get(f"pii_{value}") == "drop":
                self.add_error(
                    field,
                    gettext(
                        "The column «%(column)s» is dropped on import: choose another column or "
                        "another action on it."
                    )
                    % {"column": name},
                )
            elif field == "rating_column" and chosen_type != "numeric":
                self.add_error(
                    field,
                    gettext(
                        "A rating must be a number: set the type of the column «%(column)s» to "
                        "«numeric» in the table above (cells such as «н/д» are read as missing)."
                    )
                    % {"column": name},
                )
            elif field == "date_column" and chosen_type != "date":
                self.add_error(
                    field,
                    gettext(
                        "Set the type of the column «%(column)s» to «date» in the table above, or "
                        "choose another column."
                    )
                    % {"column": name},
                )
        wrong = []
        for value in cleaned.get("feature_columns") or []:
            col = self.columns[int(value)]
            if value in chosen.values():  # the rating, id or date: not a feature as well
                continue
            if cleaned.get(f"type_{value}") not in pipeline.uploads.FEATURE_TYPES:
                wrong.append(
                    gettext(
                        "«%(column)s» is of the type «%(type)s»; a feature is categorical, "
                        "numeric or yes/no"
                    )
                    % {
                        "column": col["name"],
                        "type": COLUMN_TYPE_LABELS.get(cleaned.get(f"type_{value}") or "", "—"),
                    }
                )
            elif cleaned.get(f"pii_{value}") in ("drop", "pseudonymise") or (
                cleaned.get("extra_pii_column") == value
            ):
                wrong.append(
                    gettext("«%(column)s» holds personal data and is not kept as it is")
                    % {"column": col["name"]}
                )
        if wrong:
            self.add_error(
                "feature_columns",
                gettext("These columns cannot be features: %(list)s.") % {"list": "; ".join(wrong)},
            )

    def upload_settings(self) -> pipeline.UploadSettings | None:
        """The chosen settings (column names), for the import to write into the study."""
        data = self.cleaned_data
        if self.count_source is not None:
            value = data.get("count_column") or ""
            return pipeline.UploadSettings(
                source_id=self.count_source,
                count_column=self.columns[int(value)]["name"] if value else "",
            )
        if self.settings_source is None:
            return None

        def name(field: str) -> str | None:
            value = data.get(field) or ""
            return self.columns[int(value)]["name"] if value else None

        taken = {data.get(f) for f in ("rating_column", "id_column", "date_column")}
        features = [
            (self.columns[int(v)]["name"], str(data.get(f"type_{v}")))
            for v in data.get("feature_columns") or []
            if v not in taken
        ]
        return pipeline.UploadSettings(
            source_id=self.settings_source,
            rating_column=name("rating_column"),
            id_column=name("id_column"),
            date_column=name("date_column"),
            features=features,
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row a column for the template: the column and its bound fields."""
        out = []
        for i, col in enumerate(self.columns):
            out.append(
                {
                    "column": col,
                    "finding": self.findings.get(col["name"]),
                    "type": self[f"type_{i}"],
                    "use": self[f"use_{i}"],
                    "pii": self[f"pii_{i}"] if f"pii_{i}" in self.fields else None,
                    "reason": self[f"reason_{i}"] if f"reason_{i}" in self.fields else None,
                }
            )
        return out

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for i, col in enumerate(self.columns):
            # The gate's rule (datasets._check_keep_reasons), asked here before the import: a
            # column with personal data is kept as is only with a reason given for this file —
            # a keep saved in the study (the examples' demo ids) carries none.
            if cleaned.get(f"pii_{i}") == "keep" and not (cleaned.get(f"reason_{i}") or "").strip():
                finding = self.findings.get(col["name"]) or {}
                saved = finding.get("action") == "keep" and not finding.get("review")
                self.add_error(
                    f"reason_{i}",
                    (
                        gettext(
                            "The study keeps the column «%(column)s» as is, but a reason is "
                            "given for each file: say why it is kept as is in this file, or "
                            "choose «replace with a pseudonym»."
                        )
                        if saved
                        else gettext(
                            "Say why the column «%(column)s» with personal data is kept as is."
                        )
                    )
                    % {"column": col["name"]},
                )
        if cleaned.get("extra_pii_column") and not cleaned.get("extra_pii_action"):
            self.add_error("extra_pii_action", gettext("Choose what to do with the column."))
        return cleaned

    def require_confirmation(self) -> bool:
        """For the import itself (not a re-check): personal data must be confirmed, and the
        study settings chosen must fit the columns' types and actions."""
        ok = True
        if self.settings_source is not None or self.count_source is not None:
            errors = len(self.errors)
            if self.settings_source is not None:
                self._clean_settings(self.cleaned_data)
            if self.count_source is not None:
                self._clean_count(self.cleaned_data)
            ok = len(self.errors) == errors
        has_pii = bool(self.summary["pii"]) or bool(self.cleaned_data.get("extra_pii_column"))
        if has_pii and not self.cleaned_data.get("confirm_pii"):
            self.add_error(
                "confirm_pii",
                gettext("Confirm that you have checked the personal data and the actions on it."),
            )
            return False
        return ok

    def personal_texts_as_categories(self) -> list[str]:
        """The columns with personal data inside their texts (masked on import) that the
        analyst imports as categories: their masked texts would become segments."""
        data = self.cleaned_data
        return [
            col["name"]
            for i, col in enumerate(self.columns)
            if col.get("in_text") and data.get(f"type_{i}") == "categorical"
        ]

    def decisions(self) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
        """``column → {type, use, pii}`` (changes and confirmed actions) and keep reasons."""
        data = self.cleaned_data
        out: dict[str, dict[str, str]] = {}
        reasons: dict[str, str] = {}
        for i, col in enumerate(self.columns):
            decision: dict[str, str] = {}
            chosen_type, chosen_use = data.get(f"type_{i}"), data.get(f"use_{i}")
            if chosen_type and (chosen_type != col["type"] or col.get("overridden")):
                decision["type"] = chosen_type
            if chosen_use and (chosen_use != col["use"] or col.get("overridden")):
                decision["use"] = chosen_use
            action = data.get(f"pii_{i}")
            if action:
                decision["pii"] = action
                if action == "keep":
                    reasons[col["name"]] = data[f"reason_{i}"].strip()
            if decision:
                out[col["name"]] = decision
        extra = data.get("extra_pii_column")
        if extra:
            name = self.columns[int(extra)]["name"]
            out.setdefault(name, {})["pii"] = data.get("extra_pii_action") or "pseudonymise"
        return out, reasons


class DeleteVersionForm(forms.Form):
    """Deleting a stored dataset version: only on purpose."""

    confirm = forms.BooleanField(
        label=_("Yes, delete this version for good."),
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )


class DeleteRunForm(DeleteVersionForm):
    """Deleting a built profile: only on purpose."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = _("Yes, delete this profile for good.")


class SourceTitleForm(forms.Form):
    """A data source's new title (the pages, the reports and the evidence name it so)."""

    title = forms.CharField(
        label=_("Title of the source"),
        max_length=300,
        error_messages={
            "required": _("Give the source a title: the pages and the reports name it so."),
            "max_length": _("Shorten the title to %(limit_value)d characters."),
        },
    )
