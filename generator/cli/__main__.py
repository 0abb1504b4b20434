"""`python -m generator.cli` runs the ci-gen command line."""

from generator.cli import main

raise SystemExit(main())
