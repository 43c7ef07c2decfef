"""Data in: catalogues, readers, field mapping, layer loading, study areas and candidate sites."""
