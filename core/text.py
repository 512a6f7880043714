"""Text as it is stored and matched: cleaning, accent folding (as SQL's shop_fold), stop words."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäöüëïçñ"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOP_WORDS = frozenset(
    """a an the do does you have has any some is are it its i me my we our for of to in on
    with and or please pls show see find want need looking look get can could would like
    how much what which there this that price prices cost sell selling available
    co khong ko k cho xem minh toi ban shop mua muon tim gia bao nhieu nao gi la va hay
    nhe a oi voi con duoc""".split()
)


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Incoming text as it is stored and matched: without NUL (PostgreSQL text cannot hold
    it), lone UTF-16 surrogates replaced with U+FFFD, in Unicode NFC (decomposed accents from
    some keyboards composed, so "#3 nosave:" matches however it was typed)."""
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    value = _SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


@cache
def fold_map() -> tuple[str, str]:
    """The (from, to) strings of translate() that strip Vietnamese and Latin accents."""
    source = _VIETNAMESE
    target = "".join("d" if ch == "đ" else unicodedata.normalize("NFD", ch)[0] for ch in source)
    return source, target


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, exactly as the SQL side does (decomposed
    accents, as some keyboards send them, are composed first)."""
    source, target = fold_map()
    composed = unicodedata.normalize("NFC", text)
    return composed.lower().translate(str.maketrans(source, target))


# Vietnamese shoppers' words and their English catalog counterparts (folded, both ways).
TRANSLATIONS = {
    "tra": "tea",
    "sua": "milk",
    "ca": "coffee",
    "phe": "coffee",
    "da": "iced",
    "nong": "hot",
    "dao": "peach",
    "xoai": "mango",
    "dau": "strawberry",
    "banh": "cake|bread|cookie",
    "tran": "pearl|boba",
    "chau": "pearl|boba",
    "duong": "sugar",
    "den": "brown|black",
    "sen": "lotus",
    "cam": "orange",
    "chanh": "lemon|lime",
    "yen": "oat",
    "mach": "oat",
    "khoai": "taro",
    "mon": "taro",
    "socola": "chocolate",
    "qua": "fruit",
    "trai": "fruit",
}


def query_words(text: str) -> list[str]:
    """The meaningful, accent-folded words of a shopper's query (stop words dropped)."""
    words = [word for word in _WORD.findall(fold(text)) if len(word) > 1 or word.isdigit()]
    kept = [word for word in words if word not in STOP_WORDS]
    return list(dict.fromkeys(kept or words))
