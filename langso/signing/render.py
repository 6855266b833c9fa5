"""HTML to PDF with WeasyPrint, in the bundled Liberation Serif (metric-compatible with Times
New Roman, the font NĐ 30/2020/NĐ-CP prescribes for official documents, with every
Vietnamese glyph), so the output does not depend on the fonts installed on the server.

Only the bundled fonts and ``data:`` URLs (the QR codes) may be loaded: text from a
dossier can never make the renderer read a local file or call out to the network.
"""

import ssl
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from PIL import ImageFile

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "LangSo Serif"
_FACES = [("Regular", "normal", "normal"), ("Bold", "bold", "normal"),
          ("Italic", "normal", "italic"), ("BoldItalic", "bold", "italic")]


_NO_NETWORK = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class RenderRefused(Exception):
    pass


def font_css() -> str:
    rules = []
    for style_name, weight, style in _FACES:
        path = (FONT_DIR / f"LiberationSerif-{style_name}.ttf").as_uri()
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{path}"); '
                     f"font-weight: {weight}; font-style: {style}; }}")
    rules.append(f'html {{ font-family: "{FONT_FAMILY}", serif; }}')
    return "\n".join(rules)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    allowed_prefix = FONT_DIR.as_uri() + "/"

    class BundledOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or (url.startswith(allowed_prefix) and ".." not in url):
                return super().fetch(url, headers)
            raise RenderRefused(url)

    # HTTPS is never used; a bare context spares loading the system CA store (0.2 s) per PDF.
    return BundledOnly(allowed_protocols={"data", "file"}, allow_redirects=False,
                       ssl_context=_NO_NETWORK)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    # Importing WeasyPrint switches on Pillow's process-wide "load truncated images"; the
    # upload pipeline relies on Pillow refusing damaged photos, and our papers embed no
    # raster images (QR codes are SVG), so it goes back off.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    fonts = FontConfiguration()
    fetcher = _fetcher()
    stylesheet = CSS(string=font_css(), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=FONT_DIR.as_uri() + "/")
    pdf = document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
    assert pdf is not None  # write_pdf without a target returns the bytes
    return pdf


def template_to_pdf(template: str, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_to_string(template, context))
