"""The web of trust: keys and certifications, and GnuPG's pgp validity over them."""
