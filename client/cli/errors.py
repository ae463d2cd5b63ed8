"""Errors raised by CLI commands themselves (bad option values the parser cannot catch)."""


class CommandError(Exception):
    """A request that cannot be carried out as given; printed as one line."""
