"""Masking of Rasa events in their dictionary form (`Event.as_dict()`).

Customer text can reach an event in many places: the user's text, `parse_data`
(text, entity values), slot values filled from text, the bot's replies and their
buttons, metadata. Every string is masked with `redaction`, except the keys that
identify or order events (`sender_id`, `message_id`, `timestamp`...), which
consumers need verbatim and which hold no customer text.

Order, payment and refund references are masked as written after an order word:
a 12-digit marketplace order number kept in `order_id` is a reference, not a card
(the `redaction` rule for "order 370795561791"); a longer card number is still masked.
"""

from typing import Any, Dict, Text

from redaction import mask_data, mask_text

#: Keys that identify, name or order events; never customer text.
VERBATIM_KEYS = frozenset(
    {"event", "timestamp", "sender_id", "message_id", "input_channel", "policy", "confidence"}
)
#: Slots and entities holding references to the backend's objects.
REFERENCE_NAMES = frozenset(
    {"order_id", "payment_id", "refund_id", "instalment_id", "invoice_id"}
)
_REFERENCE_CONTEXT = "order "


def mask_named_value(name: Any, value: Any) -> Any:
    """Masks the value of a slot or entity, read in the context of its name.

    Args:
        name: The slot's or entity's name.
        value: Its value (any JSON value).

    Returns:
        The masked value.
    """
    if name in REFERENCE_NAMES and isinstance(value, str):
        masked = mask_text(_REFERENCE_CONTEXT + value)
        if masked.startswith(_REFERENCE_CONTEXT):
            return masked[len(_REFERENCE_CONTEXT) :]
    return mask_data(value)


def _mask_entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return mask_data(entity)
    return {
        key: (
            mask_named_value(entity.get("entity"), value)
            if key == "value"
            else mask_data(value)
        )
        for key, value in entity.items()
    }


def _mask_parse_data(parse_data: Dict[Text, Any]) -> Dict[Text, Any]:
    masked: Dict[Text, Any] = {}
    for key, value in parse_data.items():
        if key == "entities" and isinstance(value, list):
            masked[key] = [_mask_entity(entity) for entity in value]
        else:
            masked[key] = mask_data(value)
    return masked


def mask_event(event: Dict[Text, Any]) -> Dict[Text, Any]:
    """Returns a masked copy of an event dictionary (or an event broker's message).

    Args:
        event: `Event.as_dict()`, possibly with a `sender_id` (broker messages).

    Returns:
        The same keys; every string holding customer text masked.
    """
    masked: Dict[Text, Any] = {}
    for key, value in event.items():
        if key in VERBATIM_KEYS:
            masked[key] = value
        elif key == "value" and event.get("event") == "slot":
            masked[key] = mask_named_value(event.get("name"), value)
        elif key == "parse_data" and isinstance(value, dict):
            masked[key] = _mask_parse_data(value)
        else:
            masked[key] = mask_data(value)
    return masked
