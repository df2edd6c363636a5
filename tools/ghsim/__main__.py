"""python -m tools.ghsim --seed FILE --port 0 --dump FILE --log FILE [--budget N] [--phase P]

Prints ``ghsim: listening on http://127.0.0.1:PORT/`` and serves until SIGTERM or SIGINT,
then writes the state to --dump. ``--extract`` only extracts the description cache (the
install step of ``make ghsim-spec``) and exits.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from ._openapi import DescriptionMissingError, load_description
from ._routes import served
from ._server import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.ghsim", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seed", help="a JSON file: REST paths -> objects (tests/fixtures/ghsim/)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--dump", help="write the state here on exit")
    parser.add_argument("--log", help="append one JSON line per request here")
    parser.add_argument("--budget", type=int, default=5000, help="requests per hour (default 5000)")
    parser.add_argument("--phase", default="", help="the phase label of the first requests")
    parser.add_argument(
        "--extract", action="store_true", help="extract the description cache, exit"
    )
    args = parser.parse_args(argv)
    try:
        description = load_description(served())
        load_description(served(), "ghec")
    except DescriptionMissingError as error:
        print(f"ghsim: {error}", file=sys.stderr)
        return 2
    if args.extract:
        print(
            f"ghsim: @octokit/openapi {description.version}, "
            f"{len(description.operations)} operations served"
        )
        return 0
    sim = Simulator(
        seed=args.seed, port=args.port, hourly_budget=args.budget, log=args.log, phase=args.phase
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sim.start()
    print(f"ghsim: listening on {sim.base_url}", flush=True)
    stop.wait()
    sim.stop()
    if args.dump:
        sim.dump(args.dump)
    if sim.violations:
        print(f"ghsim: {len(sim.violations)} contract violation(s)", file=sys.stderr)
        for violation in sim.violations[:20]:
            print(f"  {violation}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
