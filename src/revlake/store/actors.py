"""Who the audit log names for work started from a shell (CLI commands, pipeline steps)."""

from __future__ import annotations

import getpass


def os_actor() -> str:
    """`cli:<os user>`: the actor of a command run from a shell."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"
