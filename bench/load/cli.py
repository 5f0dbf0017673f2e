"""`python -m bench.load`: the whole benchmark, printed as tables (and `--json`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from bench.load import action_bench, nonblocking, workers
from bench.load.closed_loop import ChatTarget, run_level
from bench.load.journeys import CUSTOMERS, CUSTOMER_JOURNEYS, MOODBOT_JOURNEYS, backend_share
from bench.load.machine import this_machine
from bench.load.memory import tree_rss_mib
from bench.load.replies import DEGRADED_RESPONSES, response_texts
from bench.load.report import comparison_rows, level_row, table, target_table
from bench.load.stack import OurStack, login_all, start_stack
from bench.load.stats import LevelStats
from bench.load.stock import ensure_stock_project, stock_service
from bench.load.targets import check_targets
from bench.load.training import last_training, time_training
from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.processes import Stack
from devstack.services import url

ACTION_CONCURRENCY = 20
#: Action calls a second of 20 conversations bring at the 40 msg/s target
#: (about 3 in 4 turns call the backend).
ACTION_RATE_PER_SECOND = 30.0
WORKER_LEVELS = (20, 50)


def parse_levels(text: str) -> List[int]:
    """`"1,20,50"` -> `[1, 20, 50]`.

    Raises:
        argparse.ArgumentTypeError: Not a list of positive integers.
    """
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"levels must be integers, got {text!r}") from None
    if not levels or any(level < 1 for level in levels):
        raise argparse.ArgumentTypeError(f"levels must be positive, got {text!r}")
    return sorted(set(levels))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see docs/performance.md)."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--levels", type=parse_levels, default=[1, 20, 50],
                        help="concurrent conversations per level (default 1,20,50)")
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="measured seconds per level (default 30)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="warm-up seconds before each level (default 5)")
    parser.add_argument("--model", type=Path, help="model archive (default: the current one)")
    parser.add_argument("--train", action="store_true",
                        help="time a full `rasa train` first (into a temporary directory)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--skip-stock", action="store_true", help="no stock assistant")
    parser.add_argument("--skip-actions", action="store_true", help="no action server run")
    parser.add_argument("--skip-nonblocking", action="store_true", help="no slow-backend run")
    parser.add_argument("--skip-workers", action="store_true", help="no two-worker run")
    parser.add_argument("--slow-conversations", type=int, default=10,
                        help="slow customer's conversations in the slow-backend run")
    parser.add_argument("--normal-conversations", type=int, default=10,
                        help="other conversations in the slow-backend run")
    return parser.parse_args(argv)


def current_model(paths: RepoPaths) -> Path:
    """The model `make run` would serve, else the newest in `models/`.

    Raises:
        SystemExit: No trained model.
    """
    printed = subprocess.run(
        [sys.executable, str(paths.root / "scripts" / "train_if_changed.py"), "--print-path"],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout.strip()
    if printed and Path(printed).is_file():
        return Path(printed)
    newest = paths.newest_model()
    if newest is None:
        raise SystemExit("no trained model: run `make train` or pass --model")
    print(f"note: the current inputs' model is not trained; using {newest}", flush=True)
    return newest


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def memory_of(processes: Stack, names: Sequence[str]) -> Dict[str, Optional[float]]:
    """Resident MiB of the named services (each with its child processes)."""
    rss: Dict[str, Optional[float]] = {}
    for running in processes.running:
        if running.service.name in names:
            rss[running.service.name] = tree_rss_mib(running.process.pid)
    return rss


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs every part of the benchmark; returns 0 (the figures are the result)."""
    args = parse_args(argv)
    paths = RepoPaths()
    machine = this_machine()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    print(f"# Load benchmark, {started}\nmachine: {machine.describe()}", flush=True)
    results: Dict[str, Any] = {"date": started, "machine": machine.as_dict(),
                               "seconds_per_level": args.seconds, "warmup": args.warmup}

    training = time_training(paths) if args.train else last_training(paths)
    results["training"] = training.__dict__ if training else None
    model = args.model or current_model(paths)
    results["model"] = str(model)
    degraded = response_texts(paths.root / "domain.yml", DEGRADED_RESPONSES)
    stock_dir = paths.root / "build" / "bench" / "stock"
    stock_model = None if args.skip_stock else ensure_stock_project(stock_dir, paths)
    log_dir = paths.log_dir / "bench-load"

    ours: Dict[int, LevelStats] = {}
    stock: Dict[int, LevelStats] = {}
    worker_levels: Dict[int, Dict[int, LevelStats]] = {}
    action_figures: Dict[str, Any] = {}
    slow_result = None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as work_dir:
        work = Path(work_dir)
        stack = OurStack.build(work, model, paths)
        services = list(stack.services)
        stock_port = find_free_port()
        if stock_model is not None:
            services.append(stock_service(stock_dir, stock_model, stock_port, paths))
        print(f"starting the stack (logs in {log_dir}) ...", flush=True)
        with start_stack(services, log_dir) as processes:
            backend = stack.addresses.backend_url
            for level in args.levels:
                target = ChatTarget("ours", stack.addresses.webhook_url, CUSTOMERS,
                                    CUSTOMER_JOURNEYS, login_all(backend, CUSTOMERS), degraded)
                ours[level] = _run(run_level(target, level, args.warmup, args.seconds))
                print(table([level_row("ours", ours[level])]), flush=True)
                if stock_model is not None:
                    moodbot = ChatTarget("stock", f"{url(stock_port)}/webhooks/rest/webhook",
                                         (None,), MOODBOT_JOURNEYS)
                    stock[level] = _run(run_level(moodbot, level, args.warmup, args.seconds))
                    print(table([level_row("stock", stock[level])]), flush=True)
            results["memory_mib"] = memory_of(
                processes, ("rasa", "actions", "backend", "desk", "stock-rasa"))

            if not args.skip_actions:
                action_figures = _action_server(stack, paths, args)
                results["memory_mib"]["actions"] = memory_of(processes, ("actions",))["actions"]
            if not args.skip_nonblocking:
                print("slow-backend run (second action server and Rasa) ...", flush=True)
                slow_result = nonblocking.run_nonblocking(
                    stack, work, log_dir, degraded, args.normal_conversations,
                    args.slow_conversations, args.warmup, args.seconds)
                print(table([level_row("others alone", slow_result.alone),
                             level_row("others, control", slow_result.with_fast),
                             level_row("others with slow", slow_result.with_slow),
                             level_row("slow customer", slow_result.slow)]), flush=True)
            if not args.skip_workers:
                worker_levels = _workers(stack, work, log_dir, degraded, args, results)

    results["ours"] = {level: s.as_dict() for level, s in ours.items()}
    results["stock"] = {level: s.as_dict() for level, s in stock.items()}
    results["action_server"] = action_figures
    results["nonblocking"] = slow_result.as_dict() if slow_result else None
    results["workers"] = {
        n: {level: s.as_dict() for level, s in levels.items()}
        for n, levels in worker_levels.items()
    }
    targets = check_targets(
        ours, stock,
        action_figures.get("at_rate", {}).get("p95_ms"),
        worker_levels,
        slow_result,
        nonblocking.DELAY_SECONDS * 1000,
        training.seconds if training else None,
    )
    results["targets"] = [t.__dict__ for t in targets]
    _print_report(results, ours, stock, worker_levels, slow_result, training, args, targets)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


