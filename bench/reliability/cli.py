"""Command line of the reliability benchmark: one production stack, one scenario per fault, a table.

.venv/bin/python -m bench.reliability
.venv/bin/python -m bench.reliability --conversations 6 --messages 12 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest
import yaml

from bench.reliability import faults
from bench.reliability.faults import Rig, wait_outbox_empty, wait_ready
from bench.reliability.results import build_row, owners, scan
from bench.reliability.rewire import actions_through_proxy
from bench.reliability.scenario import Outcome, Scenario, refunds_of, run_scenario
from bench.reliability.scripts import accounts
from bench.reliability.sinks import all_sinks, sink_figures
from bench.reliability.table import ScenarioResult, as_json, exit_code, format_table
from bench.reliability.traffic import Traffic
from bench.reliability.typed_secrets import merge
from devstack.paths import RepoPaths
from rasa_plugins.stores.events import mask_event
from tests.integration.production_stack import (
    ProductionStack,
    QueuedEvent,
    drain_messages,
    production_stack,
    tracker_store_events,
)

SCENARIOS = (
    Scenario("none (baseline traffic)", faults.no_fault),
    Scenario("action server stopped", faults.actions_stopped),
    Scenario("backend stopped", faults.backend_stopped),
    Scenario("backend frozen (SIGSTOP)", faults.backend_frozen),
    Scenario("answers lost after the backend's commit", faults.answers_lost, refunds=True),
    Scenario("Redis down", faults.redis_down),
    Scenario("PostgreSQL down", faults.postgres_down),
    Scenario("RabbitMQ down, then back", faults.rabbitmq_down),
    Scenario("Rasa replica stopped (SIGTERM) and restarted", faults.replica_stopped),
)
#: Replies meaning "not answered, sorry" (counted, not failures).
APOLOGY_RESPONSES = (
    "utter_assistant_unavailable",
    "utter_backend_unavailable",
    "utter_backend_unavailable_handoff",
    "utter_something_went_wrong",
)
RECOVERY_SECONDS = 90.0
SEED = 5000


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the benchmark; 1 when anything was silent, lost, duplicated or leaked."""
    args = _parser().parse_args(argv)
    # Faults make the services log warnings by design; the table is the report.
    logging.basicConfig(level=logging.ERROR)
    model = _model(args.model)
    os.environ["ASSISTANT_MODEL"] = str(model)
    began = time.monotonic()
    try:
        results, meta = _run(args, model)
    except pytest.skip.Exception as skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
        return 2
    meta["seconds"] = round(time.monotonic() - began, 1)
    print(format_table(results))
    print(
        f"\n{meta['date']}, model {model.name}, {args.conversations} conversations x "
        f"{args.messages} messages per scenario, {meta['seconds']:.0f} s in all "
        f"(stack start {meta['startup_seconds']:.0f} s)"
    )
    for result in results:
        for line in result.details.get("errors", []) + result.details.get("problems", []):
            print(f"  {result.fault}: {line}")
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"meta": meta, "rows": as_json(results)}, indent=2, default=str) + "\n"
        )
    return exit_code(results)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reliability", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--conversations", type=int, default=6, help="conversations at once per scenario (6)"
    )
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation (10)")
    parser.add_argument("--json", metavar="PATH", help="write the rows and their details here")
    parser.add_argument(
        "--model", metavar="PATH", help="model archive (default: the trained assistant's)"
    )
    return parser


def _model(given: Optional[str]) -> Path:
    """The trained assistant's model, else the newest in models/ (said on stderr)."""
    paths = RepoPaths()
    if given:
        return Path(given).resolve()
    printed = subprocess.run(
        [sys.executable, str(paths.root / "scripts" / "train_if_changed.py"), "--print-path"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=paths.root,
    ).stdout.strip()
    if printed and Path(printed).is_file():
        return Path(printed)
    newest = paths.newest_model()
    if newest is None:
        raise SystemExit("no trained model in models/: run make train")
    print(
        f"the current data's model ({printed or '?'}) is not trained; using {newest.name}",
        file=sys.stderr,
    )
    return newest


def _progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace, model: Path) -> Tuple[List[ScenarioResult], Dict[str, object]]:
    """Starts the stack, runs every scenario, counts; the rows and the run's facts."""
    started = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="bench-reliability-")))
        _progress("starting the production stack (2 replicas, fault proxies)")
        stack: ProductionStack = cleanup.enter_context(
            production_stack(work, replicas=2, fault_proxies=True)
        )
        backend_proxy = cleanup.enter_context(actions_through_proxy(stack))
        meta: Dict[str, object] = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
            "model": str(model),
            "conversations": args.conversations,
            "messages": args.messages,
            "startup_seconds": round(time.monotonic() - started, 1),
            "log_dir": str(stack.log_dir),
        }
        rig = Rig(stack=stack, backend_proxy=backend_proxy)
        traffic = Traffic(stack.proxy_url, stack.rasa_auth_token, stack.desk_url)
        customers = accounts(stack)
        outcomes: List[Outcome] = []
        queued: List[QueuedEvent] = []
        for index, scenario in enumerate(SCENARIOS):
            _progress(f"scenario {index + 1}/{len(SCENARIOS)}: {scenario.fault}")
            outcome = run_scenario(
                rig, traffic, scenario, SEED + index, customers, args.conversations, args.messages
            )
            unready = wait_ready(stack, RECOVERY_SECONDS)
            if unready:
                outcome.errors.append(
                    f"not ready {RECOVERY_SECONDS:g} s after the fault: {json.dumps(unready)[:400]}"
                )
            wait_outbox_empty(stack, RECOVERY_SECONDS)
            queued += drain_messages(stack)
            outcomes.append(outcome)
            _progress(f"  {outcome.seconds:.0f} s")
        _progress("counting: tracker store, queue, backend, every sink")
        wait_outbox_empty(stack, RECOVERY_SECONDS)
        queued += drain_messages(stack, settle_seconds=3.0)
        results, meta["sinks"] = _count(rig, outcomes, queued)
    return results, meta


def _count(
    rig: Rig, outcomes: Sequence[Outcome], queued: List[QueuedEvent]
) -> Tuple[List[ScenarioResult], Dict[str, Dict[str, int]]]:
    stack = rig.stack
    stored = tracker_store_events(stack)
    owned = owners(outcomes)
    sinks = all_sinks(stack, queued, rig.outbox_seen)
    leaks = scan(merge([o.secrets for o in outcomes]), sinks, owned)
    customer_ids = {cid for o in outcomes for cid in o.refunds_before}
    refunds_after = {cid: refunds_of(rig, cid) for cid in customer_ids}
    apologies = _apology_texts()
    results = [
        build_row(
            o, stored, queued, leaks.get(o.scenario.fault, {}), refunds_after, apologies, _as_stored
        )
        for o in outcomes
    ]
    if "unknown" in leaks:  # secrets no scenario typed: cannot be, say so (not which)
        found = sum(len(secrets) for secrets in leaks["unknown"].values())
        results[-1].details.setdefault("errors", []).append(f"{found} leaks of no scenario")
    return results, {name: sink_figures(texts) for name, texts in sinks.items()}


def _apology_texts() -> List[str]:
    domain = yaml.safe_load((RepoPaths().root / "domain.yml").read_text(encoding="utf-8"))
    return [str(domain["responses"][name][0]["text"]) for name in APOLOGY_RESPONSES]


def _as_stored(text: str) -> str:
    """A customer text as the (masking) tracker store keeps it."""
    return str(mask_event({"event": "user", "text": text})["text"])
