"""Locking: the one place that knows how each kind of lock is compiled, checked, exported and run.

The workflows (through the plan's commands), `ci-gen lock` and `doctor --deep` all go through it.
"""

from generator.locking.tools import (
    LOCK_TOOLS as LOCK_TOOLS,
)
from generator.locking.tools import (
    REGENERATE_COMMAND as REGENERATE_COMMAND,
)
from generator.locking.tools import (
    LockJob as LockJob,
)
from generator.locking.tools import (
    LockTool as LockTool,
)
