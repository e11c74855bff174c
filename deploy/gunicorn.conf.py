"""Gunicorn settings for the junxiu web process; every value can be changed from the environment.

    gunicorn -c deploy/gunicorn.conf.py junxiu.wsgi:application

The WSGI module defaults DJANGO_SETTINGS_MODULE to junxiu.settings.production, which refuses to start
without DJANGO_SECRET_KEY and DATABASE_URL. Web processes keep no state: run as many as needed behind
the proxy. Every worker thread holds its own database connection (persistent for DB_CONN_MAX_AGE
seconds), so a machine opens up to workers x threads connections: size PgBouncer's pool for that.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (cgroups, taskset)
    except AttributeError:
        return os.cpu_count() or 1


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",") if address.strip()]
workers = _int("GUNICORN_WORKERS", 2 * _cores() + 1)
threads = _int("GUNICORN_THREADS", 2)
worker_class = "gthread"  # threads share a worker; Django keeps one connection (and schema) per thread
timeout = _int("GUNICORN_TIMEOUT", 60)  # Excel exports and imports run in the request
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, staggered, so a slow leak never grows.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The proxy in front sets Host, X-Forwarded-Proto and X-Forwarded-For; trust them only from its address.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr (journald under systemd).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%({host}i)s" "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

proc_name = "junxiu-web"

# Gunicorn's runtime control socket (gunicornc); the systemd unit points it into its RuntimeDirectory.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
