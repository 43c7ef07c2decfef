"""Data: catalogues, readers, layers, regions and municipality groupings."""
