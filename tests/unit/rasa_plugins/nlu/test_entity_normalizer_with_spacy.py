"""The built spaCy pipeline, loaded by Rasa's own spaCy components, then normalised."""

import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.nlu.entity_normalizer import EntityNormalizer
from rasa_plugins.spacy_pipeline.build import save_pipeline

TODAY = datetime.date(2024, 5, 8)


class RasaSpacyPipeline:
    """SpacyNLP + SpacyTokenizer + SpacyEntityExtractor + EntityNormalizer."""

    def __init__(self, model_dir: Path, storage_dir: Path) -> None:
        storage = LocalModelStorage(storage_dir)
        context = ExecutionContext(GraphSchema({}))
        self.spacy_nlp = SpacyNLP.create(
            {**SpacyNLP.get_default_config(), "model": str(model_dir)},
            storage,
            Resource("spacy_nlp"),
            context,
        )
        self.model: SpacyModel = self.spacy_nlp.provide()
        self.tokenizer = SpacyTokenizer(SpacyTokenizer.get_default_config())
        self.extractor = SpacyEntityExtractor.create(
            {
                **SpacyEntityExtractor.get_default_config(),
                "dimensions": ["order_id", "amount", "date"],
            },
            storage,
            Resource("spacy_entity_extractor"),
            context,
        )
        self.normalizer = EntityNormalizer({}, today=lambda: TODAY)

    def parse(self, text: str) -> List[Dict[str, Any]]:
        messages = [Message.build(text=text)]
        messages = self.spacy_nlp.process(messages, self.model)
        messages = self.tokenizer.process(messages)
        messages = self.extractor.process(messages, self.model)
        messages = self.normalizer.process(messages)
        return messages[0].get("entities", [])


@pytest.fixture(scope="module")
def rasa_pipeline(tmp_path_factory: pytest.TempPathFactory) -> RasaSpacyPipeline:
    model_dir = tmp_path_factory.mktemp("model") / "spacy_pipeline"
    save_pipeline(model_dir, report=lambda line: None)
    return RasaSpacyPipeline(model_dir, tmp_path_factory.mktemp("storage"))


def _values(entities: List[Dict[str, Any]]) -> Dict[str, str]:
    return {entity["entity"]: entity["value"] for entity in entities}


def test_rasa_loads_the_pipeline_from_a_path(rasa_pipeline: RasaSpacyPipeline) -> None:
    assert rasa_pipeline.model.model.meta["name"] == "payments_entities"
    assert "entity_ruler" in rasa_pipeline.model.model.pipe_names


def test_refund_request_is_extracted_and_normalised(
    rasa_pipeline: RasaSpacyPipeline,
) -> None:
    text = "I want a refund of $50 for order KL-482913"

    entities = rasa_pipeline.parse(text)

    assert _values(entities) == {
        "amount": "50",
        "currency": "USD",
        "order_id": "KL-482913",
    }
    for entity in entities:
        assert entity["processors"] == ["EntityNormalizer"]
    amount = next(e for e in entities if e["entity"] == "amount")
    assert text[amount["start"] : amount["end"]] == "$50"
    assert amount["extractor"] == "SpacyEntityExtractor"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Where is order #4471?", {"order_id": "4471"}),
        ("status of kl 482913 please", {"order_id": "KL-482913"}),
        ("my order number 370795561790", {"order_id": "370795561790"}),
        (
            "refund 12,50 € by tomorrow",
            {"amount": "12.50", "currency": "EUR", "date": "2024-05-09"},
        ),
        (
            "I paid £7.99 on March 3rd",
            {"amount": "7.99", "currency": "GBP", "date": "2025-03-03"},
        ),
        (
            "Can I pay 1200 dollars next friday",
            {"amount": "1200", "currency": "USD", "date": "2024-05-10"},
        ),
        ("move it to the 15th", {"date": "2024-05-15"}),
        (
            "charged $1,499.00 for purchase 7731",
            {"amount": "1499", "currency": "USD", "order_id": "7731"},
        ),
    ],
)
def test_messages_get_canonical_values(
    rasa_pipeline: RasaSpacyPipeline, text: str, expected: Dict[str, str]
) -> None:
    assert _values(rasa_pipeline.parse(text)) == expected


def test_tokens_for_featurizers_are_produced(rasa_pipeline: RasaSpacyPipeline) -> None:
    message = Message.build(text="pay 30EUR for KL-482913")
    rasa_pipeline.spacy_nlp.process([message], rasa_pipeline.model)
    rasa_pipeline.tokenizer.process([message])

    tokens = [token.text for token in message.get("text_tokens")]

    assert tokens == ["pay", "30", "eur", "for", "kl-482913"]
