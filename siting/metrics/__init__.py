"""Metrics: measurements of candidate sites against layers (contracts §B).

Every metric is a function ``(sites, layer, ..., name=...) -> pandas.Series``
indexed like the sites, in EPSG:3006. :func:`compute_metric` dispatches a
profile's ``[[metric]]`` table to the right function using a LayerSet;
``siting.metrics.surface_ops`` holds the raster counterparts for the
suitability surface.
"""

from siting.metrics.attributes import assign_kommunkod, municipality_attribute
from siting.metrics.distance import nearest_attribute, nearest_distance
from siting.metrics.filters import apply_filter, filter_mask, validate_filter
from siting.metrics.geometry import site_area, site_attribute
from siting.metrics.labour import labour_pool
from siting.metrics.overlap import overlap_share
from siting.metrics.radius import count_within, sum_within
from siting.metrics.registry import (
    METRIC_KINDS,
    MetricKind,
    MissingLayer,
    compute_metric,
    validate_params,
)
from siting.metrics.roadgraph import RoadGraphCache
from siting.metrics.zonal import raster_stat

__all__ = [
    "METRIC_KINDS",
    "MetricKind",
    "MissingLayer",
    "RoadGraphCache",
    "apply_filter",
    "assign_kommunkod",
    "compute_metric",
    "count_within",
    "filter_mask",
    "labour_pool",
    "municipality_attribute",
    "nearest_attribute",
    "nearest_distance",
    "overlap_share",
    "raster_stat",
    "site_area",
    "site_attribute",
    "sum_within",
    "validate_filter",
    "validate_params",
]
