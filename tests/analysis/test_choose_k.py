"""Choosing k: the Gower distance, the silhouette, bootstrap stability and the stated rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from segprofile.analysis.choose_k import (
    RULE,
    SILHOUETTE_TOLERANCE,
    STABLE_ARI,
    FitSettings,
    bootstrap_stability,
    diagnose,
    gower_matrix,
    mixed_columns,
    recommend_k,
    silhouette,
)
from segprofile.model.results import KDiagnostic


def _mixed_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(),
            "income": rng.lognormal(10, 0.5, n),
            "channel": rng.choice(["epgu", "mfc", "office"], n).astype(object),
            "region": rng.choice(["city", "town", "rural"], n).astype(object),
        }
    )
    # Missing values in both kinds of column.
    frame.loc[rng.random(n) < 0.1, "age"] = np.nan
    frame.loc[rng.random(n) < 0.1, "channel"] = None
    return frame


def _slow_gower(frame: pd.DataFrame, categorical: list[str]) -> np.ndarray:
    """Gower's formula written out pair by pair (the reference for the vectorised one)."""
    n = len(frame)
    numeric = [c for c in frame.columns if c not in categorical]
    spans = {c: float(frame[c].max() - frame[c].min()) for c in numeric}
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            total = weight = 0.0
            for c in frame.columns:
                a, b = frame[c].iloc[i], frame[c].iloc[j]
                if c in categorical:
                    a = "<NA>" if a is None or (isinstance(a, float) and np.isnan(a)) else a
                    b = "<NA>" if b is None or (isinstance(b, float) and np.isnan(b)) else b
                    total += float(a != b)
                    weight += 1
                elif not (np.isnan(a) or np.isnan(b)):
                    total += abs(a - b) / spans[c] if spans[c] > 0 else 0.0
                    weight += 1
            out[i, j] = total / weight if weight else 1.0
    return out


def test_gower_matrix_matches_the_formula_pair_by_pair() -> None:
    frame = _mixed_frame(40)
    categorical = ["channel", "region"]
    fast = gower_matrix(mixed_columns(frame, categorical))
    slow = _slow_gower(frame, categorical)
    np.testing.assert_allclose(fast, slow, atol=1e-12)
    assert np.allclose(fast, fast.T)
    assert (fast >= 0).all()
    assert (fast <= 1).all()
    assert np.allclose(np.diag(fast), 0)


def test_gower_constant_and_all_missing_numbers() -> None:
    frame = pd.DataFrame(
        {
            "const": [5.0, 5.0, 5.0],
            "empty": [np.nan, np.nan, np.nan],
            "colour": ["a", "b", "a"],
        }
    )
    d = gower_matrix(mixed_columns(frame, ["colour"]))
    # The constant column counts 0 on each pair, the empty one not at all: two observed columns.
    assert d[0, 1] == pytest.approx(0.5)
    assert d[0, 2] == pytest.approx(0.0)
    # No column observed in both rows: distance 1.
    only_numbers = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    d2 = gower_matrix(mixed_columns(only_numbers, []))
    assert d2[0, 1] == 1.0
    assert d2[0, 2] == pytest.approx(1.0)
    assert d2[1, 1] == 0.0


@pytest.mark.parametrize("k", [2, 3, 5])
def test_silhouette_agrees_with_scikit_learn_precomputed(k: int) -> None:
    frame = _mixed_frame(150, seed=k)
    d = gower_matrix(mixed_columns(frame, ["channel", "region"]))
    labels = np.random.default_rng(k).integers(0, k, len(frame))
    labels[:k] = np.arange(k)  # every label present
    labels[-1] = k  # a singleton cluster scores 0 in both
    ours = silhouette(d, labels)
    theirs = silhouette_score(d, labels, metric="precomputed")
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_silhouette_undefined_cases() -> None:
    d = np.zeros((3, 3))
    assert silhouette(d, np.array([0, 0, 0])) is None
    assert silhouette(d, np.array([0, 1, 2])) is None


def test_stability_high_on_separated_data_and_low_on_noise() -> None:
    rng = np.random.default_rng(1)
    n = 300
    group = rng.integers(0, 3, n)
    separated = pd.DataFrame(
        {
            "x": group * 10.0 + rng.normal(0, 0.5, n),
            "kind": np.array(["a", "b", "c"], dtype=object)[group],
        }
    )
    noise = pd.DataFrame({"x": rng.normal(0, 1, n), "y": rng.normal(0, 1, n)})
    settings = FitSettings(categorical=["kind"], n_init=2)
    mean, sd, pairs = bootstrap_stability(separated, settings, 3, resamples=4, seed=0)
    assert pairs == 6
    assert mean is not None
    assert sd is not None
    assert mean > 0.95
    noisy, _, _ = bootstrap_stability(
        noise, FitSettings(categorical=[], n_init=2), 6, resamples=4, seed=0
    )
    assert noisy is not None
    assert noisy < mean


