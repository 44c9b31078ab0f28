"""One attestation: schema, exact bytes, release-file hashing, GnuPG signing and verifying."""
