"""Trains the assistant when its inputs changed; prints the model's path.

The model is named after a hash of everything that shapes it (config, domain,
training data, the project's NLU plugins and spaCy pipeline, the locked
requirements), so an unchanged project reuses its model and a changed one never
runs a stale model.

Usage: `.venv/bin/python scripts/train_if_changed.py [--print-path]`.
"""

from __future__ import annotations

import hashlib
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
INPUTS = [
    "config.yml",
    "domain.yml",
    "data",
    "rasa_plugins",
    "requirements/rasa.txt",
    # the word vectors of the spaCy pipeline
    "requirements/vectors",
    # the sentence encoder's weights
    "requirements/sentence-encoder.txt",
]


def input_files() -> list[pathlib.Path]:
    """Every file that shapes the model, in a stable order."""
    files: list[pathlib.Path] = []
    for name in INPUTS:
        path = ROOT / name
        if path.is_dir():
            files += [
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix in {".yml", ".yaml", ".py", ".json", ".txt"}
                and "__pycache__" not in p.parts
            ]
        elif path.exists():
            files.append(path)
    return sorted(files)


def fingerprint() -> str:
    """Hash of the model's inputs (paths and contents)."""
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> pathlib.Path:
    """Where the model of the current inputs lives."""
    return MODELS / f"assistant-{fingerprint()}.tar.gz"


def main() -> int:
    """Trains when needed."""
    target = model_path()
    if "--print-path" in sys.argv:
        print(target)
        return 0
    if target.exists():
        print(f"model up to date: {target.relative_to(ROOT)}")
        return 0
    print(f"training {target.relative_to(ROOT)} (config, domain or data changed)...", flush=True)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(pathlib.Path(sys.executable).parent / "rasa"),
            "train",
            "--config", "config.yml",
            "--domain", "domain.yml",
            "--data", "data",
            "--out", "models",
            "--fixed-model-name", target.name[: -len(".tar.gz")],
        ],
        cwd=ROOT,
    )
    if result.returncode != 0 or not target.exists():
        print("ERROR: training failed (see the output above).", file=sys.stderr)
        return 1
    print(f"trained {target.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
