"""Settings for the benchmark server: the project's, plus the baseline view's URL."""
from messaging_app.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench_urls"
