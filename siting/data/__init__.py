"""Data in: catalogues, readers, field mapping, layer loading, study areas, candidate sites
and the workspace's own sites and layers."""
