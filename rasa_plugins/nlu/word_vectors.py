"""Pools a message's pretrained word vectors into one sentence vector.

`LinearIntentEnsemble` appends this vector to its TF-IDF features (docs/nlu.md): the
idf-weighted mean of the words' vectors, unit length. Misspelt words borrow the
vector of the word they most likely stand for; hesitation sounds are left out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Sequence, Text, Tuple

import numpy as np
from spacy.strings import hash_string

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vectors import Vectors

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# a letter three or more times in a row: drawn out, not mistyped
_DRAWN_OUT = re.compile(r"([a-z])\1{2,}")
_MIN_GUESSED_LENGTH = 4
# Hesitation sounds carry no request, but their vectors sit next to "ok" and "yeah":
# without this list "hmm" read as `affirm`, a yes to a payment question.
HESITATIONS = frozenset(
    {"ah", "eh", "er", "erm", "err", "hm", "hmm", "uh", "uhm", "um", "umm"}
)
_WORD = re.compile(r"[A-Za-z]+")
# words that, alone or with hesitations, only fill a pause
FILLERS = frozenset({"like", "so", "well"})
# distinct misspellings remembered; a message has few, customers write many
_MAX_CACHED_CORRECTIONS = 50_000


def is_hesitation(word: Text) -> bool:
    """Whether a word is a hesitation sound, drawn out or not ("hmmm", "Umm")."""
    return _DRAWN_OUT.sub(r"\1\1", word.lower()) in HESITATIONS


def only_fillers(text: Text) -> bool:
    """Whether a message is hesitations, fillers and punctuation only.

    Such a message ("umm, well, hmm", "???") asks nothing, yet models put it next
    to "ok" and "yes".

    Args:
        text: A message.

    Returns:
        True if every word is a hesitation or one of `FILLERS` and the rest is
        spaces and ASCII punctuation (an emoji or a digit may be an answer); False
        for an empty text.
    """
    if not text.strip():
        return False
    if not all(
        is_hesitation(word) or word.lower() in FILLERS for word in _WORD.findall(text)
    ):
        return False
    rest = _WORD.sub("", text)
    return all(not character.isalnum() and character.isascii() for character in rest)


class WordWeights:
    """Idf weights for pooling a message's word vectors into one unit vector.

    Frequent words ("I", "my", "the") weigh little and rare, telling words
    ("chargeback") much, so the mean vector is about what the message asks. A
    misspelt word borrows the vector of the word it most likely stands for.
    """

    def __init__(
        self,
        idf: Dict[Text, float],
        unseen: float,
        dimensions: int,
        typo_vocabulary: int = 0,
    ) -> None:
        """Creates the weights.

        Args:
            idf: The weight of each word of the training data (lowercased).
            unseen: The weight of a word the training data never showed.
            dimensions: The length of the word vectors they were fitted with.
            typo_vocabulary: A word without a vector takes that of the most frequent
                word one edit away among this many most frequent words (0: never).
        """
        self.idf = idf
        self.unseen = unseen
        self.dimensions = dimensions
        self.typo_vocabulary = typo_vocabulary
        self._corrections: Dict[Text, Optional[Text]] = {}

    @classmethod
    def fit(
        cls, docs: Sequence[Optional[Doc]], typo_vocabulary: int = 0
    ) -> Optional[WordWeights]:
        """Fits the weights on training docs (`None` if they have no vectors).

        Args:
            docs: The training examples' spaCy docs.
            typo_vocabulary: See the constructor.

        Returns:
            The weights, or `None` when no doc comes with word vectors.
        """
        present = [doc for doc in docs if doc is not None]
        dimensions = max((doc.vocab.vectors_length for doc in present), default=0)
        if dimensions == 0:
            return None
        document_frequency: Dict[Text, int] = {}
        for doc in present:
            for word in {token.lower_ for token in doc if token.has_vector}:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        count = len(present)
        idf = {
            word: float(np.log((count + 1) / (frequency + 1)) + 1.0)
            for word, frequency in document_frequency.items()
        }
        return cls(idf, float(np.log(count + 1) + 1.0), dimensions, typo_vocabulary)

    def sentence_vector(self, doc: Optional[Doc]) -> np.ndarray:
        """The idf-weighted mean of the doc's word vectors, scaled to length 1.

        Hesitation sounds ("hmm", "ummm", `HESITATIONS`) are left out.

        Args:
            doc: A spaCy doc (`None`, or vectors of another length: no words).

        Returns:
            A float32 vector of `dimensions` values (zeros without known words).
        """
        result = np.zeros(self.dimensions, dtype=np.float32)
        if doc is None or doc.vocab.vectors_length != self.dimensions:
            return result
        vectors = doc.vocab.vectors
        for token in doc:
            if is_hesitation(token.lower_):
                continue
            if token.has_vector:
                word, vector = token.lower_, token.vector
            else:
                word = self.correction(token.lower_, vectors)
                if word is None:
                    continue
                vector = vectors[hash_string(word)]
            result += self.idf.get(word, self.unseen) * vector
        norm = float(np.linalg.norm(result))
        return result / norm if norm > 0 else result

    def reads_a_word(self, doc: Optional[Doc]) -> bool:
        """Whether a message has a word the models can read.

        A word of the training data, a number, or a word with a vector (or one
        typo away from one) is readable; hesitations are not. Letter soup ("qqxz
        vvbrk") has none, and whatever the models make of it is a guess.

        Args:
            doc: The message's spaCy doc.

        Returns:
            False only if the doc has tokens and none of them is readable; True
            without a doc or without vectors (nothing to tell by).
        """
        if doc is None or doc.vocab.vectors_length != self.dimensions or not len(doc):
            return True
        for token in doc:
            word = token.lower_
            if word.isspace() or is_hesitation(word):
                continue
            if (
                word in self.idf
                or any(character.isdigit() for character in word)
                or token.has_vector
                or self.correction(word, doc.vocab.vectors) is not None
            ):
                return True
        return False

    def correction(self, word: Text, vectors: Vectors) -> Optional[Text]:
        """The word a misspelt `word` most likely stands for, if any.

        Args:
            word: A lowercased word without a vector.
            vectors: The pipeline's vectors, most frequent word first.

        Returns:
            For a drawn-out word ("pleeease"), the most frequent of the first
            `typo_vocabulary` words with its runs of a letter cut to one or two
            ("please"); otherwise the most frequent of them one deletion,
            transposition, replacement or insertion away. Words under 4 letters
            are too ambiguous on either side ("errr" is a filler, not "err" or
            "error"): `None` for them, for non-alphabetic words, or when none is
            found.
        """
        if (
            self.typo_vocabulary <= 0
            or len(word) < _MIN_GUESSED_LENGTH
            or not word.isalpha()
        ):
            return None
        if word not in self._corrections:
            if len(self._corrections) >= _MAX_CACHED_CORRECTIONS:
                self._corrections.clear()
            if _DRAWN_OUT.search(word):
                candidates: Iterable[Text] = {
                    _DRAWN_OUT.sub(r"\1", word),
                    _DRAWN_OUT.sub(r"\1\1", word),
                }
            else:
                candidates = _one_edit_away(word)
            self._corrections[word] = self._most_frequent(candidates, vectors)
        return self._corrections[word]

    def _most_frequent(
        self, candidates: Iterable[Text], vectors: Vectors
    ) -> Optional[Text]:
        best: Optional[Tuple[int, Text]] = None
        for candidate in candidates:
            if len(candidate) < _MIN_GUESSED_LENGTH:
                continue
            row = vectors.key2row.get(hash_string(candidate))
            if row is not None and row < self.typo_vocabulary:
                if best is None or row < best[0]:
                    best = (row, candidate)
        return best[1] if best else None

    def as_dict(self) -> Dict[Text, Any]:
        """A JSON-serialisable form (read back by `from_dict`)."""
        return {"idf": self.idf, "unseen": self.unseen, "dimensions": self.dimensions}

    @classmethod
    def from_dict(
        cls, stored: Dict[Text, Any], typo_vocabulary: int = 0
    ) -> WordWeights:
        """Rebuilds the weights from `as_dict()`'s form."""
        return cls(
            {str(word): float(weight) for word, weight in stored["idf"].items()},
            float(stored["unseen"]),
            int(stored["dimensions"]),
            typo_vocabulary,
        )


def _one_edit_away(word: Text) -> Iterable[Text]:
    """Every string one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]
            for letter in _LETTERS:
                yield left + letter + right[1:]
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]
        for letter in _LETTERS:
            yield left + letter + right
