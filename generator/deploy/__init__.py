"""Deploying a model service in stages: strategies (basic, shadow, canary) over targets, with gates."""
