"""Reading the webhook's answers: a reply, an empty one, an error or an apology."""

from __future__ import annotations

from pathlib import Path
from typing import Any, FrozenSet, Iterable

import yaml

from bench.load.stats import DEGRADED, EMPTY, ERROR, OK

#: Responses that stand in for an answer the customer did not get.
DEGRADED_RESPONSES = (
    "utter_assistant_unavailable",  # the never-silent guard's deadline passed
    "utter_backend_unavailable",
    "utter_something_went_wrong",
    "utter_slow_down",  # the channel's rate limit
    "utter_login_required",  # the token was not accepted
)


def response_texts(domain_file: Path, names: Iterable[str]) -> FrozenSet[str]:
    """The texts of some responses of a domain file (every variant).

    Args:
        domain_file: A domain YAML file.
        names: Response names.

    Returns:
        Their texts; names missing from the domain are skipped.
    """
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    responses = domain.get("responses") or {}
    texts = set()
    for name in names:
        for variant in responses.get(name) or []:
            if isinstance(variant, dict) and isinstance(variant.get("text"), str):
                texts.add(variant["text"].strip())
    return frozenset(texts)


def classify_reply(status: int, body: Any, degraded_texts: FrozenSet[str]) -> str:
    """Sorts one webhook answer.

    Args:
        status: HTTP status.
        body: Decoded JSON body (Rasa's REST channel answers a list of messages).
        degraded_texts: Texts that are apologies rather than answers.

    Returns:
        `error` for a status other than 200 or a body that is not a list, `empty`
        for an empty list, `degraded` when a message is one of `degraded_texts`,
        else `ok`.
    """
    if status != 200 or not isinstance(body, list):
        return ERROR
    if not body:
        return EMPTY
    for message in body:
        text = message.get("text") if isinstance(message, dict) else None
        if isinstance(text, str) and text.strip() in degraded_texts:
            return DEGRADED
    return OK


def classify_action_result(status: int, body: Any, degraded: FrozenSet[str]) -> str:
    """Sorts one answer of the action server's `/webhook`.

    Args:
        status: HTTP status.
        body: Decoded JSON body (`{"events": [...], "responses": [...]}`).
        degraded: Response names that are apologies (e.g. the backend failed).

    Returns:
        `error`, `empty` (no response to the customer), `degraded` or `ok`.
    """
    if status != 200 or not isinstance(body, dict):
        return ERROR
    responses = body.get("responses")
    if not isinstance(responses, list) or not responses:
        return EMPTY
    for response in responses:
        if isinstance(response, dict) and response.get("response") in degraded:
            return DEGRADED
    return OK
