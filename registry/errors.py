"""Errors whose fault lies with a registry's data or history."""

from __future__ import annotations

from signoff.attest.errors import SignoffError


class RegistryError(SignoffError):
    """A registry is missing, malformed, or its history is not as required."""
