"""What to answer to each kind of event, as Send API message bodies."""

from __future__ import annotations

from typing import Any

from assistant.reply import AssistantReply
from core.language import detect_language
from desk.turn import Outgoing
from messenger.events import Event, EventKind
from messenger.outbox import CHART, Attachment, NewPart
from messenger.split import split_message

QUICK_REPLY_TITLE_LIMIT = 20
# Postback payloads of our own buttons (Get Started, menu, ice breakers) read as these messages.
POSTBACK_TEXT = {
    "GETSTARTED": "hello",
    "MENU": "show me the menu",
    "MYORDERS": "where is my order?",
    "HELP": "help",
}
ATTACHMENT_TEXT = {
    "en": {
        "image": "Thanks for the picture! I can't look at images yet — tell me in words what "
        'you\'re looking for (e.g. "do you have matcha?").',
        "audio": "Thanks for the voice message! I can only read text for now — please type "
        "your question.",
        "video": "Thanks for the video! I can only read text for now — please type your question.",
        "file": "Thanks for the file! I can't open files — please type your question.",
        "location": "Thanks for sharing your location! Ask me about our menu, prices or your order.",
        "other": "Thanks! I can answer questions about our menu, prices, pictures and your orders.",
        "like": "Thanks! 👍 Glad to help.",
    },
    "vi": {
        "image": "Cảm ơn bạn đã gửi hình! Mình chưa xem được hình — bạn nhắn bằng chữ giúp mình "
        'nhé (ví dụ "có trà sữa không?").',
        "audio": "Cảm ơn bạn! Mình chỉ đọc được tin nhắn chữ — bạn nhắn câu hỏi giúp mình nhé.",
        "video": "Cảm ơn bạn! Mình chỉ đọc được tin nhắn chữ — bạn nhắn câu hỏi giúp mình nhé.",
        "file": "Cảm ơn bạn! Mình chưa mở được tệp — bạn nhắn câu hỏi giúp mình nhé.",
        "location": "Cảm ơn bạn đã chia sẻ vị trí! Bạn có thể hỏi về menu, giá hoặc đơn hàng.",
        "other": "Cảm ơn bạn! Mình có thể trả lời về menu, giá, hình sản phẩm và đơn hàng.",
        "like": "Cảm ơn bạn! 👍",
    },
}


NOTICES = {
    "slow_down": {
        "en": "You're sending messages faster than I can read them — I've answered your latest "
        "one. Please send one message at a time.",
        "vi": "Bạn nhắn nhanh quá, mình trả lời tin nhắn mới nhất của bạn nhé. Bạn gửi từng "
        "tin một giúp mình.",
    },
    "foreign_postback": {
        "en": "Sorry, I can't act on that button. Tell me in words what you need — our menu, "
        "prices or your order.",
        "vi": "Xin lỗi, mình không xử lý được nút đó. Bạn nhắn bằng chữ giúp mình nhé — menu, "
        "giá hoặc đơn hàng.",
    },
}


def notice_text(key: str, language: str) -> str:
    """A fixed line about the conversation itself, in the sender's language."""
    return NOTICES[key].get(language, NOTICES[key]["en"])


def _payload_key(payload: str) -> str:
    return "".join(ch for ch in payload.upper() if ch.isalnum())


def is_our_postback(payload: str | None) -> bool:
    """Whether a postback's payload is one of this app's buttons (Get Started, the menu, the
    ice breakers) — only those are commands."""
    return _payload_key((payload or "").strip()) in POSTBACK_TEXT


def text_for_assistant(event: Event) -> str | None:
    """The text the assistant should answer for this event, if any."""
    if event.kind is EventKind.POSTBACK:
        payload = (event.payload or "").strip()
        return POSTBACK_TEXT.get(_payload_key(payload), event.text or payload or None)
    if event.kind is EventKind.QUICK_REPLY:
        return event.text or event.payload
    if event.kind is EventKind.TEXT:
        return event.text
    return None


def canned_reply(event: Event, language: str = "en") -> list[dict[str, Any]]:
    """The friendly reply to an attachment or the like button."""
    table = ATTACHMENT_TEXT.get(language, ATTACHMENT_TEXT["en"])
    if event.kind is EventKind.LIKE:
        return [{"text": table["like"]}]
    kind = event.attachments[0].type if event.attachments else "other"
    return [{"text": table.get(kind or "other", table["other"])}]


def assistant_bodies(reply: AssistantReply) -> list[dict[str, Any]]:
    """Send API message bodies of an assistant reply: text parts, then pictures; quick replies last."""
    bodies: list[dict[str, Any]] = [{"text": part} for part in split_message(reply.text)]
    bodies += [
        {"attachment": {"type": "image", "payload": {"url": url, "is_reusable": True}}}
        for url in reply.images
    ]
    if bodies and reply.quick_replies and not reply.failed:
        bodies[-1]["quick_replies"] = _quick_replies(reply.quick_replies)
    return bodies


def _quick_replies(titles: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    return [
        {"content_type": "text", "title": title[:QUICK_REPLY_TITLE_LIMIT], "payload": title}
        for title in titles[:13]
    ]


def outgoing_parts(item: Outgoing) -> list[NewPart]:
    """The Send API parts of a message to someone else (or a thread-control action)."""
    if item.action is not None:
        return [NewPart(item.recipient, item.action, "", None, item.purpose, item.escalation_id)]
    bodies: list[dict[str, Any]] = [{"text": chunk} for chunk in split_message(item.text)]
    if bodies and item.quick_replies:
        bodies[-1]["quick_replies"] = _quick_replies(item.quick_replies)
    return [
        NewPart(
            item.recipient, body, item.messaging_type, item.tag, item.purpose, item.escalation_id
        )
        for body in bodies
    ]


def chart_parts(reply: AssistantReply, psid: str) -> list[NewPart]:
    """A part per chart: the picture is uploaded when it is sent (messenger.delivery)."""
    body = {"attachment": {"type": "image", "payload": {"is_reusable": True}}}
    return [
        NewPart(psid, body, purpose=CHART, file=Attachment(chart.filename, chart.png))
        for chart in reply.charts
    ]


def reply_parts(reply: AssistantReply, psid: str) -> list[NewPart]:
    """Every part a reply causes, in sending order: what the sender is told first (a staff
    notice, answers that waited), the reply, then messages to others and handover actions
    (a shopper's reply goes before their thread is passed to the Page Inbox)."""
    if reply.silent:
        return []
    parts = [
        NewPart(psid, {"text": chunk}, purpose="notice")
        for text in reply.before
        for chunk in split_message(text)
    ]
    parts += chart_parts(reply, psid)
    parts += [NewPart(psid, body) for body in assistant_bodies(reply)]
    for item in reply.outgoing:
        parts += outgoing_parts(item)
    return parts


def language_of(event: Event) -> str:
    """The event's language, from its text when it has one."""
    return detect_language(event.text or "")
