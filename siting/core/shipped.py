"""Where the TOML files that ship with the project live, and how a name finds one.

Profiles (``criteria/``) and catalogues (``layers/``) are folders of the repository; an
installed package carries them as ``siting/data/shipped_criteria`` and
``siting/data/shipped_layers``. Both kinds are named the same way: a shipped name
(``battery_plant``, ``demo``) or a path to a ``.toml`` file.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "demo.toml").write_text("")
>>> shipped_names(folder)
('demo',)
>>> resolve_toml("demo", folder, SitingError, "catalogue").name
'demo.toml'
"""

from __future__ import annotations

from pathlib import Path

from siting.core.errors import SitingError

__all__ = ["resolve_toml", "shipped_dir", "shipped_names"]

_PACKAGE = Path(__file__).resolve().parents[1]


def shipped_dir(folder: str) -> Path:
    """``folder`` of a checkout (``criteria``, ``layers``), else its copy in the package."""
    in_checkout = _PACKAGE.parent / folder
    return in_checkout if in_checkout.is_dir() else _PACKAGE / "data" / f"shipped_{folder}"


def shipped_names(folder: Path) -> tuple[str, ...]:
    """The names of the ``.toml`` files in ``folder``, sorted."""
    return tuple(sorted(p.stem for p in folder.glob("*.toml")))


def resolve_toml(name_or_path: str | Path, folder: Path, error: type[SitingError],
                 what: str) -> Path:
    """A shipped name in ``folder`` or a path to a ``.toml`` file, as an existing path.

    Raises ``error`` ("no such {what}") naming the shipped choices when neither exists.
    """
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    shipped = folder / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    raise error.single(
        str(name_or_path), f"no such {what}",
        hint=f"name one of {', '.join(shipped_names(folder))} or give a path to a .toml file")
