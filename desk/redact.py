"""A shopper's personal details out of text the shop learns: phone numbers, e-mails, street
addresses and names (English and Vietnamese forms) become neutral placeholders.

Pure and conservative: a number is an address only with something that says so (a street
word, "số", "at"/"ở"/"giao tới" before it, a "/" house number, a district after it, or a
Vietnamese street name), so "2 Trà Sữa", "open at 7", "District 7" and "50k" stay as written.
"""

from __future__ import annotations

import re
import unicodedata

from core import data
from core.text import fold

PHONE, EMAIL, ADDRESS, NAME, NUMBER = "[phone]", "[email]", "[address]", "[name]", "[number]"
PLACEHOLDER = re.compile(r"\[(?:phone|email|address|name|number)\]")

_SEP = r"[ .\-]?"
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Vietnam: +84 / 0084 / (+84) / 84 then 9 digits, or 0 then 9–10 digits, digits grouped
# by single spaces, dots or dashes; other countries: "+" and 8–14 digits.
_PHONE = re.compile(
    rf"(?<![\w+])(?:(?:(?:\+|00)84|\(\+?84\)|84){_SEP}(?:\(0\){_SEP})?[1-9]\d(?:{_SEP}\d){{7}}"
    rf"|0[1-9]\d(?:{_SEP}\d){{7,8}}"
    rf"|\+[1-9]\d{{0,2}}{_SEP}\d(?:{_SEP}\d){{6,13}})(?![\w])"
)
_LONG_NUMBER = re.compile(r"(?<![\w.,])\d{9,15}(?![\w])")  # accounts, ID cards

_UNIT = re.compile(
    r"(?i:\b(?:apt|apartment|flat|unit|suite|room|phòng|phong|căn hộ|can ho)\.?)"
    r"\s*(?:no\.?\s*|số\s*|#\s*)?\d{1,5}[A-Za-z]?(?:[./\-]\d{1,4}[A-Za-z]?)*(?![\w])"
)
_HOUSE = re.compile(
    r"(?P<pre>(?i:\b(?:số|so|no\.?)\s+))?(?<![\w/#.,])"
    r"(?P<num>\d{1,5}[A-Za-z]?(?:/\d{1,5}[A-Za-z]?)*)"
    r"(?P<rest>(?:[ \t]+[^\W\d_][\w'’]*\.?){1,6})"
)
_WORD = re.compile(r"[^\W\d_][\w'’]*\.?")
_ADDRESS_WORDS = data.load("addresses.yaml")
_STREET_BEFORE = frozenset(_ADDRESS_WORDS["street_before"])
_STREET_AFTER = frozenset(_ADDRESS_WORDS["street_after"])
# Words before a number that make it a place: "at 12 …", "ở 45 …", "giao tới 123 …".
_CUES = frozenset(fold(word) for word in _ADDRESS_WORDS["place_cues"])
# A number right after these is a district, ward or floor, not a house.
_AREA = frozenset(fold(word) for word in _ADDRESS_WORDS["areas"])
_AREA_AFTER = re.compile(r"^\s*,?\s*(?i:district|dist\.|quận|quan|q\.?\s*\d|ward|phường|p\.)")
# Words of what the shop sells or counts: "2 Trà Sữa", "10 Sinh Tố Bơ" are orders.
_MENU = frozenset(_ADDRESS_WORDS["menu_words"])
_NAME_CUE_EXPLICIT = re.compile(
    r"(?i:\b(?:my name is|my name's|tên (?:tôi|em|mình|anh|chị|tui|con|cháu) là"
    r"|ten (?:toi|em|minh|anh|chi|tui|con|chau) la|(?:tôi|em|mình|anh|chị|tui|con|cháu) tên(?: là)?"
    r"|(?:toi|em|minh|anh|chi|tui|con|chau) ten(?: la)?|tên là|ten la)\s+)"
)
_NAME_CUE_SELF = re.compile(
    r"(?i:\b(?:i'm|i’m|i am|im|call me|(?:tôi|em|mình|tui|anh|chị|toi|minh) (?:là|la))\s+)"
)
_NAME_WORDS = re.compile(r"[^\W\d_]+(?:[ \t]+[^\W\d_]+){0,3}")


