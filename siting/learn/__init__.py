"""Learning from past establishment outcomes.

Turns the outcome log (won/lost cases with metric snapshots and soft-factor
assessments) into evidence about a profile's weights: a sign-constrained
logistic model shrunk toward the profile's expert weights, validated by
repeated cross-validation with bootstrap intervals, compared with a random
forest, and explained by permutation importance and *suggested weights*
shown next to the expert weights. With few cases the result says it is
indicative only; with winners only it contrasts them with background
locations and says the probabilities are relative.

Modules: :mod:`~siting.learn.features` (case frame -> features),
:mod:`~siting.learn.models` (numeric core), :mod:`~siting.learn.validation`
(CV, intervals, importance), :mod:`~siting.learn.learner` (the entry points),
:mod:`~siting.learn.result` (:class:`LearningResult`),
:mod:`~siting.learn.truth` (known-truth check),
:mod:`~siting.learn.adapters` (profiles and the outcome store).
"""

from siting.learn.adapters import (
    features_from_profile,
    learn_from_store,
    spec_from_profile,
)
from siting.learn.features import (
    FeatureSpec,
    FeatureTable,
    build_features,
    build_presence_background,
    spec_from_mappings,
    transform_rows,
)
from siting.learn.learner import (
    learn,
    learn_from_frame,
    learn_presence_background,
    win_probability,
)
from siting.learn.result import MIN_CASES_PER_CLASS, LearningResult, render_table
from siting.learn.truth import known_truth_check

__all__ = [
    "MIN_CASES_PER_CLASS",
    "FeatureSpec",
    "FeatureTable",
    "LearningResult",
    "build_features",
    "build_presence_background",
    "features_from_profile",
    "known_truth_check",
    "learn",
    "learn_from_frame",
    "learn_from_store",
    "learn_presence_background",
    "render_table",
    "spec_from_mappings",
    "spec_from_profile",
    "transform_rows",
    "win_probability",
]
