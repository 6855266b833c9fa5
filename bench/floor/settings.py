"""The smallest settings Django serves a request with."""

SECRET_KEY = "bench-floor-not-secret"  # noqa: S105 - serves one static string, locally
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench.floor.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_I18N = False
USE_TZ = True
LOGGING_CONFIG = None
