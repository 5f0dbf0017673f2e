"""Tests of the LinearIntentEnsemble component on Rasa messages."""

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.data import TrainingType
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from rasa_plugins.nlu.linear_intent_ensemble import (
    META_FILE,
    MODEL_FILE,
    LinearIntentEnsemble,
)

CLASS_PATH = "rasa_plugins.nlu.linear_intent_ensemble.LinearIntentEnsemble"

EXAMPLES = {
    "request_refund": [
        "I want a refund",
        "refund my order please",
        "can I get my money back",
        "please refund the charge",
        "give me a refund for order 123",
    ],
    "check_balance": [
        "what is my balance",
        "how much do I owe",
        "show my account balance",
        "check my balance please",
        "balance of my account",
    ],
    "greet": ["hello", "hi there", "good morning", "hey", "hello bot"],
}


def _training_data(examples: Optional[Dict[str, List[str]]] = None) -> TrainingData:
    return TrainingData(
        [
            Message.build(text=text, intent=intent)
            for intent, texts in (examples or EXAMPLES).items()
            for text in texts
        ]
    )


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="linear_intent_ensemble")


def _component(tmp_path: Path, **config: Any) -> LinearIntentEnsemble:
    return LinearIntentEnsemble.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("linear_intent_ensemble"),
        _context(),
    )


def _trained(tmp_path: Path, **config: Any) -> LinearIntentEnsemble:
    component = _component(tmp_path, **config)
    component.train(_training_data())
    return component


def _message(text: Optional[str], ranking: Optional[Dict[str, float]]) -> Message:
    message = Message.build(text=text) if text is not None else Message()
    if ranking is not None:
        entries = [
            {"name": name, "confidence": confidence}
            for name, confidence in sorted(ranking.items(), key=lambda e: -e[1])
        ]
        message.set("intent", dict(entries[0]) if entries else None, add_to_output=True)
        message.set("intent_ranking", entries, add_to_output=True)
    return message


def _ranking(message: Message) -> Dict[str, float]:
    return {e["name"]: e["confidence"] for e in message.get("intent_ranking")}


DIET = {"greet": 0.55, "request_refund": 0.4, "diet_only_intent": 0.05}


def test_is_registered_as_trainable_intent_classifier() -> None:
    registered = DefaultV1Recipe._from_registry(CLASS_PATH)

    assert registered.clazz is LinearIntentEnsemble
    assert DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER in registered.types
    assert registered.is_trainable


def test_recipe_runs_it_on_the_rankings_of_diet() -> None:
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "DIETClassifier", "epochs": 1},
            {"name": CLASS_PATH, "diet_weight": 0.3},
        ],
    }

    graph = DefaultV1Recipe().graph_config_for_recipe(
        config, {}, training_type=TrainingType.NLU
    )

    train_node = graph.train_schema.nodes[f"train_{CLASS_PATH}3"]
    assert train_node.fn == "train"
    assert train_node.config["diet_weight"] == 0.3
    predict_node = graph.predict_schema.nodes[f"run_{CLASS_PATH}3"]
    assert predict_node.constructor_name == "load"
    assert predict_node.needs["messages"] == "run_DIETClassifier2"


def test_default_config() -> None:
    config = LinearIntentEnsemble.get_default_config()

    assert config["diet_weight"] == 0.5
    assert config["C"] == 30.0
    assert config["word_ngram_range"] == [1, 2]
    assert config["char_ngram_range"] == [2, 5]
    assert config["char_min_df"] == 2
    assert config["sublinear_tf"] is True
    assert config["random_state"] == 42
    assert config["word_vectors_scale"] == 2.0
    assert config["typo_vocabulary"] == 50_000
    assert config["ranking_length"] == 10
    assert config["sentence_encoder_scale"] == 0.0
    assert config["sentence_encoder_model"] is None
    assert config["encoder_skip_confidence"] == 0.95
    assert config["filler_confidence"] == 0.3


def test_linear_model_learns_the_intents(tmp_path: Path) -> None:
    component = _trained(tmp_path)

    refund, balance = component.linear_probabilities(
        ["i want a refund of my money", "what is my account balance"]
    )

    assert set(refund) == set(EXAMPLES)
    assert sum(refund.values()) == pytest.approx(1.0)
    assert max(refund, key=refund.get) == "request_refund"
    assert max(balance, key=balance.get) == "check_balance"


