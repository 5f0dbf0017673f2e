"""Prints what the NLU's sentence encoder (all-MiniLM-L6-v2, NumPy) costs.

One message at a time (the server's case) by length, batches (training), the time
to load it and the memory it adds to the process.

    .venv/bin/python bench/sentence_encoder.py
    .venv/bin/python bench/sentence_encoder.py --repeat 200 --batch 64
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rasa_plugins.nlu.sentence_encoder import SentenceEncoder  # noqa: E402

MESSAGES = {
    "short": "yes please",
    "typical": "where is my refund for order 482913?",
    "long": (
        "Hi, I returned two of the three items from order 482913 two weeks ago and "
        "the shop confirmed they got the parcel, but I still see the full amount of "
        "120 euros on my plan and the next instalment is due on Friday. Can you "
        "check where the refund is and pause the payment until it arrives?"
    ),
}


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    """Times loading, single messages and batches; prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100, help="runs per message")
    parser.add_argument("--batch", type=int, default=64, help="texts per batch")
    parser.add_argument(
        "--texts", type=int, default=2000, help="texts in the batch run"
    )
    args = parser.parse_args()

    before, peak_before = _rss_mib(), _peak_rss_mib()
    started = time.perf_counter()
    encoder = SentenceEncoder.load()
    loaded = time.perf_counter() - started
    encoder.encode(["warm up"])
    print(
        f"load: {loaded * 1000:.0f} ms, RSS +{_rss_mib() - before:.0f} MiB "
        f"(peak +{_peak_rss_mib() - peak_before:.0f} MiB while loading)"
    )

    for name, text in MESSAGES.items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            encoder.encode([text])
            times.append((time.perf_counter() - started) * 1000)
        tokens = encoder.token_count(text)
        print(
            f"one {name} message ({tokens} tokens): "
            f"p50 {statistics.median(times):.1f} ms, "
            f"p95 {sorted(times)[int(0.95 * len(times)) - 1]:.1f} ms"
        )

    texts = [list(MESSAGES.values())[i % len(MESSAGES)] for i in range(args.texts)]
    started = time.perf_counter()
    encoder.encode(texts, batch_size=args.batch)
    seconds = time.perf_counter() - started
    print(
        f"batches of {args.batch}: {len(texts) / seconds:.0f} texts/s "
        f"({len(texts)} texts, a third of each length)"
    )


if __name__ == "__main__":
    main()
