"""Staff choices about reports and alerts, said in chat and read without a model:
"stop reports" / "tắt báo cáo", "start reports" / "bật báo cáo", "reports at 20:00" /
"báo cáo lúc 20h", "stop alerts" / "tắt cảnh báo", "start alerts" / "bật cảnh báo", and the
report's own quick replies ("Tomorrow's report", "Stop reports").

A command is the whole message (with polite words around it), so "how many reports did we
file" or "báo cáo doanh thu hôm nay" stay questions. Each is confirmed in one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from config import Settings
from core.text import fold
from reports.staff import choose, recipients

# Words around a command that change nothing ("please", "nhé", "đi", "nữa").
_POLITE = (
    r"(?:please|pls|plz|thanks|thank you|thx|now|for me|again|anymore|any more|ok|okay"
    r"|nhe|nha|nhen|di|nua|giup|dum|gium|em|anh|chi|a|oi|cho|minh|toi|lai|voi|luon)"
)
_REPORT = r"(?:(?:the|my|our|daily|nightly|evening|end of day|day's)\s+)*(?:reports?|digests?|summary|summaries)"
_ALERT = r"(?:(?:the|my|our|low|stock|low stock|low-stock|inventory)\s+)*(?:alerts?|warnings?|notifications?)"
_REPORT_VI = r"(?:bao cao|bc)(?: (?:ngay|hang ngay|cuoi ngay|moi ngay|toi))?"
_ALERT_VI = r"(?:canh bao|bao dong|thong bao)(?: (?:ton kho|het hang|sap het|kho))?"
_OFF_EN = (
    r"(?:stop|turn off|switch off|disable|pause|mute|cancel|unsubscribe from|no more|don'?t send"
    r"|do not send|stop sending|no need for|i don'?t need)(?:\s+me)?"
)
_ON_EN = (
    r"(?:start|turn on|switch on|enable|resume|unmute|restart|subscribe to|send me|start sending"
    r"|bring back)(?:\s+me)?"
)
_OFF_VI = r"(?:tat|dung|ngung|huy|thoi|khong|khong can|dung co)(?: (?:gui|nhan|bao))?"
_ON_VI = r"(?:bat|mo|bat lai|mo lai|gui lai|nhan|gui)"
_TIME = (
    r"(?P<hour>\d{1,2})(?:(?P<sep>:|h|\.)(?P<minute>\d{2}))?\s*(?P<unit>h|gio|o'?clock)?\s*"
    r"(?P<part>am|pm|sang|trua|chieu|toi|dem)?"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "report_time",
        re.compile(
            rf"(?:(?:send|get)\s+(?:me\s+)?|(?:change|set|move|switch)\s+(?:the\s+|my\s+)?)?"
            rf"(?:{_REPORT}|report time|report's time|time of (?:the )?report)"
            rf"\s*(?P<mark>at|@|by|:|=|to)?\s*{_TIME}"
        ),
    ),
    (
        "report_time",
        re.compile(
            rf"(?:(?:gui|nhan|gio|thoi gian|gio gui|doi gio|doi gio gui|chuyen|doi) )?{_REPORT_VI}"
            rf"\s*(?P<mark>luc|vao luc|vao|sang|thanh|qua|:|=)?\s*(?:luc )?{_TIME}"
        ),
    ),
    ("stop_reports", re.compile(rf"{_OFF_EN}\s+{_REPORT}|{_REPORT}\s+off|{_OFF_VI} {_REPORT_VI}")),
    (
        "start_reports",
        re.compile(
            rf"{_ON_EN}\s+{_REPORT}(?:\s+back)?|{_REPORT}\s+on|turn\s+{_REPORT}\s+(?:back\s+)?on"
            rf"|{_ON_VI} {_REPORT_VI}(?: lai)?"
        ),
    ),
    ("stop_alerts", re.compile(rf"{_OFF_EN}\s+{_ALERT}|{_ALERT}\s+off|{_OFF_VI} {_ALERT_VI}")),
    (
        "start_alerts",
        re.compile(
            rf"{_ON_EN}\s+{_ALERT}(?:\s+back)?|{_ALERT}\s+on|turn\s+{_ALERT}\s+(?:back\s+)?on"
            rf"|{_ON_VI} {_ALERT_VI}(?: lai)?"
        ),
    ),
    ("next_report", re.compile(r"tomorrow'?s report|next report|bao cao ngay mai|bao cao toi nay")),
]
CONFIRM = {
    "en": {
        "stop_reports": 'Okay — no more daily reports. Say "start reports" to have them back.',
        "start_reports": "Okay — you'll get the daily report at {at}.",
        "report_time": "Okay — your daily report now comes at {at}.",
        "stop_alerts": 'Okay — no more low-stock alerts. Say "start alerts" to have them back.',
        "start_alerts": "Okay — you'll get low-stock alerts again.",
        "next_report": "Your next report comes at {at}.",
        "next_report_off": 'Daily reports are off for you. Say "start reports" to have them back.',
        "not_listed": " (Reports go to {roles}; ask the owner to change your role.)",
        "bad_time": 'I couldn\'t read that time — try "reports at 20:00".',
    },
    "vi": {
        "stop_reports": 'Đã tắt báo cáo hằng ngày. Nhắn "bật báo cáo" để nhận lại.',
        "start_reports": "Đã bật — bạn sẽ nhận báo cáo hằng ngày lúc {at}.",
        "report_time": "Đã đổi — báo cáo hằng ngày sẽ gửi lúc {at}.",
        "stop_alerts": 'Đã tắt cảnh báo tồn kho. Nhắn "bật cảnh báo" để nhận lại.',
        "start_alerts": "Đã bật lại cảnh báo tồn kho.",
        "next_report": "Báo cáo tiếp theo sẽ gửi lúc {at}.",
        "next_report_off": 'Bạn đang tắt báo cáo. Nhắn "bật báo cáo" để nhận lại.',
        "not_listed": " (Báo cáo chỉ gửi cho {roles}; nhờ chủ quán đổi vai trò của bạn.)",
        "bad_time": 'Mình chưa đọc được giờ đó — thử "báo cáo lúc 20h" nhé.',
    },
}


@dataclass(frozen=True)
class Control:
    """A staff member's choice: `action`, and the time for `report_time` (None if unreadable)."""

    action: str
    at: time | None = None