def _action_server(stack: OurStack, paths: RepoPaths, args: argparse.Namespace) -> Dict[str, Any]:
    """The action server's `/webhook` at 20 concurrent calls, with and without the domain."""
    figures: Dict[str, Any] = {"action": action_bench.DEFAULT_ACTION,
                               "concurrency": ACTION_CONCURRENCY}
    webhook = f"{stack.addresses.actions_url}/webhook"
    for key, include in (("with_domain", True), ("without_domain", False)):
        payload = action_bench.action_payload(
            paths.root / "domain.yml", CUSTOMERS[0].customer_id, include_domain=include)
        figures["payload_bytes_" + key] = len(json.dumps(payload))
        stats = _run(action_bench.run_action_level(
            webhook, stack.settings.action_server_token, payload, ACTION_CONCURRENCY,
            args.warmup, args.seconds))
        figures[key] = stats.as_dict()
        print(table([level_row(f"actions ({key.replace('_', ' ')})", stats)]), flush=True)
        if include:
            paced = _run(action_bench.run_action_rate(
                webhook, stack.settings.action_server_token, payload, ACTION_RATE_PER_SECOND,
                args.warmup, args.seconds))
            figures["at_rate"] = paced.as_dict()
            print(table([level_row(f"actions at {ACTION_RATE_PER_SECOND:g}/s", paced)]),
                  flush=True)
    return figures


