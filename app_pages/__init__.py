"""Streamlit pages of the siting app (thin: widgets, caching and state only)."""
