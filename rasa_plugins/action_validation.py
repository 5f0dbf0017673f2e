"""Checks the action server's answers with a validator built once, not per call.

Rasa 3.6 validates every answer of the action server with
`jsonschema.validate(answer, schema)` (`RemoteAction._validate_action_result`).
That call first checks the schema itself against the JSON Schema meta-schema, and
Rasa's schema of events is large: on a 2-core machine it costs 55-70 ms of the
event loop per custom action, about a third of the Rasa server's time per
message under load (docs/performance.md). The schema never changes, so this
builds the validator once per action class and validates each answer with it:
the same answers pass, the same ones fail with the same message (the best-match
error, as `jsonschema.validate` raises it). `cache_action_result_validation`
installs it once at channel start-up and checks that the hook still exists.
"""

import logging
from typing import Any, Callable, Dict, Optional, Text, Type

from jsonschema import validators
from jsonschema.exceptions import best_match

import rasa.core.actions.action as rasa_action

logger = logging.getLogger(__name__)

_METHOD = "_validate_action_result"
_MARK = "_validates_with_cached_schema"


def _validator_for(action_class: Type[Any], cache: Dict[Type[Any], Any]) -> Any:
    validator = cache.get(action_class)
    if validator is None:
        schema = action_class.action_response_format_spec()
        validator_class = validators.validator_for(schema)
        validator_class.check_schema(schema)  # once, as jsonschema.validate did each time
        validator = validator_class(schema)
        cache[action_class] = validator
    return validator


def cached_validation(docs_url: Text) -> Callable[[Any, Dict[Text, Any]], bool]:
    """The replacement of `RemoteAction._validate_action_result`.

    Args:
        docs_url: Rasa's documentation URL, named in the error like Rasa does.

    Returns:
        A method validating an action server answer with a cached validator.
    """
    cache: Dict[Type[Any], Any] = {}

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        error = best_match(_validator_for(type(self), cache).iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{docs_url}/custom-actions"
        )
        raise error

    setattr(_validate_action_result, _MARK, True)
    return _validate_action_result


def cache_action_result_validation(module: Any = rasa_action) -> Optional[bool]:
    """Makes Rasa validate action server answers with a validator built once.

    Args:
        module: Rasa's module holding `RemoteAction` (a stand-in in tests).

    Returns:
        `True` once installed (also when it already was), `None` when this Rasa
        version has no such hook (nothing is changed then; a warning is logged).
    """
    remote_action = getattr(module, "RemoteAction", None)
    current = getattr(remote_action, _METHOD, None)
    if remote_action is None or not callable(current) or not hasattr(
        remote_action, "action_response_format_spec"
    ):
        logger.warning(
            "Rasa's validation of action server answers (%s.RemoteAction.%s) was not "
            "found; it stays as it is.",
            getattr(module, "__name__", module),
            _METHOD,
        )
        return None
    # Its own attribute, not a parent class's: a subclass gets a hook of its own.
    if getattr(vars(remote_action).get(_METHOD), _MARK, False):
        return True
    docs_url = getattr(module, "DOCS_BASE_URL", "https://rasa.com/docs/rasa")
    setattr(remote_action, _METHOD, cached_validation(docs_url))
    logger.debug("Action server answers are validated with a cached schema validator.")
    return True

