"""The scripts run as plain files from any directory."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


@pytest.mark.parametrize(
    "script, expected", [("chat.py", "--anonymous"), ("run.py", "--no-chat")]
)
def test_help_works_outside_the_repository(
    tmp_path: Path, script: str, expected: str
) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
