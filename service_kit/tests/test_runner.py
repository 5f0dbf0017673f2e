import logging
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from service_kit.runner import migrate_and_seed, serve


def test_migrates_then_seeds_through_a_session_factory() -> None:
    calls: list[Any] = []

    def seed(factory: sessionmaker[Session]) -> bool:
        with factory() as session:
            assert session.connection().exec_driver_sql("SELECT 1").scalar() == 1
        calls.append(("seed", str(factory.kw["bind"].url)))
        return True

    assert migrate_and_seed("sqlite://", lambda url: calls.append(("upgrade", url)), seed)
    assert calls == [("upgrade", "sqlite://"), ("seed", "sqlite://")]


def test_reports_a_seed_that_found_data() -> None:
    assert migrate_and_seed("sqlite://", lambda url: None, lambda factory: False) is False


def test_without_a_seed_only_migrates() -> None:
    upgraded: list[str] = []
    assert migrate_and_seed("sqlite://", upgraded.append, None) is False
    assert upgraded == ["sqlite://"]


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: runs.append({"app": app, **kwargs}))
    return runs


def app(scope: Any, receive: Any, send: Any) -> None:
    """A stand-in ASGI app."""


def run(argv: list[str], built: list[str] | None = None) -> None:
    def build_app() -> Any:
        if built is not None:
            built.append("built")
        return app

    serve(
        argv,
        prog="python -m svc",
        description="A service.",
        host="127.0.0.1",
        port=8080,
        env_prefix="SVC",
        build_app=build_app,
    )


def test_serves_the_built_app_on_the_settings_address(served: list[dict[str, Any]]) -> None:
    built: list[str] = []
    run([], built)
    assert built == ["built"]
    assert served == [{"app": app, "host": "127.0.0.1", "port": 8080, "log_level": "info"}]


def test_command_line_overrides_host_and_port(served: list[dict[str, Any]]) -> None:
    run(["--host", "0.0.0.0", "--port", "9090"])
    assert (served[0]["host"], served[0]["port"]) == ("0.0.0.0", 9090)


def test_help_names_the_environment_variables(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["--help"])
    out = capsys.readouterr().out
    assert "python -m svc" in out and "(SVC_HOST)" in out and "(SVC_PORT)" in out


def test_logging_is_configured_before_the_app_is_built(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    configured: list[int] = []
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: configured.append(kwargs["level"]))
    order: list[str] = []

    def build_app() -> Any:
        order.append(f"build after {configured}")
        return app

    serve([], prog="p", description=None, host="h", port=1, env_prefix="P", build_app=build_app)
    assert order == [f"build after {[logging.INFO]}"]
