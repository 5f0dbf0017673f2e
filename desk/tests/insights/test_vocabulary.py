"""The names the insights rely on still exist in the assistant's domain.yml."""

from __future__ import annotations

import re
from pathlib import Path

from agent_desk.insights import vocabulary

DOMAIN = Path(__file__).resolve().parents[3] / "domain.yml"


def _domain() -> str:
    return DOMAIN.read_text(encoding="utf-8")


def _money_intents(text: str) -> set[str]:
    block = text.split("# money intents", 1)[1].split("# conversation intents", 1)[0]
    return set(re.findall(r"^\s+- (\w+)", block, flags=re.MULTILINE))


def test_money_intents_are_the_domains() -> None:
    assert _money_intents(_domain()) == vocabulary.MONEY_INTENTS


def test_responses_exist() -> None:
    responses = set(re.findall(r"^  (utter_\w+):", _domain(), flags=re.MULTILINE))
    expected = vocabulary.RESOLVING_RESPONSES | {vocabulary.CSAT_QUESTION_RESPONSE}
    assert expected <= responses, expected - responses


def test_slots_exist() -> None:
    slots = _domain().split("\nslots:", 1)[1].split("\nforms:", 1)[0]
    for slot in (
        vocabulary.CSAT_SOLVED_SLOT,
        vocabulary.CSAT_RATING_SLOT,
        vocabulary.IDENTITY_GRANT_SLOT,
    ):
        assert re.search(rf"^  {slot}:", slots, flags=re.MULTILINE), slot
