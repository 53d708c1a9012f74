"""Settings for the test suite: ``settings.py`` with test defaults.

``python manage.py test`` uses this module (``manage.py`` picks it for the
``test`` command unless ``DJANGO_SETTINGS_MODULE`` names another).  What
production must be given comes with test defaults: a random secret key per
run and the loopback host names, unless the environment sets them; the
``.env`` file is not read, so a run does not depend on a developer's local
configuration.  Then: fast password hashing (hashing strength is not under
test), no throttling unless ``DJANGO_THROTTLE_*`` says otherwise (the
throttle tests set their own rates), and no log lines for the 4xx answers
and failed logins the tests cause on purpose.
"""
import copy
import os
import secrets

# Given to settings.py for its import only: server processes that tests
# start see the environment as it was.
_DEFAULTS = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
             "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],testserver"}
_given = {name: os.environ.get(name) for name in (*_DEFAULTS, "DJANGO_ENV_FILE")}
os.environ.update({name: value for name, value in _DEFAULTS.items() if not _given[name]})
os.environ["DJANGO_ENV_FILE"] = ""
try:
    from .settings import *  # noqa: F403
    from .settings import LOGGING, REST_FRAMEWORK, THROTTLE_RATES, rate_from_env
finally:
    for _name, _value in _given.items():
        if _value is None:
            os.environ.pop(_name, None)
        else:
            os.environ[_name] = _value

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

THROTTLE_RATES = {name: rate_from_env(name, "off") for name in THROTTLE_RATES}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": THROTTLE_RATES}

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False

LOGGING = copy.deepcopy(LOGGING)
LOGGING["loggers"]["django.request"]["level"] = "ERROR"
LOGGING["loggers"]["axes"]["level"] = "ERROR"  # each failed login (many, on purpose)
LOGGING["loggers"]["django.security"]["level"] = "CRITICAL"  # oversize bodies, bad hosts
LOGGING["loggers"]["chats.request"]["level"] = "WARNING"  # no access line per test request
