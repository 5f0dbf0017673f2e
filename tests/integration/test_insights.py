"""Insights of generated conversations on the real stack, checked against hand counts.

A stack of its own (fresh tracker store and desk database), so that the conversations
of other tests do not change the figures. Four conversations:

| # | who      | what                                                               |
|---|----------|--------------------------------------------------------------------|
| 1 | Ada      | balance answered (resolved); satisfaction: solved yes, rating 4    |
| 2 | Ada      | starts a refund, asks for a person: agent claims, hands back       |
| 3 | visitor  | one message the assistant does not understand, then hello          |
| 4 | Ada      | balance again (a repeat contact), skips the satisfaction question  |
"""

import statistics
import time
from typing import Any, Dict, Iterator, List

import pytest
import requests

from tests.integration.desk_agent import DeskAgent
from tests.integration.journey import Conversation
from tests.integration.stack_fixtures import RunningStack, running_stack

ADA = "ada@example.com"
RESOLVING_BALANCE = {"utter_balance", "utter_balance_overdue", "utter_balance_nothing_due"}


@pytest.fixture(scope="module")
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("insights-stack")) as running:
        yield running


def _press(conversation: Conversation, payload_start: str, contains: str = "") -> str:
    button = next(
        (
            b
            for b in conversation.buttons()
            if b["payload"].startswith(payload_start) and contains in b["payload"]
        ),
        None,
    )
    assert button, f"no button {payload_start} in {conversation.buttons()}"
    return conversation.say(button["payload"])


def _user_intents(stack: RunningStack, conversation: Conversation) -> List[str]:
    events = stack.tracker(conversation.sender_id)["events"]
    return [e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"]


def _seconds_to_resolution(stack: RunningStack, conversation: Conversation) -> float:
    """First user message to the first balance answer, from the tracker's own events."""
    events = stack.tracker(conversation.sender_id)["events"]
    first_user = next(e["timestamp"] for e in events if e["event"] == "user")
    resolved = next(
        e["timestamp"]
        for e in events
        if e["event"] == "bot"
        and (e.get("metadata") or {}).get("utter_action") in RESOLVING_BALANCE
    )
    return float(resolved - first_user)


def _insights(agent: DeskAgent, **params: str) -> Dict[str, Any]:
    response = agent.request("GET", "/v1/insights", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_figures_of_generated_conversations(fresh_stack: RunningStack) -> None:
    stack = fresh_stack
    maria = DeskAgent(stack.desk_url, "maria")

    # 1: resolved, satisfaction answered
    first = Conversation(stack, ADA)
    first.say("how much do I owe?")
    assert any(b["payload"].startswith("/csat_solved") for b in first.buttons())
    _press(first, "/csat_solved")
    _press(first, "/csat_rate", '"4"')

    # 2: handed over inside the refund form; the agent hands back
    handed = Conversation(stack, ADA)
    handed.say("I want a refund")
    before_handoff = time.time()
    handed.say("actually can I speak to a human agent")
    ticket = maria.ticket_of(handed.sender_id)
    assert ticket["reason"] == "customer_request"
    # written to the agent while the bot is paused: not a message to the bot
    assert stack.send(handed.sender_id, "hello? is anyone there", token=handed.token) == []
    assert maria.claim(ticket["ticket_id"]).status_code == 200
    assert maria.hand_back(ticket["ticket_id"]).status_code == 200
    after_handback = time.time()

    # 3: a visitor the assistant does not understand once
    visitor = Conversation(stack)
    # letter soup: no word the assistant knows, so NLU gives nlu_fallback (a vague
    # real sentence sits near the threshold and moves with each training)
    visitor.say("wqzx plorbt vvnk")
    visitor.say("hello")

    # 4: the same topic again; the satisfaction question is ignored
    again = Conversation(stack, ADA)
    again.say("what do I owe?")
    assert any(b["payload"].startswith("/csat_solved") for b in again.buttons())
    assert again.say("thanks")  # answered as usual, nothing derails

    # The premises of the hand counts, as the tracker recorded them.
    assert _user_intents(stack, first) == ["check_balance", "csat_solved", "csat_rate"]
    handed_intents = _user_intents(stack, handed)
    assert handed_intents[:2] == ["request_refund", "human_handoff"] and len(handed_intents) == 3
    assert _user_intents(stack, visitor) == ["nlu_fallback", "greet"]
    assert _user_intents(stack, again) == ["check_balance", "thank_you"]

    body = _insights(maria)
    totals = body["totals"]
    # 4 conversations: 1 and 4 contained, 2 handed over, 3 neither
    assert totals["outcomes"] == {
        "conversations": 4,
        "contained": 2,
        "handed_over": 1,
        "unresolved": 1,
        "containment_rate": 0.5,
        "handoff_rate": 0.25,
    }
    assert body["handoff_by_reason"] == [{"key": "customer_request", "count": 1, "rate": 0.25}]
    assert body["handoff_by_intent"] == [{"key": "request_refund", "count": 1, "rate": 0.25}]
    # messages to the bot: 3 + 2 + 2 + 2 (the one written to the agent does not count)
    assert totals["fallbacks"] == {
        "user_messages": 9,
        "fallback_messages": 1,
        "fallback_rate": pytest.approx(1 / 9),
    }
    # Ada's three conversations have topics; the fourth repeats the first's balance
    assert totals["repeat_contacts"] == {
        "eligible": 3,
        "repeats": 1,
        "repeat_rate": pytest.approx(1 / 3),
        "by_topic": [{"key": "check_balance", "count": 1, "rate": 1.0}],
    }
    assert totals["satisfaction"] == {
        "asked": 2,
        "responses": 1,
        "response_rate": 0.5,
        "solved_answers": 1,
        "solved_yes": 1,
        "solved_share": 1.0,
        "ratings": 1,
        "mean_rating": 4.0,
    }
    bot_times = [_seconds_to_resolution(stack, c) for c in (first, again)]
    assert totals["bot_resolution_seconds"] == {
        "count": 2,
        "mean": pytest.approx(statistics.fmean(bot_times)),
        "median": pytest.approx(statistics.median(bot_times)),
    }
    human = totals["human_resolution_seconds"]
    assert human["count"] == 1
    assert 0 < human["median"] == human["mean"] <= after_handback - before_handoff
    assert body["top_journeys"] == [
        {"key": "check_balance", "count": 2, "rate": pytest.approx(2 / 3)},
        {"key": "request_refund", "count": 1, "rate": pytest.approx(1 / 3)},
    ]
    assert body["top_intents"][0] == {
        "key": "check_balance",
        "count": 2,
        "rate": pytest.approx(2 / 9),
    }
    assert body["channels"] == ["rest"]
    assert sum(day["figures"]["outcomes"]["conversations"] for day in body["days"]) == 4

    # Filters: another channel has nothing; a day range around today has everything.
    assert _insights(maria, channel="socketio")["totals"]["outcomes"]["conversations"] == 0
    today = body["days"][-1]["day"]
    ranged = _insights(maria, **{"from": today, "to": today, "channel": "rest"})
    assert ranged["totals"]["outcomes"]["conversations"] == 4
    assert [day["day"] for day in ranged["days"]] == [today]


def test_insights_need_an_agent(fresh_stack: RunningStack) -> None:
    response = requests.get(f"{fresh_stack.desk_url}/v1/insights", timeout=30)
    assert response.status_code == 401
    service = requests.get(
        f"{fresh_stack.desk_url}/v1/insights",
        headers={"Authorization": f"Bearer {fresh_stack.desk_api_key}"},
        timeout=30,
    )
    assert service.status_code == 401
