"""ACME's ci-gen pack. ci-gen reads pack.yaml and templates/ from this folder; nothing here runs."""
