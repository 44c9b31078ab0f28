"""`signoff site`: static HTML pages about the registries, for people (Jinja2, autoescaped)."""
