"""Which query shapes crash Oxigraph, and at what size: the measurements behind the guard.

Each shape is run at growing sizes in a fresh Python process (the same main-thread stack
as a query worker), on an empty store, and the outcome recorded: ``ok``, a syntax error,
``timeout`` (over ``--seconds``), or the signal that killed the process (``SIG11`` is a
stack overflow). The guard's limits (``Settings.max_query_*``) must stay below the first
crash of every shape; ``tests/test_guard_fuzz.py`` checks the pair with generated queries.

    .venv/bin/python bench/guard_limits.py            # about 10 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

SIZES = (100, 300, 1000, 3000, 10000, 30000)

SHAPES: dict[str, Callable[[int], str]] = {
    "arithmetic chain 1+1+…": lambda n: "SELECT (" + "+".join(["1"] * n) + " AS ?x) {}",
    "boolean chain ||": lambda n: "SELECT * { FILTER(" + " || ".join(["true"] * n) + ") }",
    "boolean chain &&": lambda n: "SELECT * { FILTER(" + " && ".join(["true"] * n) + ") }",
    "negations !!!…": lambda n: "SELECT * { FILTER(" + "!" * n + "true) }",
    "nested parentheses": lambda n: "SELECT * { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "nested groups { { … } }": lambda n: "SELECT * WHERE " + "{ " * n + "}" * n,
    "nested sub-selects": lambda n: (
        "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + " }" * n
    ),
    "chained triple patterns": lambda n: (
        "SELECT * { " + " . ".join(f"?s{i} <http://p> ?o{i}" for i in range(n)) + " }"
    ),
    "chained OPTIONAL": lambda n: "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * n + "}",
    "chained MINUS": lambda n: "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * n + "}",
    "chained UNION": lambda n: "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
    "chained FILTER": lambda n: (
        "SELECT * { ?s ?p ?o " + " ".join(f"FILTER(?o != {i})" for i in range(n)) + " }"
    ),
    "chained BIND": lambda n: (
        "SELECT * { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(n)) + " }"
    ),
    "property path sequence": lambda n: "SELECT * { ?s " + "/".join(["<http://p>"] * n) + " ?o }",
    "property path alternatives": lambda n: (
        "SELECT * { ?s (" + "|".join(["<http://p>"] * n) + ") ?o }"
    ),
    "VALUES list": lambda n: (
        "SELECT * { VALUES ?x { " + " ".join(f"<http://e/{i}>" for i in range(n)) + " } }"
    ),
    "IN list": lambda n: (
        "SELECT * { VALUES ?x { 1 } FILTER(?x IN ("
        + ",".join(f"<http://e/{i}>" for i in range(n))
        + ")) }"
    ),
    "CONCAT arguments": lambda n: "SELECT (CONCAT(" + ",".join(['"a"'] * n) + ") AS ?x) {}",
}

_RUN = """
import sys
import pyoxigraph as ox
result = ox.Store().query(sys.stdin.read())
if not isinstance(result, bool):
    list(result)
print("ok")
"""


def outcome(query: str, seconds: float) -> str:
    try:
        process = subprocess.run(
            [sys.executable, "-c", _RUN],
            input=query,
            capture_output=True,
            text=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if process.returncode < 0:
        return f"SIG{-process.returncode}"
    if process.stdout.strip() == "ok":
        return "ok"
    return "error"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    print("| shape | " + " | ".join(str(n) for n in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for name, build in SHAPES.items():
        cells = []
        for size in SIZES:
            cells.append(outcome(build(size), args.seconds))
            if cells[-1].startswith("SIG"):
                break
        cells += [""] * (len(SIZES) - len(cells))
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
