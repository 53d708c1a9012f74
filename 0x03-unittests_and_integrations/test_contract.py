#!/usr/bin/env python3
"""Tests for the module's house rules and the fixtures' shape.

The ALX checkers read the files themselves: each starts with a shebang, is
executable, has a docstring on every module, class and function, annotates
every function, and parses as Python 3.7.  (pycodestyle itself runs in
``make lint``; it would triple the suite's time here.)  The fixtures
must hold the nine google repositories in the order and with the licenses
the SPEC lists.
"""
import ast
import functools
import glob
import os
import stat
import sys
import unittest
from typing import Iterator, List, Tuple

import fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = sorted(
    glob.glob(os.path.join(HERE, "*.py"))
    + glob.glob(os.path.join(HERE, "tools", "*.py"))
    + glob.glob(os.path.join(HERE, "bench", "*.py")))
# Subscripting these in an annotation fails at import time before 3.9.
BUILTIN_GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}


@functools.lru_cache(maxsize=None)
def parsed() -> Tuple[Tuple[str, str, ast.Module], ...]:
    """Return (relative path, source, syntax tree) for every Python file.

    Parsing with feature_version=(3, 7) rejects 3.8+ grammar (the walrus,
    positional-only parameters, match statements).
    """
    # On 3.7 itself ast.parse has no feature_version: its grammar is 3.7's.
    grammar = {"feature_version": (3, 7)} if sys.version_info >= (3, 8) \
        else {}
    trees = []
    for path in SOURCES:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        trees.append((os.path.relpath(path, HERE), source,
                      ast.parse(source, path, **grammar)))
    return tuple(trees)


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef]:
    """Yield every function definition in tree, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


class TestHouseRules(unittest.TestCase):
    """Every Python file follows the rules the checkers enforce."""

    def test_sources_were_found(self) -> None:
        """The file list includes the contract's files."""
        names = {os.path.basename(path) for path in SOURCES}
        self.assertLessEqual({"utils.py", "client.py", "fixtures.py",
                              "test_utils.py", "test_client.py"}, names)

    def test_shebang_newline_and_executable_bit(self) -> None:
        """Each file starts with the shebang, ends with a newline, runs."""
        for name, source, _ in parsed():
            with self.subTest(file=name):
                self.assertTrue(source.startswith("#!/usr/bin/env python3\n"))
                self.assertTrue(source.endswith("\n"))
                mode = os.stat(os.path.join(HERE, name)).st_mode
                self.assertTrue(mode & stat.S_IXUSR, "chmod +x " + name)

    def test_docstrings_are_sentences_everywhere(self) -> None:
        """Modules, classes and functions have docstrings ending in '.'."""
        missing: List[str] = []
        for name, _, tree in parsed():
            nodes = [tree] + [n for n in ast.walk(tree) if isinstance(
                n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
            for node in nodes:
                doc = ast.get_docstring(node)
                first = doc.strip().split("\n\n")[0] if doc else ""
                if not first.rstrip().endswith((".", ":", "?")):
                    missing.append("{}:{}".format(
                        name, getattr(node, "name", "<module>")))
        self.assertEqual(missing, [])

    def test_every_function_is_annotated(self) -> None:
        """Each parameter (but self and cls) and each return is annotated."""
        missing: List[str] = []
        for name, _, tree in parsed():
            for func in functions(tree):
                args = func.args
                params = args.args + args.kwonlyargs + [
                    a for a in (args.vararg, args.kwarg) if a is not None]
                bare = [a.arg for a in params if a.annotation is None
                        and a.arg not in ("self", "cls")]
                if bare or func.returns is None:
                    missing.append("{}:{}{}".format(name, func.name, bare))
        self.assertEqual(missing, [])

    def test_annotations_run_on_python_3_7(self) -> None:
        """No list[str]-style or X | Y annotations (they need 3.9/3.10)."""
        found: List[str] = []
        for name, _, tree in parsed():
            for func in functions(tree):
                notes = [a.annotation for a in func.args.args
                         + func.args.kwonlyargs] + [func.returns]
                for note in filter(None, notes):
                    for node in ast.walk(note):
                        if (isinstance(node, ast.Subscript)
                                and isinstance(node.value, ast.Name)
                                and node.value.id in BUILTIN_GENERICS) or \
                                isinstance(node, ast.BinOp):
                            found.append("{}:{}".format(name, func.name))
        self.assertEqual(found, [])


class TestFixtures(unittest.TestCase):
    """The fixtures hold the payloads the SPEC describes."""

    NAMES = ["episodes.dart", "cpp-netlib", "dagger",
             "ios-webkit-debug-proxy", "google.github.io", "kratu",
             "build-debian-cloud", "traceur-compiler", "firmata.py"]
    LICENSES = ["bsd-3-clause", "bsl-1.0", "apache-2.0", "other", None,
                "apache-2.0", "other", "apache-2.0", "apache-2.0"]

    def test_one_tuple_of_four(self) -> None:
        """TEST_PAYLOAD is a list holding one 4-tuple; compat names match."""
        self.assertEqual(len(fixtures.TEST_PAYLOAD), 1)
        self.assertEqual(len(fixtures.TEST_PAYLOAD[0]), 4)
        self.assertEqual(fixtures.TEST_PAYLOAD[0], (
            fixtures.org_payload, fixtures.repos_payload,
            fixtures.expected_repos, fixtures.apache2_repos))
        self.assertEqual(fixtures.org_payload["repos_url"],
                         "https://api.github.com/orgs/google/repos")

    def test_organisation_looks_like_githubs(self) -> None:
        """The org payload has the fields GET /orgs/google answers with."""
        org = fixtures.org_payload
        fields = {"login", "id", "node_id", "url", "repos_url",
                  "events_url", "hooks_url", "issues_url", "members_url",
                  "public_members_url", "avatar_url", "description", "name",
                  "blog", "html_url", "public_repos", "followers",
                  "created_at", "updated_at", "type"}
        self.assertLessEqual(fields, set(org))
        self.assertEqual(org["login"], "google")
        self.assertEqual(org["type"], "Organization")
        self.assertEqual(org["url"], "https://api.github.com/orgs/google")
        self.assertEqual(org["html_url"], "https://github.com/google")
        owner = fixtures.repos_payload[0]["owner"]
        self.assertEqual((org["id"], org["node_id"]),
                         (owner["id"], owner["node_id"]))

    def test_repositories_in_order_with_their_licenses(self) -> None:
        """Nine google repositories, SPEC order and license keys."""
        repos = fixtures.repos_payload
        self.assertEqual([r["name"] for r in repos], self.NAMES)
        self.assertEqual([r["license"] and r["license"]["key"]
                          for r in repos], self.LICENSES)
        self.assertEqual(fixtures.expected_repos, self.NAMES)
        self.assertEqual(fixtures.apache2_repos,
                         ["dagger", "kratu", "traceur-compiler",
                          "firmata.py"])

    def test_repositories_look_like_githubs(self) -> None:
        """Each object has GitHub's fields, consistent with its name."""
        fields = {"id", "node_id", "name", "full_name", "private", "owner",
                  "html_url", "description", "fork", "url", "created_at",
                  "updated_at", "language", "forks", "open_issues",
                  "watchers", "default_branch", "license"}
        ids = set()
        for repo in fixtures.repos_payload:
            with self.subTest(repo=repo["name"]):
                self.assertLessEqual(fields, set(repo))
                self.assertEqual(repo["full_name"], "google/" + repo["name"])
                self.assertEqual(repo["owner"]["login"], "google")
                self.assertEqual(repo["url"], "https://api.github.com/repos/"
                                 + repo["full_name"])
                self.assertFalse(repo["private"])
                ids.add(repo["id"])
                if repo["license"] is not None:
                    self.assertLessEqual(
                        {"key", "name", "spdx_id", "url", "node_id"},
                        set(repo["license"]))
        self.assertEqual(len(ids), 9)


if __name__ == "__main__":
    unittest.main()
