"""Vietnamese text helpers: diacritic-free search keys and Vietnamese sort order."""

import re
import unicodedata

# Combining marks that make a new letter (ă, â, ê, ô, ơ, ư) versus tone marks.
_LETTER_MARKS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
# Dictionary order of tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]
# Encoded as ASCII letters from "A" so that byte order equals Vietnamese order in any
# database collation (SQLite BINARY, PostgreSQL "C" or ICU).
_RANK = {letter: chr(ord("A") + i) for i, letter in enumerate(_ALPHABET)}
_SPACES = re.compile(r"\s+")


def normalize_spaces(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def fold(text: str) -> str:
    """Lower-case, drop every diacritic, đ → d: "Nguyễn Văn A" → "nguyen van a"."""
    decomposed = unicodedata.normalize("NFD", normalize_spaces(text).lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("đ", "d")


def _letters(word: str) -> list[tuple[str, int]]:
    """Split a word into (base letter with its letter mark, tone rank) pairs."""
    out: list[tuple[str, int]] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.combining(char):
            if not out:
                continue
            base, tone = out[-1]
            if char in _TONE_RANK:
                out[-1] = (base, _TONE_RANK[char])
            elif char in _LETTER_MARKS:
                out[-1] = (unicodedata.normalize("NFC", base + char), tone)
            continue
        out.append((char, 0))
    return out


def _encode(text: str) -> tuple[str, str]:
    primary, tones = [], []
    for base, tone in _letters(text):
        if base == " ":
            primary.append(" ")
        elif base in _RANK:
            primary.append(_RANK[base])
        elif base.isdigit():
            primary.append(base)
        else:
            continue
        tones.append(str(tone))
    return "".join(primary), "".join(tones)


def person_sort_key(full_name: str) -> str:
    """Key that sorts people the Vietnamese way: by given name, then family and middle names.

    Letters follow the Vietnamese alphabet (a < ă < â < b … đ after d), tones only
    break ties (ngang < huyền < hỏi < ngã < sắc < nặng).
    """
    words = normalize_spaces(full_name).split(" ")
    if not words[0]:
        return ""
    # The given name is compared completely (letters, then tones) before the family names,
    # so every "Anh" precedes every "Ánh", as on a class list.
    given = sort_key(words[-1])
    family = sort_key(" ".join(words[:-1]))
    return f"{given} {family}"[:255]


def sort_key(text: str) -> str:
    """Key for Vietnamese alphabetical order of an ordinary phrase (village names)."""
    primary, tones = _encode(normalize_spaces(text))
    return f"{primary}!{tones}"[:255]
