"""The suitability surface: a regular grid over a region, evaluated tile by tile, and candidate areas."""

from siting.surface.run import NODATA, SurfaceResult, suitability_surface, write_geotiff

__all__ = ["NODATA", "SurfaceResult", "suitability_surface", "write_geotiff"]
