"""Làng Số's production settings, unchanged except that static files go to a temporary
directory the benchmark creates (``BENCH_STATIC_ROOT``) instead of ``var/static``."""

import os

from langso.settings import *  # noqa: F403 - the benchmark measures the real configuration

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

# The public status page allows 120 lookups per address per 10 minutes; every request of
# the load generator comes from 127.0.0.1. The limiter still runs on each request (its cost
# is measured), it just never refuses one.
ONESTOP_STATUS_RATE = (10**9, 600)
ONESTOP_STATUS_MISS_RATE = (10**9, 600)
