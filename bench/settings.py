"""Làng Số's production settings, unchanged except that static files go to a temporary
directory the benchmark creates (``BENCH_STATIC_ROOT``) instead of ``var/static``."""

import os

from langso.settings import *  # noqa: F403 - the benchmark measures the real configuration

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
