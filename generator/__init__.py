"""ci-gen: one ci-gen.yaml in, secure and verified GitHub Actions workflows out."""

__version__ = "0.1.0"
