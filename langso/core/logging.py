"""Adds the request id and client address to every log record."""

import logging

from langso.core import request_context


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = request_context.current()
        record.request_id = ctx.request_id
        record.client_address = ctx.client_address
        return True
