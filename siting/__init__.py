"""siting: find and argue for sites for large industrial establishments in Swedish municipalities.

The package never imports streamlit; the app (``app.py`` and ``app_pages/``) is a thin layer on top.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("siting")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "evaluate", "load_layerset", "load_profile", "suitability_surface"]

_PUBLIC = {
    "evaluate": "siting.scoring",
    "load_layerset": "siting.data.layers",
    "load_profile": "siting.criteria.profiles",
    "suitability_surface": "siting.surface",
}


def __getattr__(name: str) -> object:
    """Import the public entry points on first use (``from siting import evaluate``)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'siting' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
