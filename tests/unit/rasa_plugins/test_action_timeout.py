"""Tests of lowering Rasa's wait for the action server."""

import types

import rasa.core.actions.action as rasa_action

from rasa_plugins.action_timeout import limit_action_call_timeout


def _rasa_like(timeout: object) -> types.ModuleType:
    module = types.ModuleType("rasa_like")
    module.DEFAULT_REQUEST_TIMEOUT = timeout  # type: ignore[attr-defined]
    return module


def test_lowers_the_timeout() -> None:
    module = _rasa_like(300)

    assert limit_action_call_timeout(50, module) == 50
    assert module.DEFAULT_REQUEST_TIMEOUT == 50  # type: ignore[attr-defined]


def test_never_raises_it() -> None:
    module = _rasa_like(30)

    assert limit_action_call_timeout(50, module) == 30
    assert module.DEFAULT_REQUEST_TIMEOUT == 30  # type: ignore[attr-defined]


def test_a_rasa_without_the_constant_is_left_alone() -> None:
    module = types.ModuleType("other_rasa")

    assert limit_action_call_timeout(50, module) is None
    assert not hasattr(module, "DEFAULT_REQUEST_TIMEOUT")


def test_rasa_3_6_reads_the_constant_when_it_calls_an_action() -> None:
    # The hook only works while RemoteAction.run looks the name up at call time.
    source = rasa_action.RemoteAction.run.__code__
    assert "DEFAULT_REQUEST_TIMEOUT" in source.co_names
    assert isinstance(rasa_action.DEFAULT_REQUEST_TIMEOUT, (int, float))
