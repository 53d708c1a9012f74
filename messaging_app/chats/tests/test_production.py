"""Settings as production gets them: the environment, a .env file, refusals at start."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

MODULE_DIR = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3Y-" + "x7Qp9Lm2Zr8Vt4Nb6Wc1Hd5Fg0Js3Ka" * 2


def run_django(code: str = "print('started')", argv=("manage.py",), **env):
    """Set Django up in a fresh process with only the given DJANGO_* variables.

    ``code`` runs after setup; ``argv`` is what settings.py sees in sys.argv.
    The developer's .env file is ignored unless DJANGO_ENV_FILE is given.
    """
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("DJANGO_") and k not in ("REDIS_URL", "DATABASE_URL")}
    script = (f"import sys; sys.argv = {list(argv)!r}; import django; django.setup(); "
              f"{code}")
    return subprocess.run(
        [sys.executable, "-c", script], cwd=MODULE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "messaging_app.settings",
             "DJANGO_ENV_FILE": "", **env},
        capture_output=True, text=True, timeout=60)


class EnvFileTests(SimpleTestCase):
    def write_env(self, text: str) -> str:
        handle = tempfile.NamedTemporaryFile("w", suffix=".env", delete=False)
        handle.write(text)
        handle.close()
        self.addCleanup(os.unlink, handle.name)
        return handle.name

    def test_env_file_supplies_missing_variables(self):
        path = self.write_env(f"DJANGO_SECRET_KEY={STRONG_KEY}\n"
                              "DJANGO_ALLOWED_HOSTS=chat.example.com\n")
        result = run_django("from django.conf import settings; print(settings.ALLOWED_HOSTS)",
                            DJANGO_ENV_FILE=path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("chat.example.com", result.stdout)

    def test_the_environment_wins_over_the_env_file(self):
        path = self.write_env(f"DJANGO_SECRET_KEY={STRONG_KEY}\n"
                              "DJANGO_ALLOWED_HOSTS=from-file.example.com\n")
        result = run_django("from django.conf import settings; print(settings.ALLOWED_HOSTS)",
                            DJANGO_ENV_FILE=path, DJANGO_ALLOWED_HOSTS="from-env.example.com")
        self.assertIn("from-env.example.com", result.stdout, result.stderr)
