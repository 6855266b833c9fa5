"""The framework floor: Django with no apps and no middleware, one view.

Served by gunicorn exactly like Làng Số, it measures what Django + gunicorn cost on this
machine before any of our code runs; run.py reports Làng Số's throughput relative to it.
"""
