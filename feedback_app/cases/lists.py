"""Case lists, filters and CSV export and import."""