def test_blends_diet_and_linear_confidences(tmp_path: Path) -> None:
    component = _trained(tmp_path)
    text = "refund please"
    (linear,) = component.linear_probabilities([text])

    (message,) = component.process([_message(text, DIET)])

    expected = {
        intent: 0.5 * DIET.get(intent, 0.0) + 0.5 * linear.get(intent, 0.0)
        for intent in set(DIET) | set(linear)
    }
    ranking = message.get("intent_ranking")
    assert [e["name"] for e in ranking] == sorted(expected, key=lambda i: -expected[i])
    assert _ranking(message) == pytest.approx(expected, abs=1e-12)
    # an intent only DIET knows keeps its share, one only the linear model knows too
    assert _ranking(message)["diet_only_intent"] == pytest.approx(0.025, abs=1e-12)
    assert _ranking(message)["check_balance"] == pytest.approx(
        0.5 * linear["check_balance"], abs=1e-12
    )
    assert message.get("intent") == ranking[0]
    assert message.get("intent")["name"] == "request_refund"  # DIET said greet
    assert sum(_ranking(message).values()) == pytest.approx(1.0)


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_diet_weight_sets_the_shares(tmp_path: Path, weight: float) -> None:
    component = _trained(tmp_path, diet_weight=weight)
    text = "hello, I need a refund"
    (linear,) = component.linear_probabilities([text])

    (message,) = component.process([_message(text, DIET)])

    for intent, confidence in _ranking(message).items():
        assert confidence == pytest.approx(
            weight * DIET.get(intent, 0.0) + (1 - weight) * linear.get(intent, 0.0),
            abs=1e-12,
        )
    if weight == 1.0:
        assert message.get("intent") == {"name": "greet", "confidence": 0.55}


def test_ranking_is_cut_to_ranking_length(tmp_path: Path) -> None:
    component = _trained(tmp_path, ranking_length=2)

    (message,) = component.process([_message("hi there", DIET)])

    ranking = message.get("intent_ranking")
    assert len(ranking) == 2
    assert ranking[0]["confidence"] >= ranking[1]["confidence"]
    assert message.get("intent") == ranking[0]
    assert message.get("intent")["name"] == "greet"


def test_messages_without_text_or_ranking_are_untouched(tmp_path: Path) -> None:
    component = _trained(tmp_path)
    no_ranking = _message("refund please", None)
    empty_ranking = _message("refund please", {})
    no_text = _message(None, DIET)
    ranked = _message("refund please", DIET)
    before = [m.as_dict() for m in (no_ranking, empty_ranking, no_text)]

    processed = component.process([no_ranking, empty_ranking, no_text, ranked])

    assert processed == [no_ranking, empty_ranking, no_text, ranked]
    assert [m.as_dict() for m in processed[:3]] == before
    assert no_ranking.get("intent") is None
    assert _ranking(ranked) != DIET


def test_persistence_round_trip(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    config = {"diet_weight": 0.4, "ranking_length": 0}
    component = LinearIntentEnsemble.create(config, storage, resource, _context())
    assert component.train(_training_data()) == resource
    texts = ["refund please", "hi", "my balance", "zzz qqq"]

    loaded = LinearIntentEnsemble.load(config, storage, resource, _context())

    trained_out = component.process([_message(t, DIET) for t in texts])
    loaded_out = loaded.process([_message(t, DIET) for t in texts])
    assert [m.get("intent_ranking") for m in loaded_out] == [
        m.get("intent_ranking") for m in trained_out
    ]
    assert [m.get("intent") for m in loaded_out] == [
        m.get("intent") for m in trained_out
    ]
    with storage.read_from(resource) as directory:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
            assert arrays["coef"].dtype == np.float32
            assert arrays["coef"].shape[0] == len(EXAMPLES)
    assert meta["intents"] == sorted(EXAMPLES)


def test_max_features_caps_the_vocabularies(tmp_path: Path) -> None:
    component = _trained(tmp_path, max_features=7)
    storage = LocalModelStorage(tmp_path)

    with storage.read_from(Resource("linear_intent_ensemble")) as directory:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))

    assert [len(v) for v in meta["vocabularies"]] == [7, 7]
    assert component.linear_probabilities(["hello"])[0]


