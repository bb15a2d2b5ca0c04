"""Error types shared by every layer.

The CLI maps them to exit codes (InputError → 2, RevlakeError → 1) and the API to
problem+json responses, so library code raises these instead of printing or exiting.
"""

from __future__ import annotations


class RevlakeError(Exception):
    """A failure the user should read: the message names what went wrong and where."""

    exit_code = 1


class InputError(RevlakeError):
    """Bad input given by the user: a file, a config value, a CLI argument, a request."""

    exit_code = 2


class ConfigError(InputError):
    """An invalid or unknown setting in revlake.toml or a REVLAKE_* environment variable."""


class WorkspaceLockedError(RevlakeError):
    """Another revlake process holds the workspace write lock."""


class NotFound(InputError):
    """The thing asked for does not exist (API: 404 problem+json; CLI: exit 2)."""


class NoPublishedBuild(NotFound):
    """The tenant has no published build yet (or is not configured): build one first."""


class MissingTable(NotFound):
    """The published build lacks a gold table (built before that model, or not scored)."""


class Conflict(InputError):
    """The request needs state that is not there yet, e.g. a model never trained (API: 409)."""
