#!/usr/bin/env python3
"""Run every module's test suite from inside its folder and summarise.

Each module runs in its own subprocess, in order, whatever happened to the
previous one.  The output of a suite is kept in .ci/logs/<name>.log; a failing
suite's failure report is printed, and every skipped test is listed with its
reason.  The last line is ``N passed, M failed`` (``, K skipped`` when there
are skips), and the exit status is non-zero when anything failed.

Usage: run_tests.py [--postgres URL] [MODULE ...]
"""
import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".ci" / "logs"
PYTHON = sys.executable

UNITTEST = [PYTHON, "-m", "unittest", "-v"]
DJANGO = [PYTHON, "manage.py", "test", "-v", "2", "--noinput"]

MODULES = ROOT / ".ci" / "modules"
COMMANDS = {"plain": UNITTEST, "django": DJANGO}


def read_suites(path: Path = MODULES) -> list:
    """Return (row name, folder, command, extra environment) per module.

    ``path`` holds one ``folder kind`` pair per line (``#`` starts a
    comment); an unknown kind raises SystemExit naming the line.
    """
    suites = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2 or fields[1] not in COMMANDS:
            raise SystemExit(f"{path}:{number}: expected 'folder kind' with "
                             f"kind one of {sorted(COMMANDS)}, got {line!r}")
        suites.append((fields[0], fields[0], COMMANDS[fields[1]], {}))
    return suites


SUITES = read_suites()

RAN = re.compile(r"^Ran (\d+) tests? in ([\d.]+)s$", re.M)
STATUS = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$", re.M)
# "test_x (mod.Class.test_x) ... skipped 'why'"; with -v a docstring's first
# line may sit between the test id and the verdict.
SKIP_LINE = re.compile(
    r"^\w+ \(([\w.]+)\)\n?.*? \.\.\. skipped (.*)$", re.M)


@dataclass
class Result:
    """What one suite reported."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    skips: list = field(default_factory=list)
    note: str = ""


def parse(name: str, output: str, returncode: int, seconds: float) -> Result:
    """Turn a unittest-style report into counts.

    A suite that crashed before reporting (import error, missing database)
    counts as one failure, so it can never pass silently.
    """
    result = Result(name, seconds=seconds)
    ran = RAN.findall(output)
    status = STATUS.findall(output)
    if not ran or not status:
        result.failed = 1
        result.note = f"no test report (exit {returncode})"
        return result
    total = int(ran[-1][0])
    counts = {}
    for part in filter(None, (p.strip() for p in status[-1][1].split(","))):
        key, _, value = part.partition("=")
        counts[key.strip()] = int(value)
    result.failed = (counts.get("failures", 0) + counts.get("errors", 0)
                     + counts.get("unexpected successes", 0))
    result.skipped = counts.get("skipped", 0)
    # Failing subtests are counted per subtest, so clamp at zero.
    result.passed = max(0, total - result.failed - result.skipped)
    result.skips = SKIP_LINE.findall(output)
    if returncode != 0 and result.failed == 0:
        result.failed = 1
        result.note = f"exit status {returncode}"
    return result


def run_suite(name: str, folder: str, command: list, env: dict) -> Result:
    """Run one suite, stream nothing, keep its log, and return its counts."""
    cwd = ROOT / folder
    if not cwd.is_dir():
        return Result(name, failed=1, note=f"folder {folder}/ is missing")
    started = time.monotonic()
    proc = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seconds = time.monotonic() - started
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / (re.sub(r"\W+", "_", name).strip("_") + ".log")
    log.write_text(proc.stdout)
    result = parse(name, proc.stdout, proc.returncode, seconds)
    if result.failed:
        print(f"\n----- {name}: failures (full log: {log.relative_to(ROOT)})")
        output = proc.stdout
        first = output.find("\n======")
        print(output[first:] if first >= 0 else output[-6000:])
    return result


def main() -> int:
    """Run the selected suites, print the table and the closing line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*",
                        help="folders to test (default: every module "
                        "in .ci/modules)")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run messaging_app with DATABASE_URL=URL")
    args = parser.parse_args()

    suites = [s for s in SUITES if not args.modules or s[1] in args.modules]
    if args.postgres:
        suites.append(("messaging_app (postgres)", "messaging_app", DJANGO,
                       {"DATABASE_URL": args.postgres}))

    results = []
    for name, folder, command, env in suites:
        print(f"== {name}", flush=True)
        result = run_suite(name, folder, command, env)
        print(f"   {result.passed} passed, {result.failed} failed, "
              f"{result.skipped} skipped in {result.seconds:.1f}s"
              f"{'  (' + result.note + ')' if result.note else ''}",
              flush=True)
        results.append(result)

    skips = [(r.name, test, why) for r in results for test, why in r.skips]
    if skips:
        print("\nSkipped tests:")
        for module, test, why in skips:
            print(f"  {module}: {test}: {why}")

    width = max(len(r.name) for r in results)
    print(f"\n{'module':<{width}}  {'passed':>6}  {'failed':>6}  "
          f"{'skipped':>7}  {'seconds':>7}")
    for r in results:
        print(f"{r.name:<{width}}  {r.passed:>6}  {r.failed:>6}  "
              f"{r.skipped:>7}  {r.seconds:>7.1f}")
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results)
    skipped = sum(r.skipped for r in results)
    print()
    print(f"{passed} passed, {failed} failed"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
