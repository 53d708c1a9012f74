#!/usr/bin/env python3
"""Benchmark the client and measure the suite: speed, coverage, mutants.

Run from the module folder (``make bench`` does):

    python3 bench/bench_client.py

Prints four tables, each with ratios against a baseline measured in the
same run.  1) Cached reads: memoize and public_repos against a plain
attribute read.  2) A new client's first public_repos(license): requests.get
patched against real HTTP on loopback (the suite's two integration levels).
3) public_repos(license=...) over 10,000 generated repositories against a
hand-written dict.get filter.  4) The suite: its wall time in a fresh
interpreter, line+branch coverage of utils.py and client.py, and the
mutation score (tools/mutate.py).  Exits 1 below 100% coverage or with a
surviving mutant.
"""
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from typing import Any, Callable, Dict, List, Tuple
from unittest.mock import Mock, patch

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [MODULE_DIR, os.path.join(MODULE_DIR, "tools")]

import mutate  # noqa: E402
from client import GithubOrgClient  # noqa: E402
from fake_github import FakeGitHub, routes_for  # noqa: E402
from fixtures import TEST_PAYLOAD  # noqa: E402
from utils import memoize  # noqa: E402

ORG_PAYLOAD, REPOS_PAYLOAD, EXPECTED, APACHE2 = TEST_PAYLOAD[0]


def per_call(func: Callable[[], Any], budget: float = 0.1) -> float:
    """Return the best seconds per call of func over a few timed runs."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    number = max(1, int(number * budget / 0.2))
    return min(timer.repeat(repeat=3, number=number)) / number


def fmt(seconds: float) -> str:
    """Format a duration with a unit that keeps 3-4 digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return "{:.3g} {}".format(seconds / scale, unit)
    return "{:.3g} ns".format(seconds / 1e-9)


def table(title: str, rows: List[Tuple[str, float]]) -> None:
    """Print rows of (case, seconds per op) with ratios to the first row."""
    base = rows[0][1]
    width = max(len(name) for name, _ in rows)
    print("\n" + title)
    print("{:<{w}}  {:>10}  {:>9}".format("case", "per op", "ratio",
                                          w=width))
    for name, seconds in rows:
        print("{:<{w}}  {:>10}  {:>8.2f}x".format(name, fmt(seconds),
                                                  seconds / base, w=width))


class Holder:
    """One plain attribute, one memoized property, one plain property."""

    def __init__(self) -> None:
        """Set the plain attribute."""
        self.plain = 42

    def compute(self) -> int:
        """Return 42 (the cheapest possible method)."""
        return 42

    @memoize
    def cached(self) -> int:
        """Return compute(), once per instance."""
        return self.compute()

    @property
    def uncached(self) -> int:
        """Return compute() on every read."""
        return self.compute()


def fresh_client_over_mock() -> List[str]:
    """List apache-2.0 repos with a new client, requests.get patched."""
    return GithubOrgClient("google").public_repos(license="apache-2.0")


def operations() -> None:
    """Time cached reads, then a new client's first public_repos."""
    holder = Holder()
    _ = holder.cached  # the first read fills the memo
    github = GithubOrgClient("google")
    github._org, github._repos_payload = ORG_PAYLOAD, REPOS_PAYLOAD
    answers = {"https://api.github.com/orgs/google": ORG_PAYLOAD,
               ORG_PAYLOAD["repos_url"]: REPOS_PAYLOAD}
    responses = {url: Mock(**{"json.return_value": body})
                 for url, body in answers.items()}
    rows = [
        ("plain attribute read (baseline)", per_call(lambda: holder.plain)),
        ("memoized property read, cached", per_call(lambda: holder.cached)),
        ("plain property calling a method", per_call(lambda: holder.uncached)),
        ("public_repos(), 9 repos, cached",
         per_call(lambda: github.public_repos())),
        ("public_repos(license), 9 repos",
         per_call(lambda: github.public_repos(license="apache-2.0"))),
    ]
    table("1) cached reads (ratio to a plain attribute read)", rows)
    with patch("requests.get", side_effect=responses.__getitem__):
        rows = [("requests.get patched (baseline)",
                 per_call(fresh_client_over_mock))]
    with FakeGitHub(routes_for(ORG_PAYLOAD, REPOS_PAYLOAD)) as fake:
        local = type("Local", (GithubOrgClient,),
                     {"ORG_URL": fake.url + "/orgs/{org}"})
        rows.append(("real HTTP on loopback, 2 GETs",
                     per_call(lambda: local("google").public_repos(
                         license="apache-2.0"), budget=0.2)))
    table("2) new client + public_repos(license): the two integration "
          "levels", rows)


