"""The drift measures: population stability index, Kolmogorov-Smirnov and chi-squared.

KS and chi-squared come from scipy.stats (`ks_2samp`, `chisquare`); PSI is one line of numpy over the
profile's bins. tests/monitor/test_stats.py checks every figure against an independent implementation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from generator.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# A bin or category with no rows on one side would make PSI infinite; like Evidently and most PSI
# write-ups, empty shares count as this small share instead.
EMPTY_SHARE = 1e-4
EXTRA_HINT = "install the monitor extra: pip install 'ci-gen[monitor]'"


def numpy() -> Any:
    """numpy, imported on first use (it is part of the optional `monitor` extra)."""
    try:
        import numpy as np
    except ImportError:
        raise UsageError("drift measures need numpy and scipy", hint=EXTRA_HINT) from None
    return np


def scipy_stats() -> Any:
    try:
        from scipy import stats  # type: ignore[import-untyped]
    except ImportError:
        raise UsageError("drift measures need numpy and scipy", hint=EXTRA_HINT) from None
    return stats


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two share vectors over the same bins: sum (a - e) ln(a / e)."""
    np = numpy()
    e = np.clip(np.asarray(expected, dtype=float), EMPTY_SHARE, None)
    a = np.clip(np.asarray(actual, dtype=float), EMPTY_SHARE, None)
    return float(np.sum((a - e) * np.log(a / e)))


def bin_shares(values: npt.NDArray[np.float64], edges: Sequence[float]) -> list[float]:
    """Shares of `values` in the bins (-inf, e1], (e1, e2], ..., (ek, inf)."""
    np = numpy()
    if len(values) == 0:
        return [0.0] * (len(edges) + 1)
    index = np.searchsorted(np.asarray(edges, dtype=float), values, side="left")
    counts = np.bincount(index, minlength=len(edges) + 1)
    return [float(c) / len(values) for c in counts]


def ks(reference: Sequence[float], current: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (scipy.stats.ks_2samp)."""
    if len(reference) == 0 or len(current) == 0:
        return math.nan, math.nan
    result = scipy_stats().ks_2samp(reference, current)
    return float(result.statistic), float(result.pvalue)


def chi_squared(expected: Sequence[float], counts: Sequence[int]) -> tuple[float, float]:
    """Chi-squared goodness of fit of observed category counts to the expected shares (scipy.stats)."""
    np = numpy()
    total = int(sum(counts))
    if total == 0:
        return math.nan, math.nan
    shares = np.clip(np.asarray(expected, dtype=float), EMPTY_SHARE, None)
    f_exp = shares / shares.sum() * total
    result = scipy_stats().chisquare(np.asarray(counts, dtype=float), f_exp)
    return float(result.statistic), float(result.pvalue)
