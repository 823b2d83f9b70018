"""Forms of a study: one started from nothing (its scope), one made from an example, a study
document uploaded as a study or a revision."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from segprofile import pipeline
from segprofile.errors import DocumentError, SegprofileError
from segprofile.model.study import ScopeKind
from segprofile.model.study import Study as StudyDocument
from segprofile.web.studies.forms import NumberField
from segprofile.web.studies.forms.scope import LegalActRows, ScopeForm


def _example_choices() -> list[tuple[str, str]]:
    return [(e.name, e.title) for e in pipeline.list_examples()]


class NewStudyForm(ScopeForm):
    """The guided start of a study from nothing: its scope (M-1); the legal acts come in rows
    beside it (:func:`legal_act_rows`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"kind": ScopeKind.service.value})
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        if not self["client_types"].value():  # the type is not chosen yet: both examples
            self.fields["title"].help_text = _(
                "As the legal acts name it; example: the unified child benefit, or reimbursement "
                "of business trip expenses to employees."
            )
            self.fields["body"].help_text = _(
                "Who provides it; example: a regional office of the SFR, or the body's "
                "accounting and reporting department."
            )


def legal_act_rows(data: Any = None) -> Any:
    """The guided start's rows of legal acts (empty rows are skipped)."""
    return LegalActRows(data, prefix="acts")


def filled_acts(rows: Any) -> list[dict[str, str]]:
    """The legal acts (``title``, ``reference``) of the filled rows of a valid
    :func:`legal_act_rows`."""
    return [
        {"title": r["title"], "reference": r.get("reference", "")}
        for r in rows.cleaned_data
        if r.get("title")
    ]


class ExampleForm(forms.Form):
    """Create a study from one of the bundled examples."""

    example = forms.ChoiceField(label=_("Example"), choices=_example_choices)
    # Test support, offered by no page: the browser tests that never open the example's profile
    # create the study without queuing it (its build would only hold up their background jobs).
    without_profile = forms.BooleanField(required=False)


class StudyUploadForm(forms.Form):
    """A study document (YAML) to store as a new study or as a new revision."""

    document = forms.FileField(
        label=_("Study document (YAML)"),
        help_text=_("A study.yaml file, for example one downloaded from this site or the CLI."),
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.study_document: StudyDocument | None = None
        self.document_error: DocumentError | None = None
        # The file's name as the pages, the messages and the audit log may show it: masked as
        # a typed text is (a name like «Иванов_89161234567.yaml» is personal data too).
        self.file_name = ""
        self.fields["document"].widget.attrs["accept"] = ".yaml,.yml,.json"

    def clean_document(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["document"]
        limit = settings.SEGPROFILE_MAX_STUDY_BYTES
        if uploaded.size is not None and uploaded.size > limit:
            raise forms.ValidationError(
                gettext("The document is too large (over %(limit)s)."),
                params={"limit": filesizeformat(limit)},
                code="too_large",
            )
        raw = b"".join(uploaded.chunks())
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                gettext("The document is not UTF-8 text. Save it in UTF-8 and upload it again."),
                code="encoding",
            ) from None
        source = pipeline.mask_file_name(
            PurePosixPath((uploaded.name or "study.yaml").replace("\\", "/")).name
        )
        self.file_name = source
        try:
            # Parsed in a child process with memory and time limits, like every uploaded file.
            self.study_document = pipeline.run_isolated(
                pipeline.parse_study, text, source=source, file=source
            )
        except DocumentError as exc:
            # Its problems may quote the file (a key, a value): shown masked, as the file is.
            mask = pipeline.mask_comment
            self.document_error = DocumentError(
                exc.source, [(mask(path), line, mask(text)) for path, line, text in exc.problems]
            )
            raise forms.ValidationError(self.document_error.message, code="document") from None
        except SegprofileError as exc:
            raise forms.ValidationError(pipeline.mask_comment(str(exc)), code="document") from None
        return uploaded


KEEP, TAKE = "keep", "take"


class RevisionChoiceForm(forms.Form):
    """Which sections of an uploaded study document replace the study's (issue 19): one
    choice per section the file would change — keep the current version or take the file's.
    The file's document rides along signed (``payload``): nothing is stored before the choice.
    """

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, sections: list[pipeline.SectionChange], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[f"section_{section.key}"] = forms.ChoiceField(
                label=section.name,
                choices=[
                    (KEEP, _("keep the current version")),
                    (TAKE, _("take the file's version")),
                ],
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Choose: keep the current version or take the file's.")
                },
            )

    def rows(self) -> list[dict[str, Any]]:
        """One row a section for the template: what would change and its choice."""
        return [{"section": s, "choice": self[f"section_{s.key}"]} for s in self.sections]

    def taken(self) -> list[str]:
        """The sections whose file version was chosen."""
        return [s.key for s in self.sections if self.cleaned_data.get(f"section_{s.key}") == TAKE]


