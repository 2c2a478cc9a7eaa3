"""``python -m benchmarks`` (``nox -s bench``): every benchmark in one run, one table.

Each emulator runs in a process of its own. The table shows our client beside a baseline (raw
aiohttp on the same server, unless the row says otherwise) and the official ``blockbax-sdk``
(when installed), with ratios (above 1: ours is better). Results go to
``benchmarks/results/latest.json`` and a chart to ``docs/img/benchmarks.png``.

    python -m benchmarks           # the full run, several minutes
    python -m benchmarks --quick   # small sizes, a smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import attrs

from . import compat, ingest, listing, ratelimit, sync_overhead
from ._report import Figure

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
CHART = ROOT / "docs" / "img" / "benchmarks.png"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| benchmark | unit | ours | baseline | official SDK | vs baseline | vs official |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.unit} | {_number(f.ours)} | {_number(f.baseline)} "
            f"| {_number(f.official)} | {_ratio(f.speedup(f.baseline))} "
            f"| {_ratio(f.speedup(f.official))} |"
        )
    return "\n".join(lines)


def chart(figures: Sequence[Figure], path: Path) -> bool:
    """A bar chart of the ratios; ``False`` when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [f for f in figures if f.speedup(f.baseline) or f.speedup(f.official)]
    labels = [f.name.split(" (")[0] for f in rows]
    fig, ax = plt.subplots(figsize=(10, 0.7 * len(rows) + 1.5))
    positions = range(len(rows))
    for offset, key, color in ((-0.2, "baseline", "#8da0cb"), (0.2, "official", "#fc8d62")):
        ratios = [f.speedup(getattr(f, key)) or 0.0 for f in rows]
        ax.barh([p + offset for p in positions], ratios, height=0.4, color=color,
                label=f"ours vs {'baseline' if key == 'baseline' else 'official SDK'}")  # fmt: skip
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlabel("times better than the other client (log scale; 1 = equal)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    for module in (ingest, listing, ratelimit, sync_overhead, compat):
        print(f"running {module.__name__} ...", flush=True)
        figures += module.figures(args.quick)
    print()
    print(table(figures))
    if args.no_write:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "quick": args.quick,
                "figures": [attrs.asdict(f) for f in figures],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    if chart(figures, CHART):
        print(f"wrote {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
