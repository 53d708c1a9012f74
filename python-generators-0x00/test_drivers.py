#!/usr/bin/env python3
"""Each driver script, run as a subprocess from the module folder."""
import ast
import os
import re
import subprocess
import sys
import unittest
from typing import List

from prodev_testing import (HERE, TEST_DATABASE, MySQLBackend,
                            SQLiteBackend, csv_users, quiet, require_mysql)

KEYS = ["user_id", "name", "email", "age"]


def run(script: str, *args: str, env: dict = None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``script`` with the venv's python, cwd the module folder."""
    return subprocess.run([sys.executable, script, *args], cwd=HERE,
                          env=env, capture_output=True, text=True,
                          timeout=timeout)


class DriverChecks:
    """Driver outputs, the same on both backends."""

    @classmethod
    def setUpClass(cls) -> None:
        """Seed once (0-main.py reseeds idempotently)."""
        super().setUpClass()
        cls.seeded()
        cls.expected = sorted(csv_users())

    def run_ok(self, script: str) -> List[str]:
        """Run a driver; it must succeed with an empty stderr."""
        done = run(script, env=self.child_env())
        self.assertEqual(done.stderr, "", f"{script} wrote to stderr")
        self.assertEqual(done.returncode, 0)
        return done.stdout.splitlines()

    def users(self, lines: List[str]) -> List[dict]:
        """Parse one printed dict per line and check its shape."""
        users = [ast.literal_eval(line) for line in lines]
        for user in users:
            self.assertEqual(list(user), KEYS)
            self.assertIs(type(user["age"]), int)
        return users

    def test_0_main_seeds_and_prints_five_rows(self) -> None:
        """0-main.py prints the SPEC lines and five tuples with int ages."""
        lines = self.run_ok("0-main.py")
        name = os.environ["MYSQL_DATABASE"]
        self.assertEqual(lines[:3], [
            "connection successful",
            "Table user_data created successfully",
            f"Database {name} is present ",
        ])
        rows = ast.literal_eval(lines[3])
        self.assertEqual(len(rows), 5)
        for row in rows:
            self.assertEqual(len(row), 4)
            self.assertIs(type(row[3]), int)
        self.assertEqual(len(lines), 4)
        self.assertEqual(self.count(), 1000)

    def test_1_main_prints_six_users(self) -> None:
        """1-main.py prints the first six users."""
        self.assertEqual(len(self.users(self.run_ok("1-main.py"))), 6)

    def test_2_main_prints_users_over_25(self) -> None:
        """2-main.py prints exactly the users older than 25."""
        users = self.users(self.run_ok("2-main.py"))
        self.assertEqual(sorted((u["name"], u["email"], u["age"])
                                for u in users),
                         [u for u in self.expected if u[2] > 25])

    def test_2_main_into_a_closed_pipe_is_quiet(self) -> None:
        """./2-main.py | head -n 5 ends without a traceback."""
        proc = subprocess.Popen([sys.executable, "2-main.py"], cwd=HERE,
                                env=self.child_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        head = [proc.stdout.readline() for _ in range(5)]
        proc.stdout.close()
        _, err = proc.communicate(timeout=60)
        self.assertEqual(len(self.users(head)), 5)
        self.assertEqual(err, "")

    def test_3_main_prints_every_user_once(self) -> None:
        """3-main.py pages through all 1000 users."""
        users = self.users(self.run_ok("3-main.py"))
        self.assertEqual(len({u["user_id"] for u in users}), 1000)

    def test_4_main_and_4_stream_ages_print_the_average(self) -> None:
        """Both print the exact mean in the SPEC line."""
        ages = [age for _, _, age in self.expected]
        line = f"Average age of users: {sum(ages) / len(ages)}"
        self.assertEqual(self.run_ok("4-main.py"), [line])
        self.assertEqual(self.run_ok("4-stream_ages.py"), [line])

    def run_5_main(self) -> List[str]:
        """Run the live demo quickly; return its output lines.

        It ends when the fifth user arrives; the idle timeout only bounds
        a run whose writer is slow to start on a busy machine.
        """
        done = run("5-main.py", env=self.child_env(LIVE_INTERVAL="0.05",
                                                   LIVE_IDLE="10"))
        self.assertEqual((done.stderr, done.returncode), ("", 0))
        return done.stdout.splitlines()

    def test_5_main_follows_live_inserts(self) -> None:
        """5-main.py streams the rows another process inserts."""
        lines = self.run_5_main()
        self.assertEqual(len(lines), 6)
        for number, line in enumerate(lines[:5], 1):
            self.assertTrue(line.startswith(f"new user {number}: {{"), line)
        self.assertEqual(lines[-1],
                         "followed 5 new users; writer exited with 0")

    def test_5_main_leaves_the_table_as_it_found_it(self) -> None:
        """Run twice, the demo changes neither the rows nor 4-main.py."""
        table = "SELECT * FROM user_data ORDER BY user_id"
        before = (self.query(table), self.run_ok("4-main.py"))
        self.run_5_main()
        self.run_5_main()
        self.assertEqual((self.query(table), self.run_ok("4-main.py")),
                         before)

    def test_curriculum_style_callers(self) -> None:
        """The official drivers' call shapes work unchanged."""
        snippets = {
            # official 1-main.py calls the module object itself
            "from itertools import islice\n"
            "stream_users = __import__('0-stream_users')\n"
            "for user in islice(stream_users(), 6):\n"
            "    print(user)\n": 6,
            # official 3-main.py imports lazy_pagination
            "lazy_paginator = __import__('2-lazy_paginate').lazy_pagination\n"
            "for page in lazy_paginator(100):\n"
            "    for user in page:\n"
            "        print(user)\n": 1000,
            "processing = __import__('1-batch_processing')\n"
            "processing.batch_processing(50)\n": None,
        }
        over_25 = sum(1 for u in self.expected if u[2] > 25)
        for code, lines in snippets.items():
            with self.subTest(code=code.splitlines()[0]):
                done = run("-c", code, env=self.child_env())
                self.assertEqual((done.stderr, done.returncode), ("", 0))
                users = self.users(done.stdout.splitlines())
                self.assertEqual(len(users), lines or over_25)

    def test_seed_script_says_which_driver_ran(self) -> None:
        """./seed.py prints the table line and a summary naming the driver."""
        lines = self.run_ok("seed.py")
        self.assertEqual(lines[0], "Table user_data created successfully")
        self.assertRegex(lines[1], r"^Read 1,000 rows from .*user_data\.csv "
                                   rf"into {re.escape(TEST_DATABASE)} \(")
        self.assertIn(self.driver_hint, lines[1])

    def test_seed_script_reports_inserted_and_present_rows(self) -> None:
        """The summary counts rows read, inserted and already present."""
        env = self.scratch_env()
        first, second = (run("seed.py", env=env) for _ in range(2))
        self.assertEqual((first.returncode, first.stderr), (0, ""))
        self.assertTrue(first.stdout.splitlines()[1].endswith(
            ": 1,000 inserted, 0 already present"), first.stdout)
        self.assertTrue(second.stdout.splitlines()[1].endswith(
            ": 0 inserted, 1,000 already present"), second.stdout)

    def test_seed_script_help_exits_0_and_touches_nothing(self) -> None:
        """./seed.py --help prints usage, exits 0, creates nothing."""
        done = run("seed.py", "--help", env=self.scratch_env())
        self.assertEqual((done.returncode, done.stderr), (0, ""))
        self.assertTrue(done.stdout.startswith("usage: seed.py"), done.stdout)
        self.assertFalse(self.scratch_exists())

    def test_seed_script_refuses_bad_arguments_first(self) -> None:
        """Unknown options or two files: usage error 2, nothing created."""
        env = self.scratch_env()
        for args in (["--bogus"], ["user_data.csv", "user_data.csv"]):
            with self.subTest(args=args):
                done = run("seed.py", *args, env=env)
                self.assertEqual((done.returncode, done.stdout), (2, ""))
                self.assertIn("usage: seed.py", done.stderr)
        self.assertFalse(self.scratch_exists())

    def test_seed_script_checks_the_whole_csv_first(self) -> None:
        """A bad last row or a missing file: one line, nothing created."""
        bad = HERE / "bench" / "data" / f"late-{os.getpid()}.csv"
        bad.parent.mkdir(parents=True, exist_ok=True)
        self.addCleanup(bad.unlink)
        bad.write_text('"name","email","age"\n"A","a@example.com","30"\n'
                       '"B","b.example.com","40"\n')
        env = self.scratch_env()
        for path, expected in ((bad, "line 3, field 'email'"),
                               (bad.with_name("missing.csv"), "missing.csv")):
            with self.subTest(path=path.name):
                done = run("seed.py", str(path), env=env)
                self.assertEqual((done.returncode, done.stdout), (1, ""))
                self.assertEqual(len(done.stderr.splitlines()), 1)
                self.assertIn(expected, done.stderr)
        self.assertFalse(self.scratch_exists())

    def test_seed_script_reports_a_bad_csv_in_one_line(self) -> None:
        """./seed.py bad.csv: exit 1 and one line naming line and field."""
        bad = HERE / "bench" / "data" / f"bad-{os.getpid()}.csv"
        bad.parent.mkdir(parents=True, exist_ok=True)
        self.addCleanup(bad.unlink)
        bad.write_text('"name","email","age"\n"A","a@example.com","x"\n')
        with quiet():
            done = run("seed.py", str(bad), env=self.child_env())
        self.assertEqual(done.returncode, 1)
        self.assertEqual(len(done.stderr.splitlines()), 1)
        self.assertIn("line 2, field 'age'", done.stderr)


class TestDriversMySQL(DriverChecks, MySQLBackend):
    """Drivers against MariaDB/MySQL."""

    driver_hint = "(C extension)"


class TestDriversSQLite(DriverChecks, SQLiteBackend):
    """Drivers against the embedded SQLite backend."""

    driver_hint = "sqlite3"


class TestDriversWithoutServer(unittest.TestCase):
    """Every driver fails with one clear line when MySQL is unreachable."""

    def test_each_driver_prints_one_line_and_exits_1(self) -> None:
        """No traceback: one 'Error: Cannot reach MySQL' line, exit 1."""
        env = dict(os.environ, PRODEV_BACKEND="mysql", MYSQL_HOST="127.0.0.1",
                   MYSQL_PORT="1", MYSQL_DATABASE=TEST_DATABASE)
        for script in ("0-main.py", "1-main.py", "2-main.py", "3-main.py",
                       "4-main.py", "4-stream_ages.py", "5-main.py",
                       "seed.py"):
            with self.subTest(script=script):
                done = run(script, env=env)
                self.assertEqual(done.returncode, 1)
                lines = done.stderr.splitlines()
                self.assertEqual(len(lines), 1, done.stderr)
                self.assertRegex(lines[0], r"^Error: Cannot reach MySQL at "
                                           r"127\.0\.0\.1:1 \(.*\); set ")

    def test_bad_credentials_name_the_variables(self) -> None:
        """A refused login says which variables to set."""
        env = dict(os.environ, PRODEV_BACKEND="mysql",
                   MYSQL_USER="no_such_user_prodev", MYSQL_PASSWORD="x")
        done = run("1-main.py", env=env)
        if "Cannot reach" in done.stderr and not require_mysql():
            self.skipTest("MySQL not reachable: " + done.stderr.strip())
        self.assertEqual(done.returncode, 1)
        self.assertEqual(len(done.stderr.splitlines()), 1)
        self.assertIn("set MYSQL_USER and MYSQL_PASSWORD", done.stderr)


if __name__ == "__main__":
    unittest.main()
