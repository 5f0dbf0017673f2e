"""NLU benchmark: trains the project's NLU model and scores it on an evaluation CSV.

Usage (from the repository root, with the Rasa virtualenv):

    .venv/bin/python bench/nlu_eval.py [--config config.yml] [--data data/nlu]
        [--eval ../shared/eval/nlu_dev.csv] [--model models/nlu.tar.gz]
        [--json out.json] [--batch-size 64]

Prints training seconds, parse throughput and a table of in-scope accuracy (overall
and per source), macro-F1, out-of-scope rejection (strict and lenient, `oos` and
`near_oos` apart) and entity recall. Only aggregate numbers and intent names are
printed or written: the evaluation sentences are read for measuring, never copied.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python bench/nlu_eval.py`): the repository root holds `bench`
# and the config's components (rasa_plugins...).
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.nlu_scoring import format_report, parse_texts, read_eval_rows, score  # noqa: E402


# --------------------------------------------------------------------- training


def ensure_spacy_pipelines(config_path: Path) -> None:
    """Builds the project's spaCy pipeline where the config expects one on disk."""
    import yaml

    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for component in config.get("pipeline") or []:
        model = component.get("model") if component.get("name") == "SpacyNLP" else None
        if model and "/" in str(model) and not Path(model).exists():
            from rasa_plugins.spacy_pipeline.build import save_pipeline
            from rasa_plugins.spacy_pipeline.vectors import WINK_VECTORS_FILE

            vectors = REPO_ROOT / WINK_VECTORS_FILE
            save_pipeline(Path(model), vectors_file=vectors if vectors.is_file() else None)


def train_model(config: Path, data: Path, output_dir: Path) -> Tuple[str, float]:
    """Trains an NLU-only model; returns its archive path and the seconds it took."""
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model_path = train_nlu(
        config=str(config),
        nlu_data=str(data),
        output=str(output_dir),
        fixed_model_name="nlu-bench",
    )
    elapsed = time.perf_counter() - started
    if not model_path:
        raise RuntimeError(f"Rasa did not train a model from {data} with {config}.")
    return str(model_path), elapsed


# ----------------------------------------------------------------------- main


def _existing(path: Path) -> Path:
    """Resolves a relative path against the working directory, then the repo root."""
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--data", type=Path, default=Path("data/nlu"))
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval/nlu_dev.csv"))
    parser.add_argument("--model", help="trained model archive: skips training")
    parser.add_argument("--json", type=Path, help="also write the metrics here")
    parser.add_argument("--batch-size", type=int, default=64)
    arguments = parser.parse_args(list(argv) if argv is not None else None)

    eval_path = _existing(arguments.eval)
    rows = read_eval_rows(eval_path)
    print(f"Evaluation set: {eval_path} ({len(rows)} messages)")

    training_seconds: Optional[float] = None
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as scratch:
        model_path = arguments.model
        if not model_path:
            config, data = _existing(arguments.config), _existing(arguments.data)
            ensure_spacy_pipelines(config)
            print(f"Training NLU with {config} on {data} ...")
            model_path, training_seconds = train_model(config, data, Path(scratch))
            print(f"Training took {training_seconds:.1f} s")
        started = time.perf_counter()
        predictions = parse_texts(
            model_path, [r.text for r in rows], arguments.batch_size
        )
        parse_seconds = time.perf_counter() - started

    metrics = score(rows, predictions)
    metrics["timing"] = {
        "training_seconds": training_seconds,
        "parse_seconds": parse_seconds,
        "ms_per_message": 1000 * parse_seconds / max(len(rows), 1),
    }
    print(
        f"Parsed {len(rows)} messages in {parse_seconds:.1f} s "
        f"({metrics['timing']['ms_per_message']:.1f} ms/message)\n"
    )
    print(format_report(metrics))
    if arguments.json:
        arguments.json.write_text(
            json.dumps(metrics, indent=2) + "\n", encoding="utf-8"
        )
        print(f"\nMetrics written to {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
