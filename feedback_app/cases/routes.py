"""Case intake and handling pages."""
