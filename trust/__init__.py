"""The decision: keys and web of trust, policy, evaluation, deployment inputs, reports, CLI root."""
