#!/usr/bin/env python3
"""Mutation testing for utils.py and client.py: does the suite catch bugs?

Each mutant is a small, plausible bug (a dropped check, a wrong URL, a
cache that no longer caches).  For each one this script copies the module's
Python files to a temporary folder, applies that one mutant there, runs
``python -m unittest`` on the copy and records whether the suite failed
(the mutant is "killed") or still passed (it "survived").  The working tree
is never modified.  First the unmutated copy must pass, or nothing is scored.

Usage, from the module folder:

    python3 tools/mutate.py            # all mutants, table and score
    python3 tools/mutate.py --list     # just list them
    python3 tools/mutate.py -k memoize # only mutants whose id has 'memoize'

Exit status: 0 when every mutant is killed, 1 when one survives or the
baseline fails, 2 when a mutant no longer applies (its text is not found
exactly once: update MUTANTS after editing the code).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60


class Mutant(NamedTuple):
    """One bug: replace each (old, new) pair, once, in file."""

    id: str
    file: str
    edits: Tuple[Tuple[str, str], ...]
    bug: str


MUTANTS = [
    Mutant("nested-none-on-missing", "utils.py",
           (("value = value[key]", "value = value.get(key)"),),
           "access_nested_map returns None for a missing key"),
    Mutant("nested-no-mapping-check", "utils.py",
           (("if not isinstance(value, abc.Mapping):", "if value is None:"),),
           "access_nested_map indexes lists and strings"),
    Mutant("nested-error-names-path", "utils.py",
           (("raise KeyError(key)", "raise KeyError(path)"),),
           "access_nested_map's KeyError names the path, not the key"),
    Mutant("nested-skips-last-key", "utils.py",
           (("for key in path:", "for key in path[:-1]:"),),
           "access_nested_map stops one key short"),
    Mutant("get-json-timeout", "utils.py",
           (("response = requests.get(url)",
             "response = requests.get(url, timeout=10)"),),
           "get_json adds a timeout keyword"),
    Mutant("get-json-binds-at-import", "utils.py",
           (("import requests\n",
             "import requests\nfrom requests import get as _get\n"),
            ("response = requests.get(url)", "response = _get(url)")),
           "get_json binds requests.get at import, so patches miss it"),
    Mutant("get-json-returns-response", "utils.py",
           (("return response.json()", "return response"),),
           "get_json returns the response, not its JSON"),
    Mutant("memoize-no-cache", "utils.py",
           (("if not hasattr(self, attr_name):", "if True:"),),
           "memoize stops caching"),
    Mutant("memoize-truthy-only", "utils.py",
           (("if not hasattr(self, attr_name):",
             "if not getattr(self, attr_name, None):"),),
           "memoize recomputes falsy results"),
    Mutant("memoize-no-wraps", "utils.py",
           (("    @wraps(fn)\n", ""),),
           "memoize loses the method's name and docstring"),
    Mutant("memoize-other-attr", "utils.py",
           (('attr_name = "_" + fn.__name__',
             'attr_name = "_memo_" + fn.__name__'),),
           "memoize stores under another attribute name"),
    Mutant("memoize-per-class", "utils.py",
           (("setattr(self, attr_name, fn(self))",
             "setattr(type(self), attr_name, fn(self))"),),
           "memoize shares one value across instances"),
    Mutant("org-url-path", "client.py",
           (('ORG_URL = "https://api.github.com/orgs/{org}"',
             'ORG_URL = "https://api.github.com/org/{org}"'),),
           "the org URL has the wrong path"),
    Mutant("org-url-fixed-login", "client.py",
           (("self.ORG_URL.format(org=self._org_name)",
             'self.ORG_URL.format(org="google")'),),
           "the org URL ignores the login"),
    Mutant("org-url-lowercase", "client.py",
           (("self.ORG_URL.format(org=self._org_name)",
             "self.ORG_URL.format(org=self._org_name.lower())"),),
           "the org URL lower-cases the login"),
    Mutant("org-url-class-attr", "client.py",
           (("self.ORG_URL.format(org=self._org_name)",
             "GithubOrgClient.ORG_URL.format(org=self._org_name)"),),
           "the org URL ignores an ORG_URL set on a subclass or instance"),
    Mutant("org-not-memoized", "client.py",
           (("    @memoize\n    def org(", "    @property\n    def org("),),
           "org is fetched on every read"),
    Mutant("repos-not-memoized", "client.py",
           (("    @memoize\n    def repos_payload(",
             "    @property\n    def repos_payload("),),
           "repos_payload is fetched on every read"),
    Mutant("repos-url-wrong-field", "client.py",
           (('return self.org["repos_url"]', 'return self.org["url"]'),),
           "_public_repos_url reads the wrong field"),
    Mutant("public-repos-no-filter", "client.py",
           (("if license is None or self.has_license(repo, license)",
             "if license is None or True"),),
           "public_repos ignores the license filter"),
    Mutant("public-repos-sorted", "client.py",
           (("for repo in self.repos_payload",
             'for repo in sorted(self.repos_payload, key=lambda r: r["name"])'
             ),),
           "public_repos sorts instead of keeping payload order"),
    Mutant("has-license-ignores-key", "client.py",
           (('access_nested_map(repo, ("license", "key")) == license_key',
             'access_nested_map(repo, ("license", "key")) is not None'),),
           "has_license ignores which key was asked for"),
    Mutant("has-license-accepts-none", "client.py",
           (("assert license_key is not None,", "assert True,"),),
           "has_license accepts a None key"),
    Mutant("has-license-leaks-keyerror", "client.py",
           (("except KeyError:", "except TypeError:"),),
           "has_license raises on a repository without a license"),
    Mutant("cli-ignores-license", "client.py",
           (("github.public_repos(license=args.license)",
             "github.public_repos()"),),
           "the command line ignores --license"),
    Mutant("cli-error-status-0", "client.py",
           (('print("client.py: {}".format(exc), file=sys.stderr)\n'
             "        return 1",
             'print("client.py: {}".format(exc), file=sys.stderr)\n'
             "        return 0"),),
           "the command line exits 0 after an error"),
    Mutant("cli-errors-on-stdout", "client.py",
           (('print("client.py: {}".format(exc), file=sys.stderr)',
             'print("client.py: {}".format(exc))'),),
           "the command line prints errors on stdout"),
]


class Outcome(NamedTuple):
    """What running the suite against one mutant gave."""

    mutant: Mutant
    status: str  # "killed", "SURVIVED", "killed (timeout)"
    seconds: float
    detail: str


def check_applies(mutants: Sequence[Mutant]) -> List[str]:
    """Return one message per edit whose text is not found exactly once."""
    problems = []
    for mutant in mutants:
        with open(os.path.join(MODULE_DIR, mutant.file)) as handle:
            source = handle.read()
        for old, _ in mutant.edits:
            count = source.count(old)
            if count != 1:
                problems.append("{}: {!r} found {} times in {}".format(
                    mutant.id, old, count, mutant.file))
    return problems


def copy_module(target: str) -> None:
    """Copy the module's top-level Python files into target."""
    for name in os.listdir(MODULE_DIR):
        if name.endswith(".py"):
            shutil.copy2(os.path.join(MODULE_DIR, name), target)


