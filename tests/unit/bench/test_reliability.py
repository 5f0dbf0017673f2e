"""Tests of bench.reliability's counting and table, without services."""

from __future__ import annotations

import re
import threading
from typing import Any, Dict, List

import pytest

from bench.reliability import traffic
from bench.reliability.counting import (
    SILENT_SECONDS,
    duplicate_refunds,
    is_apology,
    is_silent,
    leaks_by_owner,
    unrecorded_answers,
    user_texts,
)
from bench.reliability.scenario import phase_sizes
from bench.reliability.scripts import Account, mixed_script
from bench.reliability.table import ScenarioResult, exit_code, format_table, total
from bench.reliability.traffic import handed_over
from bench.reliability.typed_secrets import merge, typed_secrets
from tests.integration.replica_load import Exchange, Turn

APOLOGY = "Sorry, I'm having a technical problem"


def _exchange(
    text: str = "hi",
    replies: List[Dict[str, Any]] | None = None,
    seconds: float = 0.5,
    status: int = 200,
    error: str = "",
) -> Exchange:
    return Exchange(
        text=text,
        status=status,
        replies=[{"text": "hello"}] if replies is None else replies,
        served_by="rasa-1",
        seconds=seconds,
        error=error,
    )


# ---------------------------------------------------------------- silent turns


def test_a_prompt_reply_is_not_silent():
    assert not is_silent(_exchange())
    assert not is_silent(_exchange(replies=[{"custom": {"handoff": {"state": "queued"}}}]))


@pytest.mark.parametrize(
    "exchange",
    [
        _exchange(replies=[]),  # nothing
        _exchange(replies=[{"text": ""}]),  # an empty text
        _exchange(seconds=SILENT_SECONDS + 0.01),  # too late
        _exchange(status=500, replies=[]),
        _exchange(status=0, replies=[], error="ConnectionError"),
    ],
)
def test_empty_late_or_failed_replies_are_silent(exchange: Exchange):
    assert is_silent(exchange)


def test_an_empty_reply_while_a_person_has_the_conversation_is_not_silent_unless_late():
    assert not is_silent(_exchange(replies=[]), to_person=True)
    assert is_silent(_exchange(replies=[], seconds=SILENT_SECONDS + 1), to_person=True)
    assert is_silent(_exchange(replies=[], status=502), to_person=True)


def test_five_seconds_exactly_is_in_time():
    assert not is_silent(_exchange(seconds=SILENT_SECONDS))


def test_apologies_are_recognised_by_their_text():
    assert is_apology(_exchange(replies=[{"text": f"{APOLOGY} and can't answer."}]), [APOLOGY])
    assert not is_apology(_exchange(), [APOLOGY])


def test_a_handoff_reply_is_recognised_by_its_payload():
    assert handed_over([{"text": "passing you on"}, {"custom": {"handoff": {"state": "queued"}}}])
    assert not handed_over([{"text": "I'm passing you on"}])
    assert not handed_over([{"custom": {"handoff": {"state": "bot_resumed"}}}])
    assert not handed_over([{"custom": "not a dict"}])


# ---------------------------------------------------------------- answers not kept


def test_answered_messages_must_be_stored_in_order_failed_ones_may_be_missing():
    exchanges = [_exchange("a"), _exchange("b", replies=[{"text": APOLOGY}]), _exchange("c")]
    answered = lambda index, exchange: APOLOGY not in exchange.reply_text  # noqa: E731
    assert unrecorded_answers(exchanges, answered, ["a", "c"]) == []
    assert unrecorded_answers(exchanges, answered, ["a", "b", "c"]) == []
    assert unrecorded_answers(exchanges, answered, ["a"]) == [2]
    # Stored, but out of order: the later one counts as missing.
    assert unrecorded_answers(exchanges, answered, ["c", "a"]) == [2]


def test_a_repeated_message_needs_one_stored_copy_each():
    exchanges = [_exchange("same"), _exchange("same")]
    assert unrecorded_answers(exchanges, lambda i, e: True, ["same"]) == [1]
    assert unrecorded_answers(exchanges, lambda i, e: True, ["same", "x", "same"]) == []


def test_stored_texts_are_compared_as_the_store_keeps_them():
    exchanges = [_exchange("/affirm"), _exchange("card 4111")]

    def as_stored(text: str) -> set:
        return {text.replace("4111", "[card]"), text.lstrip("/")}

    assert (
        unrecorded_answers(exchanges, lambda i, e: True, ["affirm", "card [card]"], as_stored) == []
    )


def test_user_texts_keeps_only_user_events():
    events = [{"event": "action"}, {"event": "user", "text": "hi"}, {"event": "bot", "text": "yo"}]
    assert user_texts(events) == ["hi"]


# ---------------------------------------------------------------- duplicate refunds


def _refund(refund_id: str, order: str, amount: str) -> Dict[str, Any]:
    return {"id": refund_id, "order_id": order, "amount": {"amount": amount, "currency": "EUR"}}


def test_duplicate_refunds_are_new_refunds_of_the_same_order_and_amount():
    before = ["R-old"]
    after = [
        _refund("R-old", "KL-1", "5.00"),  # existed before: not counted
        _refund("R-1", "KL-1", "5.00"),
        _refund("R-2", "KL-1", "6.00"),  # another conversation's amount on the same order
        _refund("R-3", "KL-2", "5.00"),
    ]
    assert duplicate_refunds(before, after) == (0, ["R-1", "R-2", "R-3"])
    twice = after + [_refund("R-4", "KL-1", "5.00"), _refund("R-5", "KL-1", "5.00")]
    assert duplicate_refunds(before, twice)[0] == 2


