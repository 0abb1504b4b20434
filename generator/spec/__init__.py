"""The ci-gen.yaml spec: its models, its YAML reader with positions, and its loader."""

from generator.spec.plugins import skip_empty_plugin_lookup

skip_empty_plugin_lookup()  # before the first model is built (see plugins.py)
