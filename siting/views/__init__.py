"""Views: maps and reports that lay out computed results."""
