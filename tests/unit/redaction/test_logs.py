"""Tests of redaction.logs: log records are masked before any handler writes them."""

from __future__ import annotations

import io
import logging
import logging.config
from typing import Iterator

import pytest

from redaction.logs import (
    MaskingFilter,
    install_log_masking,
    log_masking_installed,
    mask_log_text,
    mask_record,
)

CARD = "4111 1111 1111 1111"


@pytest.fixture(autouse=True)
def restore_log_record_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


def _logger(name: str) -> "tuple[logging.Logger, io.StringIO]":
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            '127.0.0.1:5 - "GET /v1/dev/outbox?recipient=ada%40example.com HTTP/1.1" 200',
            '127.0.0.1:5 - "GET /v1/dev/outbox?recipient=[email] HTTP/1.1" 200',
        ),
        ("GET /pay?card=4111+1111+1111+1111&x=1", "GET /pay?card=[card •••• 1111]&x=1"),
        ("mail ada@example.com", "mail [email]"),
        ("no secret in 50%25 of cases", "no secret in 50%25 of cases"),
        ("call +44 20 7946 0958", "call [phone]"),
    ],
)
def test_log_lines_are_masked_also_when_url_encoded(line: str, expected: str) -> None:
    assert mask_log_text(line) == expected


def test_installed_masking_covers_args_and_handlers_created_later() -> None:
    install_log_masking()
    # As uvicorn does: its handlers are configured after the application starts.
    logger, stream = _logger("test.later")
    logger.info('%s - "%s %s"', "127.0.0.1", "GET", "/v1/x?email=ada%40example.com")
    logger.info("card %s cvv %d", CARD, 123)
    assert stream.getvalue().splitlines() == [
        '127.0.0.1 - "GET /v1/x?email=[email]"',
        "card [card •••• 1111] cvv [cvv]",
    ]


def test_tracebacks_are_masked() -> None:
    install_log_masking()
    logger, stream = _logger("test.traceback")
    try:
        raise ValueError(f"bad card {CARD}")
    except ValueError:
        logger.exception("failed for ada@example.com")
    written = stream.getvalue()
    assert "ValueError: bad card [card •••• 1111]" in written
    assert "failed for [email]" in written
    assert "4111" not in written.replace("•••• 1111", "")


def test_without_masking_the_same_lines_leak() -> None:
    logger, stream = _logger("test.plain")
    logger.info("card %s", CARD)
    assert CARD in stream.getvalue()


def test_installing_twice_masks_once_and_reports_it() -> None:
    assert not log_masking_installed()
    install_log_masking()
    factory = logging.getLogRecordFactory()
    install_log_masking()
    assert logging.getLogRecordFactory() is factory
    assert log_masking_installed()


def test_the_filter_masks_records_of_a_dict_config() -> None:
    stream = io.StringIO()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"mask": {"()": MaskingFilter}},
            "handlers": {
                "out": {
                    "class": "logging.StreamHandler",
                    "stream": stream,
                    "filters": ["mask"],
                    "formatter": "plain",
                }
            },
            "formatters": {"plain": {"format": "%(message)s"}},
            "loggers": {"test.dictconfig": {"handlers": ["out"], "propagate": False}},
        }
    )
    logging.getLogger("test.dictconfig").warning("iban %s", "DE89 3704 0044 0532 0130 00")
    assert stream.getvalue() == "iban [iban •••• 3000]\n"


class _AccessFormatter(logging.Formatter):
    """Unpacks `args` as uvicorn's access log formatter does."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        client, method, path, version, status = record.args  # type: ignore[misc]
        return f'{client} - "{method} {path} HTTP/{version}" {status}'


def test_access_log_arguments_keep_their_shape_for_formatters_that_unpack_them() -> None:
    install_log_masking()
    logger, stream = _logger("test.access")
    logger.handlers[0].setFormatter(_AccessFormatter())
    logger.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5",
        "GET",
        "/v1/dev/outbox?recipient=ada%40example.com",
        "1.1",
        200,
    )
    expected = '127.0.0.1:5 - "GET /v1/dev/outbox?recipient=[email] HTTP/1.1" 200\n'
    assert stream.getvalue() == expected


def _record(msg: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, msg, args or None, None)


def test_a_record_without_secrets_is_left_as_it_is() -> None:
    record = _record("paid %s on %s", "49.90 EUR", "2026-12-01")
    args = record.args
    mask_record(record)
    assert (record.msg, record.args) == ("paid %s on %s", args)


def test_a_number_that_is_a_card_is_masked_even_as_a_percent_d_argument() -> None:
    record = _record("card %d", 4111111111111111)
    mask_record(record)
    assert record.getMessage() == "card [card •••• 1111]"


def test_a_secret_split_across_arguments_is_masked_in_the_rendered_message() -> None:
    record = _record("mail %s%s", "ada@", "example.com")
    mask_record(record)
    assert (record.getMessage(), record.args) == ("mail [email]", None)
