"""Tests of pooling word vectors into a sentence vector (typos, hesitations)."""

from typing import Optional

import numpy as np
import pytest
import spacy
from spacy.language import Language

from rasa_plugins.nlu.word_vectors import WordWeights, is_hesitation, only_fillers
from rasa_plugins.spacy_pipeline.vectors import WordVectors, add_vectors

from .conftest import WORD_VECTORS


def test_sentence_vector_is_the_idf_weighted_unit_mean(
    nlp_with_vectors: Language,
) -> None:
    weights = WordWeights({"refund": 2.0, "my": 0.5}, unseen=1.0, dimensions=3)

    vector = weights.sentence_vector(nlp_with_vectors("my refund balance qqq"))

    expected = (
        0.5 * np.asarray(WORD_VECTORS["my"])
        + 2.0 * np.asarray(WORD_VECTORS["refund"])
        + 1.0 * np.asarray(WORD_VECTORS["balance"])
    )
    np.testing.assert_allclose(vector, expected / np.linalg.norm(expected), rtol=1e-6)
    assert not weights.sentence_vector(nlp_with_vectors("qqq zzz")).any()
    assert not weights.sentence_vector(None).any()
    assert not weights.sentence_vector(spacy.blank("en")("refund")).any()
    assert WordWeights.from_dict(weights.as_dict()).as_dict() == weights.as_dict()


def test_no_word_weights_without_vectors_in_the_docs() -> None:
    docs = [spacy.blank("en")("refund please"), None]

    assert WordWeights.fit(docs) is None
    assert WordWeights.fit([]) is None


@pytest.mark.parametrize(
    "typo, word",
    [
        ("refnd", "refund"),  # deletion
        ("reufnd", "refund"),  # transposition
        ("refind", "refund"),  # replacement
        ("refuned", "refund"),  # insertion
        ("ballance", "balance"),
        ("greetinsg", "greetings"),
    ],
)
def test_a_typo_borrows_the_vector_of_its_word(
    nlp_with_vectors: Language, typo: str, word: str
) -> None:
    weights = WordWeights({}, unseen=1.0, dimensions=3, typo_vocabulary=100)

    assert weights.correction(typo, nlp_with_vectors.vocab.vectors) == word
    np.testing.assert_allclose(
        weights.sentence_vector(nlp_with_vectors(typo)),
        weights.sentence_vector(nlp_with_vectors(word)),
    )


def test_the_most_frequent_word_one_edit_away_wins() -> None:
    nlp = spacy.blank("en")
    # "money" is more frequent (earlier row) than "honey"
    add_vectors(nlp, WordVectors(("money", "honey"), np.eye(2, 3, dtype="f4")))
    weights = WordWeights({}, unseen=1.0, dimensions=3, typo_vocabulary=2)

    assert weights.correction("ooney", nlp.vocab.vectors) == "money"
    assert weights.correction("hhoney", nlp.vocab.vectors) == "honey"


@pytest.mark.parametrize(
    "word, typo_vocabulary",
    [
        ("refnd", 0),  # correction off
        ("refnd", 1),  # "refund" is not among the most frequent word(s)
        ("hii", 100),  # too short to guess
        ("r3fund", 100),  # not alphabetic
        ("qqqqqq", 100),  # nothing one edit away
    ],
)
def test_no_correction(
    nlp_with_vectors: Language, word: str, typo_vocabulary: int
) -> None:
    weights = WordWeights({}, unseen=1.0, dimensions=3, typo_vocabulary=typo_vocabulary)
    nlp = spacy.blank("en")
    add_vectors(nlp, WordVectors(("hello", "refund"), np.eye(2, 3, dtype="f4")))

    assert weights.correction(word, nlp.vocab.vectors) is None
    assert not weights.sentence_vector(nlp(word)).any()


@pytest.mark.parametrize(
    "drawn_out, word",
    [
        ("pleeease", "please"),  # runs cut to one letter
        ("hellooo", "hello"),  # ... or to two
        ("rrrefund", "refund"),
        ("errr", None),  # a filler: neither "err" (too short) nor "error"
    ],
)
def test_drawn_out_words_are_cut_not_edited(
    drawn_out: str, word: Optional[str]
) -> None:
    nlp = spacy.blank("en")
    vocabulary = ("er", "err", "please", "hello", "error", "refund")
    add_vectors(nlp, WordVectors(vocabulary, np.eye(6, 3, dtype="f4")))
    weights = WordWeights({}, unseen=1.0, dimensions=3, typo_vocabulary=6)

    assert weights.correction(drawn_out, nlp.vocab.vectors) == word


def test_hesitations_add_nothing_to_the_sentence_vector() -> None:
    nlp = spacy.blank("en")
    add_vectors(
        nlp, WordVectors(("hmm", "umm", "ok", "refund"), np.eye(4, 3, dtype="f4"))
    )
    weights = WordWeights({}, unseen=1.0, dimensions=3, typo_vocabulary=4)

    assert not weights.sentence_vector(nlp("hmm, ummmm")).any()
    np.testing.assert_allclose(
        weights.sentence_vector(nlp("hmm ok")), weights.sentence_vector(nlp("ok"))
    )


@pytest.mark.parametrize("word", ["hmm", "Hmmmm", "umm", "errr", "erm", "uh"])
def test_hesitations_drawn_out_or_not(word: str) -> None:
    assert is_hesitation(word)


@pytest.mark.parametrize("word", ["hm-hm", "error", "her", "ham", "ok"])
def test_words_that_are_not_hesitations(word: str) -> None:
    assert not is_hesitation(word)


@pytest.mark.parametrize(
    "text",
    ["hmm", "umm, well, hmm", "Hmmmm...", "errr", "so...", "Umm?!", "well", "???"],
)
def test_messages_of_fillers_only(text: str) -> None:
    assert only_fillers(text)


@pytest.mark.parametrize(
    "text",
    [
        "hmm, I dunno",
        "erm ok",
        "well, I want a refund",
        "hmm 3",
        "hmm 👍",
        "👍",
        "",
        "  ",
    ],
)
def test_messages_that_say_something(text: str) -> None:
    # a word, a digit or an emoji beside the fillers may carry the answer
    assert not only_fillers(text)


def _reader() -> tuple:
    nlp = spacy.blank("en")
    add_vectors(nlp, WordVectors(("refund", "money", "hmm"), np.eye(3, 3, dtype="f4")))
    return nlp, WordWeights(
        {"klarna": 2.0}, unseen=1.0, dimensions=3, typo_vocabulary=3
    )


@pytest.mark.parametrize(
    "text",
    [
        "refund",
        "qqxz refund",
        "refnd",  # one typo away from a word with a vector
        "klarna?",  # a word of the training data without a vector
        "order 482913",
        "hmm money",
    ],
)
def test_a_readable_word_is_found(text: str) -> None:
    nlp, weights = _reader()

    assert weights.reads_a_word(nlp(text))


@pytest.mark.parametrize("text", ["qqxz vvbrk ptth", "hmm", "zzz ???"])
def test_letter_soup_and_hesitations_read_nothing(text: str) -> None:
    nlp, weights = _reader()

    assert not weights.reads_a_word(nlp(text))


def test_without_doc_or_vectors_nothing_can_be_told() -> None:
    _, weights = _reader()

    assert weights.reads_a_word(None)
    assert weights.reads_a_word(spacy.blank("en")("qqxz vvbrk"))