# --- issue 19: roles and audiences, segmentation settings, priority -----------------------------


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class RoleForm(forms.Form):
    """One role of the study (M-2) with its audience: who is entitled to the service, on which
    legal basis, selected from the data by which rule, counted in which population table."""

    kind = forms.ChoiceField(label=_("Kind of role"))
    title = forms.CharField(label=_("Role title"), max_length=300, required=False)
    description = forms.CharField(
        label=_("What the role does"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    audience_description = forms.CharField(
        label=_("Audience: who is entitled"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("e.g. parents of children under 17 living in the region"),
    )
    eligibility_rule = forms.CharField(
        label=_("Eligibility rule"),
        required=False,
        help_text=_(
            "Columns of the client records, e.g. Age >= 18 and [Application channel] = 'MFC'. "
            "A column name with spaces goes in square brackets; capital and small letters in "
            "names are alike; a text value goes in single quotes; a number is written as 30000 "
            "or 30 000."
        ),
    )
    population_source = forms.ChoiceField(label=_("Population table"), required=False)

    def __init__(
        self,
        *args: Any,
        document: StudyDocument,
        basis_rows: int = 0,
        rule_columns: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        from segprofile.model.study import DataSourceKind, RoleKind

        self.rule_columns = rule_columns  # the data's columns a rule may name; None: not loaded
        from segprofile.web.studies.templatetags.studies_tags import kind_label

        self.fields["kind"].choices = [(k.value, kind_label(k)) for k in RoleKind]
        acts = _blank(gettext("— no act —")) + [
            (act.id, act.title) for act in document.scope.legal_acts
        ]
        self.basis_count = max(basis_rows, self._posted_rows()) + 1  # one empty row to add to
        for i in range(self.basis_count):
            self.fields[f"act_{i}"] = forms.ChoiceField(
                label=_("Legal act"), choices=acts, required=False
            )
            self.fields[f"article_{i}"] = forms.CharField(
                label=_("Article, clause"), max_length=200, required=False
            )
        # Population figures; and a source an existing audience names (a document written
        # by hand may name another kind), so that editing the role does not lose it.
        named = {r.audience.population_source for r in document.roles if r.audience is not None}
        self.fields["population_source"].choices = _blank(gettext("— none —")) + [
            (s.id, s.title or s.id)
            for s in document.data_sources
            if s.kind is DataSourceKind.population or s.id in named
        ]
        self.has_acts = bool(document.scope.legal_acts)
        self.has_population = len(self.fields["population_source"].choices) > 1
        self.internal = document.scope.internal_only  # examples of employees, not citizens
        # A new role's kind: the study's own client.
        client = RoleKind.internal_client if self.internal else RoleKind.applicant
        self.fields["kind"].initial = client.value
        if self.internal:
            self.fields["audience_description"].help_text = _(
                "e.g. all employees of the body, territorial units and remote workers included"
            )
            self.fields["eligibility_rule"].help_text = _(
                "Columns of the client records, e.g. Tenure < 1 and [Request type] = 'Advance'. "
                "A column name with spaces goes in square brackets; capital and small letters in "
                "names are alike; a text value goes in single quotes; a number is written as 30000 "
                "or 30 000."
            )

    def _posted_rows(self) -> int:
        if not self.is_bound:
            return 0
        filled = [
            int(key[4:])
            for key, value in self.data.items()
            if str(key).startswith("act_") and str(key)[4:].isdigit() and value
        ]
        return min(max(filled, default=-1) + 1, 50)  # rows up to the last one filled

    @property
    def basis_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"act_{i}"], self[f"article_{i}"]) for i in range(self.basis_count)]

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(
                gettext("Name the role, e.g. «Employee» or «Accountant».")
                if self.internal
                else gettext("Name the role, e.g. «Applicant» or «MFC operator».")
            )
        return title

    def clean_eligibility_rule(self) -> str | None:
        try:
            return pipeline.check_eligibility_rule(
                self.cleaned_data["eligibility_rule"], self.rule_columns
            )
        except SegprofileError as exc:
            raise forms.ValidationError(str(exc)) from None

    def legal_basis(self) -> list[dict[str, str]]:
        """The legal basis rows filled in, in order (cleaned)."""
        rows = []
        for i in range(self.basis_count):
            act = self.cleaned_data.get(f"act_{i}") or ""
            article = (self.cleaned_data.get(f"article_{i}") or "").strip()
            if act:
                rows.append({"act": act, "article": article})
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for i in range(self.basis_count):
            if (data.get(f"article_{i}") or "").strip() and not data.get(f"act_{i}"):
                self.add_error(f"act_{i}", gettext("Choose the legal act this article belongs to."))
        described = bool((data.get("audience_description") or "").strip())
        used = bool(
            data.get("eligibility_rule") or data.get("population_source") or self.legal_basis()
        )
        if used and not described:
            self.add_error(
                "audience_description",
                gettext(
                    "Describe the audience: a legal basis, a rule or a population table belong "
                    "to an audience."
                ),
            )
        return data

    def role_data(self, role_id: str) -> dict[str, Any]:
        """The role as the document's data (JSON)."""
        data = self.cleaned_data
        audience = None
        if data["audience_description"].strip():
            audience = {
                "description": data["audience_description"].strip(),
                "legal_basis": self.legal_basis(),
                "eligibility_rule": data["eligibility_rule"],
                "population_source": data["population_source"] or None,
            }
        return {
            "id": role_id,
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"].strip(),
            "audience": audience,
        }

    @classmethod
    def initial_of(cls, role: Any) -> dict[str, Any]:
        """The form's initial values from a role of the document."""
        initial: dict[str, Any] = {
            "kind": role.kind.value,
            "title": role.title,
            "description": role.description,
        }
        if role.audience is not None:
            initial |= {
                "audience_description": role.audience.description,
                "eligibility_rule": role.audience.eligibility_rule or "",
                "population_source": role.audience.population_source or "",
            }
            for i, basis in enumerate(role.audience.legal_basis):
                initial[f"act_{i}"] = basis.act
                initial[f"article_{i}"] = basis.article
        return initial


class SettingsForm(forms.Form):
    """Segmentation settings (M-4, M-5), the satisfaction rating (M-6) and the clients' id."""

    K_RANGE = "range"
    K_FIXED = "fixed"

    min_cell = forms.IntegerField(
        label=_("Smallest group shown"),
        help_text=_(
            "Groups of fewer people are hidden in every output (pages, reports, downloads): "
            "a figure about a handful of people could point at a person."
        ),
    )
    clustering_features = forms.MultipleChoiceField(
        label=_("Features that form the clusters"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    k_mode = forms.ChoiceField(
        label=_("Number of clusters"),
        widget=forms.RadioSelect,
        choices=[(K_RANGE, _("chosen from the data within a range")), (K_FIXED, _("fixed"))],
    )
    k_min = forms.IntegerField(label=_("from"), required=False)
    k_max = forms.IntegerField(label=_("to"), required=False)
    n_clusters = forms.IntegerField(label=_("Fixed number"), required=False)
    satisfaction_column = forms.CharField(label=_("Satisfaction rating column"), required=False)
    scale_min = forms.IntegerField(label=_("Lowest rating"))
    scale_max = forms.IntegerField(label=_("Highest rating"))
    csat_threshold = forms.IntegerField(
        label=_("Satisfied from"),
        help_text=_("Ratings at or above it count as satisfied (CSAT)."),
    )
    nps_column = forms.CharField(
        label=_("NPS question column"),
        required=False,
        help_text=_(
            "NPS is the answer to «How likely are you to recommend…» on a scale from 0 to 10: "
            "the share of promoters (9–10) minus the share of detractors (0–6), from −100 to "
            "100. Leave empty if the client records have no such question."
        ),
    )
    id_column = forms.CharField(label=_("Client id column"), required=False)

    def __init__(
        self,
        *args: Any,
        document: StudyDocument,
        columns: list[str],
        numeric_columns: list[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["clustering_features"].choices = [(f.id, f.label) for f in document.features]
        self.columns = columns
        source = document.client_records()
        self.has_source = source is not None
        current = {
            "satisfaction_column": document.segmentation.satisfaction.column,
            "id_column": source.id_column if source is not None else None,
        }
        if columns:
            for name, value in current.items():
                choices = _blank(gettext("— none —")) + [(c, c) for c in columns]
                if value and value not in columns:  # an old document naming a missing column
                    choices.append(
                        (value, gettext("%(column)s (not in the data)") % {"column": value})
                    )
                self.fields[name] = forms.ChoiceField(
                    label=self.fields[name].label, choices=choices, required=False
                )
        if source is None:
            del self.fields["id_column"]
        if columns:  # answers from 0 to 10: only the numeric columns of the data
            nps = document.segmentation.satisfaction.nps_column
            choices = _blank(gettext("— none —")) + [(c, c) for c in numeric_columns or []]
            if nps and nps not in (numeric_columns or []):
                choices.append((nps, gettext("%(column)s (not in the data)") % {"column": nps}))
            self.fields["nps_column"] = forms.ChoiceField(
                label=self.fields["nps_column"].label,
                help_text=self.fields["nps_column"].help_text,
                choices=choices,
                required=False,
                error_messages={
                    "invalid_choice": gettext(
                        "Choose a numeric column of the imported client records: the answers "
                        "to the NPS question are numbers from 0 to 10."
                    )
                },
            )

    @classmethod
    def initial_of(cls, document: StudyDocument) -> dict[str, Any]:
        seg = document.segmentation
        source = document.client_records()
        fixed = seg.clustering.n_clusters is not None
        return {
            "min_cell": seg.min_cell,
            "clustering_features": list(seg.clustering.features),
            "k_mode": cls.K_FIXED if fixed else cls.K_RANGE,
            "k_min": seg.clustering.k_range[0],
            "k_max": seg.clustering.k_range[1],
            "n_clusters": seg.clustering.n_clusters,
            "satisfaction_column": seg.satisfaction.column or "",
            "scale_min": seg.satisfaction.scale_min,
            "scale_max": seg.satisfaction.scale_max,
            "csat_threshold": seg.satisfaction.csat_threshold,
            "nps_column": seg.satisfaction.nps_column or "",
            "id_column": (source.id_column or "") if source is not None else "",
        }

    def clean_min_cell(self) -> int:
        value: int = self.cleaned_data["min_cell"]
        if value < 1:
            raise forms.ValidationError(
                gettext("The smallest group must be at least 1 person; 5 or more is usual.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        between = gettext("Between 2 and 50.")
        if data.get("k_mode") == self.K_FIXED:
            n = data.get("n_clusters")
            if n is None:
                self.add_error("n_clusters", gettext("Give the number of clusters."))
            elif not 2 <= n <= 50:
                self.add_error("n_clusters", between)
        elif data.get("k_mode") == self.K_RANGE:
            low, high = data.get("k_min"), data.get("k_max")
            if low is None:
                self.add_error("k_min", gettext("Give the smallest number of clusters."))
            elif not 2 <= low <= 50:
                self.add_error("k_min", between)
            if high is None:
                self.add_error("k_max", gettext("Give the largest number of clusters."))
            elif not 2 <= high <= 50:
                self.add_error("k_max", between)
            elif low is not None and 2 <= low <= 50 and low > high:
                self.add_error(
                    "k_max",
                    gettext(
                        "The largest number of clusters is smaller than the smallest (%(low)s)."
                    )
                    % {"low": low},
                )
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None:
            if low >= high:
                self.add_error(
                    "scale_max",
                    gettext("The highest rating must be above the lowest (%(low)s).")
                    % {"low": low},
                )
            else:
                threshold = data.get("csat_threshold")
                if threshold is not None and not low <= threshold <= high:
                    self.add_error(
                        "csat_threshold",
                        gettext("The threshold must lie on the scale, from %(low)s to %(high)s.")
                        % {"low": low, "high": high},
                    )
        nps = (data.get("nps_column") or "").strip()
        if nps and nps == (data.get("satisfaction_column") or "").strip():
            self.add_error(
                "nps_column",
                gettext(
                    "The NPS question is another question than the satisfaction rating: choose "
                    "its own column (answers from 0 to 10)."
                ),
            )
        return data

    def change(self, data: dict[str, Any]) -> None:
        """Write the settings into the document's data (JSON)."""
        values = self.cleaned_data
        seg = data["segmentation"]
        seg["min_cell"] = values["min_cell"]
        clustering = seg["clustering"]
        clustering["features"] = list(values["clustering_features"])
        if values["k_mode"] == self.K_FIXED:
            clustering["n_clusters"] = values["n_clusters"]
        else:
            clustering["n_clusters"] = None
            clustering["k_range"] = [values["k_min"], values["k_max"]]
        sat = seg["satisfaction"]
        sat["column"] = (values["satisfaction_column"] or "").strip() or None
        sat["scale_min"], sat["scale_max"] = values["scale_min"], values["scale_max"]
        sat["csat_threshold"] = values["csat_threshold"]
        sat["nps_column"] = (values.get("nps_column") or "").strip() or None
        if "id_column" in values:
            for source in data["data_sources"]:
                if source["kind"] == "client_records":
                    source["id_column"] = (values["id_column"] or "").strip() or None
                    break


class PriorityForm(forms.Form):
    """M-6: the low-satisfaction threshold and the two sets of weights."""

    low_satisfaction_csat = NumberField(
        label=_("Satisfaction is low below CSAT, %"),
        help_text=_(
            "Below it the most numerous dissatisfied segments lead; at or above it blind zones "
            "and specific problems lead."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from segprofile.model.labels import PRIORITY_PARTS

        self.parts = list(PRIORITY_PARTS)
        for mode in ("when_low", "when_high"):
            for part, name in PRIORITY_PARTS.items():
                self.fields[f"{mode}_{part}"] = NumberField(label=name)

    @property
    def weight_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """Per part: its name and its weight when satisfaction is low and when it is high."""
        from segprofile.model.labels import PRIORITY_PARTS

        return [
            (name, self[f"when_low_{part}"], self[f"when_high_{part}"])
            for part, name in PRIORITY_PARTS.items()
        ]

    @classmethod
    def initial_of(cls, document: StudyDocument) -> dict[str, Any]:
        settings = document.priority
        share = round(settings.low_satisfaction_csat * 100, 1)
        initial: dict[str, Any] = {
            "low_satisfaction_csat": int(share) if share.is_integer() else share
        }
        for mode in ("when_low", "when_high"):
            weights = getattr(settings, mode)
            for part in type(weights).model_fields:
                initial[f"{mode}_{part}"] = getattr(weights, part)
        return initial

    def clean_low_satisfaction_csat(self) -> float:
        value: float = self.cleaned_data["low_satisfaction_csat"]
        if not 0 <= value <= 100:
            raise forms.ValidationError(gettext("CSAT is a share: from 0 to 100 %."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for mode in ("when_low", "when_high"):
            total = 0.0
            for part in self.parts:
                name = f"{mode}_{part}"
                value = data.get(name)
                if value is None:
                    continue
                if value < 0:
                    self.add_error(name, gettext("A weight cannot be negative."))
                else:
                    total += value
            complete = all(data.get(f"{mode}_{part}") is not None for part in self.parts)
            if complete and total <= 0:
                self.add_error(
                    f"{mode}_{self.parts[0]}",
                    gettext("At least one weight of the column must be above zero."),
                )
        return data

    def change(self, data: dict[str, Any]) -> None:
        """Write the threshold and the weights into the document's data (JSON)."""
        values = self.cleaned_data
        priority = data["priority"]
        priority["low_satisfaction_csat"] = round(values["low_satisfaction_csat"] / 100, 4)
        for mode in ("when_low", "when_high"):
            priority[mode] = {part: values[f"{mode}_{part}"] for part in self.parts}
