#!/usr/bin/env python3
"""Static contract checks: the CSV, loop budgets, literals, compat names.

None of these need a database.
"""
import ast
import csv
import inspect
import io
import subprocess
import sys
import types
import unittest
import uuid

import make_csv
from prodev_testing import CSV_PATH, HERE, load_task

# The curriculum's def lines, exactly as checkers grep them: no
# annotations, no added defaults.
DEF_LINES = {
    "seed.py": ["def connect_db():", "def create_database(connection):",
                "def connect_to_prodev():", "def create_table(connection):",
                "def insert_data(connection, data):"],
    "0-stream_users.py": ["def stream_users():"],
    "1-batch_processing.py": ["def stream_users_in_batches(batch_size):",
                              "def batch_processing(batch_size):"],
    "2-lazy_paginate.py": ["def paginate_users(page_size, offset):",
                           "def lazy_paginate(page_size):"],
    "4-stream_ages.py": ["def stream_user_ages():",
                         "def calculate_average_age():"],
}
# Functions the curriculum calls generators.
GENERATORS = {
    "0-stream_users": ["stream_users"],
    "1-batch_processing": ["stream_users_in_batches"],
    "2-lazy_paginate": ["lazy_paginate"],
    "4-stream_ages": ["stream_user_ages"],
}

# file -> (at most, at least) loops: every for/while and comprehension.
LOOP_BUDGETS = {
    "0-stream_users.py": (1, 0),
    "1-batch_processing.py": (3, 0),
    "2-lazy_paginate.py": (1, 1),
    "4-stream_ages.py": (2, 0),
}
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp,
              ast.DictComp, ast.GeneratorExp)


def count_loops(source: str) -> int:
    """Count loops and comprehensions in Python source."""
    return sum(isinstance(node, LOOP_NODES)
               for node in ast.walk(ast.parse(source)))


class TestUserDataCsv(unittest.TestCase):
    """user_data.csv has the canonical shape and is reproducible."""

    @classmethod
    def setUpClass(cls) -> None:
        """Read the committed file once, as bytes."""
        cls.raw = CSV_PATH.read_bytes()

    def test_header_is_quoted_and_lines_end_with_lf(self) -> None:
        """The header is "name","email","age" and there is no CR."""
        self.assertTrue(self.raw.startswith(b'"name","email","age"\n'))
        self.assertNotIn(b"\r", self.raw)

    def test_has_1000_rows_every_field_quoted(self) -> None:
        """1000 data rows, each with three double-quoted fields."""
        lines = self.raw.decode("utf-8").splitlines()
        self.assertEqual(len(lines), 1001)
        for line in lines[1:]:
            self.assertRegex(line, r'^"[^"]+","[^"]+","\d+"$')

    def test_emails_unique_and_ages_whole_numbers_1_to_120(self) -> None:
        """Emails are unique, ages are integers from 1 to 120."""
        rows = list(csv.DictReader(io.StringIO(self.raw.decode("utf-8"))))
        self.assertEqual(len({r["email"] for r in rows}), len(rows))
        ages = [int(r["age"]) for r in rows]
        self.assertGreaterEqual(min(ages), 1)
        self.assertLessEqual(max(ages), 120)

    def test_make_csv_rebuilds_the_committed_file(self) -> None:
        """The generator script writes exactly the committed bytes."""
        out = io.StringIO(newline="")
        make_csv.write_csv(out, 1000)
        self.assertEqual(out.getvalue().encode("utf-8"), self.raw)

    def test_make_csv_streams_rows(self) -> None:
        """make_csv.rows() is lazy, so a million rows need no list."""
        rows = make_csv.rows(1_000_000)
        self.assertIsInstance(rows, types.GeneratorType)
        self.assertEqual(len(next(rows)), 3)

    def test_make_csv_emails_stay_unique_when_large(self) -> None:
        """Emails stay unique over 20000 rows (the row number is in them)."""
        emails = [email for _, email, _ in make_csv.rows(20_000)]
        self.assertEqual(len(set(emails)), 20_000)


class TestSeedHelpers(unittest.TestCase):
    """Pieces of seed.py that need no database."""

    def test_new_ids_are_increasing_version_7_uuids(self) -> None:
        """Ids are valid RFC 9562 v7 UUIDs, unique and increasing."""
        seed = load_task("seed")
        ids = [seed.new_user_id() for _ in range(20_000)]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), len(ids))
        parsed = uuid.UUID(ids[-1])
        self.assertEqual((parsed.version, parsed.variant),
                         (7, uuid.RFC_4122))
        self.assertEqual(str(parsed), ids[-1])

    def test_age_must_be_plain_digits(self) -> None:
        """'6_0', ' 1e2', '²' and '4.5' are refused, ' 42 ' is accepted."""
        seed = load_task("seed")
        columns = ["name", "email", "age"]
        for bad in ("6_0", "1e2", "\u00b2", "4.5", "+"):
            with self.subTest(age=bad):
                with self.assertRaisesRegex(seed.CSVFormatError,
                                            "field 'age'"):
                    seed._row("f.csv", 2, columns, ["A", "a@b.c", bad])
        row = seed._row("f.csv", 2, columns, ["A", "a@b.c", " 42 "])
        self.assertEqual(row[1:], ("A", "a@b.c", 42))


