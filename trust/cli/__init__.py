"""The command line: one module per command, `main` holding the root app."""
