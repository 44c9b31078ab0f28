"""`signoff index build`: the vetted simple repository as static files."""