def redact_personal(text: str) -> str:
    """`text` without the phone numbers, e-mails, street addresses and self-introduced names
    in it ("[phone]", "[email]", "[address]", "[name]"; other long numbers "[number]")."""
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _LONG_NUMBER.sub(NUMBER, text)
    text = _HOUSE.sub(_house, text)
    text = _UNIT.sub(ADDRESS, text)
    text = _names(text, _NAME_CUE_EXPLICIT, explicit=True)
    return _names(text, _NAME_CUE_SELF, explicit=False)


def personal_details(text: str) -> list[str]:
    """The personal details redact_personal removes from `text`: phone numbers as digits (so
    "090 123 4567" is "0901234567"), e-mails, and the folded words of names and streets."""
    text = unicodedata.normalize("NFC", text)
    found = [re.sub(r"\D", "", m.group()) for m in _PHONE.finditer(text)]
    found += [m.group().lower() for m in _EMAIL.finditer(text)]
    rest = _PHONE.sub(" ", _EMAIL.sub(" ", text))
    found += _removed_words(rest, redact_personal(rest))
    return list(dict.fromkeys(found))


def mentions(text: str, details: list[str]) -> bool:
    """Whether `text` repeats one of `details` (as personal_details gives them)."""
    digits = re.sub(r"\D", "", text)
    words = set(_words(text))
    for detail in details:
        if detail.isdigit():
            if detail in digits:
                return True
        elif "@" in detail:
            if detail in text.lower():
                return True
        elif detail in words:
            return True
    return False


def _house(match: re.Match[str]) -> str:
    rest = match.group("rest")
    words = list(_WORD.finditer(rest))
    after = match.string[match.end() :]
    cue = _strong(match) or "/" in match.group("num") or bool(_AREA_AFTER.match(after))
    taken = _street_words([w.group() for w in words], cue)
    if not taken:
        return match.group()
    return ADDRESS + rest[words[taken - 1].end() :]


def _strong(match: re.Match[str]) -> bool:
    """Whether the word before the number says it is a place (not a quantity)."""
    before = _words(match.string[: match.start()])[-1:]
    if before and before[0] in _AREA:
        return False
    return bool(match.group("pre")) or bool(before and before[0] in _CUES)


def _street_words(words: list[str], cue: bool) -> int:
    """How many of `words` (after a house number) are its street: 0 when it is no address.
    `cue`: the number is a place by what surrounds it ("at 12 …", "88/5 …", "…, Quận 1")."""
    folded = [fold(word).strip(".'’") for word in words]
    for end in range(1, min(len(words), 5)):
        if folded[end] in _STREET_AFTER:  # "12 nguyen trai street", any case
            return end + 1
    start = 1 if folded[0] in _STREET_BEFORE else 0
    lower_ok = start == 1 and cue  # "số 5 đường hai bà trưng"
    count = start
    while count < min(len(words), start + 4) and (lower_ok or words[count][:1].isupper()):
        if folded[count] in _AREA or folded[count] in _MENU:
            break
        count += 1
    name = words[start:count]
    if not name or any(word in _MENU for word in folded[start : start + 4]):
        return 0
    if start == 1 or cue or (count < len(words) and folded[count] in _AREA):
        return count
    vietnamese = len(name) >= 2 and any(not word.isascii() for word in name)
    return count if vietnamese else 0


def _names(text: str, cue: re.Pattern[str], *, explicit: bool) -> str:
    """Replace the name after each `cue`: its capitalised words (up to four), or — after an
    explicit "my name is" / "tên tôi là" — its first word even in lower case."""
    out, position = [], 0
    for match in cue.finditer(text):
        following = _NAME_WORDS.match(text, match.end())
        if match.start() < position or following is None:
            continue
        words = list(re.finditer(r"[^\W\d_]+", following.group()))
        title = 0
        while title < len(words) and words[title].group()[:1].isupper():
            title += 1
        taken = title or (1 if explicit else 0)
        if taken:
            out += [text[position : match.end()], NAME]
            position = match.end() + words[taken - 1].end()
    return "".join(out) + text[position:]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


def _removed_words(text: str, redacted: str) -> list[str]:
    """Words of names and streets the placeholders replaced (not "street", "số", "an")."""
    kept = set(_words(PLACEHOLDER.sub(" ", redacted)))
    common = _STREET_AFTER | _STREET_BEFORE | _CUES | {"so", "no", "apt", "apartment", "flat"}
    return [
        word
        for word in _words(text)
        if word not in kept and word not in common and len(word) > 2 and not word.isdigit()
    ]
