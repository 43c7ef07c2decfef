"""Scoring candidate sites: evaluate a profile on sites, the result object, exports and sensitivity.

``evaluate`` computes the metric table of the sites, decides every criterion, aggregates and returns
a :class:`~siting.scoring.result.SitingResult`.
"""

from siting.scoring.result import SitingResult
from siting.scoring.sites import compute_metrics, evaluate, prepare_sites, reproduce

__all__ = ["SitingResult", "compute_metrics", "evaluate", "prepare_sites", "reproduce"]
