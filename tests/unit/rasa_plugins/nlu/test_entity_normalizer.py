"""Tests of the EntityNormalizer component on Rasa messages."""

import datetime
from typing import Any, Dict, List, Optional

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import GraphSchema
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.nlu.entity_normalizer import EntityNormalizer

TODAY = datetime.date(2024, 5, 8)


def _normalizer(**config: Any) -> EntityNormalizer:
    return EntityNormalizer(config, today=lambda: TODAY)


def _entity(
    entity_type: str, text: str, message: str, extractor: str = "SpacyEntityExtractor"
) -> Dict[str, Any]:
    start = message.index(text)
    return {
        "entity": entity_type,
        "value": text,
        "start": start,
        "end": start + len(text),
        "extractor": extractor,
    }


def _process(
    text: str,
    entities: List[Dict[str, Any]],
    normalizer: Optional[EntityNormalizer] = None,
) -> List[Dict[str, Any]]:
    message = Message.build(text=text)
    message.set("entities", entities, add_to_output=True)
    (processed,) = (normalizer or _normalizer()).process([message])
    return processed.get("entities")


def test_is_registered_as_untrained_entity_extractor() -> None:
    registered = DefaultV1Recipe._from_registry(
        "rasa_plugins.nlu.entity_normalizer.EntityNormalizer"
    )

    assert registered.clazz is EntityNormalizer
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert not registered.is_trainable


def test_create_merges_config_with_defaults(tmp_path: Any) -> None:
    component = EntityNormalizer.create(
        {"day_first": True},
        LocalModelStorage(tmp_path),
        Resource("entity_normalizer"),
        ExecutionContext(GraphSchema({})),
    )
    text = "pay on 05/01/2024"

    (date,) = _process(text, [_entity("date", "05/01/2024", text)], component)

    assert date["value"] == "2024-01-05"


def test_normalizes_refund_request() -> None:
    text = "I want a refund of $1,499.00 for order kl 482913 by tomorrow"
    entities = [
        _entity("amount", "$1,499.00", text),
        _entity("order_id", "order kl 482913", text),
        _entity("date", "tomorrow", text),
    ]

    amount, currency, order_id, date = _process(text, entities)

    assert amount == {
        "entity": "amount",
        "value": "1499",
        "start": 19,
        "end": 28,
        "extractor": "SpacyEntityExtractor",
        "processors": ["EntityNormalizer"],
    }
    assert currency == {
        "entity": "currency",
        "value": "USD",
        "start": 19,
        "end": 20,
        "extractor": "EntityNormalizer",
        "processors": ["EntityNormalizer"],
    }
    assert text[currency["start"] : currency["end"]] == "$"
    assert order_id["value"] == "KL-482913"
    assert (order_id["start"], order_id["end"]) == (33, 48)
    assert date["value"] == "2024-05-09"


@pytest.mark.parametrize(
    "shown, value, currency",
    [
        ("12,50 €", "12.50", "EUR"),
        ("30 euros", "30", "EUR"),
        ("£7.99", "7.99", "GBP"),
        ("20 bucks", "20", "USD"),
    ],
)
def test_amount_gets_currency_at_its_offsets(
    shown: str, value: str, currency: str
) -> None:
    text = f"it cost {shown} last week"

    amount, currency_entity = _process(text, [_entity("amount", shown, text)])

    assert amount["value"] == value
    assert currency_entity["value"] == currency
    mention = text[currency_entity["start"] : currency_entity["end"]]
    assert mention.strip() and mention in shown


def test_amount_without_currency_adds_no_currency() -> None:
    text = "a refund of 79.90"

    entities = _process(text, [_entity("amount", "of 79.90", text)])

    assert [(e["entity"], e["value"]) for e in entities] == [("amount", "79.90")]


