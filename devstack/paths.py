"""Repository file locations, derived from this package's place, never from the cwd."""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RepoPaths:
    """Paths the stack uses, all under one repository root.

    Attributes:
        root: The repository root.
    """

    root: Path = REPO_ROOT

    @property
    def rasa_venv(self) -> Path:
        """The Rasa environment (Python 3.10)."""
        return self.root / ".venv"

    @property
    def rasa_executable(self) -> Path:
        """The `rasa` command of the Rasa environment."""
        return self.rasa_venv / "bin" / "rasa"

    @property
    def backend_venv(self) -> Path:
        """The backend's own environment (Python 3.11)."""
        return self.root / ".venv-backend"

    @property
    def backend_python(self) -> Path:
        """The backend environment's interpreter."""
        return self.backend_venv / "bin" / "python"

    @property
    def backend_dir(self) -> Path:
        """The backend project (working directory of the backend service)."""
        return self.root / "backend"

    @property
    def desk_dir(self) -> Path:
        """The agent desk project (working directory of the desk service)."""
        return self.root / "desk"

    @property
    def var_dir(self) -> Path:
        """Runtime state: the dev database and logs."""
        return self.root / "var"

    @property
    def log_dir(self) -> Path:
        """Service logs, one file per service."""
        return self.var_dir / "log"

    @property
    def models_dir(self) -> Path:
        """Trained Rasa models."""
        return self.root / "models"

    @property
    def endpoints_file(self) -> Path:
        """Rasa endpoints configuration."""
        return self.root / "endpoints.yml"

    @property
    def credentials_file(self) -> Path:
        """Rasa channel configuration."""
        return self.root / "credentials.yml"

    @property
    def dev_database_url(self) -> str:
        """SQLite database of `make run`, kept between runs."""
        return f"sqlite:///{self.var_dir / 'payments.db'}"

    @property
    def dev_desk_database_url(self) -> str:
        """SQLite database of the agent desk under `make run`, kept between runs."""
        return f"sqlite:///{self.var_dir / 'desk.db'}"

    @property
    def dev_tracker_store_db(self) -> Path:
        """Rasa's tracker store under `make run` (SQLite), kept between runs."""
        return self.var_dir / "rasa-tracker.db"

    @property
    def dev_handoff_outbox(self) -> Path:
        """The action server's outbox of tickets waiting for the desk."""
        return self.var_dir / "handoff-outbox.sqlite3"

    def newest_model(self) -> Optional[Path]:
        """Returns the most recently trained model in `models/`, if any."""
        if not self.models_dir.is_dir():
            return None
        models = [path for path in self.models_dir.glob("*.tar.gz") if path.is_file()]
        return max(models, key=lambda path: path.stat().st_mtime, default=None)
