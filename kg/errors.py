"""One exception hierarchy for kg: library code raises, the CLI maps to exit codes."""

__all__ = ["KGError", "UsageError", "InputError", "ModelNotFoundError", "QueryError", "ServiceRefusedError", "RenderError", "first_line"]


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


class ServiceRefusedError(QueryError):
    """A query or update would open a network connection (SPARQL ``SERVICE``, ``LOAD``) and that was not allowed."""


class ModelNotFoundError(KGError):
    """No spaCy English pipeline could be loaded."""


class RenderError(KGError):
    """The HTML view cannot be built (for example vis-network is missing from pyvis)."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), for a one-line error.

    >>> first_line(ValueError("bad value\\nin detail")), first_line(OSError())
    ('bad value', 'OSError')
    """
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