def test_amounts_are_compared_as_money_not_text():
    after = [_refund("R-1", "KL-1", "5.00"), _refund("R-2", "KL-1", "5.0")]
    assert duplicate_refunds([], after)[0] == 1


# ---------------------------------------------------------------- leaks


def test_leaks_are_grouped_by_the_scenario_that_typed_them_once_each():
    owners = {("cards", "4111"): "redis", ("emails", "a@b.c"): "baseline"}
    found = {"cards": ["4111", "4111"], "emails": ["a@b.c"], "phones": ["+44 1"]}
    assert leaks_by_owner(found, owners) == {
        "redis": {("cards", "4111")},
        "baseline": {("emails", "a@b.c")},
        "unknown": {("phones", "+44 1")},
    }


def test_typed_secrets_cover_every_kind_and_card_layouts_and_only_those_typed():
    messages, secrets = typed_secrets(seed=7, count=12)
    assert len(messages) == 12
    assert all(getattr(secrets, kind) for kind in ("cards", "cvvs", "ibans", "emails", "phones"))
    assert len(secrets.cards) == 6  # three card messages, three with a CVV
    typed_cards = [
        m[len("my card is ") : -len(" please check it")]
        for m in messages
        if m.startswith("my card is ")
    ]
    assert len({re.sub(r"\d", "", card) for card in typed_cards}) == 3  # three layouts
    for message in messages:
        assert secrets.leaks(message)  # every message holds a secret it knows
    other, _ = typed_secrets(seed=8, count=12)
    assert set(other).isdisjoint(messages)  # another scenario, other secrets
    merged = merge([secrets, typed_secrets(seed=8, count=12)[1]])
    assert len(merged.cards) == 12 and len(merged.messages) == 24


def test_the_mixed_script_never_types_two_secrets_in_a_row():
    account = Account("ada@example.com", "token", "C1001", "123456", "€10.00")
    secrets = ["secret one", "secret two", "secret three", "secret four"]
    turns = mixed_script(account, secrets, messages=8, offset=2)
    texts = [turn.text for turn in turns]
    assert len(turns) == 8
    assert texts[0] == "hello there"
    assert [text for text in texts if text.startswith("secret")] == secrets
    assert all(
        not (a.startswith("secret") and b.startswith("secret")) for a, b in zip(texts, texts[1:])
    )


def test_phases_split_a_conversation_before_during_after():
    assert phase_sizes(8) == (2, 4, 2)
    assert phase_sizes(4) == (1, 2, 1)
    assert phase_sizes(1) == (1, 1, 1)
    assert sum(phase_sizes(12)) == 12


# ---------------------------------------------------------------- table


def _rows() -> List[ScenarioResult]:
    return [
        ScenarioResult("none", faults_injected=0, messages_sent=32, apologies=0),
        ScenarioResult("Redis down", faults_injected=1, messages_sent=32, apologies=16),
    ]


def test_the_table_has_the_columns_a_row_per_fault_and_a_total():
    lines = format_table(_rows()).splitlines()
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert headers[:7] == [
        "fault",
        "faults injected",
        "messages sent",
        "silent turns",
        "events lost",
        "duplicate refunds",
        "leaked secrets",
    ]
    assert lines[1].startswith("|---") and lines[1].endswith(":|")  # numbers right-aligned
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert [row[0] for row in cells] == ["none", "Redis down", "total"]
    assert cells[-1][1:4] == ["1", "64", "0"]
    assert len({len(line) for line in lines}) == 1  # aligned


def test_total_sums_every_number():
    rows = _rows() + [ScenarioResult("x", silent_turns=2, events_lost=3, leaked_secrets=1)]
    summed = total(rows)
    assert (summed.messages_sent, summed.silent_turns, summed.events_lost) == (64, 2, 3)
    assert (summed.leaked_secrets, summed.apologies, summed.fault) == (1, 16, "total")


@pytest.mark.parametrize(
    "column", ["silent_turns", "events_lost", "duplicate_refunds", "leaked_secrets"]
)
def test_any_failing_column_makes_the_exit_code_1(column: str):
    rows = _rows()
    assert exit_code(rows) == 0
    setattr(rows[1], column, 1)
    assert exit_code(rows) == 1


def test_apologies_and_handovers_do_not_fail_but_a_broken_scenario_does():
    rows = _rows()
    rows[0].to_person = 3
    assert exit_code(rows) == 0
    rows[0].details["errors"] = ["TimeoutError: 1 conversations still running"]
    assert exit_code(rows) == 1


# ---------------------------------------------------------------- traffic while a fault lasts


def test_paced_turns_go_once_then_repeat_until_the_fault_is_over(monkeypatch):
    monkeypatch.setattr(traffic, "REPEAT_PAUSE_SECONDS", 0.001)
    turns = [Turn("a"), Turn("b")]
    assert [t.text for t in traffic.paced(turns, None)] == ["a", "b"]
    over = threading.Event()
    over.set()
    assert [t.text for t in traffic.paced(turns, over)] == ["a", "b"]  # at least once
    lasting = threading.Event()
    sent = []
    for turn in traffic.paced(turns, lasting):
        sent.append(turn.text)
        if len(sent) == 5:
            lasting.set()
    assert sent == ["a", "b", "a", "b", "a"]