def test_load_without_persisted_model_leaves_rankings_untouched(
    tmp_path: Path,
) -> None:
    component = LinearIntentEnsemble.load(
        {}, LocalModelStorage(tmp_path), Resource("never_trained"), _context()
    )
    message = _message("refund please", DIET)

    component.process([message])

    assert not component.is_trained
    assert _ranking(message) == DIET


def test_single_intent_data_is_not_trained(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    component = LinearIntentEnsemble.create({}, storage, resource, _context())

    component.train(_training_data({"greet": EXAMPLES["greet"]}))
    loaded = LinearIntentEnsemble.load({}, storage, resource, _context())
    message = _message("hello", DIET)
    loaded.process([message])

    assert not component.is_trained and not loaded.is_trained
    assert _ranking(message) == DIET


@pytest.mark.parametrize("weight", [0, 0.0, 0.25, 1, 1.0])
def test_diet_weight_in_unit_interval_is_valid(tmp_path: Path, weight: Any) -> None:
    assert _component(tmp_path, diet_weight=weight) is not None


@pytest.mark.parametrize(
    "config",
    [
        {"diet_weight": -0.1},
        {"diet_weight": 1.01},
        {"diet_weight": "0.5"},
        {"diet_weight": None},
        {"diet_weight": True},
        {"C": 0},
        {"solver": "adam"},
        {"word_ngram_range": [2, 1]},
        {"char_ngram_range": [0, 3]},
        {"ranking_length": -1},
        {"max_features": 0},
        {"word_vectors_scale": -1},
        {"word_vectors_scale": "2"},
        {"typo_vocabulary": -1},
        {"typo_vocabulary": 1.5},
        {"sentence_encoder_scale": -0.5},
        {"sentence_encoder_scale": None},
        {"encoder_skip_confidence": 1.5},
        {"encoder_skip_confidence": -0.1},
        {"encoder_skip_confidence": "0.9"},
        {"filler_confidence": 1.2},
        {"filler_confidence": None},
    ],
)
def test_invalid_config_is_rejected(tmp_path: Path, config: Dict[str, Any]) -> None:
    with pytest.raises(InvalidConfigException):
        _component(tmp_path, **config)


def _with_doc(message: Message, nlp: Language) -> Message:
    message.set(SPACY_DOCS[TEXT], nlp(message.get(TEXT).lower()))
    return message


def _vector_training_data(nlp: Language) -> TrainingData:
    data = _training_data()
    for example in data.training_examples:
        _with_doc(example, nlp)
    return data


def _trained_with_vectors(
    tmp_path: Path, nlp: Language, **config: Any
) -> LinearIntentEnsemble:
    component = _component(tmp_path, **config)
    component.train(_vector_training_data(nlp))
    return component


def test_word_vectors_carry_unseen_synonyms_to_their_intent(
    tmp_path: Path, nlp_with_vectors: Language
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_vectors = _trained_with_vectors(tmp_path / "a", nlp_with_vectors)
    without = _trained_with_vectors(
        tmp_path / "b", nlp_with_vectors, word_vectors_scale=0
    )
    unseen = {
        "reimburse": "request_refund",
        "outstanding": "check_balance",
        "greetings": "greet",
    }
    docs = [nlp_with_vectors(text) for text in unseen]

    gains = [
        new[intent] - old[intent]
        for new, old, intent in zip(
            with_vectors.linear_probabilities(list(unseen), docs),
            without.linear_probabilities(list(unseen), docs),
            unseen.values(),
        )
    ]
    best = [
        max(probabilities, key=probabilities.get)
        for probabilities in with_vectors.linear_probabilities(list(unseen), docs)
    ]

    assert best == list(unseen.values())
    assert all(gain > 0.05 for gain in gains), gains


def test_a_model_with_vectors_persists_and_loads_alike(
    tmp_path: Path, nlp_with_vectors: Language
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    component = LinearIntentEnsemble.create({}, storage, resource, _context())
    component.train(_vector_training_data(nlp_with_vectors))
    texts = ["reimburse my money", "hi", "outstanding balance", "zzz"]

    loaded = LinearIntentEnsemble.load({}, storage, resource, _context())

    def rankings(model: LinearIntentEnsemble) -> List[Any]:
        messages = [_with_doc(_message(t, DIET), nlp_with_vectors) for t in texts]
        return [m.get("intent_ranking") for m in model.process(messages)]

    assert rankings(loaded) == rankings(component)
    with storage.read_from(resource) as directory:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    assert meta["word_weights"]["dimensions"] == 3
    assert meta["word_weights"]["idf"]["please"] < meta["word_weights"]["idf"]["owe"]


def test_without_spacy_docs_the_model_uses_tfidf_only(tmp_path: Path) -> None:
    component = _trained(tmp_path)
    storage = LocalModelStorage(tmp_path)

    with storage.read_from(Resource("linear_intent_ensemble")) as directory:
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))

    assert meta["word_weights"] is None
    assert component.linear_probabilities(["refund please"])[0]


def test_a_message_without_doc_counts_as_one_without_known_words(
    tmp_path: Path, nlp_with_vectors: Language
) -> None:
    component = _trained_with_vectors(tmp_path, nlp_with_vectors)

    without_doc = component.linear_probabilities(["qqq zzz"])[0]
    unknown_words = component.linear_probabilities(
        ["qqq zzz"], [nlp_with_vectors("qqq zzz")]
    )[0]

    assert without_doc == unknown_words
    assert set(without_doc) == set(EXAMPLES)


def test_a_loaded_model_corrects_typos_as_configured(
    tmp_path: Path, nlp_with_vectors: Language
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    config = {"typo_vocabulary": 100}
    LinearIntentEnsemble.create(config, storage, resource, _context()).train(
        _vector_training_data(nlp_with_vectors)
    )
    on = LinearIntentEnsemble.load(config, storage, resource, _context())
    off = LinearIntentEnsemble.load(
        {"typo_vocabulary": 0}, storage, resource, _context()
    )
    docs = [nlp_with_vectors("reimbrse")]

    with_correction = on.linear_probabilities(["reimbrse"], docs)[0]
    without = off.linear_probabilities(["reimbrse"], docs)[0]

    assert max(with_correction, key=with_correction.get) == "request_refund"
    assert with_correction["request_refund"] > without["request_refund"]


class CountingEncoder:
    """A stand-in for the sentence encoder: a keyword vector, and a call log."""

    dimension = 3
    KEYWORDS = (("money", "cash", "reimburse"), ("owe", "outstanding"), ("hey",))

    def __init__(self) -> None:
        self.encoded: List[str] = []

    def encode(self, texts: List[str], batch_size: int = 32) -> np.ndarray:
        self.encoded += list(texts)
        vectors = np.array(
            [
                [float(any(word in text for word in words)) for words in self.KEYWORDS]
                for text in texts
            ],
            dtype=np.float32,
        ).reshape(len(texts), self.dimension)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


def _with_encoder(tmp_path: Path, encoder: Any, **config: Any) -> LinearIntentEnsemble:
    component = LinearIntentEnsemble(
        {"sentence_encoder_scale": 3.0, **config},
        LocalModelStorage(tmp_path),
        Resource("linear_intent_ensemble"),
        encoder=encoder,
    )
    component.train(_training_data())
    return component


def test_the_sentence_vector_carries_unseen_paraphrases(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_encoder = _with_encoder(tmp_path / "a", CountingEncoder())
    without = _trained(tmp_path / "b")
    # no word or char n-gram of these is in the training data of their intent
    unseen = {"cash": "request_refund", "outstanding": "check_balance"}

    new = with_encoder.linear_probabilities(list(unseen))
    old = without.linear_probabilities(list(unseen))

    assert with_encoder.uses_encoder and not without.uses_encoder
    for probabilities, before, intent in zip(new, old, unseen.values()):
        assert max(probabilities, key=probabilities.get) == intent
        assert probabilities[intent] > before[intent] + 0.1


def test_confident_messages_skip_the_encoder(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    component = _with_encoder(tmp_path, encoder, encoder_skip_confidence=0.6)
    encoder.encoded.clear()
    sure = _message("hello", {"greet": 1.0})
    unsure = _message("cash", {"greet": 0.4, "request_refund": 0.35})

    component.process([sure, unsure])

    assert encoder.encoded == ["cash"]
    assert sure.get("intent")["name"] == "greet"
    assert sure.get("intent")["confidence"] >= 0.6
    # the full model's blend for the unsure one
    (full,) = component.linear_probabilities(["cash"])
    assert _ranking(unsure) == pytest.approx(
        component.blend({"greet": 0.4, "request_refund": 0.35}, full), abs=1e-9
    )
    assert unsure.get("intent")["name"] == "request_refund"


@pytest.mark.parametrize("skip, encoded", [(1.0, ["hello", "cash"]), (0.0, [])])
def test_skip_confidence_one_encodes_all_and_zero_none(
    tmp_path: Path, skip: float, encoded: List[str]
) -> None:
    encoder = CountingEncoder()
    component = _with_encoder(tmp_path, encoder, encoder_skip_confidence=skip)
    encoder.encoded.clear()

    component.process([_message("hello", {"greet": 1.0}), _message("cash", DIET)])

    assert encoder.encoded == encoded


def test_a_model_with_the_real_encoder_persists_and_loads_alike(
    tmp_path: Path,
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    config = {"sentence_encoder_scale": 3.0, "encoder_skip_confidence": 1.0}
    component = LinearIntentEnsemble.create(config, storage, resource, _context())
    component.train(_training_data())
    texts = ["reimburse me", "hi", "what do I owe you", "zzz"]

    loaded = LinearIntentEnsemble.load(config, storage, resource, _context())

    def rankings(model: LinearIntentEnsemble) -> List[Any]:
        messages = [_message(t, DIET) for t in texts]
        return [m.get("intent_ranking") for m in model.process(messages)]

    assert loaded.uses_encoder
    assert rankings(loaded) == rankings(component)
    with storage.read_from(resource) as directory:
        with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
            # the screen has the same features but the sentence vector's 384
            extra = arrays["coef"].shape[1] - arrays["screen_coef"].shape[1]
    assert extra == 384


def test_loading_an_encoder_model_without_the_encoder_is_refused(
    tmp_path: Path,
) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("linear_intent_ensemble")
    _with_encoder(tmp_path, CountingEncoder())

    with pytest.raises(InvalidConfigException, match="sentence_encoder_scale"):
        LinearIntentEnsemble.load(
            {"sentence_encoder_scale": 0.0}, storage, resource, _context()
        )


@pytest.mark.parametrize("text", ["hmm", "umm, well, hmm", "Errr..."])
def test_fillers_only_fall_below_the_filler_confidence(
    tmp_path: Path, text: str
) -> None:
    encoder = CountingEncoder()
    component = _with_encoder(tmp_path, encoder, filler_confidence=0.3)
    encoder.encoded.clear()
    yes = {"affirm": 0.9, "greet": 0.1}

    (message,) = component.process([_message(text, yes)])

    ranking = _ranking(message)
    assert max(ranking.values()) == pytest.approx(0.3)
    assert message.get("intent")["confidence"] == pytest.approx(0.3)
    # the order is kept (DIET's affirm leads); the encoder is not asked
    assert message.get("intent")["name"] == "affirm"
    assert encoder.encoded == []


def test_a_filler_beside_words_is_not_capped(tmp_path: Path) -> None:
    component = _trained(tmp_path, filler_confidence=0.3)

    (message,) = component.process([_message("hmm, hello there", {"greet": 1.0})])

    assert message.get("intent")["name"] == "greet"
    assert message.get("intent")["confidence"] > 0.3


def test_letter_soup_falls_below_the_filler_confidence(
    tmp_path: Path, nlp_with_vectors: Language
) -> None:
    component = _trained_with_vectors(tmp_path, nlp_with_vectors)
    soup = _with_doc(_message("qqxz vvbrk", {"greet": 0.9}), nlp_with_vectors)
    words = _with_doc(_message("hello qqxz", {"greet": 0.9}), nlp_with_vectors)

    component.process([soup, words])

    assert component.says_nothing("qqxz vvbrk", soup.get(SPACY_DOCS[TEXT]))
    assert soup.get("intent")["confidence"] == pytest.approx(0.3)
    assert not component.says_nothing("hello qqxz", words.get(SPACY_DOCS[TEXT]))
    assert words.get("intent")["name"] == "greet"
    assert words.get("intent")["confidence"] > 0.3
