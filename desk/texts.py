"""What the desk says: to shoppers in their language, to staff in theirs (English by default)."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # to staff
        "notify_question": "❓ #{ref} — {who} asks:\n“{question}”",
        "notify_support": "🆘 #{ref} — {who} needs help:\n“{question}”",
        "notify_human": "🙋 #{ref} — {who} wants to talk to a person:\n“{question}”\n"
        "The chat is in the Page Inbox now: reply there.",
        "how_to_answer": "Reply to this message, or send “#{ref} your answer”. "
        "(“#{ref} nosave: …” keeps it out of the shop knowledge; “take #{ref}” takes the chat.)",
        "answered_sent": "✅ #{ref} answered: sent to {who}.",
        "answered_waiting": "✅ #{ref} answered. {who} last wrote more than 24 h ago, so Messenger "
        "lets us send it only when they write again — it will go then.",
        "saved": "Saved to the shop knowledge as #{entry}: the next shopper asking gets it at once.",
        "not_saved": "Not saved to the shop knowledge.",
        "not_saved_too_long": "Not saved to the shop knowledge: the question is too long to "
        "reuse for other shoppers. Use “remember: question = answer” for a general answer.",
        "not_saved_personal": "Not saved to the shop knowledge: the answer repeats the "
        "shopper's personal details. Use “remember: question = answer” for a general answer.",
        "not_saved_support": "A support case: not saved to the shop knowledge (use "
        "“remember: …” for a general answer).",
        "closed_by": "✔️ #{ref} was {how} by {who} — nothing more to do.",
        "closed_ok": "✔️ #{ref} closed without an answer.",
        "already": "#{ref} was already {how} by {who}.",
        "unknown_ref": "There is no question #{ref}. Send “pending” to see what is waiting.",
        "expired_note": "(#{ref} had expired; your answer still goes to the shopper.)",
        "empty_answer": "To answer #{ref}, send “#{ref} ” followed by your answer.",
        "pending_none": "Nothing is waiting for an answer. 👍",
        "pending_list": "{count} waiting for an answer:",
        "pending_line": "#{ref} ({age}) {who}: “{question}”",
        "pending_hint": "Answer with “#<number> your answer”.",
        "remembered": "📝 Saved as #{entry}: “{question}” → “{answer}”.",
        "forgot": "🗑️ Forgot #{entry}: “{question}”.",
        "forgot_learnt": "🗑️ Forgot #{entry}, learnt from a shopper's question: “{question}”.",
        "forget_unknown": "There is no knowledge entry #{entry}.",
        "took": "👤 The chat with {who} (#{ref}) is yours in the Page Inbox; the assistant stays "
        "quiet until you mark it done (or send “release #{ref}”).",
        "took_none": "There is no open question to take over. Use “take #<number>”.",
        "released": "🤖 The assistant is back in the chat with {who} (#{ref}).",
        "released_chat": "🤖 The assistant is back in the chat with {who}.",
        "release_none": "No chat is held by a person: the assistant answers everyone.",
        "reminder": "⏰ Daily reminder — {count} question(s) still waiting:",
        "anonymous": "a shopper",
        # to shoppers
        "relay": "💬 About your question #{ref} (“{question}”), our team says:\n{answer}",
        "relay_late": "💬 Earlier you asked (#{ref}): “{question}”\nOur team says:\n{answer}",
        "handover": "I've asked a team member to join this chat (#{ref}); they will reply here "
        "shortly.",
        "handover_none": "I've noted that you'd like to talk to a person (#{ref}); the shop will "
        "follow up here as soon as someone is available.",
        "limit": "Your earlier question ({ref}) is already with our team — they will answer "
        "you right here.",
    },
    "vi": {
        "relay": "💬 Về câu hỏi #{ref} của bạn (“{question}”), cửa hàng trả lời:\n{answer}",
        "relay_late": "💬 Trước đó bạn hỏi (#{ref}): “{question}”\nCửa hàng trả lời:\n{answer}",
        "handover": "Mình đã nhờ nhân viên vào trò chuyện với bạn (#{ref}); họ sẽ trả lời ngay "
        "tại đây.",
        "handover_none": "Mình đã ghi nhận bạn muốn nói chuyện với nhân viên (#{ref}); cửa hàng "
        "sẽ liên hệ lại tại đây sớm nhất.",
        "anonymous": "một khách hàng",
        "limit": "Câu hỏi trước của bạn ({ref}) đã được chuyển cho nhân viên — họ sẽ trả lời "
        "bạn ngay tại đây.",
    },
}


def say(language: str, key: str, **values: Any) -> str:
    """One phrase in `language` (English when it has no translation)."""
    table = TEXTS.get(language, {})
    template = table.get(key) or TEXTS["en"][key]
    return template.format(**values)


def age(seconds: float) -> str:
    """`5 min`, `3 h`, `2 d`."""
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"
