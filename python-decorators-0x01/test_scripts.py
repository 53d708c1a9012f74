#!/usr/bin/env python3
"""Run every task script in a fresh copy of the folder (no users.db).

Each script must build the database itself and print what the curriculum
says it prints.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import List, Tuple

import users_db

HERE = Path(__file__).resolve().parent
TASKS = ["0-log_queries.py", "1-with_db_connection.py", "2-transactional.py",
         "3-retry_on_failure.py", "4-cache_query.py"]


class TestTaskScripts(unittest.TestCase):
    """Each script, run as a subprocess from a fresh copy of the module."""

    def fresh_copy(self) -> Path:
        """Copy the committed kind of files (no .db, no caches) to tmp."""
        tmp = tempfile.TemporaryDirectory(prefix="decorators-clone-")
        self.addCleanup(tmp.cleanup)
        target = Path(tmp.name) / "python-decorators-0x01"
        shutil.copytree(HERE, target, ignore=shutil.ignore_patterns(
            "*.db", "*.db-journal", "__pycache__", "bench"))
        self.assertFalse((target / "users.db").exists())
        return target

    def run_script(self, folder: Path, script: str,
                   cwd: Path = None) -> Tuple[str, Path]:
        """Run ``script`` with ``cwd`` (default: the folder); return stdout."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("USERS_DB", "USERS_DB_TIMEOUT")}
        proc = subprocess.run([sys.executable, str(folder / script)],
                              cwd=cwd or folder, env=env, timeout=60,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        return proc.stdout, folder / "users.db"

    def expected_users(self) -> List[tuple]:
        return [tuple(row) for row in users_db.read_users()]

    def test_0_log_queries_prints_a_timestamped_sql_line(self) -> None:
        out, db = self.run_script(self.fresh_copy(), TASKS[0])
        self.assertRegex(out, r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] "
                              r"Executing SQL Query: SELECT \* FROM users\n$")
        self.assertTrue(db.exists())

    def test_1_with_db_connection_prints_user_1(self) -> None:
        out, _db = self.run_script(self.fresh_copy(), TASKS[1])
        self.assertEqual(out, f"{self.expected_users()[0]!r}\n")

    def test_2_transactional_sets_the_email(self) -> None:
        out, db = self.run_script(self.fresh_copy(), TASKS[2])
        self.assertEqual(out, "")
        conn = sqlite3.connect(db)
        try:
            self.assertEqual(conn.execute(
                "SELECT email FROM users WHERE id = 1").fetchone(),
                ("Crawford_Cartwright@hotmail.com",))
        finally:
            conn.close()

    def test_3_retry_on_failure_prints_all_users(self) -> None:
        out, _db = self.run_script(self.fresh_copy(), TASKS[3])
        self.assertEqual(out, f"{self.expected_users()!r}\n")

    def test_4_cache_query_runs_the_sql_once(self) -> None:
        out, _db = self.run_script(self.fresh_copy(), TASKS[4])
        count = len(self.expected_users())
        self.assertEqual(out.splitlines(), [
            f"1st call: {count} users, SQL statements run so far: 1",
            f"2nd call: {count} users, SQL statements run so far: 1",
            "CacheInfo(hits=1, misses=1, maxsize=256, currsize=1)"])

    def test_scripts_use_the_module_folder_from_any_cwd(self) -> None:
        folder = self.fresh_copy()
        elsewhere = folder.parent
        out, db = self.run_script(folder, TASKS[1], cwd=elsewhere)
        self.assertTrue(db.exists())
        self.assertFalse((elsewhere / "users.db").exists())
        self.assertIn("(1, ", out)

    def test_every_script_imports_cleanly_without_side_effects(self) -> None:
        folder = self.fresh_copy()
        code = ("import importlib, sys; sys.path.insert(0, '.');"
                + "".join(f"importlib.import_module({t[:-3]!r});"
                          for t in TASKS))
        proc = subprocess.run([sys.executable, "-c", code], cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr),
                         (0, "", ""))
        self.assertFalse((folder / "users.db").exists())

    def test_builder_script_reports_the_row_count(self) -> None:
        out, db = self.run_script(self.fresh_copy(), "users_db.py")
        self.assertTrue(re.fullmatch(
            rf"Built {re.escape(str(db))} with "
            rf"{len(self.expected_users())} users\n", out), out)


if __name__ == "__main__":
    unittest.main()
