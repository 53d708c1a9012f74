"""The shape of ``chats/``: the curriculum's files and the domain at the
top, concerns in sub-packages, imports flowing one way.

Reads source files only (the import statements, wherever they stand).
"""
import ast
from pathlib import Path

from django.test import SimpleTestCase

APP = Path(__file__).resolve().parent.parent
SKIPPED = {"tests", "migrations"}
# Modules that sub-packages must not import: they sit above every concern.
TOP_ONLY = {"chats.views", "chats.serializers"}
MAX_TOP_MODULES = 16


def app_modules() -> dict:
    """Dotted name -> path of every module of the app (tests and migrations aside)."""
    modules = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP).with_suffix("").parts
        if SKIPPED & set(parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(("chats", *parts))] = path
    return modules


def imports_of(name: str, path: Path, modules: dict) -> set:
    """The app's modules that module ``name`` (at path) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            if target in modules and target != name:
                found.add(target)
    # "from .x import y" names the package x too; keep it only when y is not a module.
    return {t for t in found if not any(o.startswith(t + ".") for o in found)} | {
        t for t in found if t in TOP_ONLY}


def import_graph() -> dict:
    modules = app_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict):
    """A list of modules importing each other in a loop, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, [*trail, nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


class LayoutTests(SimpleTestCase):
    def test_the_graph_sees_the_imports(self):
        graph = import_graph()
        self.assertIn("chats.services", graph["chats.views"])
        self.assertIn("chats.accounts.serializers", graph["chats.serializers"])
        self.assertIn("chats.realtime.events", graph["chats.services"])

    def test_finds_a_cycle_when_there_is_one(self):
        self.assertEqual(find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])
        self.assertIsNone(find_cycle({"a": {"b"}, "b": set()}))

    def test_no_import_cycles(self):
        self.assertIsNone(find_cycle(import_graph()))

    def test_sub_packages_do_not_import_views_or_serializers(self):
        upward = sorted(f"{name} -> {target}" for name, targets in import_graph().items()
                        if name.count(".") > 1 for target in targets & TOP_ONLY)
        self.assertEqual(upward, [])

    def test_top_level_holds_at_most_16_modules(self):
        top = sorted(path.name for path in APP.glob("*.py"))
        self.assertLessEqual(len(top), MAX_TOP_MODULES, top)
