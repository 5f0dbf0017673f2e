"""Tests of rasa_plugins.stores.events: what of an event is masked, what is kept."""

from typing import Any, Dict

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from rasa_plugins.stores.events import VERBATIM_KEYS, mask_event, mask_named_value
from tests.secret_samples import generate_samples

CARD = "4111 1111 1111 1111"
EMAIL = "ada.lovelace@example.org"


def _user(text: str, entities: Any = (), metadata: Any = None) -> Dict[str, Any]:
    return UserUttered(
        text,
        intent={"name": "inform", "confidence": 0.9},
        entities=list(entities),
        metadata=metadata or {},
        message_id="5f0c6b1e3d2a4c8e9b7a6d5c4b3a2f10",
        input_channel="rest",
    ).as_dict()


def test_user_text_parse_data_and_entities_are_masked() -> None:
    event = _user(
        f"my card is {CARD}, mail {EMAIL}",
        entities=[{"entity": "email", "value": EMAIL, "start": 30, "end": 54}],
    )
    masked = mask_event(event)
    assert masked["text"] == "my card is [card •••• 1111], mail [email]"
    assert masked["parse_data"]["text"] == masked["text"]
    assert masked["parse_data"]["entities"][0]["value"] == "[email]"
    assert masked["parse_data"]["entities"][0]["start"] == 30
    assert masked["parse_data"]["intent"] == event["parse_data"]["intent"]


def test_identifying_keys_are_kept_verbatim() -> None:
    event = {**_user("hello"), "sender_id": "+4915112345678"}
    masked = mask_event(event)
    for key in VERBATIM_KEYS & set(event):
        assert masked[key] == event[key]


def test_metadata_is_masked_but_ids_in_it_survive() -> None:
    event = _user("hi", metadata={"verified_customer_id": "C1001", "note": f"card {CARD}"})
    assert mask_event(event)["metadata"] == {
        "verified_customer_id": "C1001",
        "note": "card [card •••• 1111]",
    }


def test_slot_values_are_masked_even_nested() -> None:
    event = SlotSet("refund_reason", {"typed": [f"send it to {EMAIL}"]}).as_dict()
    assert mask_event(event)["value"] == {"typed": ["send it to [email]"]}
    assert mask_event(event)["name"] == "refund_reason"


@pytest.mark.parametrize("name", ["order_id", "payment_id"])
def test_a_twelve_digit_reference_stays_a_reference(name: str) -> None:
    # 370795561791 passes Luhn: alone it reads as a 12-digit card.
    assert mask_event(SlotSet(name, "370795561791").as_dict())["value"] == "370795561791"
    assert mask_event(SlotSet("refund_reason", "370795561791").as_dict())["value"] != (
        "370795561791"
    )


def test_a_card_typed_as_an_order_reference_is_still_masked() -> None:
    assert mask_named_value("order_id", "4111111111111111") == "[card •••• 1111]"


def test_bot_text_and_buttons_are_masked_and_payloads_of_ids_kept() -> None:
    event = BotUttered(
        f"We will write to {EMAIL}.",
        data={"buttons": [{"title": f"Card {CARD}", "payload": '/choose{"order_id":"KL-482913"}'}]},
    ).as_dict()
    masked = mask_event(event)
    assert masked["text"] == "We will write to [email]."
    assert masked["data"]["buttons"] == [
        {"title": "Card [card •••• 1111]", "payload": '/choose{"order_id":"KL-482913"}'}
    ]


def test_events_without_secrets_are_unchanged() -> None:
    for event in (
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0).as_dict(),
        SlotSet("identity_grant", "v1.C1001.1795000000.8423ab" + "0" * 58).as_dict(),
        _user("what do I owe for order KL-482913 due 2026-12-01, 49.90 EUR?"),
    ):
        assert mask_event(event) == event


def test_every_generated_secret_is_masked_in_every_place() -> None:
    samples = generate_samples()
    for message in samples.messages:
        event = _user(message, entities=[{"entity": "x", "value": message}])
        masked = mask_event(event)
        assert samples.leaks(repr(masked)) == {}, message
        assert samples.leaks(repr(mask_event(SlotSet("refund_reason", message).as_dict()))) == {}
