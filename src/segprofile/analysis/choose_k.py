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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

from segprofile.analysis.kprototypes import KPrototypes
from segprofile.model.results import KChoice, KDiagnostic

#: Rows in the silhouette sample (the distance matrix is n² doubles: 2,000 rows = 32 MB).
SILHOUETTE_SAMPLE = 2_000
#: Rows in the sample the stability resamples are drawn from.
STABILITY_SAMPLE = 3_000
#: Bootstrap resamples per k (all pairs are compared: 4 resamples → 6 pairs).
STABILITY_RESAMPLES = 4
#: Rows on which the cost curve is fitted for every k.
DIAGNOSTIC_SAMPLE = 5_000
SILHOUETTE_TOLERANCE = 0.05
#: Mean bootstrap ARI from which a k counts as stable.
STABLE_ARI = 0.75
ELBOW_TIE = 0.005


def _ru(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


RULE = (
    "Рекомендуемое k: из k, у которых силуэт (по расстоянию Гауэра) не более чем на "
    f"{_ru(SILHOUETTE_TOLERANCE)} ниже лучшего, берём устойчивые (средний ARI меток на "
    f"бутстреп-выборках не ниже {_ru(STABLE_ARI)}) и из них наибольшее k — самое подробное "
    "разбиение, которое воспроизводится и хорошо разделено. Если устойчивых нет, берём самое "
    "устойчивое k; если устойчивость не измерена — k с наибольшим относительным снижением "
    "стоимости при переходе от k − 1 («локоть»), при равенстве — меньшее k."
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


# --- the diagnostics ---------------------------------------------------------------------------


@dataclass
class FitSettings:
    """How every model is fitted (the study's clustering settings, resolved)."""

    categorical: list[str]
    gamma: float | str = "balanced"
    init: str = "cao"
    n_init: int = 5
    random_state: int = 42

    def model(self, k: int, *, n_init: int | None = None, seed: int | None = None) -> KPrototypes:
        return KPrototypes(
            n_clusters=k,
            init=self.init,
            n_init=self.n_init if n_init is None else n_init,
            gamma=self.gamma,
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


def fit(settings: FitSettings, frame: pd.DataFrame, k: int, **kwargs: int) -> Fitted:
    """Fit one model, collecting its warnings instead of printing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = settings.model(k, **kwargs).fit(frame, categorical=settings.categorical)
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
        fitted = fit(settings, frame.iloc[idx], k, n_init=n_init, seed=seed + run)
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
    warnings: list[str] = field(default_factory=list)


def diagnose(
    frame: pd.DataFrame,
    settings: FitSettings,
    k_range: tuple[int, int],
    *,
    fixed_k: int | None = None,
    diagnostic_sample: int = DIAGNOSTIC_SAMPLE,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    stability_sample: int = STABILITY_SAMPLE,
    resamples: int = STABILITY_RESAMPLES,
) -> Diagnostics:
    """Cost, silhouette and stability for every k of ``k_range`` (and ``fixed_k``), the choice.

    ``frame`` holds the clustering columns of the sample (categorical ones named in
    ``settings.categorical``). With ``fixed_k`` (the study fixes the number of clusters) the
    diagnostics are computed for information, more cheaply (one run per fit, two resamples).
    The gamma of the first fit is kept for all others, so every k is measured with one metric.
    """
    with single_thread():
        return _diagnose(
            frame,
            settings,
            k_range,
            fixed_k=fixed_k,
            diagnostic_sample=diagnostic_sample,
            silhouette_sample=silhouette_sample,
            stability_sample=stability_sample,
            resamples=resamples,
        )


def _diagnose(
    frame: pd.DataFrame,
    settings: FitSettings,
    k_range: tuple[int, int],
    *,
    fixed_k: int | None = None,
    diagnostic_sample: int = DIAGNOSTIC_SAMPLE,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    stability_sample: int = STABILITY_SAMPLE,
    resamples: int = STABILITY_RESAMPLES,
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
    n_init = 1 if cheap else min(settings.n_init, 2)
    resamples = 2 if cheap else resamples
    messages: list[str] = []

    base_k = max(1, ks[0] - 1) if ks else 1
    first = fit(settings, diag, base_k, n_init=n_init)
    messages += first.warnings
    gamma = float(first.model.gamma_)
    fixed = FitSettings(
        categorical=settings.categorical,
        gamma=gamma,
        init=settings.init,
        n_init=settings.n_init,
        random_state=settings.random_state,
    )
    costs = {base_k: float(first.model.cost_)}
    sil_rows = min(len(diag), silhouette_sample)
    sil_cols = mixed_columns(diag.iloc[:sil_rows], settings.categorical)
    distance = gower_matrix(sil_cols)
    stab_frame = diag.iloc[: min(len(diag), stability_sample)].reset_index(drop=True)
    rows: list[KDiagnostic] = []
    for k in ks:
        fitted = first if k == base_k else fit(fixed, diag, k, n_init=n_init)
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
                cost=costs[k],
                cost_drop=drop,
                silhouette=silhouette(distance, labels[:sil_rows]),
                stability=mean,
                stability_sd=sd,
                stability_runs=pairs,
                smallest_share=float(sizes.min() / sizes.sum()) if sizes.sum() else None,
            )
        )
    recommended, reason = recommend_k(rows)
    if fixed_k is not None:
        chosen = fixed_k
        reason = f"Число кластеров задано в исследовании: k = {fixed_k}. " + (
            f"По правилу было бы рекомендовано k = {recommended} ({reason})"
            if recommended is not None
            else reason
        )
    else:
        chosen = recommended if recommended is not None else (ks[0] if ks else 1)
    choice = KChoice(
        k_range=k_range,
        diagnostics=rows,
        recommended_k=recommended,
        chosen_k=chosen,
        fixed=fixed_k is not None,
        rule=RULE,
        reason=reason,
        silhouette_sample=sil_rows,
        stability_resamples=resamples,
    )
    return Diagnostics(choice=choice, gamma=gamma, warnings=messages)


def recommend_k(rows: Sequence[KDiagnostic]) -> tuple[int | None, str]:
    """Apply :data:`RULE` to the diagnostics; returns k and the reason in Russian."""
    if not rows:
        return None, "нет ни одного допустимого k (слишком мало различных строк)"
    candidates = list(rows)
    steps: list[str] = []
    sils = [r.silhouette for r in candidates if r.silhouette is not None]
    if sils:
        best = max(sils)
        candidates = [
            r
            for r in candidates
            if r.silhouette is not None and r.silhouette >= best - SILHOUETTE_TOLERANCE - 1e-12
        ]
        steps.append(
            f"силуэт близок к лучшему ({_ru(best)}) у k = {_ks(candidates)}"
            if len(candidates) > 1
            else f"лучший силуэт ({_ru(best)}) у k = {candidates[0].k}"
        )
    measured = [r for r in candidates if r.stability is not None]
    if measured:
        stable = [r for r in measured if r.stability is not None and r.stability >= STABLE_ARI]
        if stable:
            pick = max(stable, key=lambda r: r.k)
            steps.append(
                f"устойчивы (ARI ≥ {_ru(STABLE_ARI)}) k = {_ks(stable)}; выбрано наибольшее "
                f"k = {pick.k} (ARI {_ru(pick.stability or 0.0)})"
            )
        else:
            pick = max(measured, key=lambda r: (r.stability or 0.0, -r.k))
            steps.append(
                f"ни одно k не устойчиво (ARI ниже {_ru(STABLE_ARI)}): выбрано самое устойчивое "
                f"k = {pick.k} (ARI {_ru(pick.stability or 0.0)}); структура кластеров слабая, "
                "портреты стоит проверять интервью"
            )
        return pick.k, _sentence(steps)
    drops = [r.cost_drop for r in candidates if r.cost_drop is not None]
    if len(candidates) > 1 and drops:
        top = max(drops)
        candidates = [
            r for r in candidates if r.cost_drop is not None and r.cost_drop >= top - ELBOW_TIE
        ]
        steps.append(
            "устойчивость не измерена (мало строк); наибольшее снижение стоимости от k − 1 "
            f"(локоть: {_ru(100 * top, 1)} %) у k = {_ks(candidates)}"
        )
    pick = min(candidates, key=lambda r: r.k)
    if len(candidates) > 1:
        steps.append(f"из равных выбрано меньшее k = {pick.k}")
    return pick.k, _sentence(steps)


def _sentence(steps: list[str]) -> str:
    text = "; ".join(steps) + "."
    return text[:1].upper() + text[1:]


def _ks(rows: Sequence[KDiagnostic]) -> str:
    return ", ".join(str(r.k) for r in rows)
