"""WSGI entry point for gunicorn: ``gunicorn langso.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "langso.settings")
application = get_wsgi_application()
