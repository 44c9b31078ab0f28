"""signoff: share the work of vetting Python release files.

The repository keeps three layered folders, installed under this one import name:
`signoff.attest` (one attestation), `signoff.registry` (the git store) and `signoff.trust`
(the decision). This module is the public Python API.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("signoff")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
