"""WSGI entry point (gunicorn junxiu.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junxiu.settings.production")

application = get_wsgi_application()