def _normalised(text: str) -> str:
    folded = fold(text).replace("’", "'")
    folded = re.sub(r"[!?.,;…\"“”()\[\]]+", " ", folded)
    folded = re.sub(r"[^\w\s:'@-]", " ", folded)  # emoji and symbols
    return " ".join(folded.split())


def _strip_polite(text: str) -> str:
    """The message without polite words at its ends."""
    edge = re.compile(rf"^(?:{_POLITE}\s+)+|(?:\s+{_POLITE})+$")
    previous = None
    while previous != text:
        previous, text = text, edge.sub("", text).strip()
    return text


def read_control(text: str) -> Control | None:
    """The command the whole message gives, if it is one."""
    written = _normalised(text)
    if not written or len(written) > 80:
        return None
    # As written first: "tối" (evening) folds to "toi", which is also "tôi" (me).
    for message in dict.fromkeys((written, _strip_polite(written))):
        for action, pattern in _PATTERNS:
            found = pattern.fullmatch(message)
            if found is None:
                continue
            if action == "report_time":
                if not _is_time(found):
                    continue
                return Control(action, _time(found))
            return Control(action)
    return None


def _is_time(found: re.Match[str]) -> bool:
    """A number is a time only when something says so ("at", "lúc", "20h", ":30", "pm"):
    "báo cáo ngày 15", "report 10" are questions about a report, not a time for it."""
    marked = any(found.group(name) for name in ("mark", "sep", "unit", "part"))
    return marked and not found.group(0).startswith(("bao cao ngay", "bc ngay"))


def _time(found: re.Match[str]) -> time | None:
    hour = int(found.group("hour"))
    minute = int(found.group("minute") or 0)
    part = found.group("part")
    if part in ("pm", "chieu", "toi") and hour < 12:
        hour += 12
    elif part == "trua" and hour < 6:  # "1h trưa" is 13:00, "11h trưa" 11:00
        hour += 12
    elif part in ("am", "sang") and hour == 12:
        hour = 0
    elif part == "dem" and hour < 5:
        pass  # "2 giờ đêm" is 02:00
    elif part == "dem" and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


async def apply(psid: str, control: Control, settings: Settings, language: str) -> str:
    """Remember the choice and say so in one line (in the staff member's language)."""
    words = CONFIRM["vi" if language == "vi" else "en"]
    mine = next((r for r in await recipients(settings) if r.psid == psid), None)
    if control.action == "report_time":
        if control.at is None:
            return words["bad_time"]
        await choose(psid, "report_time", control.at)
        await choose(psid, "reports", True)
    elif control.action in ("stop_reports", "start_reports"):
        await choose(psid, "reports", control.action == "start_reports")
    elif control.action in ("stop_alerts", "start_alerts"):
        await choose(psid, "alerts", control.action == "start_alerts")
    at = control.at or (mine.due_time(settings) if mine else None) or time(settings.DIGEST_HOUR)
    key = control.action
    if key == "next_report" and mine is not None and not mine.reports:
        key = "next_report_off"
    line = words[key].format(at=at.strftime("%H:%M"))
    if mine is None and key not in ("stop_reports", "stop_alerts"):
        line += words["not_listed"].format(roles=", ".join(settings.REPORT_ROLES))
    return line
