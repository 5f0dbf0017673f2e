"""Errors raised while preparing or running the development stack."""


class DevstackError(Exception):
    """Base class of the development stack's errors."""


class PrerequisiteError(DevstackError):
    """Something the stack needs is missing: a venv, a model, a free port."""


class ServiceStartError(DevstackError):
    """A service died or did not become healthy in time."""
