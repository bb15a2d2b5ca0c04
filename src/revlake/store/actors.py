"""Who the audit log (and notes, resolutions, contracts) names as the writer: one helper
per way in, so the same person is spelled the same way everywhere."""

from __future__ import annotations

import getpass


def os_actor() -> str:
    """`cli:<os user>`: the actor of a command run from a shell."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def api_actor(key_id: str) -> str:
    """`api-key:<key id>`: the actor of a request made with an API key."""
    return f"api-key:{key_id}"


def web_actor(key_id: str) -> str:
    """`web:<key id>`: the actor of a dashboard form post (the session's key)."""
    return f"web:{key_id}"
