"""Fixtures of the NLU plugin tests: a tiny spaCy pipeline with word vectors."""

import numpy as np
import pytest
import spacy
from spacy.language import Language

from rasa_plugins.spacy_pipeline.vectors import WordVectors, add_vectors

# ------------------------------------------------------------- word vectors

# Three directions: refund words, balance words, greetings. "reimburse",
# "outstanding" and "greetings" are in no training example.
WORD_VECTORS = {
    "refund": [1.0, 0.0, 0.0],
    "money": [0.9, 0.1, 0.0],
    "reimburse": [0.95, 0.0, 0.05],
    "balance": [0.0, 1.0, 0.0],
    "owe": [0.1, 0.9, 0.0],
    "outstanding": [0.0, 0.95, 0.05],
    "hello": [0.0, 0.0, 1.0],
    "hi": [0.05, 0.0, 0.95],
    "greetings": [0.0, 0.05, 0.95],
    "my": [0.3, 0.3, 0.3],
    "please": [0.3, 0.3, 0.4],
}


@pytest.fixture(scope="module")
def nlp_with_vectors() -> Language:
    nlp = spacy.blank("en")
    add_vectors(
        nlp,
        WordVectors(tuple(WORD_VECTORS), np.asarray(list(WORD_VECTORS.values()), "f4")),
    )
    return nlp
