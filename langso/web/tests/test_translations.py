"""Every user-facing string has an English translation (Vietnamese is the source language).

The test extracts the strings of the current code with Django's makemessages (GNU gettext)
into a scratch copy and compares them with the committed catalogue, so a new string
without a translation fails here. Refresh the catalogue with ``make messages``.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy) for a .po file (plural forms: the singular)."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[0\])?)\s+"(.*)"$', line)
            if match:
                key = match.group(1).replace("[0]", "")
                parts[key] = match.group(2)
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if parts.get("msgid"):
            entries[parts["msgid"]] = (parts.get("msgstr", ""), fuzzy)
    return entries


def test_committed_catalogue_is_complete_and_compiled():
    entries = read_po(CATALOGUE)
    untranslated = [m for m, (s, fuzzy) in entries.items() if not s or fuzzy]
    assert untranslated == []
    mo = CATALOGUE.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= CATALOGUE.stat().st_mtime - 1


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="GNU gettext (xgettext) is not installed: cannot extract strings")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    scratch = tmp_path / "src"
    shutil.copytree(ROOT, scratch / "langso",
                    ignore=shutil.ignore_patterns("locale", "migrations", "tests",
                                                  "__pycache__", "static"))
    (scratch / "locale").mkdir()
    monkeypatch.chdir(scratch)
    with override_settings(LOCALE_PATHS=[str(scratch / "locale")]):
        call_command("makemessages", locale=["en"], verbosity=0, no_obsolete=True)
    extracted = read_po(scratch / "locale" / "en" / "LC_MESSAGES" / "django.po")
    committed = read_po(CATALOGUE)
    missing = sorted(m for m in extracted if not committed.get(m, ("", False))[0])
    assert missing == [], f"{len(missing)} strings without English: run `make messages`"
