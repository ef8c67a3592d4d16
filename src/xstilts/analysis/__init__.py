"""Transfer-gap analysis: does intermediate-task training flatten the loss-vs-distance slope?

``build_report`` is the entry point; it is imported lazily so that ``import xstilts.analysis``
(and the CLI start-up) does not pay for statsmodels and matplotlib.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ReportSummary", "analyse_store", "build_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from xstilts.analysis import report

        return getattr(report, name)
    raise AttributeError(f"module 'xstilts.analysis' has no attribute {name!r}")
