"""The package version, in one place (read by hatchling for the wheel's metadata)."""

__version__ = "2026.12.1"
