"""`python -I -m generator.action`: step 2 of the Action, run with the Action's own virtual environment."""

from __future__ import annotations

import sys

from generator.action.run import main

sys.exit(main())
