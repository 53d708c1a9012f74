#!/usr/bin/env python3
"""The production topology on this machine: ``make deploy-up`` / ``make deploy-down``.

Debian's nginx terminates TLS (a self-signed certificate made here) in front
of N uvicorn workers (``deploy/serve``, one per core) on the machine's
PostgreSQL and Redis; a scheduler runs the two periodic jobs.  It is what the
systemd units in ``deploy/systemd/`` set up on a server, with this script in
systemd's place: each worker is restarted a second after it dies, whatever
killed it (``Restart=always``), and ``deploy/scheduler.py`` runs the jobs at start and
then hourly (``purge_expired``) and daily (``flushexpiredtokens``), as the
timers do.

Everything it writes lives in ``DEPLOY_DIR`` (default ``.deploy/`` at the
repository's root, git-ignored): certificate, secret key, settings (``env``),
nginx's configuration, pid files and logs.  Settings, from the environment:

    DEPLOY_DIR            where the files go             (.deploy)
    DEPLOY_HTTPS_PORT     nginx's HTTPS port             (8443)
    DEPLOY_HTTP_PORT      nginx's plain port (redirects) (8080)
    DEPLOY_WORKER_PORT    the first worker's port        (8001; then +1 each)
    DEPLOY_WORKERS        how many workers               (one per core)
    DEPLOY_DATABASE_URL   PostgreSQL, created if missing (postgres://postgres@127.0.0.1:5432/messaging)
    DEPLOY_REDIS_URL      Redis                          (redis://127.0.0.1:6379/0)

Usage: local.py up | down | status
"""
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

DEPLOY = Path(__file__).resolve().parent
MODULE = DEPLOY.parent
ROOT = MODULE.parent
PYTHON = sys.executable


class Config:
    def __init__(self):
        env = os.environ.get
        self.dir = Path(env("DEPLOY_DIR") or ROOT / ".deploy").resolve()
        self.https_port = int(env("DEPLOY_HTTPS_PORT", "8443"))
        self.http_port = int(env("DEPLOY_HTTP_PORT", "8080"))
        first = int(env("DEPLOY_WORKER_PORT", "8001"))
        count = int(env("DEPLOY_WORKERS") or os.cpu_count() or 1)
        self.worker_ports = [first + i for i in range(count)]
        self.database_url = env("DEPLOY_DATABASE_URL",
                                "postgres://postgres@127.0.0.1:5432/messaging")
        self.redis_url = env("DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/0")
        self.cert = self.dir / "tls" / "cert.pem"
        self.key = self.dir / "tls" / "key.pem"
        self.static_root = MODULE / "staticfiles"

    @property
    def url(self) -> str:
        return f"https://localhost:{self.https_port}"

    def pidfile(self, name: str) -> Path:
        return self.dir / f"{name}.pid"


def say(text: str) -> None:
    print(f"deploy: {text}", flush=True)


def fail(text: str) -> "None":
    sys.exit(f"deploy: {text}")


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode:
        fail(f"{' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")
    return result


def app_env(config: Config) -> dict:
    """The settings the workers and jobs run with, also written to DEPLOY_DIR/env."""
    key_file = config.dir / "secret_key"
    if not key_file.exists():
        import secrets
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    origin = f"https://localhost:{config.https_port}"
    return {
        "DJANGO_SECRET_KEY": key_file.read_text().strip(),
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "DJANGO_NUM_PROXIES": "1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"{origin},https://127.0.0.1:{config.https_port}",
        "DJANGO_SSL_REDIRECT": "1",
        "DJANGO_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ENV_FILE": "",
    }


def environment(config: Config) -> dict:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")}
    return {**base, **app_env(config), "PYTHON": PYTHON}


