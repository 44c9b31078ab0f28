"""The deploying organisation's policy file: registries, trust settings, requirements."""
