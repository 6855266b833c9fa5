"""The HTTP side of uploads: a cap on request bodies, and the response that serves a file.

Django accepts request bodies of any size and spools files to a temporary directory; the
cap stops reading a body bigger than the largest file we accept, before anything of it is
written to disk. Files are only ever served after a permission check (never from a public
media URL): streamed from the file system, or through a short-lived presigned S3 link.
"""

import re
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, Literal

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.datastructures import MultiValueDict
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from langso.core.errors import DomainError
from langso.core.models import StoredFile
from langso.core.uploads import content
from langso.core.uploads.services import storage

# Room for the multipart boundaries and the few form fields sent with the file.
FORM_OVERHEAD = 256 * 1024
REFUSED = "_langso_upload_refused"


class UploadTooLarge(DomainError):
    status = 413
    code = "too_large"


def body_limit() -> int:
    return max(settings.UPLOAD_MAX_BYTES.values()) + FORM_OVERHEAD


class BodySizeCap(FileUploadHandler):
    """First upload handler: refuses a body whose declared length is over the limit without
    reading any of it. The declared length is binding: Django never reads past it."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int,
                         boundary: Any, encoding: str | None = None) -> Any:
        if content_length > self.limit:
            setattr(self.request, REFUSED, True)
            # "Handled": Django skips the body entirely and sees no fields and no files.
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def cap_upload_size(request: HttpRequest) -> None:
    """Install the cap; call before anything reads ``request.POST`` / ``request.FILES``
    (the CSRF check does, hence ``upload_view`` and the API's ``initialize_request``)."""
    request.upload_handlers.insert(0, BodySizeCap(request, body_limit()))


def upload_refused(request: HttpRequest) -> bool:
    """Was the body refused by the cap? (Reads the body first if nothing has yet.)"""
    request.FILES  # noqa: B018 - parsing is what sets the flag
    return bool(getattr(request, REFUSED, False))


def too_large_error() -> UploadTooLarge:
    largest = max(settings.UPLOAD_MAX_BYTES.values())
    return UploadTooLarge(_("Tệp quá lớn, tối đa %(mb)s MB.") % {"mb": largest // content.MB})


def upload_view[V: Callable[..., HttpResponse]](view: V) -> V:
    """For a (non-API) view that receives files: caps the body before the CSRF check reads
    it; the view then checks ``upload_refused(request)``."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cap_upload_size(request)
        return protected(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _is_s3(backend: Any) -> bool:
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(backend, S3Storage)


def stored_file_response(request: HttpRequest, stored: StoredFile) -> HttpResponseBase:
    """Serve a file the caller has ALREADY checked the user may see.

    The content type is the one detected at upload, the name the sanitised original with
    the stored format's extension. Photos and audio get a sandbox policy so nothing in
    them can run; PDFs cannot (browsers' PDF viewers refuse to run sandboxed).
    """
    extension = stored.storage_name.rsplit(".", 1)[-1]
    filename = content.download_name(stored.original_name, extension)
    backend: Any = storage()
    if _is_s3(backend) and not settings.UPLOAD_S3_PROXY:
        url = backend.url(stored.storage_name, expire=settings.UPLOAD_URL_EXPIRY_SECONDS,
                          parameters={
                              "ResponseContentType": stored.content_type,
                              "ResponseContentDisposition": content_disposition_header(
                                  as_attachment=False, filename=filename),
                              "ResponseCacheControl": "private, max-age=3600",
                          })
        redirect = HttpResponseRedirect(url)
        # The link expires within a minute: never cache the redirect itself.
        patch_cache_control(redirect, private=True, no_store=True)
        return redirect

    etag = f'"{stored.sha256}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return not_modified
    try:
        handle = backend.open(stored.storage_name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    wanted = _requested_range(request, etag, stored.size)
    response: HttpResponseBase
    if wanted is None:
        response = FileResponse(handle, content_type=stored.content_type, filename=filename)
    elif wanted == "unsatisfiable":
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{stored.size}"
    else:
        start, end = wanted
        response = StreamingHttpResponse(_slice(handle, start, end - start + 1), status=206,
                                         content_type=stored.content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{stored.size}"
        response["Content-Length"] = str(end - start + 1)
        disposition = content_disposition_header(as_attachment=False, filename=filename)
        assert disposition is not None  # always a header: filename is never empty
        response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    # Contents never change for an id; private: never in a shared cache.
    patch_cache_control(response, private=True, max_age=3600)
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if stored.content_type != "application/pdf":
        response["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; "
                                               "media-src 'self'; style-src 'unsafe-inline'; "
                                               "sandbox")
    return response


_RANGE = re.compile(r"^bytes=(\d{0,15})-(\d{0,15})$")


def _requested_range(request: HttpRequest, etag: str, size: int
                     ) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """One byte range (Safari plays audio only when it can ask for ranges), as
    (first, last) inclusive; "unsatisfiable"; or None for the whole file. Several ranges,
    a malformed header or a stale If-Range all get the whole file, as RFC 9110 allows."""
    header = request.headers.get("Range", "")
    match = _RANGE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != etag:
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def _slice(handle: Any, start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(64 * 1024, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()