def check_prerequisites(config: Config) -> None:
    for tool, package in (("nginx", "nginx-light"), ("openssl", "openssl"),
                          ("createdb", "postgresql-client")):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            fail(f"{tool} is not installed: apt-get install {package}")
    db = urlsplit(config.database_url)
    if db.scheme not in ("postgres", "postgresql"):
        fail(f"DEPLOY_DATABASE_URL must be a PostgreSQL URL, not {config.database_url}")
    ready = subprocess.run(["pg_isready", "-h", db.hostname or "127.0.0.1",
                            "-p", str(db.port or 5432)], capture_output=True)
    if ready.returncode:
        fail(f"PostgreSQL does not answer on {db.hostname}:{db.port or 5432}")
    redis = urlsplit(config.redis_url)
    try:
        import socket
        with socket.create_connection((redis.hostname, redis.port or 6379), timeout=2) as s:
            s.sendall(b"PING\r\n")
            if not s.recv(16).startswith(b"+PONG"):
                raise OSError("no PONG")
    except OSError as error:
        fail(f"Redis does not answer on {redis.hostname}:{redis.port or 6379} ({error})")


def make_certificate(config: Config) -> None:
    if config.cert.exists() and config.key.exists():
        return
    config.cert.parent.mkdir(parents=True, exist_ok=True)
    # ECDSA P-256: cheap handshakes; localhost and 127.0.0.1 as names.
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "365", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(config.key), "-out", str(config.cert)])
    config.key.chmod(0o600)
    say(f"made a self-signed certificate: {config.cert}")


def create_database(config: Config) -> None:
    db = urlsplit(config.database_url)
    name = db.path.lstrip("/")
    command = ["createdb", "-h", db.hostname or "127.0.0.1", "-p", str(db.port or 5432)]
    if db.username:
        command += ["-U", db.username]
    result = subprocess.run([*command, name], capture_output=True, text=True,
                            env={**os.environ, "PGPASSWORD": db.password or ""})
    if result.returncode == 0:
        say(f"created the database {name}")
    elif "already exists" not in result.stderr:
        fail(f"createdb {name} failed: {result.stderr.strip()}")


def render_nginx(config: Config) -> Path:
    template = (DEPLOY / "nginx" / "messaging.conf.template").read_text()
    values = {
        "SERVER_NAME": "localhost 127.0.0.1",
        "HTTPS_PORT": str(config.https_port),
        "HTTP_PORT": str(config.http_port),
        "TLS_CERT": str(config.cert),
        "TLS_KEY": str(config.key),
        "STATIC_ROOT": str(config.static_root),
        "UPSTREAM_SERVERS": " ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
                                     for port in config.worker_ports),
    }
    for name, value in values.items():
        template = template.replace("${" + name + "}", value)
    site = config.dir / "messaging.conf"
    site.write_text(template)
    temp = config.dir / "nginx-temp"
    temp.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        # nginx's workers run as nobody when started by root; bodies and
        # responses too large for memory are buffered here.
        import pwd
        nobody = pwd.getpwnam("nobody")
        os.chown(temp, nobody.pw_uid, nobody.pw_gid)
    main = config.dir / "nginx.conf"
    # What /etc/nginx/nginx.conf says on a host, with this folder for every
    # file nginx writes, so that it runs beside the machine's own nginx.
    main.write_text(f"""# Written by deploy/local.py.
worker_processes auto;
worker_rlimit_nofile 16384;
pid {config.pidfile('nginx')};
error_log {config.dir / 'nginx-error.log'} warn;
events {{ worker_connections 8192; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    log_format main '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                    '$request_time $upstream_addr id=$request_id';
    access_log {config.dir / 'nginx-access.log'} main;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
""")
    return main


def alive(pid_file: Path) -> int:
    """The pid in pid_file when that process runs, else 0."""
    try:
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return 0


def start_detached(config: Config, name: str, *args: str) -> None:
    if alive(config.pidfile(name)):
        return
    log = open(config.dir / f"{name}.log", "ab")
    process = subprocess.Popen([PYTHON, __file__, *args], stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL, start_new_session=True,
                               env=environment(config))
    config.pidfile(name).write_text(str(process.pid))


def answers_ready(url: str, context=None) -> str:
    """"" when GET url answers 200, else what went wrong."""
    try:
        with urllib.request.urlopen(url, context=context, timeout=5) as answer:
            return "" if answer.status == 200 else f"HTTP {answer.status}"
    except Exception as error:  # noqa: BLE001 - reported to the operator
        return str(error) or type(error).__name__


