"""The exception hierarchy of the siting package.

Every error the package raises on purpose is a :class:`SitingError`. The app
shows these to the user with ``st.error``; anything else reaching the UI is a
bug. Validators collect every :class:`Problem` they find and raise once, so a
user fixing a file sees all mistakes in one go.

Examples
--------
>>> problems = [Problem(source="sites.csv", location="row 4", field="area_ha",
...                     message="'abc' is not a number", hint="write a number, e.g. 12.5")]
>>> err = DataError.from_problems("Invalid layer file", problems)
>>> print(err)
Invalid layer file (1 problem):
  - sites.csv, row 4, field 'area_ha': 'abc' is not a number. Fix: write a number, e.g. 12.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Self

__all__ = [
    "CatalogError",
    "CrsError",
    "DataError",
    "GeometryError",
    "LearningError",
    "Problem",
    "ProfileError",
    "RegionError",
    "ReportError",
    "ScoringError",
    "SitingError",
    "StoreError",
    "ImportValidationError",
    "MAX_LISTED",
    "format_locations",
]


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input.

    A problem is a message key with parameters, rendered in the reader's
    language by :func:`siting.core.i18n.t` (``<key>.message`` and, when the
    catalogue has one, ``<key>.hint``). Problems from older validators carry
    their English text in ``message``/``hint`` and a Swedish one in
    ``message_sv``/``hint_sv``; new code uses :meth:`of`.

    Parameters
    ----------
    source : str
        The file (or object) the problem is in, e.g. ``"layers/demo.toml"``.
    location : str
        Where inside the source: ``"layer 'substations'"``, ``"row 12"``,
        ``"feature 7"``; empty when the whole source is concerned.
    field : str
        The field/column/key concerned; empty when none.
    message : str
        What is wrong, with the offending value (English; filled from ``key``).
    hint : str
        What to do about it; empty when obvious (English; filled from ``key``).
    message_sv, hint_sv : str
        Swedish texts of problems that have no key yet.
    key : str
        Message key in the locale catalogues (e.g. ``"problem.crs.missing"``).
    params : tuple of (str, value) pairs
        The key's parameters.

    Examples
    --------
    >>> p = Problem.of("problem.crs.missing", "sites.csv")
    >>> p.text("sv").startswith("sites.csv: datat saknar koordinatsystem")
    True
    """

    source: str
    location: str = ""
    field: str = ""
    message: str = ""
    hint: str = ""
    message_sv: str = ""
    hint_sv: str = ""
    key: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.key and not self.message:  # English text for str(), logs and old callers
            message, hint = self._keyed("en")
            object.__setattr__(self, "message", message)
            object.__setattr__(self, "hint", self.hint or hint)

    @classmethod
    def of(cls, key: str, source: str, *, location: str = "", field: str = "",
           **params: Any) -> Problem:
        """A problem from a message key and its parameters."""
        return cls(source=source, location=location, field=field, key=key,
                   params=tuple(sorted(params.items())))

    def _keyed(self, lang: str) -> tuple[str, str]:
        from siting.core.i18n import has_key, t

        kw = dict(self.params)
        hint_key = f"{self.key}.hint"
        hint = t(hint_key, lang, **kw) if has_key(hint_key, "en") else ""
        return t(f"{self.key}.message", lang, **kw), hint

    def __str__(self) -> str:
        return self.text("en")

    def localized(self, lang: str = "en") -> tuple[str, str]:
        """(message, hint) in ``lang``; untranslated old problems fall back to English."""
        if self.key:
            return self._keyed(lang)
        if lang == "sv":
            return self.message_sv or self.message, self.hint_sv or self.hint
        return self.message, self.hint

    def text(self, lang: str = "en") -> str:
        """Render the problem in ``lang`` (``"sv"`` or ``"en"``), like ``str()`` in English."""
        from siting.core.i18n import t

        message, hint = self.localized(lang)
        parts = [p for p in (self.source, self.location) if p]
        if self.field:
            parts.append(t("problems.field_named", lang, field=self.field))
        head = ", ".join(parts)
        text = f"{head}: {message}" if head else message
        if hint:
            text += ". " + t("problems.fix_with", lang, hint=hint)
        return text


