"""Python glue for the ci-gen GitHub Action (`action.yml`): checks its inputs, installs ci-gen into an
isolated virtual environment, runs the command and reports through the runner's files and annotations.
"""
