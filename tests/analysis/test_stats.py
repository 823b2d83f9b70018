"""Wilson interval against hand-computed values."""

from __future__ import annotations

import pytest

from segprofile.analysis.stats import newcombe_interval, wilson_interval, z_value


def test_z_value_95() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_wilson_known_values() -> None:
    # 8 of 10 at 95 %: the textbook interval (0.4902, 0.9433).
    low, high = wilson_interval(8, 10, 0.95)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_edges_stay_in_unit_interval() -> None:
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == pytest.approx(1.0)
    assert 0 < wilson_interval(0, 5)[1] < 0.6


def test_wilson_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="n=0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="successes=6"):
        wilson_interval(6, 5)


@pytest.mark.parametrize(
    ("a", "n_a", "b", "n_b"),
    [(56, 70, 48, 80), (9, 10, 3, 10), (0, 13, 500, 900), (2, 13, 17000, 27000)],
)
def test_newcombe_matches_statsmodels(a: int, n_a: int, b: int, n_b: int) -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    expected = confint_proportions_2indep(a, n_a, b, n_b, method="newcomb", compare="diff")
    assert newcombe_interval(a, n_a, b, n_b) == pytest.approx(expected, abs=1e-9)


def test_newcombe_textbook_value() -> None:
    # Newcombe (1998), example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    low, high = newcombe_interval(56, 70, 48, 80)
    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)
