"""The ci-gen.yaml spec: its models, its YAML reader with positions, and its loader."""
