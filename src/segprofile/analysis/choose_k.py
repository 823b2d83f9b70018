"""Choosing the number of clusters k (M-4): cost curve, Gower silhouette, bootstrap stability.

For each k of a range, on a sample of the client table:

* **cost** — the k-prototypes cost of the fitted model (the "elbow" curve), and its relative
  drop from k − 1 to k;
* **silhouette** — the mean silhouette of the model's labels on at most
  :data:`SILHOUETTE_SAMPLE` rows, with a Gower-style distance (:func:`gower_matrix`) that does
  not depend on the model's own metric: a numeric difference divided by the column's range, a
  categorical mismatch 0/1, averaged over the columns observed in both rows;
* **stability** — the model is refitted on :data:`STABILITY_RESAMPLES` bootstrap resamples of at
  most :data:`STABILITY_SAMPLE` rows; every pair of resamples is compared on the rows drawn in
  both, with the adjusted Rand index (ARI). Mean and standard deviation over the pairs.

The recommendation rule (:func:`recommend_k`, stated to the user in :data:`RULE`):

1. keep the k whose silhouette is at most :data:`SILHOUETTE_TOLERANCE` below the best one
   (nearly as well separated as the best split);
2. among them, keep the stable ones: mean bootstrap ARI at least :data:`STABLE_ARI` (Hennig's
   rule of thumb for a cluster structure that reproduces);
3. recommend the largest such k — the finest split that is still reproducible and well
   separated, so the most useful for personalising journeys;
4. if no k is stable, recommend the most stable one and say that the structure is weak; when
   stability could not be measured (too few rows), the elbow decides: the k with the largest
   relative drop of the cost from k − 1, ties to the smaller k.

Missing k-values of a diagnostic (too few rows for a silhouette, say) drop that step; without
any silhouette or stability the elbow alone decides.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

from segprofile.analysis.kprototypes import KPrototypes
from segprofile.model.format import number, percent, plural
from segprofile.model.results import KChoice, KDiagnostic

#: Rows in the silhouette sample (the distance matrix is n² doubles: 2,000 rows = 32 MB).
SILHOUETTE_SAMPLE = 2_000
#: Rows in the sample the stability resamples are drawn from.
STABILITY_SAMPLE = 3_000
#: Bootstrap resamples per k (all pairs are compared: 4 resamples → 6 pairs).
STABILITY_RESAMPLES = 4
#: Random swaps per cluster in every bootstrap fit (the fit of each k on the sample makes as
#: many runs and swaps as the final fit: its labels give the silhouette). Without swaps the
#: runs' own scatter halves the measured stability of the one-hot method at some k.
DIAGNOSTIC_SWAPS = 1
#: Rows on which the cost curve is fitted for every k.
DIAGNOSTIC_SAMPLE = 5_000
SILHOUETTE_TOLERANCE = 0.05
#: Mean bootstrap ARI from which a k counts as stable.
STABLE_ARI = 0.75
#: A k whose smallest cluster holds less than this share of the sample is not recommended: such
#: a cluster gathers a few unusual rows (a rare value), not a type of client.
MIN_CLUSTER_SHARE = 0.03
#: Below this Gower silhouette the clusters are not told apart: the structure is weak
#: (Kaufman & Rousseeuw: up to 0.25 "no substantial structure").
WEAK_SILHOUETTE = 0.25
ELBOW_TIE = 0.005


def _ru(value: float, digits: int = 2) -> str:
    return number(value, digits)


RULE = (
    "Как выбирается число кластеров. Для каждого варианта измеряются чёткость разделения групп "
    "(силуэт: от −1 до 1, чем больше, тем лучше группы отделены друг от друга) и устойчивость "
    "(ARI: от 0 до 1, насколько то же разбиение получается при повторных расчётах на случайных "
    "частях данных), а также стоимость — сумма отличий клиентов от центров их кластеров (чем "
    "меньше, тем теснее группы; с ростом числа кластеров она обычно уменьшается) и её снижение от "
    "k − 1 — на сколько процентов стоимость меньше, чем при числе кластеров на один меньше. "
    "Варианты, где один из кластеров меньше "
    f"{percent(MIN_CLUSTER_SHARE)} клиентов, не рассматриваются. Остаются варианты с "
    f"чёткостью не более чем на {_ru(SILHOUETTE_TOLERANCE)} ниже лучшей. Из них берутся "
    f"устойчивые, с устойчивостью не ниже {_ru(STABLE_ARI)}, и выбирается самый подробный — с "
    "наибольшим числом кластеров. Если устойчивых нет, выбирается самый устойчивый вариант. Если "
    "устойчивость измерить не удалось, выбирается число кластеров, при переходе к которому "
    "различия внутри групп уменьшаются сильнее всего («локоть»), а при равенстве — меньшее."
)


# --- Gower distance and silhouette -----------------------------------------------------------


@dataclass(frozen=True)
class MixedColumns:
    """Columns of a sample as arrays: numbers with NaN for missing, category codes."""

    numeric: NDArray[np.float64]  # (n, p_num)
    categorical: NDArray[np.int64]  # (n, p_cat); a missing category is a level of its own

    @property
    def n(self) -> int:
        return int(max(self.numeric.shape[0], self.categorical.shape[0]))


def mixed_columns(frame: pd.DataFrame, categorical: Sequence[str]) -> MixedColumns:
    """Encode ``frame``: listed columns as category codes (missing = own level), others numbers."""
    cats = [c for c in frame.columns if c in set(categorical)]
    nums = [c for c in frame.columns if c not in set(categorical)]
    n = len(frame)
    numeric = np.empty((n, len(nums)), dtype=np.float64)
    for j, name in enumerate(nums):
        numeric[:, j] = pd.to_numeric(frame[name], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    codes = np.empty((n, len(cats)), dtype=np.int64)
    for j, name in enumerate(cats):
        values = frame[name].astype("object").where(frame[name].notna(), None)
        # factorize marks missing as -1: a level of its own, as the clustering treats it.
        codes[:, j] = pd.factorize(values, use_na_sentinel=True)[0]
    return MixedColumns(numeric=numeric, categorical=codes)


def gower_matrix(columns: MixedColumns) -> NDArray[np.float64]:
    """Gower-style distances between all rows, in [0, 1].

    ``d(i, j) = Σ_f δ_ijf d_ijf / Σ_f δ_ijf`` with ``d_ijf = |x_if − x_jf| / range_f`` for a
    numeric column (ranges over the rows given; a constant column counts 0) and ``[x_if ≠ x_jf]``
    for a categorical one. ``δ_ijf`` is 0 when a number is missing in either row, else 1; a
    missing category is a level (it matches another missing one). A pair with no column
    observed in both rows is at distance 1.
    """
    n = columns.n
    total = np.zeros((n, n), dtype=np.float64)
    weight = np.zeros((n, n), dtype=np.float64)
    for j in range(columns.numeric.shape[1]):
        x = columns.numeric[:, j]
        seen = ~np.isnan(x)
        if not seen.any():
            continue
        span = float(np.nanmax(x) - np.nanmin(x))
        if seen.all():
            if span > 0:
                total += np.abs(x[:, None] - x[None, :]) / span
            weight += 1.0
            continue
        both = np.outer(seen, seen).astype(np.float64)
        if span > 0:
            filled = np.where(seen, x, 0.0)
            total += np.abs(filled[:, None] - filled[None, :]) / span * both
        weight += both
    p_cat = columns.categorical.shape[1]
    if p_cat:
        # Matches of all categorical columns at once: one-hot rows, one matrix product.
        blocks = []
        for j in range(p_cat):
            codes = columns.categorical[:, j] + 1  # the missing level (-1) becomes level 0
            onehot = np.zeros((n, int(codes.max()) + 1), dtype=np.float64)
            onehot[np.arange(n), codes] = 1.0
            blocks.append(onehot)
        hot = np.hstack(blocks)
        total += p_cat - hot @ hot.T
        weight += float(p_cat)
    out = np.ones((n, n), dtype=np.float64)
    np.divide(total, weight, out=out, where=weight > 0)
    np.fill_diagonal(out, 0.0)
    return out


def silhouette(distance: NDArray[np.float64], labels: NDArray[np.int64]) -> float | None:
    """Mean silhouette from a distance matrix (scikit-learn's definition; singletons score 0).

    ``None`` when it is undefined: fewer than 2 or more than n − 1 distinct labels.
    """
    n = labels.shape[0]
    uniq, inv = np.unique(labels, return_inverse=True)
    k = uniq.shape[0]
    if k < 2 or k > n - 1:
        return None
    onehot = np.zeros((n, k), dtype=np.float64)
    onehot[np.arange(n), inv] = 1.0
    sums = distance @ onehot
    counts = onehot.sum(axis=0)
    own = counts[inv]
    rows = np.arange(n)
    a = sums[rows, inv] / np.maximum(own - 1.0, 1.0)
    mean_other = sums / counts
    mean_other[rows, inv] = np.inf
    b = mean_other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.zeros(n, dtype=np.float64)
    np.divide(b - a, denom, out=s, where=denom > 0)
    s[own <= 1] = 0.0
    return float(s.mean())


# --- the methods ---------------------------------------------------------------------------------

#: How categorical columns enter the model. ``kprototypes``: as categories — a cluster's centre
#: is their mode and a mismatch costs gamma. ``onehot``: as indicator columns of their levels
#: (the missing level included), standardised with the numbers, so a centre holds each level's
#: share in the cluster and k-prototypes becomes k-means on standardised one-hot data.
METHODS: tuple[str, ...] = ("kprototypes", "onehot")
METHOD_NAMES: dict[str, str] = {
    "kprototypes": "k-прототипы (категории — модой кластера)",
    "onehot": "k-средних по индикаторам категорий (каждое значение — отдельный столбец 0/1)",
}
#: The one-hot method is tried only up to this many indicator columns in all.
MAX_INDICATORS = 200


@dataclass(frozen=True)
class Encoding:
    """How the sample's columns become the model's input columns (see :data:`METHODS`)."""

    method: str
    #: The model's input columns, in order.
    columns: list[str]
    #: The model's categorical input columns (none under ``onehot``).
    categorical: list[str]
    #: Indicator column → (source column, level); the level ``None`` stands for a missing value.
    indicators: dict[str, tuple[str, object]] = field(default_factory=dict)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model's input frame: the columns as they are, or with indicators for categories."""
        if not self.indicators:
            return frame[self.columns]
        out: dict[str, object] = {}
        for name in self.columns:
            source = self.indicators.get(name)
            if source is None:
                out[name] = frame[name]
                continue
            column, level = source
            values = frame[column]
            hit = values.isna() if level is None else (values == level) & values.notna()
            out[name] = hit.to_numpy(dtype=np.float64)
        return pd.DataFrame(out, index=frame.index)


def for_encoding(settings: FitSettings, enc: Encoding) -> FitSettings:
    """The fit settings of a method: its categorical columns; under one-hot, k-means++ seeds
    every run (Cao's and Huang's seedings are made for categories, and on indicators alone
    Cao's seeds far worse)."""
    init = settings.init if enc.method == "kprototypes" else "k-means++"
    return replace(settings, categorical=enc.categorical, init=init)


def encoding(frame: pd.DataFrame, categorical: Sequence[str], method: str) -> Encoding | None:
    """The encoding of ``method`` for ``frame``; ``None`` when the method does not apply (one-hot
    without categories, or with more than :data:`MAX_INDICATORS` indicator columns)."""
    columns = list(frame.columns)
    cats = [c for c in columns if c in set(categorical)]
    if method == "kprototypes":
        return Encoding(method=method, columns=columns, categorical=cats)
    if not cats:
        return None
    indicators: dict[str, tuple[str, object]] = {}
    names: list[str] = []
    for column in columns:
        if column not in cats:
            names.append(column)
            continue
        values = frame[column]
        levels = sorted(values.dropna().unique().tolist(), key=lambda v: (str(type(v)), str(v)))
        if bool(values.isna().any()):
            levels.append(None)
        for level in levels:
            name = f"_sp_onehot_{len(indicators)}"
            indicators[name] = (column, level)
            names.append(name)
    if len(indicators) > MAX_INDICATORS:
        return None
    return Encoding(method=method, columns=names, categorical=[], indicators=indicators)


# --- the diagnostics ---------------------------------------------------------------------------


@dataclass
class FitSettings:
    """How every model is fitted (the study's clustering settings, resolved)."""

    categorical: list[str]
    gamma: float | str = "balanced"
    init: str = "cao"
    n_init: int = 5
    random_state: int = 42

    def model(
        self,
        k: int,
        *,
        n_init: int | None = None,
        seed: int | None = None,
        n_swaps: int | str = "auto",
    ) -> KPrototypes:
        return KPrototypes(
            n_clusters=k,
            init=self.init,
            n_init=self.n_init if n_init is None else n_init,
            gamma=self.gamma,
            n_swaps=n_swaps,
            random_state=self.random_state if seed is None else seed,
        )


@dataclass
class Fitted:
    """A fitted model with the warnings it raised (in the estimator's English)."""

    model: KPrototypes
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run numba's parallel kernels on one thread (small samples: threads cost more than they save).

    Measured on the child-benefit sample (1,500 rows, k = 5, one run) on a busy 2-core machine:
    0.27 s a fit with the default threads, 0.05 s with one.
    """
    try:
        import numba  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - numba is a dependency; the NumPy path needs nothing
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def fit(
    settings: FitSettings,
    frame: pd.DataFrame,
    k: int,
    *,
    n_init: int | None = None,
    seed: int | None = None,
    n_swaps: int | str = "auto",
) -> Fitted:
    """Fit one model, collecting its warnings instead of printing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = settings.model(k, n_init=n_init, seed=seed, n_swaps=n_swaps).fit(
            frame, categorical=settings.categorical
        )
    return Fitted(model=model, warnings=[str(w.message) for w in caught])


def bootstrap_stability(
    frame: pd.DataFrame,
    settings: FitSettings,
    k: int,
    *,
    resamples: int,
    seed: int,
    n_init: int = 2,
) -> tuple[float | None, float | None, int]:
    """Mean and standard deviation of the ARI between bootstrap fits, on the common rows."""
    n = len(frame)
    if n < 2 * k or resamples < 2:
        return None, None, 0
    rng = np.random.default_rng(seed)
    labelings = []
    for run in range(resamples):
        idx = rng.integers(0, n, size=n)
        fitted = fit(
            settings,
            frame.iloc[idx],
            k,
            n_init=n_init,
            seed=seed + run,
            n_swaps=DIAGNOSTIC_SWAPS * k,
        )
        labels = np.full(n, -1, dtype=np.int64)
        # A row drawn twice gets the same label both times (labels are nearest-centroid).
        labels[idx] = fitted.model.labels_
        labelings.append(labels)
    scores = []
    for first, second in itertools.combinations(labelings, 2):
        common = (first >= 0) & (second >= 0)
        if common.sum() >= 2:
            scores.append(float(adjusted_rand_score(first[common], second[common])))
    if not scores:
        return None, None, 0
    return float(np.mean(scores)), float(np.std(scores)), len(scores)


@dataclass
class Diagnostics:
    choice: KChoice
    gamma: float
    encoding: Encoding
    warnings: list[str] = field(default_factory=list)


def diagnose(
    frame: pd.DataFrame,
    settings: FitSettings,
    k_range: tuple[int, int],
    *,
    fixed_k: int | None = None,
    methods: Sequence[str] = METHODS,
    diagnostic_sample: int = DIAGNOSTIC_SAMPLE,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    stability_sample: int = STABILITY_SAMPLE,
    resamples: int = STABILITY_RESAMPLES,
) -> Diagnostics:
    """Cost, silhouette and stability for every method and every k of ``k_range``; the choice.

    ``frame`` holds the clustering columns of the sample (categorical ones named in
    ``settings.categorical``). Every method of ``methods`` (see :data:`METHODS`) is fitted for
    every k and judged by the same Gower silhouette (on the original columns) and bootstrap
    stability; :func:`recommend_k` chooses among all the (method, k) pairs. With ``fixed_k``
    (the study fixes the number of clusters) the diagnostics are computed more cheaply (one
    run per fit, two resamples). Within a method, the gamma of the first fit is kept for all
    others, so every k is measured with one metric.
    """
    with single_thread():
        return _diagnose(
            frame,
            settings,
            k_range,
            fixed_k=fixed_k,
            methods=methods,
            diagnostic_sample=diagnostic_sample,
            silhouette_sample=silhouette_sample,
            stability_sample=stability_sample,
            resamples=resamples,
        )


@dataclass
class _MethodRows:
    encoding: Encoding
    rows: list[KDiagnostic]
    gamma: float
    warnings: list[str]


def _method_rows(
    frame: pd.DataFrame,
    enc: Encoding,
    settings: FitSettings,
    ks: list[int],
    distance: NDArray[np.float64],
    *,
    n_init: int,
    resamples: int,
    stability_sample: int,
    fixed_k: int | None = None,
) -> _MethodRows:
    """The diagnostics of one method for every k (``distance``: Gower, on the first rows).

    Each k is fitted as the final fit would be (all runs and swaps: its labels give the
    silhouette); with ``fixed_k`` only that k is, the others, for information, with one run.
    """
    data = enc.apply(frame)
    method_settings = for_encoding(settings, enc)

    def fit_k(how: FitSettings, k: int) -> Fitted:
        if fixed_k is None or k == fixed_k:
            return fit(how, data, k)
        return fit(how, data, k, n_init=1, n_swaps=0)

    base_k = max(1, ks[0] - 1) if ks else 1
    first = fit_k(method_settings, base_k)
    gamma = float(first.model.gamma_)
    fixed = replace(method_settings, gamma=gamma)
    costs = {base_k: float(first.model.cost_)}
    sil_rows = distance.shape[0]
    stab_frame = data.iloc[: min(len(data), stability_sample)].reset_index(drop=True)
    rows: list[KDiagnostic] = []
    for k in ks:
        fitted = first if k == base_k else fit_k(fixed, k)
        costs[k] = float(fitted.model.cost_)
        labels = np.asarray(fitted.model.labels_, dtype=np.int64)
        prev = costs.get(k - 1)
        drop = (prev - costs[k]) / prev if prev is not None and prev > 0 else None
        mean, sd, pairs = bootstrap_stability(
            stab_frame,
            fixed,
            k,
            resamples=resamples,
            seed=settings.random_state + 1000 * k,
            n_init=n_init,
        )
        sizes = np.bincount(labels, minlength=k)
        rows.append(
            KDiagnostic(
                k=k,
                method=enc.method,
                cost=costs[k],
                cost_drop=drop,
                silhouette=silhouette(distance, labels[:sil_rows]),
                stability=mean,
                stability_sd=sd,
                stability_runs=pairs,
                smallest_share=float(sizes.min() / sizes.sum()) if sizes.sum() else None,
            )
        )
    return _MethodRows(encoding=enc, rows=rows, gamma=gamma, warnings=first.warnings)


def _diagnose(
    frame: pd.DataFrame,
    settings: FitSettings,
    k_range: tuple[int, int],
    *,
    fixed_k: int | None,
    methods: Sequence[str],
    diagnostic_sample: int,
    silhouette_sample: int,
    stability_sample: int,
    resamples: int,
) -> Diagnostics:
    rng = np.random.default_rng(settings.random_state)
    n = len(frame)
    order = rng.permutation(n)
    diag = frame.iloc[order[: min(n, diagnostic_sample)]].reset_index(drop=True)
    distinct = len(diag.drop_duplicates())
    ks = list(range(k_range[0], k_range[1] + 1))
    if fixed_k is not None and fixed_k not in ks:
        ks.append(fixed_k)
        ks.sort()
    ks = [k for k in ks if k <= distinct]
    cheap = fixed_k is not None
    n_init = 1 if cheap else min(settings.n_init, 2)  # per bootstrap fit
    resamples = 2 if cheap else resamples
    sil_rows = min(len(diag), silhouette_sample)
    distance = gower_matrix(mixed_columns(diag.iloc[:sil_rows], settings.categorical))
    measured: dict[str, _MethodRows] = {}
    for method in methods:
        enc = encoding(diag, settings.categorical, method)
        if enc is None:
            continue
        measured[method] = _method_rows(
            diag,
            enc,
            settings,
            ks,
            distance,
            n_init=n_init,
            resamples=resamples,
            stability_sample=stability_sample,
            fixed_k=fixed_k,
        )
    if not measured:  # every method declined: k-prototypes always applies
        raise ValueError(f"no clustering method applies; methods={list(methods)!r}")
    pooled = [row for m in measured.values() for row in m.rows]
    recommended, why = recommend(pooled)
    tried = _tried(sorted({r.k for r in pooled}))
    if fixed_k is not None:
        at_k = [r for r in pooled if r.k == fixed_k]
        pick = _best_at(at_k) if at_k else None
        method = pick.method if pick is not None else next(iter(measured))
        chosen = fixed_k
        reason = _fixed_text(fixed_k, recommended, tried, why)
        if pick is not None and len(at_k) > 1:
            reason += " " + _method_text(pick, at_k)
    else:
        method = recommended.method if recommended is not None else next(iter(measured))
        chosen = recommended.k if recommended is not None else (ks[0] if ks else 1)
        reason = _join(f"Клиенты разделены на {_clusters(chosen)}.", tried, why)
    own = measured[method]
    row = next((r for r in own.rows if r.k == chosen), None)
    weak = weak_structure(row, own.rows)
    choice = KChoice(
        k_range=k_range,
        diagnostics=own.rows,
        compared=[r for m, mr in measured.items() if m != method for r in mr.rows],
        method=method,
        method_label=METHOD_NAMES[method],
        recommended_k=recommended.k if recommended is not None else None,
        chosen_k=chosen,
        fixed=fixed_k is not None,
        rule=RULE,
        reason=reason if weak is None else f"{reason} {weak_structure_text(weak)}",
        weak=weak is not None,
        weak_reason=weak or "",
        silhouette_sample=sil_rows,
        stability_resamples=resamples,
    )
    messages = [w for m in measured.values() for w in m.warnings]
    return Diagnostics(choice=choice, gamma=own.gamma, encoding=own.encoding, warnings=messages)


def _best_at(rows: Sequence[KDiagnostic]) -> KDiagnostic:
    """Of several methods at one fixed k: the best separated (Gower silhouette)."""
    return max(
        rows,
        key=lambda r: (
            r.silhouette if r.silhouette is not None else -1.0,
            -METHODS.index(r.method),
        ),
    )


# --- the choice in words: short sentences an analyst reads, with the table's own terms ------------


def _clusters(n: int) -> str:
    """«3 кластера», «5 кластеров»."""
    return plural(n, "кластер", "кластера", "кластеров")


def _one(n: int) -> bool:
    """Whether a case ending agrees with «1» («при 21 кластере»)."""
    return n % 10 == 1 and n % 100 != 11


def _and(items: Sequence[str]) -> str:
    """«2», «2 и 3», «2, 3 и 5»."""
    items = list(items)
    return " и ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " и " + items[-1]


def _at(rows: Sequence[KDiagnostic]) -> str:
    """«При 2 и 3 кластерах» — the noun agrees with the last number."""
    ks = sorted({r.k for r in rows})
    return f"При {_and([str(k) for k in ks])} {'кластере' if _one(ks[-1]) else 'кластерах'}"


def _values(rows: Sequence[KDiagnostic], value: str) -> str:
    """One diagnostic of the rows, in their order of k: «0,21 и 0,18»."""
    numbers = [getattr(r, value) for r in sorted(rows, key=lambda r: r.k)]
    return _and([_ru(v) if v is not None else "—" for v in numbers])


def _figures(row: KDiagnostic) -> str:
    """« (чёткость разделения 0,31, устойчивость 0,80)» — what the table shows for one k."""
    parts = []
    if row.silhouette is not None:
        parts.append(f"чёткость разделения {_ru(row.silhouette)}")
    if row.stability is not None:
        parts.append(f"устойчивость {_ru(row.stability)}")
    return f" ({', '.join(parts)})" if parts else ""


def _join(*sentences: str) -> str:
    return " ".join(s for s in sentences if s)


def _tried(ks: Sequence[int]) -> str:
    """Which numbers of clusters were compared (nothing to say of one)."""
    if len(ks) < 2:
        return ""
    if list(ks) == list(range(ks[0], ks[-1] + 1)):
        return f"Проверены варианты от {ks[0]} до {ks[-1]} кластеров."
    noun = "кластером" if _one(ks[-1]) else "кластерами"
    return f"Проверены варианты с {_and([str(k) for k in ks])} {noun}."


def _fixed_text(fixed_k: int, recommended: KDiagnostic | None, tried: str, why: str) -> str:
    """The reason when the study sets k: that it does, and what the rule would recommend."""
    head = f"Клиенты разделены на {_clusters(fixed_k)}: это число задано в исследовании."
    if recommended is None:
        return _join(head, tried, why)
    if recommended.k == fixed_k:
        return _join(head, tried, "Правило выбора рекомендует то же число.", why)
    return _join(
        head,
        tried,
        f"Программа по правилу выбора рекомендовала бы {_clusters(recommended.k)}.",
        why,
    )


def _method_text(pick: KDiagnostic, rows: Sequence[KDiagnostic]) -> str:
    """Of several methods at one fixed k, which was taken and why, in one sentence."""
    others = [r for r in rows if r is not pick]
    return (
        f"Категориальные признаки учтены способом «{SHORT_NAMES.get(pick.method, pick.method)}»: "
        f"{_at([pick]).lower()} он разделяет группы чётче (чёткость "
        f"{_ru(pick.silhouette) if pick.silhouette is not None else '—'} против "
        f"{_values(others, 'silhouette')})."
    )


def weak_structure(row: KDiagnostic | None, rows: Sequence[KDiagnostic]) -> str | None:
    """Why the chosen clustering is weak, in Russian; ``None`` when it holds up.

    Weak: the chosen k is not stable (mean bootstrap ARI below :data:`STABLE_ARI`) or its
    clusters are poorly separated (Gower silhouette below :data:`WEAK_SILHOUETTE`).
    """
    if row is None:
        return None
    reasons = []
    if row.stability is not None and row.stability < STABLE_ARI:
        reasons.append(
            f"разбиение неустойчиво — при повторных расчётах на частях данных оно совпадает "
            f"лишь на {_ru(row.stability)}, а устойчивым считается от {_ru(STABLE_ARI)}"
        )
    if row.silhouette is not None and row.silhouette < WEAK_SILHOUETTE:
        reasons.append(
            f"группы плохо отделены друг от друга — чёткость разделения {_ru(row.silhouette)}, "
            f"а явные группы начинаются от {_ru(WEAK_SILHOUETTE)}"
        )
    if not reasons:
        return None
    return "; ".join(reasons)


def weak_structure_text(reason: str) -> str:
    """What weak clusters mean for the team, in Russian, with what to do instead."""
    return (
        f"Структура кластеров слабая: {reason}. Поэтому кластеры и их портреты — грубое "
        "приближение, а не типы клиентов. Опирайтесь на сегменты по отдельным признакам "
        "(второй подход методики, M-5), а кластеры используйте как подсказку для интервью."
    )


def recommend_k(rows: Sequence[KDiagnostic]) -> tuple[int | None, str]:
    """Apply :data:`RULE` to the diagnostics; returns k and the reason in Russian."""
    row, reason = recommend(rows)
    return (row.k if row is not None else None), reason


def _without(rows: Sequence[KDiagnostic], drop: Sequence[KDiagnostic]) -> list[KDiagnostic]:
    gone = {id(r) for r in drop}
    return [r for r in rows if id(r) not in gone]


def recommend(
    rows: Sequence[KDiagnostic], min_share: float = MIN_CLUSTER_SHARE
) -> tuple[KDiagnostic | None, str]:
    """Apply :data:`RULE` to the diagnostics of one or several methods; the row and the reason.

    Several methods are compared as more candidates: among pairs (method, k) with the same k
    the one with the better silhouette is taken. The reason is short Russian sentences: why
    the recommended number, then what the other numbers of the recommended method gave (the
    ones the report's table shows).
    """
    if not rows:
        return None, "Ни одного числа кластеров проверить не удалось: различных строк слишком мало."
    candidates = list(rows)
    small: list[KDiagnostic] = []
    sizable = [r for r in candidates if r.smallest_share is None or r.smallest_share >= min_share]
    if sizable and len(sizable) < len(candidates):
        small = _without(candidates, sizable)
        candidates = sizable
    blurred: list[KDiagnostic] = []
    best: float | None = None
    sils = [r.silhouette for r in candidates if r.silhouette is not None]
    if sils:
        best = max(sils)
        kept = [
            r
            for r in candidates
            if r.silhouette is not None and r.silhouette >= best - SILHOUETTE_TOLERANCE - 1e-12
        ]
        blurred = _without(candidates, kept)
        candidates = kept
    others: list[tuple[list[KDiagnostic], str]] = []  # (rows, what they gave)
    measured = [r for r in candidates if r.stability is not None]
    if measured:
        stable = [r for r in measured if r.stability is not None and r.stability >= STABLE_ARI]
        if stable:
            pick = max(stable, key=lambda r: (r.k, r.silhouette or 0.0))
            why = (
                f"{_clusters(pick.k).capitalize()} — самое подробное разбиение, при котором "
                "группы чётко отделены друг от друга и почти не меняются при повторных "
                f"расчётах на частях данных{_figures(pick)}."
            )
            others.append(
                (_without(stable, [pick]), "разбиение тоже чёткое и устойчивое, но менее подробное")
            )
            unstable = _without(measured, stable)
            values = _values(_own(unstable, pick), "stability")
            others.append(
                (
                    unstable,
                    f"разбиение неустойчиво (устойчивость {values} при нужной не ниже "
                    f"{_ru(STABLE_ARI)})",
                )
            )
        else:
            pick = max(measured, key=lambda r: (r.stability or 0.0, -r.k))
            why = (
                "Ни одно разбиение не устойчиво: при повторных расчётах на частях данных "
                f"группы заметно меняются (устойчивым считается от {_ru(STABLE_ARI)}). "
                f"{_clusters(pick.k).capitalize()} — самый устойчивый вариант{_figures(pick)}."
            )
            rest = _without(measured, [pick])
            others.append(
                (rest, f"разбиение ещё менее устойчиво ({_values(_own(rest, pick), 'stability')})")
            )
    else:
        drops = [r.cost_drop for r in candidates if r.cost_drop is not None]
        if len(candidates) > 1 and drops:
            top = max(drops)
            tied = [
                r for r in candidates if r.cost_drop is not None and r.cost_drop >= top - ELBOW_TIE
            ]
            pick = min(tied, key=lambda r: (r.k, -(r.silhouette or 0.0)))
            why = (
                "Устойчивость разбиения измерить не удалось: строк слишком мало. Поэтому взято "
                "число кластеров, при переходе к которому различия внутри групп уменьшаются "
                f"сильнее всего. Это {_clusters(pick.k)}: различия внутри групп на "
                f"{percent(top)} меньше, чем при {pick.k - 1}."
            )
            if len(_own(tied, pick)) > 1:
                why += (
                    f" {_at(_without(_own(tied, pick), [pick]))} они уменьшаются так же; из "
                    "равных взято меньшее число."
                )
            others.append((_without(candidates, tied), "различия внутри групп уменьшаются меньше"))
        else:
            pick = min(candidates, key=lambda r: (r.k, -(r.silhouette or 0.0)))
            if len({r.k for r in rows}) == 1:
                why = "Другие варианты не проверялись: различных строк в данных слишком мало."
            elif best is not None:
                why = (
                    f"{_clusters(pick.k).capitalize()}: при этом числе группы отделены друг от "
                    f"друга чётче всего{_figures(pick)}."
                )
            else:
                why = (
                    f"{_clusters(pick.k).capitalize()}: показатели качества измерить не "
                    "удалось, взято наименьшее число."
                )
            others.append((_without(candidates, [pick]), "группы разделены так же чётко"))
    if best is not None:
        others.append(
            (
                blurred,
                f"группы разделены хуже (чёткость {_values(_own(blurred, pick), 'silhouette')} "
                f"при лучшей {_ru(best)})",
            )
        )
    others.append(
        (
            small,
            f"один из кластеров меньше {percent(min_share)} клиентов (такие варианты не "
            "рассматриваются)",
        )
    )
    sentences = [why]
    for group, gave in others:
        own = _own(group, pick)
        if own:
            sentences.append(f"{_at(own)} {gave}.")
    return pick, " ".join(sentences)


def _own(rows: Sequence[KDiagnostic], pick: KDiagnostic) -> list[KDiagnostic]:
    """The rows of the recommended method (the ones the report's table shows), by k."""
    return sorted((r for r in rows if r.method == pick.method), key=lambda r: r.k)


SHORT_NAMES = {"kprototypes": "k-прототипы", "onehot": "индикаторы категорий"}
