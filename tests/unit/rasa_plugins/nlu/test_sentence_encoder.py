"""Tests of the NumPy all-MiniLM-L6-v2 encoder against PyTorch's vectors."""

import json
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from rasa_plugins.nlu import sentence_encoder
from rasa_plugins.nlu.sentence_encoder import (
    SentenceEncoder,
    SentenceEncoderNotFound,
    default_model_dir,
)

REFERENCE = Path(__file__).parent / "data" / "minilm_reference.json"


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


@pytest.fixture(scope="module")
def reference() -> List[Dict]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["examples"]


def test_vectors_match_pytorch(encoder: SentenceEncoder, reference: List[Dict]) -> None:
    texts = [example["text"] for example in reference]
    expected = np.array([example["vector"] for example in reference])

    vectors = encoder.encode(texts)

    assert vectors.shape == (len(texts), 384)
    assert vectors.dtype == np.float32
    # the reference is rounded to 6 decimals
    assert np.abs(vectors - expected).max() < 1e-5


def test_batching_does_not_change_the_vectors(
    encoder: SentenceEncoder, reference: List[Dict]
) -> None:
    texts = [example["text"] for example in reference]

    one_by_one = np.vstack([encoder.encode([text]) for text in texts])
    batched = encoder.encode(texts, batch_size=4)

    assert np.abs(one_by_one - batched).max() < 1e-5


def test_long_texts_are_cut_to_max_tokens(
    encoder: SentenceEncoder, reference: List[Dict]
) -> None:
    longest = max(reference, key=lambda example: len(example["text"]))
    assert len(longest["text"].split()) > 256  # the reference was cut too

    (vector,) = encoder.encode([longest["text"] + " refund" * 500])

    assert np.abs(vector - np.array(longest["vector"])).max() < 1e-5


def test_vectors_have_unit_length(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["refund", "", "?!", "my card was declined"])

    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)


def test_paraphrases_are_closer_than_other_requests(encoder: SentenceEncoder) -> None:
    money_back, refund_me, time = encoder.encode(
        ["I want my money back", "please refund me", "what time is it"]
    )

    assert money_back @ refund_me > 0.5
    assert money_back @ time < 0.2


def test_no_texts_give_an_empty_array(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, encoder.dimension)


def test_missing_model_file_is_reported(tmp_path: Path) -> None:
    model = default_model_dir()
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(model / name, tmp_path / name)

    with pytest.raises(SentenceEncoderNotFound, match="model.safetensors"):
        SentenceEncoder.load(tmp_path)


def test_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentence_encoder.importlib.util, "find_spec", lambda name: None)

    with pytest.raises(SentenceEncoderNotFound, match="make setup"):
        default_model_dir()


def test_the_installed_weights_are_the_published_ones() -> None:
    import hashlib

    digest = hashlib.sha256()
    with (default_model_dir() / "model.safetensors").open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)

    # the SHA-256 the Hugging Face hub lists for all-MiniLM-L6-v2's model.safetensors
    assert digest.hexdigest() == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
