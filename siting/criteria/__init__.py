"""Establishment profiles: hard and soft criteria, value functions, AHP weights and aggregation methods."""