class TestLoopBudgets(unittest.TestCase):
    """Each task file stays within its loop budget, counted with ast."""

    def test_loop_budgets(self) -> None:
        """Count for/while/comprehensions per file against the budget."""
        for name, (most, least) in LOOP_BUDGETS.items():
            with self.subTest(file=name):
                loops = count_loops((HERE / name).read_text())
                self.assertLessEqual(loops, most)
                self.assertGreaterEqual(loops, least)

    def test_counter_counts_comprehensions(self) -> None:
        """The counter itself sees loops of every kind."""
        source = ("for a in b:\n    pass\nwhile x:\n    pass\n"
                  "y = [i for i in z]\nw = {i: 1 for i in z}\n"
                  "v = (i for i in z)\n")
        self.assertEqual(count_loops(source), 5)

    def test_batch_file_contains_yield_and_return(self) -> None:
        """1-batch_processing.py uses both yield and return."""
        tree = ast.parse((HERE / "1-batch_processing.py").read_text())
        kinds = {type(node) for node in ast.walk(tree)}
        self.assertIn(ast.Yield, kinds)
        self.assertIn(ast.Return, kinds)


class TestLiteralsAndNames(unittest.TestCase):
    """Literals that checkers grep for, and the compat names."""

    def test_def_lines_are_the_curriculums(self) -> None:
        """Each curriculum function's def line is there, word for word."""
        for name, lines in DEF_LINES.items():
            text = (HERE / name).read_text().splitlines()
            with self.subTest(file=name):
                self.assertEqual([line for line in lines
                                  if line not in text], [])

    def test_curriculum_generators_are_generator_functions(self) -> None:
        """Each function the curriculum calls a generator is one itself."""
        for task, names in GENERATORS.items():
            module = load_task(task)
            for name in names:
                with self.subTest(function=name):
                    self.assertTrue(inspect.isgeneratorfunction(
                        getattr(module, name)))

    def test_lazy_paginate_starts_with_seed_import(self) -> None:
        """2-lazy_paginate.py starts with seed = __import__('seed')."""
        text = (HERE / "2-lazy_paginate.py").read_text()
        self.assertTrue(text.startswith("seed = __import__('seed')\n"))
        self.assertIn("SELECT * FROM user_data LIMIT", text)

    def test_importing_leaves_the_exception_hook_alone(self) -> None:
        """No module installs a sys.excepthook when imported."""
        code = ("import sys; hook = sys.excepthook; import prodev_db, seed; "
                "[__import__(n) for n in ('0-stream_users', "
                "'1-batch_processing', '2-lazy_paginate', '4-stream_ages', "
                "'keyset_paginate', 'live_updates')]; "
                "print(sys.excepthook is hook)")
        done = subprocess.run([sys.executable, "-c", code], cwd=HERE,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual((done.stdout, done.stderr), ("True\n", ""))

    def test_no_package_init(self) -> None:
        """The folder is not a package (siblings import by bare name)."""
        self.assertFalse((HERE / "__init__.py").exists())

    def test_stream_users_module_is_callable(self) -> None:
        """(compat) Calling the 0-stream_users module gives a generator."""
        module = load_task("0-stream_users")
        self.assertTrue(callable(module))
        self.assertTrue(inspect.isgeneratorfunction(module.stream_users))

    def test_lazy_pagination_alias(self) -> None:
        """(compat) lazy_pagination is lazy_paginate."""
        module = load_task("2-lazy_paginate")
        self.assertIs(module.lazy_pagination, module.lazy_paginate)
        self.assertTrue(inspect.isgeneratorfunction(module.lazy_paginate))

    def test_average_aliases(self) -> None:
        """(compat) the average has its alias names."""
        module = load_task("4-stream_ages")
        self.assertIs(module.compute_average_age,
                      module.calculate_average_age)
        self.assertIs(module.calculate_avg_age, module.calculate_average_age)
        self.assertIs(module.avg_user_age, module.average_age)
        self.assertTrue(inspect.isgeneratorfunction(module.stream_user_ages))

    def test_sizes_are_checked_at_the_first_next(self) -> None:
        """A bad size raises ValueError at the first next(), naming it.

        The check runs before any connection: these cases need no server.
        """
        cases = (("1-batch_processing", "stream_users_in_batches",
                  "batch_size"),
                 ("2-lazy_paginate", "lazy_paginate", "page_size"))
        for task, function, argument in cases:
            generator_function = getattr(load_task(task), function)
            for bad in (0, -1, "10", 2.5, True, None):
                with self.subTest(function=function, size=bad):
                    stream = generator_function(bad)
                    with self.assertRaisesRegex(
                            ValueError, f"{argument} must be a positive "
                                        f"int, got {bad!r}"):
                        next(stream)


if __name__ == "__main__":
    unittest.main()