def big_filter() -> None:
    """Time public_repos(license) over 10,000 repos against dict.get."""
    keys = ["apache-2.0", "mit", None, "other", "bsd-3-clause"]
    repos: List[Dict[str, Any]] = []
    for number in range(10000):
        key = keys[number % len(keys)]
        repo: Dict = {"name": "repo-{}".format(number),
                      "license": {"key": key} if key else None}
        if number % 7 == 0:
            del repo["license"]
        repos.append(repo)
    github = GithubOrgClient("big")
    github._repos_payload = repos

    def by_hand() -> List[str]:
        """Filter with chained dict.get, no helper calls."""
        return [r["name"] for r in repos
                if (r.get("license") or {}).get("key") == "apache-2.0"]

    assert by_hand() == github.public_repos(license="apache-2.0")
    table("3) license filter over 10,000 repositories", [
        ("hand-written dict.get filter (baseline)", per_call(by_hand)),
        ("public_repos(license='apache-2.0')",
         per_call(lambda: github.public_repos(license="apache-2.0"))),
        ("public_repos() (no filter)", per_call(github.public_repos)),
    ])


def run(command: List[str]) -> Tuple[float, str]:
    """Run command in the module folder; return (seconds, stdout)."""
    started = time.monotonic()
    proc = subprocess.run(command, cwd=MODULE_DIR, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    return time.monotonic() - started, proc.stdout


def quality() -> int:
    """Time the suite, measure coverage and the mutation score."""
    times = []
    for _ in range(3):
        seconds, output = run([sys.executable, "-m", "unittest"])
        times.append(seconds)
    ran = [line for line in output.splitlines() if line.startswith("Ran ")]
    _, cov_out = run([sys.executable, "tools/coverage_report.py", "--json"])
    cov = json.loads(cov_out.strip().splitlines()[-1])
    started = time.monotonic()
    mutants = mutate.score(mutate.MUTANTS)
    mutation_seconds = time.monotonic() - started
    survivors = [o.mutant.id for o in mutants["outcomes"]
                 if o.status == "SURVIVED"]
    print("\n4) suite quality")
    print("suite: {} ({}), wall time with interpreter start: median {:.2f}s"
          .format(ran[-1] if ran else "no report",
                  output.strip().splitlines()[-1], statistics.median(times)))
    for name, info in sorted(cov["files"].items()):
        print("coverage {:<9}: {:.1f}% ({} statements, {} missing; {} "
              "branches, {} partial)".format(
                  name, info["percent"], info["statements"],
                  len(info["missing_lines"]), info["branches"],
                  info["partial_branches"]))
    print("mutation score: {}/{} killed ({:.1f}%) in {:.1f}s{}".format(
        mutants["killed"], mutants["total"],
        100.0 * mutants["killed"] / mutants["total"], mutation_seconds,
        "; SURVIVED: " + ", ".join(survivors) if survivors else ""))
    full = cov["percent"] == 100.0 and not survivors
    return 0 if full and mutants["outcomes"] else 1


def main() -> int:
    """Run the three parts and return 1 if coverage or mutants fall short."""
    print("Python {} on {}".format(sys.version.split()[0], sys.platform))
    # Loopback requests go direct even when a proxy is configured.
    os.environ.update(no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")
    operations()
    big_filter()
    return quality()


if __name__ == "__main__":
    sys.exit(main())
