"""One exception hierarchy for kg: library code raises, the CLI maps to exit codes."""

__all__ = ["KGError", "UsageError", "InputError", "ModelNotFoundError", "QueryError", "RenderError"]


class KGError(Exception):
    """Base of every error kg raises on purpose; the CLI exits with :attr:`exit_code`."""

    exit_code = 1


class UsageError(KGError):
    """The user asked for something impossible (bad option, bad path): exit code 2."""

    exit_code = 2


class InputError(UsageError):
    """An input path or document cannot be read."""


class QueryError(UsageError):
    """A SPARQL query does not parse or cannot run."""


class ModelNotFoundError(KGError):
    """No spaCy English pipeline could be loaded."""


class RenderError(KGError):
    """The HTML view cannot be built (for example vis-network is missing from pyvis)."""
