"""Foundations every other part uses: errors, CRS, provenance, i18n, frozen containers, the GDAL lock."""
