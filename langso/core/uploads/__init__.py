"""The upload pipeline: every file a user sends (photo, PDF document, audio) goes through
``upload_store`` — type detected from the bytes, size limits, photos re-encoded without
metadata — and is served only through ``access`` (see docs/uploads.md).

    services.upload_store / upload_sweep_orphans   writes
    selectors.stored_file_get_for_user             permission-checked read
    serving.stored_file_response / upload_view     HTTP: serve a file, cap request bodies
    content                                        the bytes: detection, cleaning, names
"""
