"""Tests of the repository paths."""

import os
from pathlib import Path

from devstack.paths import REPO_ROOT, RepoPaths


def test_root_is_the_repository() -> None:
    assert (REPO_ROOT / "devstack" / "paths.py").is_file()


def test_paths_hang_off_the_root(tmp_path: Path) -> None:
    paths = RepoPaths(tmp_path)

    assert paths.rasa_executable == tmp_path / ".venv" / "bin" / "rasa"
    assert paths.backend_python == tmp_path / ".venv-backend" / "bin" / "python"
    assert paths.log_dir == tmp_path / "var" / "log"
    assert paths.dev_database_url == f"sqlite:///{tmp_path}/var/payments.db"


def test_newest_model_is_the_latest_archive(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    for age, name in [(300, "old.tar.gz"), (100, "new.tar.gz"), (200, "mid.tar.gz")]:
        archive = models / name
        archive.write_bytes(b"")
        stamp = archive.stat().st_mtime - age
        os.utime(archive, (stamp, stamp))
    (models / "notes.txt").write_text("not a model")

    assert RepoPaths(tmp_path).newest_model() == models / "new.tar.gz"


def test_no_model_without_archives(tmp_path: Path) -> None:
    assert RepoPaths(tmp_path).newest_model() is None
    (tmp_path / "models").mkdir()
    assert RepoPaths(tmp_path).newest_model() is None