def run_suite(folder: str) -> Tuple[int, float, str]:
    """Run the unittest suite in folder; return (status, seconds, detail).

    detail is the first failing test's name, else unittest's last line.
    """
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "unittest", "-q"], cwd=folder, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=TIMEOUT)
    lines = proc.stdout.strip().splitlines() or [""]
    failed = [line.split(": ", 1)[1].split(" ")[0] for line in lines
              if line.startswith(("FAIL: ", "ERROR: "))]
    detail = failed[0] if failed else lines[-1]
    if len(failed) > 1:
        detail += " +{}".format(len(failed) - 1)
    return proc.returncode, time.monotonic() - started, detail


def run_mutant(mutant: Optional[Mutant]) -> Outcome:
    """Apply mutant (None: no change) to a fresh copy and run the suite."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as folder:
        copy_module(folder)
        if mutant is not None:
            path = os.path.join(folder, mutant.file)
            with open(path) as handle:
                source = handle.read()
            for old, new in mutant.edits:
                source = source.replace(old, new, 1)
            with open(path, "w") as handle:
                handle.write(source)
        started = time.monotonic()
        try:
            status, seconds, tail = run_suite(folder)
        except subprocess.TimeoutExpired:
            return Outcome(mutant, "killed (timeout)",
                           time.monotonic() - started, "")
    return Outcome(mutant, "SURVIVED" if status == 0 else "killed",
                   seconds, tail)


def score(mutants: Sequence[Mutant], jobs: int = 2) -> Dict:
    """Run the baseline, then every mutant; return a summary dict.

    Keys: ``baseline`` (the unmutated Outcome), ``outcomes`` (one per
    mutant, in order), ``killed`` and ``total``.
    """
    baseline = run_mutant(None)
    outcomes: List[Outcome] = []
    if baseline.status == "SURVIVED":  # the clean copy passes: go on
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(run_mutant, mutants))
    killed = sum(1 for o in outcomes if o.status.startswith("killed"))
    return {"baseline": baseline, "outcomes": outcomes, "killed": killed,
            "total": len(mutants)}


def print_table(result: Dict) -> None:
    """Print one row per mutant and the score line."""
    width = max(len(o.mutant.id) for o in result["outcomes"])
    print("{:<{w}}  {:<9}  {:<8}  {}".format(
        "mutant", "file", "result", "first failing test (+ others)",
        w=width))
    for outcome in result["outcomes"]:
        print("{:<{w}}  {:<9}  {:<8}  {}".format(
            outcome.mutant.id, outcome.mutant.file,
            outcome.status.split()[0], outcome.detail or outcome.status,
            w=width))
    print("mutation score: {}/{} killed ({:.1f}%)".format(
        result["killed"], result["total"],
        100.0 * result["killed"] / max(1, result["total"])))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Parse argv, run the selected mutants and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true",
                        help="list the mutants and exit")
    parser.add_argument("-k", metavar="TEXT", default="",
                        help="only mutants whose id contains TEXT")
    parser.add_argument("-j", "--jobs", type=int, default=2,
                        help="suites run at once (default 2)")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if args.k in m.id]
    if args.list:
        for mutant in mutants:
            print("{:<28} {:<9} {}".format(mutant.id, mutant.file,
                                           mutant.bug))
        return 0
    problems = check_applies(mutants)
    if problems:
        print("mutants that no longer apply:", *problems, sep="\n  ")
        return 2
    if not mutants:
        print("no mutant id contains {!r}".format(args.k))
        return 2
    result = score(mutants, args.jobs)
    baseline = result["baseline"]
    if baseline.status != "SURVIVED":
        print("the unmutated suite fails ({}); fix it first"
              .format(baseline.detail))
        return 1
    print("baseline: unmutated suite passes in {:.2f}s ({})".format(
        baseline.seconds, baseline.detail))
    print_table(result)
    return 0 if result["killed"] == result["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
