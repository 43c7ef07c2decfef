"""siting: find and argue for sites for large industrial establishments in Swedish municipalities.

The package never imports streamlit; the app (``app.py`` and ``pages/``) is a thin layer on top.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("siting")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
