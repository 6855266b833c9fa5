"""Rendering a paper must not loosen the upload pipeline's photo checks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.errors import DomainError
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.signing.render import html_to_pdf


@pytest.mark.django_db
def test_a_truncated_photo_is_still_refused_after_a_pdf_was_rendered(citizen, commune,
                                                                      settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    html_to_pdf("<p>Giấy tiếp nhận</p>")  # imports WeasyPrint, which flips a Pillow global
    photo = upload_samples.jpeg((400, 300), metadata=False)
    with pytest.raises(DomainError):
        upload_store(actor=citizen, commune=commune, kind="photo",
                     file=SimpleUploadedFile("anh.jpg", photo[:800]))