def wait_ready(config: Config, timeout: float = 60) -> None:
    """Return once every worker answers /readyz on its own port, then nginx
    does: traffic that starts afterwards finds the whole topology up (nginx
    alone would answer as soon as one worker does)."""
    context = ssl.create_default_context(cafile=str(config.cert))
    targets = [*(f"http://127.0.0.1:{port}/readyz" for port in config.worker_ports),
               f"{config.url}/readyz"]
    deadline = time.monotonic() + timeout
    for url in targets:
        while (problem := answers_ready(url, context if url.startswith("https:") else None)):
            if time.monotonic() > deadline:
                fail(f"{url} did not answer 200 within {timeout:.0f} s ({problem}); "
                     f"logs in {config.dir}")
            time.sleep(0.5)


def up(config: Config) -> None:
    check_prerequisites(config)
    config.dir.mkdir(parents=True, exist_ok=True)
    make_certificate(config)
    env = environment(config)
    (config.dir / "env").write_text("".join(f"{k}={v}\n" for k, v in app_env(config).items()))
    (config.dir / "env").chmod(0o600)
    create_database(config)
    manage = [PYTHON, "manage.py"]
    # HSTS stays off: it would pin every port of localhost to https in a browser.
    run([*manage, "check", "--deploy", "--fail-level", "ERROR"], cwd=MODULE, env=env)
    run([*manage, "migrate", "--noinput"], cwd=MODULE, env=env)
    run([*manage, "collectstatic", "--noinput"], cwd=MODULE, env=env)
    say(f"migrated {urlsplit(config.database_url).path.lstrip('/')}, static files in "
        f"{config.static_root}")
    for port in config.worker_ports:
        start_detached(config, f"web-{port}", "supervise", str(port))
    start_detached(config, "scheduler", "schedule")  # deploy/scheduler.py
    main = render_nginx(config)
    run(["nginx", "-t", "-q", "-p", str(config.dir), "-c", str(main)])
    if not alive(config.pidfile("nginx")):
        run(["nginx", "-p", str(config.dir), "-c", str(main)])
    wait_ready(config)
    say(f"up: {config.url}/ (certificate {config.cert}), workers on ports "
        f"{', '.join(map(str, config.worker_ports))}; logs in {config.dir}; "
        "stop with make deploy-down")


def stop(pid: int, sig=signal.SIGTERM, timeout: float = 30) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def down(config: Config) -> None:
    if not config.dir.exists():
        say(f"nothing to stop ({config.dir} does not exist)")
        return
    nginx = alive(config.pidfile("nginx"))
    if nginx:
        stop(nginx, signal.SIGQUIT)  # graceful: open requests finish
    for pid_file in sorted(config.dir.glob("*.pid")):
        if pid_file.stem.startswith(("web-", "scheduler")) and not pid_file.stem.endswith(
                ".worker"):
            pid = alive(pid_file)
            if pid:
                stop(pid)
        pid_file.unlink(missing_ok=True)
    say(f"down (files kept in {config.dir})")


def status(config: Config) -> None:
    for name in ["nginx", *(f"web-{p}" for p in config.worker_ports),
                 *(f"web-{p}.worker" for p in config.worker_ports), "scheduler"]:
        pid = alive(config.pidfile(name))
        print(f"{name:20} {'running, pid ' + str(pid) if pid else 'stopped'}")


def supervise(config: Config, port: int) -> None:
    """Keep one worker running on port, as systemd's Restart=always does."""
    stopping = False
    worker = None

    def terminate(signum, frame):
        nonlocal stopping
        stopping = True
        if worker and worker.poll() is None:
            worker.terminate()

    signal.signal(signal.SIGTERM, terminate)
    worker_pid = config.pidfile(f"web-{port}.worker")
    while not stopping:
        worker = subprocess.Popen([str(DEPLOY / "serve")], env={**os.environ, "PORT": str(port)})
        worker_pid.write_text(str(worker.pid))
        code = worker.wait()
        if not stopping:
            print(f"deploy: worker on port {port} exited ({code}), restarting in 1 s", flush=True)
            time.sleep(1)
    worker_pid.unlink(missing_ok=True)


def main() -> None:
    config = Config()
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "up":
        up(config)
    elif command == "down":
        down(config)
    elif command == "status":
        status(config)
    elif command == "supervise":
        supervise(config, int(sys.argv[2]))
    elif command == "schedule":
        os.execv(PYTHON, [PYTHON, str(DEPLOY / "scheduler.py")])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