def _workers(stack: OurStack, work: Path, log_dir: Path, degraded: frozenset,
             args: argparse.Namespace, results: Dict[str, Any]) -> Dict[int, Dict[int, LevelStats]]:
    """One and two Rasa workers with PostgreSQL and Redis, at 20 and 50 conversations."""
    missing = [name for name, host, port in (
        ("Redis", workers.REDIS_HOST, workers.REDIS_PORT),
        ("PostgreSQL", workers.PG_HOST, workers.PG_PORT)) if not workers.reachable(host, port)]
    if missing:
        print(f"SKIPPED the two-worker run: {' and '.join(missing)} not reachable "
              f"on 127.0.0.1", flush=True)
        results["workers_skipped"] = f"{', '.join(missing)} not reachable"
        return {}
    levels: Dict[int, Dict[int, LevelStats]] = {}
    results.setdefault("memory_mib", {})
    with workers.shared_stores() as stores:
        endpoints = work / "endpoints.workers.yml"
        endpoints.write_text(workers.endpoints_yaml(stores), encoding="utf-8")
        for count in (1, 2):
            port = find_free_port()
            service = workers.worker_rasa_service(
                stack.settings, stack.model, stack.addresses.actions_url,
                stack.addresses.backend_url, port, endpoints, count)
            print(f"Rasa with {count} worker(s), PostgreSQL + Redis ...", flush=True)
            with start_stack([service], log_dir) as processes:
                levels[count] = {}
                for level in WORKER_LEVELS:
                    target = ChatTarget(f"w{count}", f"{url(port)}/webhooks/rest/webhook",
                                        CUSTOMERS, CUSTOMER_JOURNEYS,
                                        login_all(stack.addresses.backend_url, CUSTOMERS),
                                        degraded)
                    levels[count][level] = _run(
                        run_level(target, level, args.warmup, args.seconds))
                    print(table([level_row(f"{count} worker(s)", levels[count][level])]),
                          flush=True)
                results["memory_mib"][service.name] = memory_of(
                    processes, (service.name,)).get(service.name)
    return levels


def _print_report(results: Dict[str, Any], ours: Dict[int, LevelStats],
                  stock: Dict[int, LevelStats], worker_levels: Dict[int, Dict[int, LevelStats]],
                  slow_result: Any, training: Any, args: argparse.Namespace,
                  targets: Any) -> None:
    print(f"\n## REST webhook, closed loop ({args.seconds:g} s per level after "
          f"{args.warmup:g} s warm-up; {backend_share(CUSTOMER_JOURNEYS):.0%} of our turns "
          "call the backend)\n")
    print(table(comparison_rows(ours, stock)))
    figures = results.get("action_server") or {}
    if figures:
        print(f"\n## Action server /webhook alone ({figures['action']}, "
              f"{figures['concurrency']} concurrent calls, backend included)\n")
        print(table([level_row("with domain (as now)", _stats(figures["with_domain"])),
                     level_row("without domain", _stats(figures["without_domain"]))]))
        print(f"\nsame action at a fixed {ACTION_RATE_PER_SECOND:g} calls/s (open loop; "
              "the 'level' column is the rate):\n")
        print(table([level_row("with domain (as now)", _stats(figures["at_rate"]))]))
        print(f"payload: {figures['payload_bytes_with_domain']} bytes with the domain, "
              f"{figures['payload_bytes_without_domain']} without")
    if slow_result is not None:
        print(f"\n## A backend call of one customer takes {nonblocking.DELAY_SECONDS:g} s "
              f"({slow_result.slow_conversations} of their conversations at once)\n")
        print(table([level_row("others alone", slow_result.alone),
                     level_row("others, control", slow_result.with_fast),
                     level_row("others with slow", slow_result.with_slow),
                     level_row("slow customer", slow_result.slow)]))
    if worker_levels:
        print("\n## Rasa workers (PostgreSQL tracker store, Redis lock store)\n")
        print(table([level_row(f"{n} worker(s)", s)
                     for n, levels in sorted(worker_levels.items())
                     for _, s in sorted(levels.items())]))
    elif results.get("workers_skipped"):
        print(f"\n## Rasa workers: skipped ({results['workers_skipped']})")
    print("\n## Resident memory after the load (MiB, with child processes)\n")
    for name, mib in (results.get("memory_mib") or {}).items():
        print(f"- {name}: {'-' if mib is None else f'{mib:.0f}'}")
    if training:
        print(f"\n## Training: {training.seconds:.0f} s ({training.command}; timed "
              f"{training.when}{'' if args.train else ' by an earlier --train run'})")
    else:
        print("\n## Training: not recorded yet (run with --train to time a full training)")
    print("\n## Targets (issue #7; a busy machine makes every figure noisy)\n")
    print(target_table(targets))


def _stats(data: Dict[str, Any]) -> LevelStats:
    return LevelStats(**data)


if __name__ == "__main__":
    sys.exit(main())
