"""Tests of actions.handoff.config: the triggers of handoff.yml and their validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict

import pytest

from actions.handoff.config import REASONS, HandoffConfig, HandoffTrigger, parse_handoff_config
from actions.settings import DEFAULT_HANDOFF_CONFIG_PATH, load_handoff_config

VALID: Dict[str, Any] = {
    "triggers": {
        "customer_request": {"enabled": True},
        "complaint": {"enabled": True},
        "fraud": {"enabled": False},
        "dispute": {"enabled": True},
        "repeated_fallback": {"enabled": True, "threshold": 4},
        "form_validation_failed": {"enabled": True, "threshold": 3},
        "backend_unavailable": {"enabled": False},
    }
}


def _with(path: str, value: Any) -> Dict[str, Any]:
    """VALID with one entry changed (`reason.key`), or deleted when value is ...."""
    data = copy.deepcopy(VALID)
    reason, _, key = path.partition(".")
    if key:
        if value is ...:
            del data["triggers"][reason][key]
        else:
            data["triggers"][reason][key] = value
    elif value is ...:
        del data["triggers"][reason]
    else:
        data["triggers"][reason] = value
    return data


def test_a_valid_document_is_read() -> None:
    config = parse_handoff_config(VALID)
    assert config.enabled("complaint") and not config.enabled("fraud")
    assert config.threshold("repeated_fallback") == 4
    assert config.trigger("backend_unavailable") == HandoffTrigger("backend_unavailable", False)


def test_the_shipped_file_enables_everything_with_the_documented_thresholds() -> None:
    config = load_handoff_config(DEFAULT_HANDOFF_CONFIG_PATH)
    assert config == HandoffConfig.default()
    assert config.threshold("repeated_fallback") == 2
    assert config.threshold("form_validation_failed") == 3
    assert all(config.enabled(reason) for reason in REASONS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "one key 'triggers'"),
        ({"triggers": VALID["triggers"], "extra": 1}, "one key 'triggers'"),
        ({"triggers": ["customer_request"]}, "map each reason"),
        (_with("refund_denied", {"enabled": True}), "unknown reason"),
        (_with("complaint", ...), "missing"),
        (_with("complaint", True), "must be a mapping"),
        (_with("complaint.enabled", "yes"), "enabled must be true or false"),
        (_with("complaint.enabled", ...), "enabled must be true or false"),
        (_with("complaint.threshold", 2), "unexpected key"),
        (_with("repeated_fallback.threshold", ...), "threshold must be a whole number"),
        (_with("repeated_fallback.threshold", 0), "threshold must be a whole number"),
        (_with("repeated_fallback.threshold", 21), "threshold must be a whole number"),
        (_with("repeated_fallback.threshold", True), "threshold must be a whole number"),
        (_with("form_validation_failed.threshold", "3"), "threshold must be a whole number"),
    ],
)
def test_invalid_documents_are_refused_naming_the_entry(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_handoff_config(data, "custom.yml")
    assert str(raised.value).startswith("custom.yml")


def test_the_entry_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"triggers\.repeated_fallback\.threshold"):
        parse_handoff_config(_with("repeated_fallback.threshold", -1))


def test_disabling_the_customer_request_is_allowed() -> None:
    # The customer then gets the contact details of an external channel.
    config = parse_handoff_config(_with("customer_request.enabled", False))
    assert not config.enabled("customer_request")


def test_a_config_must_cover_every_reason_once() -> None:
    with pytest.raises(ValueError, match="once each"):
        HandoffConfig((HandoffTrigger("complaint"),))


def test_a_reason_without_threshold_has_none() -> None:
    with pytest.raises(KeyError):
        HandoffConfig.default().threshold("complaint")


def test_load_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HANDOFF_CONFIG_PATH.*absent.yml"):
        load_handoff_config(tmp_path / "absent.yml")


def test_load_reports_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("triggers: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_handoff_config(path)
