"""`signoff serve`: a vetted simple repository in front of an upstream index (ASGI)."""
