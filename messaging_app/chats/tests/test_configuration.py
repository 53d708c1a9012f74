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


class StartupRefusalTests(SimpleTestCase):
    """Outside debug, a weak key or no host list stops the process with a
    message saying what to set."""

    def assertRefused(self, result, *words):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("ImproperlyConfigured", result.stderr)
        for word in words:
            self.assertIn(word, result.stderr)

    def test_weak_keys_are_refused_with_how_to_make_one(self):
        for key in ("short-key", "x" * 60, "django-insecure-" + STRONG_KEY):
            with self.subTest(key=key[:20]):
                self.assertRefused(run_django(DJANGO_SECRET_KEY=key,
                                              DJANGO_ALLOWED_HOSTS="chat.example.com"),
                                   "DJANGO_SECRET_KEY", "secrets.token_urlsafe")

    def test_a_strong_key_starts(self):
        result = run_django(DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="chat.example.com")
        self.assertIn("started", result.stdout, result.stderr)

    def test_no_allowed_hosts_outside_debug_is_refused(self):
        self.assertRefused(run_django(DJANGO_SECRET_KEY=STRONG_KEY), "DJANGO_ALLOWED_HOSTS")

    def test_the_debug_key_serves_loopback_only(self):
        key_file = os.path.join(tempfile.mkdtemp(), ".secret_key")
        self.addCleanup(os.unlink, key_file)
        self.assertIn("started", run_django(DJANGO_DEBUG="1",
                                            DJANGO_SECRET_KEY_FILE=key_file).stdout)
        self.assertIn("started", run_django(DJANGO_DEBUG="1", DJANGO_SECRET_KEY_FILE=key_file,
                                            DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1").stdout)
        self.assertRefused(run_django(DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="chat.example.com"),
                           "DJANGO_SECRET_KEY")


PRODUCTION = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "chat.example.com",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
    "DJANGO_SSL_REDIRECT": "1",
    "DJANGO_HSTS_SECONDS": "31536000",
    "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
    "DJANGO_NUM_PROXIES": "1",
}


class DeploySettingsTests(SimpleTestCase):
    def test_check_deploy_is_clean_with_the_documented_production_variables(self):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=MODULE_DIR, env={**clean, "DJANGO_ENV_FILE": "", **PRODUCTION},
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_tls_proxy_variables_reach_the_settings(self):
        code = ("from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, "
                "s.CSRF_TRUSTED_ORIGINS, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
                "s.SECURE_REDIRECT_EXEMPT)")
        result = run_django(code, **PRODUCTION)
        self.assertEqual(result.stdout.strip(),
                         "('HTTP_X_FORWARDED_PROTO', 'https') ['https://chat.example.com'] "
                         "31536000 True ['^healthz$', '^readyz$']", result.stderr)


class EnvExampleTests(SimpleTestCase):
    def test_env_example_lists_exactly_the_variables_settings_read(self):
        import re
        settings_text = (MODULE_DIR / "messaging_app" / "settings.py").read_text()
        read = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_text))
        read |= {f"DJANGO_THROTTLE_{name.upper()}"
                 for name in re.findall(r'rate_from_env\("(\w+)"', settings_text)}
        read |= {f"DJANGO_LOGIN_{name}"
                 for name in re.findall(r'_login_limit\("(\w+)"', settings_text)}
        read |= {"DATABASE_URL"}  # read by dj_database_url.config()
        read.discard("DJANGO_ENV_FILE")  # names the file itself; explained in its header
        listed = set(re.findall(r"^([A-Z_]+)=", (MODULE_DIR / ".env.example").read_text(),
                                re.M))
        self.assertEqual(listed, read)


class TestSettingsTests(SimpleTestCase):
    """``manage.py test`` runs with test_settings; settings.py has no test branches."""

    def test_the_suite_runs_with_the_test_settings_module(self):
        from django.conf import settings
        self.assertEqual(settings.SETTINGS_MODULE, "messaging_app.test_settings")
        self.assertEqual(settings.PASSWORD_HASHERS,
                         ["django.contrib.auth.hashers.MD5PasswordHasher"])

    def test_settings_py_does_not_look_at_the_command_line(self):
        settings_text = (MODULE_DIR / "messaging_app" / "settings.py").read_text()
        self.assertNotIn("sys.argv", settings_text)
        self.assertNotIn("TESTING", settings_text)


class ServeCommandTests(SimpleTestCase):
    def test_serve_raises_the_open_files_limit_and_runs_a_process_per_core(self):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard <= 256:
            self.skipTest(f"the hard open-files limit is {hard}: nothing to raise")
        clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        result = subprocess.run(
            [sys.executable, "manage.py", "serve", "--dry-run", "--port", "8123"],
            cwd=MODULE_DIR, env={**clean, "DJANGO_ENV_FILE": "", **PRODUCTION},
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)),
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("open files limit: soft 256 -> ", result.stderr)
        self.assertNotIn("-> 256 ", result.stderr)
        command = result.stdout.split()
        self.assertIn("uvicorn", command)
        self.assertEqual(command[command.index("--workers") + 1], str(os.cpu_count()))
        self.assertEqual(command[command.index("--timeout-keep-alive") + 1], "5")


class WorkerStartTests(SimpleTestCase):
    def test_the_asgi_application_loads_the_urlconf_and_views_at_start(self):
        # A worker imports its views when it starts, not in its first request:
        # a broken import stops the worker, and no request waits for it.
        result = run_django("import messaging_app.asgi; "
                            "print(sorted(m for m in ('chats.views', 'messaging_app.urls') "
                            "if m in sys.modules))", DJANGO_DEBUG="1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split("\n")[-2], "['chats.views', 'messaging_app.urls']")
