"""Whether an owner asks to see figures as a picture: "chart revenue last 30 days", "as a
graph", "biểu đồ doanh thu tháng này", "vẽ … số ly theo giờ hôm qua"."""

from __future__ import annotations

import re

from core.text import fold

# Matched on the folded text (accents off): English words, and Vietnamese ones that keep
# their meaning without accents ("bieu do", "do thi").
_FOLDED = re.compile(
    r"\b(?:charts?|chrats?|cahrts?|grpahs?|charted|charting|graphs?|graphed|graphing|plot|plots|plotted|plotting"
    r"|diagrams?|visuali[sz]e|visuali[sz]ation|visually|infographic|trend ?line"
    r"|(?:as|in) an? (?:picture|image|pic)|bieu do|do thi|(?:bang|dang) hinh(?: anh)?)\b"
)
# "vẽ" (draw) only as written with its accent: bare "ve" is also "về" (about, back).
_ACCENTED = re.compile(r"(?<!\w)(?:vẽ|hình vẽ|draw(?:n|ing)?|sketch)(?!\w)")


def asks_for_chart(text: str) -> bool:
    """Whether the message asks for a chart (English or Vietnamese, accents optional)."""
    folded = " ".join(fold(text).split())
    if _FOLDED.search(folded):
        return True
    return bool(_ACCENTED.search(" ".join(text.lower().split())))
