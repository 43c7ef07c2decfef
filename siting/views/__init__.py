"""Views that lay out computed results: the interactive map and the reports (dossier, comparison)."""
