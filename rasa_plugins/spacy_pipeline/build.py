"""Builds and saves the project's spaCy pipeline (blank English + entity ruler)."""

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

PIPELINE_NAME = "payments_entities"
PIPELINE_VERSION = "1.0.0"
ENTITY_LABELS = ("order_id", "amount", "date")


def pipeline_fingerprint() -> str:
    """Hashes everything the built pipeline depends on, to skip needless rebuilds."""
    content = {
        "spacy": spacy.about.__version__,
        "version": PIPELINE_VERSION,
        "patterns": entity_ruler_patterns(),
        "tokenizer": [US_DOLLAR_PREFIX, CURRENCY_CODE_SUFFIX],
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def build_pipeline() -> Language:
    """Creates the pipeline in memory.

    Returns:
        A blank English `Language` whose tokenizer splits glued currency codes and
        whose `entity_ruler` labels `order_id`, `amount` and `date` spans.
    """
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(entity_ruler_patterns())  # type: ignore[attr-defined]
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": PIPELINE_VERSION,
            "description": "Rule-based order_id, amount and date entities for the "
            "payments assistant (no pretrained weights).",
            "fingerprint": pipeline_fingerprint(),
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
) -> bool:
    """Writes the pipeline to `output_dir` unless an identical one is already there.

    The new pipeline is written next to the target and then moved in place, so a
    reader never sees a half-written directory.

    Args:
        output_dir: Directory for `nlp.to_disk` (created if missing).
        force: Rebuilds even when the saved fingerprint matches.
        report: Receives one line per step taken.

    Returns:
        Whether the pipeline was (re)written.
    """
    fingerprint = pipeline_fingerprint()
    if not force and saved_fingerprint(output_dir) == fingerprint:
        report(f"spaCy pipeline in {output_dir} is up to date ({fingerprint[:12]}).")
        return False
    nlp = build_pipeline()
    pattern_count = len(nlp.get_pipe("entity_ruler"))  # type: ignore[arg-type]
    report(
        f"Building spaCy pipeline '{PIPELINE_NAME}' (blank 'en', entity_ruler with "
        f"{pattern_count} patterns for {', '.join(ENTITY_LABELS)})."
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
    arguments = parser.parse_args(list(argv) if argv is not None else None)
    save_pipeline(arguments.output_dir, force=arguments.force)
    return 0
