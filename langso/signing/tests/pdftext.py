"""The text of a PDF, for tests: pages' content streams decoded through each font's
ToUnicode map (WeasyPrint writes glyph ids, not characters). Enough for our own PDFs; not a
general extractor."""

import re
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

_TOKENS = re.compile(rb"<([0-9A-Fa-f\s]*)>|\((?:\\.|[^\\)])*\)|/[^\s/<>\[\]()]+|"
                     rb"-?\d*\.?\d+|[A-Za-z'\"*]+|\[|\]")


def _cmap(stream: Any) -> tuple[dict[int, str], int]:
    data = stream.data
    mapping: dict[int, str] = {}
    width = 2
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            width = len(src) // 2
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            width = len(low) // 2
            start, end = int(low, 16), int(high, 16)
            if dst.startswith(b"["):
                for offset, item in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", dst)):
                    mapping[start + offset] = bytes.fromhex(item.decode()).decode(
                        "utf-16-be", "replace")
            else:
                base = bytearray(bytes.fromhex(dst[1:-1].decode()))
                for code in range(start, end + 1):
                    value = int.from_bytes(base, "big") + (code - start)
                    mapping[code] = value.to_bytes(len(base), "big").decode(
                        "utf-16-be", "replace")
    return mapping, width


def _fonts(page: Any) -> dict[str, tuple[dict[int, str], int]]:
    fonts: dict[str, tuple[dict[int, str], int]] = {}
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    if resources is None or "/Font" not in resources:
        return fonts
    for name, ref in resources["/Font"].get_object().items():
        font = ref.get_object() if hasattr(ref, "get_object") else ref
        if "/ToUnicode" in font:
            fonts[str(name)] = _cmap(font["/ToUnicode"].get_object())
    return fonts


def _decode(raw: bytes, font: tuple[dict[int, str], int] | None) -> str:
    if font is None:
        return raw.decode("latin-1")
    mapping, width = font
    return "".join(mapping.get(int.from_bytes(raw[i:i + width], "big"), "")
                   for i in range(0, len(raw), width))


def _literal(token: bytes) -> bytes:
    body = token[1:-1]
    return re.sub(rb"\\(.)", lambda m: m.group(1), body)


def _page_text(page: Any) -> str:
    fonts = _fonts(page)
    contents = page.get("/Contents")
    if contents is None:
        return ""
    contents = contents.get_object()
    streams = contents if isinstance(contents, generic.ArrayObject) else [contents]
    data = b"\n".join(s.get_object().data for s in streams)
    out: list[str] = []
    font = None
    operands: list[bytes] = []
    in_array = False
    array_parts: list[bytes] = []
    for match in _TOKENS.finditer(data):
        token = match.group(0)
        if token == b"[":
            in_array, array_parts = True, []
            continue
        if token == b"]":
            in_array = False
            operands.append(b"".join(array_parts))
            continue
        if token.startswith(b"<") or token.startswith(b"("):
            raw = (bytes.fromhex(re.sub(rb"\s", b"", match.group(1)).decode())
                   if token.startswith(b"<") else _literal(token))
            (array_parts if in_array else operands).append(raw)
            continue
        if in_array:
            continue
        if token[:1].isalpha() or token in (b"'", b'"', b"T*"):
            if token == b"Tf" and operands:
                font = fonts.get(operands[0].decode("latin-1"))
            elif token in (b"Tj", b"TJ", b"'", b'"') and operands:
                out.append(_decode(operands[-1], font))
            elif token in (b"Td", b"TD", b"Tm", b"T*", b"BT"):
                out.append(" ")
            elif token == b"ET":
                out.append("\n")
            operands = []
        elif token.startswith(b"/"):
            operands.append(token)
        else:
            operands.append(token)
    return "".join(out)


def _pages(node: Any) -> Any:
    node = node.get_object()
    if node.get("/Type") == "/Pages":
        for kid in node["/Kids"]:
            yield from _pages(kid)
    else:
        yield node


def pdf_text(pdf: bytes) -> str:
    """All pages' text, whitespace collapsed to single spaces."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    text = " ".join(_page_text(page) for page in _pages(reader.root["/Pages"]))
    return re.sub(r"\s+", " ", text).strip()
