"""Errors of network operations; each message says what failed and what to do."""


class NetworkError(Exception):
    """An operation on the consortium network failed."""


class ConfigError(NetworkError):
    """The consortium file is invalid; the message names the field."""


class ToolError(NetworkError):
    """A Fabric binary is missing or a command it ran failed."""
