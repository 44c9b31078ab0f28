"""Report formats: rich table and JSON."""
