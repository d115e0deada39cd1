"""``python -m benchmarks [NAME...]``: run the benchmarks and print figures beside targets."""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import UTC, datetime

from . import demand, engine, ledger, load, quote, simulate, web

BENCHMARKS = {"load": load.run, "engine": engine.run, "quote": quote.run,
              "simulate": simulate.run, "web": web.run, "demand": demand.run,
              "ledger": ledger.run}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    ok = True
    for name in args.names or list(BENCHMARKS):
        ok &= BENCHMARKS[name]()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
