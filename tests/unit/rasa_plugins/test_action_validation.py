"""Tests of rasa_plugins.action_validation: Rasa's answer check, with a cached validator."""

from __future__ import annotations

import types
from typing import Any, Dict

import pytest
from jsonschema import ValidationError

import rasa.core.actions.action as rasa_action
from rasa.core.actions.action import RemoteAction
from rasa_plugins.action_validation import cache_action_result_validation

GOOD: Dict[str, Any] = {
    "events": [{"event": "slot", "timestamp": None, "name": "requested_slot", "value": None}],
    "responses": [{"response": "utter_balance", "outstanding": "€12.00"}],
}
BAD_EVENT: Dict[str, Any] = {"events": [{"event": "slot", "name": 5}], "responses": []}
BAD_RESPONSES: Dict[str, Any] = {"events": [], "responses": "utter_balance"}


def _stand_in() -> types.SimpleNamespace:
    """A module whose RemoteAction is a subclass: patching it leaves Rasa's alone."""
    calls = {"spec": 0}

    class CountingRemoteAction(RemoteAction):
        @staticmethod
        def action_response_format_spec() -> Dict[str, Any]:
            calls["spec"] += 1
            return RemoteAction.action_response_format_spec()

    return types.SimpleNamespace(
        __name__="stand_in", RemoteAction=CountingRemoteAction,
        DOCS_BASE_URL=rasa_action.DOCS_BASE_URL, calls=calls,
    )


def _action(module: types.SimpleNamespace) -> RemoteAction:
    return module.RemoteAction("action_check_balance", None)


def _rasa_error(answer: Dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as raised:
        RemoteAction("action_check_balance", None)._validate_action_result(answer)
    return raised.value.message


def test_valid_answers_pass_and_the_schema_is_built_once():
    module = _stand_in()
    assert cache_action_result_validation(module) is True
    action = _action(module)
    for _ in range(3):
        assert action._validate_action_result(GOOD) is True
    assert module.calls["spec"] == 1


@pytest.mark.parametrize("answer", [BAD_EVENT, BAD_RESPONSES])
def test_invalid_answers_fail_with_rasas_own_message(answer):
    module = _stand_in()
    cache_action_result_validation(module)
    with pytest.raises(ValidationError) as raised:
        _action(module)._validate_action_result(answer)
    assert raised.value.message == _rasa_error(answer)
    assert "Failed to validate Action server response" in raised.value.message


def test_installing_twice_keeps_one_hook_and_rasa_itself_is_untouched():
    module = _stand_in()
    cache_action_result_validation(module)
    installed = module.RemoteAction._validate_action_result
    assert cache_action_result_validation(module) is True
    assert module.RemoteAction._validate_action_result is installed
    assert RemoteAction._validate_action_result is not installed


def test_a_rasa_without_the_hook_is_left_alone(caplog):
    module = types.SimpleNamespace(__name__="old_rasa")
    assert cache_action_result_validation(module) is None
    assert "was not found" in caplog.text
