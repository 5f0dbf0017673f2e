"""Masking of log records, so no handler of a process ever writes a secret.

`install_log_masking()` replaces the process's log record factory: every record is
rendered and masked when it is created, before any filter, handler or formatter
sees it, whichever library configures its handlers later (uvicorn's and Sanic's
configure theirs when they start). `MaskingFilter` does the same for one handler
or logger, e.g. from a `logging.config.dictConfig` file.

URL-encoded secrets are found too: an access log line
`GET /v1/dev/outbox?recipient=ada%40example.com` becomes
`GET /v1/dev/outbox?recipient=[email]`.
"""

import logging
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Optional

from redaction.masking import mask_text

# A percent-encoded byte or a `+` (an encoded space): the text may be a URL or a form.
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|\+")
_MASKING_MARK = "_masks_secrets"


def mask_log_text(text: str) -> str:
    """Masks secrets in a log line, also inside URL-encoded query strings.

    Args:
        text: A rendered log message.

    Returns:
        The masked message; when secrets only show once decoded, the decoded and
        masked message.
    """
    masked = mask_text(text)
    if not _ENCODED.search(masked):
        return masked
    decoded = urllib.parse.unquote_plus(masked)
    redone = mask_text(decoded)
    return redone if redone != decoded else masked


def _mask_value(value: Any) -> Any:
    """Masks one log argument; non-strings are kept unless their text holds a secret."""
    if isinstance(value, str):
        return mask_log_text(value)
    text = str(value)
    masked = mask_log_text(text)
    return value if masked == text else masked


def _mask_in_place(record: logging.LogRecord) -> bool:
    """Masks `msg` and each argument, keeping `args`' shape; tells whether that sufficed.

    Formatters such as uvicorn's access log unpack `args`, so they are kept a tuple
    (or mapping) of the same length whenever masking each part hides every secret.
    """
    record.msg = _mask_value(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_mask_value(arg) for arg in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {key: _mask_value(arg) for key, arg in record.args.items()}
    try:
        rendered = record.getMessage()
    except (TypeError, ValueError, KeyError):  # e.g. `%d` given a masked number
        return False
    return mask_log_text(rendered) == rendered


def mask_record(record: logging.LogRecord) -> None:
    """Masks `record`'s message, arguments, traceback and stack in place.

    A record without secrets is left as it is. Otherwise its format string and each
    argument are masked; when a secret only shows once rendered (split across
    arguments, or in an argument that no longer fits its `%d`), the message is
    rendered, masked and kept without arguments.

    Args:
        record: The record.
    """
    try:
        message: Optional[str] = record.getMessage()
    except (TypeError, ValueError, KeyError):  # arguments not matching the format
        message = None
    if message is None or mask_log_text(message) != message:
        original_msg, original_args = record.msg, record.args
        if not _mask_in_place(record):
            if message is not None:
                parts: tuple[Any, ...] = (message,)
            elif isinstance(original_args, tuple):
                parts = (original_msg, *original_args)
            else:
                parts = (original_msg, original_args)
            record.msg = mask_log_text(" ".join(str(part) for part in parts))
            record.args = None
    if record.exc_info and not record.exc_text:
        # Formatters reuse `exc_text` instead of formatting the exception again.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_log_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_log_text(record.stack_info)


class MaskingFilter(logging.Filter):
    """A filter that masks each record passing it (and never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Masks `record` in place.

        Args:
            record: The log record.

        Returns:
            Always `True`.
        """
        mask_record(record)
        return True


def install_log_masking() -> None:
    """Masks every log record of this process from now on (idempotent)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, _MASKING_MARK, False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    setattr(masking_factory, _MASKING_MARK, True)
    logging.setLogRecordFactory(masking_factory)


def log_masking_installed() -> bool:
    """Tells whether `install_log_masking` is in effect in this process."""
    return bool(getattr(logging.getLogRecordFactory(), _MASKING_MARK, False))
