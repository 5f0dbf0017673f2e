"""Tests of reading the npm package's word vectors into the spaCy pipeline."""

import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import spacy

from rasa_plugins.spacy_pipeline import build
from rasa_plugins.spacy_pipeline.vectors import (
    WordVectors,
    add_vectors,
    read_wink_vectors,
)

# Frequency order; "vectors" is also a word, as in the real file.
VECTORS: Dict[str, List[float]] = {
    "the": [0.1, 0.2, 0.3],
    "vectors": [0.0, 1.0, 0.0],
    "refund": [1.0, 0.5, -0.5],
    "money": [0.9, 0.4, -0.4],
}


def write_wink_file(path: Path, vectors: Dict[str, List[float]] = VECTORS) -> Path:
    """Writes a file in the wink-embeddings layout (entries: vector, norm, rank)."""
    words = list(vectors)
    document = {
        "precision": 8,
        "l2NormIndex": 3,
        "wordIndex": 4,
        "size": len(words),
        "dimensions": 3,
        "words": words,
        "vectors": {
            word: [*vector, float(np.linalg.norm(vector)), rank]
            for rank, (word, vector) in enumerate(vectors.items())
        },
        "unkVector": [0.0, 0.0, 0.0, 0.0, -1],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_reads_the_most_frequent_words_in_order(tmp_path: Path) -> None:
    vectors = read_wink_vectors(write_wink_file(tmp_path / "v.json"), limit=3)

    assert vectors.words == ("the", "vectors", "refund")
    assert vectors.matrix.dtype == np.float32
    np.testing.assert_allclose(vectors.matrix[2], VECTORS["refund"])


def test_a_limit_above_the_size_keeps_every_word(tmp_path: Path) -> None:
    vectors = read_wink_vectors(write_wink_file(tmp_path / "v.json"), limit=100)

    assert vectors.words == tuple(VECTORS)
    assert vectors.matrix.shape == (4, 3)


@pytest.mark.parametrize(
    "content",
    [
        "{}",
        '{"dimensions": 3, "words": ["vectors"]}',
        '{"dimensions": 3, "vectors": {"the": [0.1, 0.2]}}',
        '{"dimensions": 3, "vectors": {}}',
        "not json at all",
    ],
)
def test_a_file_of_another_format_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ValueError):
        read_wink_vectors(path)


def test_add_vectors_gives_tokens_their_vectors() -> None:
    nlp = spacy.blank("en")
    add_vectors(
        nlp,
        WordVectors(("refund", "money"), np.asarray([[1, 0, 0], [0, 1, 0]], "f4")),
    )

    doc = nlp("refund my money")

    assert nlp.vocab.vectors_length == 3
    assert [token.has_vector for token in doc] == [True, False, True]
    np.testing.assert_allclose(doc[2].vector, [0, 1, 0])


def test_the_saved_pipeline_has_the_vectors_and_its_entities(tmp_path: Path) -> None:
    vectors_file = write_wink_file(tmp_path / "v.json")
    output = tmp_path / "pipeline"

    assert build.save_pipeline(
        output, report=lambda line: None, vectors_file=vectors_file, word_limit=3
    )
    loaded = spacy.load(output)
    doc = loaded("refund order 12345 money")

    np.testing.assert_allclose(doc[0].vector, VECTORS["refund"])
    assert not doc[3].has_vector  # beyond the word limit
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("order 12345", "order_id")]
    assert loaded.meta["fingerprint"] == build.pipeline_fingerprint(vectors_file, 3)


def test_changed_vectors_or_limit_rebuild_the_pipeline(tmp_path: Path) -> None:
    vectors_file = write_wink_file(tmp_path / "v.json")
    output = tmp_path / "pipeline"
    save = dict(report=lambda line: None, vectors_file=vectors_file)

    assert build.save_pipeline(output, word_limit=3, **save)
    assert not build.save_pipeline(output, word_limit=3, **save)
    assert build.save_pipeline(output, word_limit=4, **save)
    write_wink_file(vectors_file, {**VECTORS, "refund": [0.0, 0.0, 1.0]})
    assert build.save_pipeline(output, word_limit=4, **save)
    np.testing.assert_allclose(spacy.load(output)("refund")[0].vector, [0, 0, 1])


def test_cli_builds_with_vectors_and_names_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    vectors_file = write_wink_file(tmp_path / "v.json")

    assert build.main([str(tmp_path / "out"), "--vectors", str(vectors_file)]) == 0
    assert "4 word vectors" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        build.main([str(tmp_path / "out"), "--vectors", str(tmp_path / "missing.json")])
    assert "missing.json not found" in capsys.readouterr().err
