"""Builds and saves the project's spaCy pipeline (entity ruler and word vectors)."""

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

import spacy
from spacy.language import Language

from rasa_plugins.spacy_pipeline.patterns import entity_ruler_patterns
from rasa_plugins.spacy_pipeline.tokenizer import (
    CURRENCY_CODE_SUFFIX,
    US_DOLLAR_PREFIX,
    customize_tokenizer,
)
from rasa_plugins.spacy_pipeline.vectors import (
    DEFAULT_WORD_LIMIT,
    WINK_VECTORS_FILE,
    WordVectors,
    add_vectors,
    file_digest,
    read_wink_vectors,
)

PIPELINE_NAME = "payments_entities"
PIPELINE_VERSION = "1.1.0"
ENTITY_LABELS = ("order_id", "amount", "date")


def pipeline_fingerprint(
    vectors_file: Optional[Path] = None, word_limit: int = DEFAULT_WORD_LIMIT
) -> str:
    """Hashes everything the built pipeline depends on, to skip needless rebuilds."""
    content = {
        "spacy": spacy.about.__version__,
        "version": PIPELINE_VERSION,
        "patterns": entity_ruler_patterns(),
        "tokenizer": [US_DOLLAR_PREFIX, CURRENCY_CODE_SUFFIX],
        "vectors": [file_digest(vectors_file), word_limit] if vectors_file else None,
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def build_pipeline(vectors: Optional[WordVectors] = None) -> Language:
    """Creates the pipeline in memory (`save_pipeline` adds its fingerprint).

    Args:
        vectors: Word vectors for `token.vector` (none: the vocabulary has none).

    Returns:
        A blank English `Language` whose tokenizer splits glued currency codes,
        whose `entity_ruler` labels `order_id`, `amount` and `date` spans and
        whose vocabulary holds `vectors`.
    """
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(entity_ruler_patterns())  # type: ignore[attr-defined]
    if vectors is not None:
        add_vectors(nlp, vectors)
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": PIPELINE_VERSION,
            "description": "Rule-based order_id, amount and date entities and, when "
            "built with them, GloVe word vectors for the payments assistant (no "
            "trained weights).",
        }
    )
    return nlp


def saved_fingerprint(output_dir: Path) -> Optional[str]:
    """Returns the fingerprint recorded in a saved pipeline, if there is one."""
    meta_file = output_dir / "meta.json"
    if not meta_file.is_file():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return meta.get("fingerprint")


def save_pipeline(
    output_dir: Path,
    force: bool = False,
    report: Callable[[str], None] = print,
    vectors_file: Optional[Path] = None,
    word_limit: int = DEFAULT_WORD_LIMIT,
) -> bool:
    """Writes the pipeline to `output_dir` unless an identical one is already there.

    The new pipeline is written next to the target and then moved in place, so a
    reader never sees a half-written directory.

    Args:
        output_dir: Directory for `nlp.to_disk` (created if missing).
        force: Rebuilds even when the saved fingerprint matches.
        report: Receives one line per step taken.
        vectors_file: A wink embeddings JSON file (none: no word vectors).
        word_limit: How many of its most frequent words to keep.

    Returns:
        Whether the pipeline was (re)written.
    """
    fingerprint = pipeline_fingerprint(vectors_file, word_limit)
    if not force and saved_fingerprint(output_dir) == fingerprint:
        report(f"spaCy pipeline in {output_dir} is up to date ({fingerprint[:12]}).")
        return False
    vectors = read_wink_vectors(vectors_file, word_limit) if vectors_file else None
    nlp = build_pipeline(vectors)
    nlp.meta["fingerprint"] = fingerprint
    pattern_count = len(nlp.get_pipe("entity_ruler"))  # type: ignore[arg-type]
    words = f"{len(vectors.words):,} word vectors" if vectors else "no word vectors"
    report(
        f"Building spaCy pipeline '{PIPELINE_NAME}' (blank 'en', entity_ruler with "
        f"{pattern_count} patterns for {', '.join(ENTITY_LABELS)}, {words})."
    )
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent)
    )
    try:
        nlp.to_disk(staging)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        staging.rename(output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report(f"Saved spaCy pipeline to {output_dir} ({fingerprint[:12]}).")
    return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry point: `python -m rasa_plugins.spacy_pipeline OUTPUT_DIR`."""
    parser = argparse.ArgumentParser(
        prog="python -m rasa_plugins.spacy_pipeline",
        description="Build the project's spaCy pipeline for Rasa's SpacyNLP.",
    )
    parser.add_argument("output_dir", type=Path, help="e.g. build/spacy_pipeline")
    parser.add_argument(
        "--force", action="store_true", help="rebuild even if it is up to date"
    )
    parser.add_argument(
        "--vectors",
        type=Path,
        help=f"wink embeddings JSON for token vectors, e.g. {WINK_VECTORS_FILE}",
    )
    parser.add_argument(
        "--vector-words",
        type=int,
        default=DEFAULT_WORD_LIMIT,
        help="most frequent words of --vectors to keep (default: %(default)s)",
    )
    arguments = parser.parse_args(list(argv) if argv is not None else None)
    if arguments.vectors is not None and not arguments.vectors.is_file():
        parser.error(
            f"--vectors: {arguments.vectors} not found (make setup installs it)"
        )
    save_pipeline(
        arguments.output_dir,
        force=arguments.force,
        vectors_file=arguments.vectors,
        word_limit=arguments.vector_words,
    )
    return 0
