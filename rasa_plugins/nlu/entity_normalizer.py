"""Rasa component rewriting extracted entities to canonical values.

Placed after the entity extractors (`SpacyEntityExtractor`, `DIETClassifier`):

- `order_id` -> `KL-482913` or bare digits (`#12588` -> `12588`);
- `amount` -> decimal string (`$1,499.00` -> `1499`, `12,50 €` -> `12.50`), plus a
  `currency` entity with the ISO 4217 code when the text names one;
- `currency` -> ISO 4217 code (`dollars` -> `USD`);
- `date` -> ISO `YYYY-MM-DD` relative to today;
- overlapping entities of one type (two extractors saw the same thing) are merged.

Values that cannot be parsed are left as extracted.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_GROUP,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
)
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.nlu import normalization, vocabulary

Entity = Dict[Text, Any]
PROCESSORS = "processors"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class EntityNormalizer(GraphComponent, EntityExtractorMixin):
    """Normalises `order_id`, `amount`, `currency` and `date` entity values."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # read "05/01/2024" as 5 January instead of May 1st
            "day_first": False,
            # resolve "March 3rd" / "the 15th" / "monday" to the next such day
            "prefer_future_dates": True,
            # add a `currency` entity for amounts that name their currency
            "add_currency_entity": True,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        today: Callable[[], datetime.date] = datetime.date.today,
    ) -> None:
        """Creates the normaliser.

        Args:
            config: The component's config merged with `get_default_config()`.
            today: Returns the day that relative dates count from.
        """
        self._config = {**self.get_default_config(), **config}
        self._today = today

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityNormalizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Rewrites the entities of each message to canonical values.

        Args:
            messages: Messages whose entities were set by earlier extractors.

        Returns:
            The same messages, with normalised and de-duplicated entities.
        """
        for message in messages:
            entities = message.get(ENTITIES, [])
            if not entities:
                continue
            normalized: List[Entity] = []
            today = self._today()
            for entity in entities:
                normalized.extend(self.normalize_entity(entity, today))
            message.set(ENTITIES, self.deduplicate(normalized), add_to_output=True)
        return messages

    def normalize_entity(self, entity: Entity, today: datetime.date) -> List[Entity]:
        """Returns the normalised copy of `entity`, plus a derived currency entity.

        Args:
            entity: An entity as produced by an extractor.
            today: The day that relative dates count from.

        Returns:
            The entity (unchanged when its value is not understood) and, for an
            amount that names its currency, a `currency` entity.
        """
        entity_type = entity.get(ENTITY_ATTRIBUTE_TYPE)
        text = str(entity.get(ENTITY_ATTRIBUTE_VALUE, ""))
        if entity_type == vocabulary.ORDER_ID:
            return [self._with_value(entity, normalization.normalize_order_id(text))]
        if entity_type == vocabulary.CURRENCY:
            return [self._with_value(entity, normalization.normalize_currency(text))]
        if entity_type == vocabulary.DATE:
            value = normalization.normalize_date(
                text,
                today,
                day_first=self._config["day_first"],
                prefer_future=self._config["prefer_future_dates"],
            )
            return [self._with_value(entity, value)]
        if entity_type == vocabulary.AMOUNT:
            return self._normalize_amount(entity, text)
        return [entity]

    def _normalize_amount(self, entity: Entity, text: str) -> List[Entity]:
        parsed = normalization.parse_amount(text)
        if parsed is None:
            return [entity]
        amount = self._with_value(entity, normalization.format_amount(parsed.value))
        if parsed.currency is None or not self._config["add_currency_entity"]:
            return [amount]
        currency: Entity = {
            ENTITY_ATTRIBUTE_TYPE: vocabulary.CURRENCY,
            ENTITY_ATTRIBUTE_VALUE: parsed.currency.code,
            EXTRACTOR: self.name,
        }
        start = entity.get(ENTITY_ATTRIBUTE_START)
        if isinstance(start, int):
            currency[ENTITY_ATTRIBUTE_START] = start + parsed.currency.start
            currency[ENTITY_ATTRIBUTE_END] = start + parsed.currency.end
        for key in (ENTITY_ATTRIBUTE_ROLE, ENTITY_ATTRIBUTE_GROUP):
            if key in entity:
                currency[key] = entity[key]
        return [amount, self.add_processor_name(currency)]

    def _with_value(self, entity: Entity, value: Optional[str]) -> Entity:
        """Copies `entity` with `value`, marking this component as its processor."""
        if value is None:
            return entity
        updated = {**entity, ENTITY_ATTRIBUTE_VALUE: value}
        processors = list(entity.get(PROCESSORS, []))
        updated[PROCESSORS] = processors
        if self.name in processors:  # already normalised (e.g. by a second node)
            return updated
        return self.add_processor_name(updated)

    def deduplicate(self, entities: List[Entity]) -> List[Entity]:
        """Merges entities of one type (and role, group) whose spans overlap.

        Of two such entities the one this component could normalise wins, then the
        longer span, then the one listed first.

        Args:
            entities: Normalised entities, possibly from several extractors.

        Returns:
            The entities without duplicates, in their original order.
        """
        kept: List[Entity] = []
        for candidate in entities:
            rival_index = next(
                (i for i, e in enumerate(kept) if _same_mention(e, candidate)), None
            )
            if rival_index is None:
                kept.append(candidate)
            elif self._rank(candidate) > self._rank(kept[rival_index]):
                kept[rival_index] = candidate
        return kept

    def _rank(self, entity: Entity) -> Tuple[bool, int]:
        normalized = self.name in entity.get(PROCESSORS, [])
        start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(
            ENTITY_ATTRIBUTE_END
        )
        length = end - start if isinstance(start, int) and isinstance(end, int) else 0
        return (normalized, length)


def _same_mention(first: Entity, second: Entity) -> bool:
    """Whether two entities are one mention: same type, role, group; overlapping."""
    keys = (ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_ROLE, ENTITY_ATTRIBUTE_GROUP)
    if any(first.get(key) != second.get(key) for key in keys):
        return False
    first_span, second_span = _span(first), _span(second)
    if first_span and second_span:
        return first_span[0] < second_span[1] and second_span[0] < first_span[1]
    return first.get(ENTITY_ATTRIBUTE_VALUE) == second.get(ENTITY_ATTRIBUTE_VALUE)


def _span(entity: Entity) -> Optional[Tuple[int, int]]:
    """The entity's character offsets, if the extractor gave both."""
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    if isinstance(start, int) and isinstance(end, int):
        return start, end
    return None