def _row(k: int, sil: float | None, stab: float | None, drop: float | None = None) -> KDiagnostic:
    return KDiagnostic(k=k, cost=100.0 / k, cost_drop=drop, silhouette=sil, stability=stab)


def test_rule_largest_stable_k_among_near_best_silhouette() -> None:
    rows = [
        _row(2, 0.30, 0.95),
        _row(3, 0.33, 0.90),
        _row(4, 0.31, 0.80),  # within the tolerance of the best silhouette, stable: chosen
        _row(5, 0.34, 0.60),  # best silhouette, unstable
        _row(6, 0.20, 0.99),  # stable but far below the best silhouette
    ]
    k, reason = recommend_k(rows)
    assert k == 4
    assert "k = 4" in reason
    assert "устойчив" in reason
    assert reason[0].isupper()
    assert reason.endswith(".")


def test_rule_tolerances_are_the_stated_ones() -> None:
    best = 0.40
    just_in = best - SILHOUETTE_TOLERANCE + 0.001
    just_out = best - SILHOUETTE_TOLERANCE - 0.001
    assert recommend_k([_row(2, best, 0.9), _row(3, just_in, 0.9)])[0] == 3
    assert recommend_k([_row(2, best, 0.9), _row(3, just_out, 0.9)])[0] == 2
    assert recommend_k([_row(2, best, 0.9), _row(3, best, STABLE_ARI)])[0] == 3
    assert recommend_k([_row(2, best, 0.9), _row(3, best, STABLE_ARI - 0.001)])[0] == 2
    assert "0,05" in RULE
    assert "0,75" in RULE


def test_rule_without_a_stable_k_takes_the_most_stable() -> None:
    k, reason = recommend_k([_row(2, 0.3, 0.5), _row(3, 0.3, 0.6), _row(4, 0.3, 0.55)])
    assert k == 3
    assert "слабая" in reason


def test_rule_without_stability_falls_back_to_the_elbow() -> None:
    rows = [_row(2, None, None, 0.10), _row(3, None, None, 0.40), _row(4, None, None, 0.05)]
    assert recommend_k(rows)[0] == 3
    tied = [_row(2, None, None, 0.30), _row(3, None, None, 0.30)]
    k, reason = recommend_k(tied)
    assert k == 2
    assert "меньшее" in reason
    assert recommend_k([])[0] is None


def _planted(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    frame = pd.DataFrame(
        {
            "x": truth * 4.0 + rng.normal(0, 0.6, n),
            "kind": np.where(
                rng.random(n) < 0.9,
                np.array(["a", "b", "c"])[truth],
                rng.choice(["a", "b", "c"], n),
            ).astype(object),
        }
    )
    return frame, truth


def test_diagnose_finds_the_planted_k_and_explains_it() -> None:
    frame, _ = _planted()
    result = diagnose(frame, FitSettings(categorical=["kind"], n_init=2), (2, 6))
    choice = result.choice
    assert [d.k for d in choice.diagnostics] == [2, 3, 4, 5, 6]
    assert choice.recommended_k == 3 == choice.chosen_k
    assert not choice.fixed
    assert choice.rule == RULE
    assert choice.reason
    by_k = {d.k: d for d in choice.diagnostics}
    assert by_k[3].silhouette is not None
    assert by_k[3].silhouette > by_k[6].silhouette
    assert by_k[3].stability is not None
    assert by_k[3].stability > 0.9
    assert all(d.cost_drop is not None for d in choice.diagnostics)
    assert result.gamma > 0
    # The cost falls as k grows.
    costs = [d.cost for d in choice.diagnostics]
    assert costs[0] > costs[1]


def test_diagnose_respects_a_fixed_k_and_still_reports() -> None:
    frame, _ = _planted()
    result = diagnose(frame, FitSettings(categorical=["kind"], n_init=2), (2, 4), fixed_k=6)
    choice = result.choice
    assert choice.fixed
    assert choice.chosen_k == 6
    assert choice.recommended_k == 3
    assert [d.k for d in choice.diagnostics] == [2, 3, 4, 6]
    assert "задано в исследовании" in choice.reason
    assert choice.stability_resamples == 2  # the cheap mode


def test_diagnose_is_reproducible() -> None:
    frame, _ = _planted(300)
    settings = FitSettings(categorical=["kind"], n_init=2, random_state=7)
    a = diagnose(frame, settings, (2, 4)).choice
    b = diagnose(frame, settings, (2, 4)).choice
    assert a.model_dump() == b.model_dump()