def test_currency_entity_can_be_switched_off() -> None:
    text = "refund $50"

    entities = _process(
        text, [_entity("amount", "$50", text)], _normalizer(add_currency_entity=False)
    )

    assert [(e["entity"], e["value"]) for e in entities] == [("amount", "50")]


def test_currency_entities_from_other_extractors_become_iso_codes() -> None:
    text = "can I pay in euros"

    (currency,) = _process(text, [_entity("currency", "euros", text, "DIETClassifier")])

    assert currency["value"] == "EUR"
    assert currency["extractor"] == "DIETClassifier"
    assert currency["processors"] == ["EntityNormalizer"]


def test_unparseable_values_are_left_untouched() -> None:
    text = "order soonish around lunch for lots"
    entities = [
        _entity("order_id", "soonish", text, "DIETClassifier"),
        _entity("date", "around lunch", text, "DIETClassifier"),
        _entity("amount", "lots", text, "DIETClassifier"),
        _entity("merchant", "order", text, "DIETClassifier"),
    ]
    originals = [dict(entity) for entity in entities]

    assert _process(text, entities) == originals


def test_keeps_other_metadata_and_earlier_processors() -> None:
    text = "order #12588"
    entity = {
        **_entity("order_id", "#12588", text, "DIETClassifier"),
        "confidence_entity": 0.93,
        "role": "disputed",
        "processors": ["EntitySynonymMapper"],
    }

    (order_id,) = _process(text, [entity])

    assert order_id == {
        **entity,
        "value": "12588",
        "processors": ["EntitySynonymMapper", "EntityNormalizer"],
    }
    assert entity["value"] == "#12588"  # the input dict is not mutated


def test_duplicates_from_two_extractors_are_merged() -> None:
    text = "refund $50 for order KL-482913"
    entities = [
        _entity("amount", "50", text, "DIETClassifier"),
        _entity("order_id", "KL", text, "DIETClassifier"),
        _entity("amount", "$50", text),
        _entity("order_id", "order KL-482913", text),
    ]

    result = _process(text, entities)

    assert [(e["entity"], e["value"], e["extractor"]) for e in result] == [
        ("amount", "50", "SpacyEntityExtractor"),
        ("order_id", "KL-482913", "SpacyEntityExtractor"),
        ("currency", "USD", "EntityNormalizer"),
    ]
    assert result[0]["start"] == text.index("$50")


def test_equal_duplicates_keep_the_first() -> None:
    text = "charge on 2024-05-01"
    entities = [
        _entity("date", "2024-05-01", text, "DIETClassifier"),
        _entity("date", "2024-05-01", text),
    ]

    (date,) = _process(text, entities)

    assert date["extractor"] == "DIETClassifier"
    assert date["value"] == "2024-05-01"


def test_non_overlapping_or_different_entities_are_all_kept() -> None:
    text = "orders 12345 and 67890 on 2024-05-01"
    entities = [
        _entity("order_id", "12345", text),
        _entity("order_id", "67890", text),
        {**_entity("order_id", "67890", text, "DIETClassifier"), "role": "other"},
        _entity("date", "2024-05-01", text),
    ]

    result = _process(text, entities)

    assert [(e["entity"], e["value"], e.get("role")) for e in result] == [
        ("order_id", "12345", None),
        ("order_id", "67890", None),
        ("order_id", "67890", "other"),
        ("date", "2024-05-01", None),
    ]


def test_today_is_read_per_call() -> None:
    days = iter([datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)])
    normalizer = EntityNormalizer({}, today=lambda: next(days))
    text = "tomorrow"

    first = _process(text, [_entity("date", text, text)], normalizer)
    second = _process(text, [_entity("date", text, text)], normalizer)

    assert first[0]["value"] == "2024-01-02"
    assert second[0]["value"] == "2024-01-03"


def test_message_without_entities_is_unchanged() -> None:
    message = Message.build(text="hello")

    (processed,) = _normalizer().process([message])

    assert processed.get("entities") in (None, [])
