#!/usr/bin/env python3
"""Measure line and branch coverage of utils.py and client.py by the suite.

Runs the whole unittest suite in this process under coverage.py (branch
measurement on, no data file written), prints coverage's report with the
missing lines, and fails unless both files are fully covered.

Usage, from the module folder:

    python3 tools/coverage_report.py          # report; exit 1 below 100%
    python3 tools/coverage_report.py --json   # one JSON summary line

The same figures come from coverage's command line:

    python3 -m coverage run --branch --include=./utils.py,./client.py \\
        -m unittest && python3 -m coverage report -m
"""
import argparse
import io
import json
import os
import sys
import tempfile
import unittest
from typing import Dict, Optional, Sequence

import coverage

MODULE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEASURED = ["utils.py", "client.py"]


def measure() -> Dict:
    """Run the suite under coverage and return the figures.

    Keys: ``tests``, ``problems`` (failures + errors), ``files`` (per file:
    statements, missing lines, branches, partial branches, percent) and
    ``percent`` (all measured files, lines and branches together).
    """
    for name in ("utils", "client"):
        if name in sys.modules:
            raise RuntimeError("{} is already imported; run this in a fresh "
                               "interpreter".format(name))
    paths = [os.path.join(MODULE_DIR, name) for name in MEASURED]
    cov = coverage.Coverage(branch=True, data_file=None, include=paths)
    cov.start()
    try:
        suite = unittest.defaultTestLoader.discover(
            MODULE_DIR, top_level_dir=MODULE_DIR)
        result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
    finally:
        cov.stop()
    with tempfile.TemporaryDirectory() as folder:
        report_path = os.path.join(folder, "coverage.json")
        cov.json_report(outfile=report_path)
        with open(report_path) as handle:
            data = json.load(handle)
    files = {}
    for path, info in data["files"].items():
        summary = info["summary"]
        files[os.path.basename(path)] = {
            "statements": summary["num_statements"],
            "missing_lines": info["missing_lines"],
            "branches": summary["num_branches"],
            "partial_branches": summary["num_partial_branches"],
            "missing_branches": summary["missing_branches"],
            "percent": summary["percent_covered"],
        }
    return {
        "tests": result.testsRun,
        "problems": len(result.failures) + len(result.errors),
        "files": files,
        "percent": data["totals"]["percent_covered"],
        "_cov": cov,
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure, print the report (or JSON) and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary line instead")
    args = parser.parse_args(argv)
    figures = measure()
    cov = figures.pop("_cov")
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    else:
        cov.report(show_missing=True, file=sys.stdout)
        print("{} tests, {} failed; line+branch coverage of {}: {:.1f}%"
              .format(figures["tests"], figures["problems"],
                      " and ".join(MEASURED), figures["percent"]))
    full = figures["percent"] == 100.0 and len(figures["files"]) == 2
    return 0 if full and not figures["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
