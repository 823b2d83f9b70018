"""Choosing k: the Gower distance, the silhouette, bootstrap stability and the stated rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from segprofile.analysis.choose_k import (
    MAX_INDICATORS,
    RULE,
    SILHOUETTE_TOLERANCE,
    STABLE_ARI,
    WEAK_SILHOUETTE,
    FitSettings,
    bootstrap_stability,
    diagnose,
    encoding,
    gower_matrix,
    mixed_columns,
    recommend_k,
    silhouette,
    weak_structure,
    weak_structure_text,
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
    # Short sentences in plain words: why 4, then what each other number gave, with the
    # figures the table shows; no «k =», no «ARI»/«силуэт» jargon in the reason itself.
    assert reason.startswith("4 кластера — самое подробное разбиение")
    assert "(чёткость разделения 0,31, устойчивость 0,80)" in reason
    assert "При 2 и 3 кластерах разбиение тоже чёткое и устойчивое, но менее подробное." in reason
    assert "При 5 кластерах разбиение неустойчиво (устойчивость 0,60" in reason
    assert "При 6 кластерах группы разделены хуже (чёткость 0,20 при лучшей 0,34)." in reason
    assert "k =" not in reason
    assert "ARI" not in reason
    assert "силуэт" not in reason
    assert reason.endswith(".")
    assert all(len(s) < 200 for s in reason.split(". "))


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
    assert reason.startswith("Ни одно разбиение не устойчиво")
    assert "3 кластера — самый устойчивый вариант" in reason
    assert "При 2 и 4 кластерах разбиение ещё менее устойчиво (0,50 и 0,55)." in reason


def test_rule_without_stability_falls_back_to_the_elbow() -> None:
    rows = [_row(2, None, None, 0.10), _row(3, None, None, 0.40), _row(4, None, None, 0.05)]
    k, reason = recommend_k(rows)
    assert k == 3
    assert "Это 3 кластера: различия внутри групп на 40\u00a0% меньше, чем при 2." in reason
    tied = [_row(2, None, None, 0.30), _row(3, None, None, 0.30)]
    k, reason = recommend_k(tied)
    assert k == 2
    assert "При 3 кластерах они уменьшаются так же; из равных взято меньшее число." in reason
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
    # How many, which numbers were compared, then why: each a sentence of its own.
    assert choice.reason.startswith(
        "Клиенты разделены на 3 кластера. Проверены варианты от 2 до 6 кластеров. 3 кластера — "
    )
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
    assert choice.reason.startswith(
        "Клиенты разделены на 6 кластеров: это число задано в исследовании. Проверены "
        "варианты с 2, 3, 4 и 6 кластерами. Программа по правилу выбора рекомендовала бы 3 "
        "кластера. 3 кластера — "
    )
    assert choice.stability_resamples == 2  # the cheap mode


def test_diagnose_is_reproducible() -> None:
    frame, _ = _planted(300)
    settings = FitSettings(categorical=["kind"], n_init=2, random_state=7)
    a = diagnose(frame, settings, (2, 4)).choice
    b = diagnose(frame, settings, (2, 4)).choice
    assert a.model_dump() == b.model_dump()


# --- the methods: categories as modes (k-prototypes) or as standardised indicators ----------------


def test_onehot_encoding_gives_one_indicator_per_level_and_one_for_missing() -> None:
    frame = _mixed_frame(200, seed=4)
    enc = encoding(frame, ["channel", "region"], "onehot")
    assert enc is not None
    assert enc.categorical == []
    data = enc.apply(frame)
    assert list(data.columns) == enc.columns
    # The numbers stay as they are; every categorical column becomes its levels' indicators.
    pd.testing.assert_series_equal(data["age"], frame["age"])
    for column in ("channel", "region"):
        names = [n for n, (c, _) in enc.indicators.items() if c == column]
        levels = {level for n, (c, level) in enc.indicators.items() if c == column}
        assert levels == set(frame[column].dropna()) | (
            {None} if frame[column].isna().any() else set()
        )
        # Exactly one indicator is set in every row, the missing level's where the value is.
        assert (data[names].sum(axis=1) == 1.0).all()
    missing = next(
        n for n, (c, level) in enc.indicators.items() if c == "channel" and level is None
    )
    assert (data[missing] == frame["channel"].isna().astype(float)).all()
    kproto = encoding(frame, ["channel", "region"], "kprototypes")
    assert kproto is not None
    assert kproto.categorical == ["channel", "region"]


def test_onehot_is_declined_without_categories_or_with_too_many_indicators() -> None:
    numbers = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0) ** 2})
    assert encoding(numbers, [], "onehot") is None
    many = pd.DataFrame({"code": [f"v{i}" for i in range(MAX_INDICATORS + 1)], "x": 1.0})
    assert encoding(many, ["code"], "onehot") is None


def test_method_is_chosen_by_the_same_silhouette_and_named() -> None:
    frame, _ = _planted()
    choice = diagnose(frame, FitSettings(categorical=["kind"], n_init=2), (2, 4)).choice
    assert choice.method in ("kprototypes", "onehot")
    assert choice.method_label
    assert {d.method for d in choice.diagnostics} == {choice.method}
    assert {d.method for d in choice.compared} == {"kprototypes", "onehot"} - {choice.method}
    # The chosen pair (method, k) has the best silhouette among the stable ones at that k.
    own = next(d for d in choice.diagnostics if d.k == choice.chosen_k)
    other = next(d for d in choice.compared if d.k == choice.chosen_k)
    assert own.silhouette is not None
    assert other.silhouette is not None
    assert own.silhouette >= other.silhouette - SILHOUETTE_TOLERANCE


def test_a_k_with_a_tiny_cluster_is_not_recommended() -> None:
    rows = [
        _row(2, 0.30, 0.95),
        KDiagnostic(k=3, cost=30.0, silhouette=0.32, stability=0.9, smallest_share=0.01),
    ]
    k, reason = recommend_k(rows)
    assert k == 2
    assert "При 3 кластерах один из кластеров меньше 3\u00a0% клиентов" in reason


def test_weak_structure_is_said_with_the_numbers() -> None:
    strong = KDiagnostic(k=3, cost=1.0, silhouette=0.5, stability=0.9)
    assert weak_structure(strong, [strong]) is None
    unstable = KDiagnostic(k=3, cost=1.0, silhouette=0.5, stability=0.4)
    text = weak_structure(unstable, [unstable])
    assert text is not None
    assert "разбиение неустойчиво" in text
    assert "совпадает лишь на 0,40, а устойчивым считается от 0,75" in text
    blurred = KDiagnostic(k=3, cost=1.0, silhouette=0.1, stability=0.9)
    text = weak_structure(blurred, [blurred])
    assert text is not None
    # Plain Russian, with the threshold to compare with.
    assert "группы плохо отделены друг от друга — чёткость разделения 0,10" in text
    assert "явные группы начинаются от 0,25" in text


def test_noise_is_reported_as_weak_structure() -> None:
    rng = np.random.default_rng(11)
    n = 400
    noise = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(5)})
    noise["kind"] = rng.choice(["a", "b", "c", "d"], n).astype(object)
    noise["region"] = rng.choice(["city", "town", "rural"], n).astype(object)
    settings = FitSettings(categorical=["kind", "region"], n_init=2)
    choice = diagnose(noise, settings, (2, 5)).choice
    assert choice.weak
    chosen = next(d for d in choice.diagnostics if d.k == choice.chosen_k)
    assert chosen.stability is not None
    assert chosen.silhouette is not None
    assert chosen.stability < STABLE_ARI or chosen.silhouette < WEAK_SILHOUETTE
    assert choice.weak_reason == weak_structure(chosen, choice.diagnostics)
    # Said plainly where k is explained, with what to do instead.
    assert choice.reason.endswith(weak_structure_text(choice.weak_reason))
    assert "Опирайтесь на сегменты по отдельным признакам" in choice.reason