class SitingError(Exception):
    """Base class of every error the package raises deliberately.

    Parameters
    ----------
    message : str
        A plain-language summary.
    problems : sequence of Problem, optional
        The individual problems found, all of them.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.summary = message
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.summary
        if len(self.problems) == 1 and self.summary == str(self.problems[0]):
            return self.summary
        n = len(self.problems)
        lines = [f"{self.summary} ({n} problem{'s' if n != 1 else ''}):"]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)

    def text(self, lang: str = "en") -> str:
        """The error in ``lang`` (``"sv"`` or ``"en"``); ``text("en") == str(self)``.

        The summary is kept as written unless it is the rendering of the single problem.
        """
        from siting.core.i18n import t

        if lang != "sv":
            return self._render()
        if not self.problems:
            return self.summary
        if len(self.problems) == 1 and self.summary == str(self.problems[0]):
            return self.problems[0].text(lang)
        lines = [t("problems.summary_count", lang, summary=self.summary,
                   n=len(self.problems))]
        lines.extend(f"  - {p.text(lang)}" for p in self.problems)
        return "\n".join(lines)

    @classmethod
    def from_problems(cls, message: str, problems: Iterable[Problem]) -> Self:
        """Build the error (of the class it is called on) from a collection of problems."""
        return cls(message, tuple(problems))

    @classmethod
    def keyed(cls, key: str, source: str, *, location: str = "", field: str = "",
              **params: Any) -> Self:
        """Build the error from one problem given as a message key with parameters."""
        problem = Problem.of(key, source, location=location, field=field, **params)
        return cls(str(problem), (problem,))

    @classmethod
    def single(
        cls,
        source: str,
        message: str,
        *,
        location: str = "",
        field: str = "",
        hint: str = "",
        message_sv: str = "",
        hint_sv: str = "",
    ) -> Self:
        """Build the error (of the class it is called on) from a single problem; the summary
        is the message."""
        problem = Problem(source=source, location=location, field=field, message=message, hint=hint,
                          message_sv=message_sv, hint_sv=hint_sv)
        return cls(str(problem), (problem,))


class DataError(SitingError):
    """A data file is missing, unreadable, empty or has bad content."""


class CrsError(DataError):
    """A layer has no CRS, or its coordinates contradict the declared CRS."""


class GeometryError(DataError):
    """Invalid or empty geometry that the chosen policy does not repair."""


class CatalogError(SitingError):
    """A layer catalogue (``layers/*.toml``) is invalid."""


class RegionError(SitingError):
    """A region specification names unknown municipalities or is empty."""


class ProfileError(SitingError):
    """An establishment profile (``criteria/*.toml``) is invalid."""


class ScoringError(SitingError):
    """Scoring cannot proceed (e.g. no candidate sites, unknown site id)."""


class StoreError(SitingError):
    """The outcome log cannot be opened, read or written."""


class ImportValidationError(StoreError):
    """An outcome-log import file has bad rows; nothing was imported."""


class LearningError(SitingError):
    """Learning from outcomes is not possible with the given cases."""


class ReportError(SitingError):
    """A dossier or report cannot be produced."""


#: How many rows/features a problem lists by number before it says "(and N more)".
MAX_LISTED = 10


def format_locations(numbers: Sequence[Any], word: str, limit: int = MAX_LISTED) -> str:
    """``'rows 3, 5 and 9'`` / ``'features 1, 2, ... (and 14 more)'``.

    >>> format_locations([3], "row"), format_locations([1, 2, 3], "feature", limit=2)
    ('row 3', 'features 1, 2 (and 1 more)')
    """
    items = [str(n) for n in numbers]
    if not items:
        return ""
    if len(items) == 1:
        return f"{word} {items[0]}"
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{word}s {shown}" + (f" (and {more} more)" if more > 0 else "")
