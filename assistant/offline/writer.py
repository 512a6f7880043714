"""Replies of the offline model, written from tool results (numbers copied, never computed).

Over 300 lines on purpose: one small writer per tool, with the English and Vietnamese
phrases they share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.offline.metrics_writer import (
    Context,
    inactive_lead,
    metrics_error,
    write_metrics,
)
from tools.formatting import parse_result

Rows = list[dict[str, Any]]
MAX_LINES = 8

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hi! 👋 I'm the {shop} assistant.",
        "help_owner": (
            "Ask me about the business, for example:\n- revenue today / this month vs last month\n"
            "- orders by hour yesterday, busiest day last week\n- best sellers this week, "
            "only milk tea\n- who sold most this month\n- what's low on stock\n"
            "- customers who haven't ordered recently"
        ),
        "help_shopper": (
            'I can help you with:\n- our menu and prices ("do you have matcha?")\n'
            '- pictures of a product\n- your orders ("where is my order?")'
        ),
        "thanks": "You're welcome! 😊",
        "unknown": "Sorry, I didn't catch that.",
        "none": "I found nothing matching that.",
        "not_sold": "Sorry, we don't sell that. Maybe something from our {categories}?",
        "not_sold_bare": "Sorry, we don't sell that.",
        "more": "… {n} in all",
        "sold_out": "sold out right now",
        "no_product": 'I couldn\'t find "{name}" on our menu.',
        "no_orders": "I can't find any orders for you yet.",
        "failed": "Sorry, I couldn't look that up right now.",
        "no_knowledge": "Nothing in the shop knowledge about that yet — add it with "
        "“remember: question = answer”.",
        "asked": "I've asked our team about that ({ref}) — their answer will come to you right "
        "here.",
        "asked_support": "I'm sorry about that! I've passed it to our team ({ref}) — they'll "
        "reply to you right here.",
        "asked_nobody": "I've noted your question ({ref}); the shop will follow up here as soon "
        "as someone is available.",
        "owners_only": "Revenue, customers' spending and staff figures are for the owner and "
        "managers. I can help with the menu, shop knowledge and shoppers' questions.",
        "asked_limit": "Your earlier question ({ref}) is already with our team — they'll "
        "answer you right here.",
        "answered": "{ref} answered: {what}.",
        "answer_sent": "sent to the shopper",
        "answer_waits": "it goes to the shopper when they write again (outside the 24 h window)",
        "answer_already": "{ref} was already answered by {who}",
        "answer_unknown": "there is no question {ref}",
    },
    "vi": {
        "greeting": "Xin chào! 👋 Mình là trợ lý của {shop}.",
        "help_owner": (
            "Bạn có thể hỏi về việc kinh doanh, ví dụ:\n- doanh thu hôm nay / tháng này so với "
            "tháng trước\n- số đơn theo giờ hôm qua, ngày nào đông khách nhất\n- món bán chạy "
            "tuần này, chỉ trà sữa\n- ai bán nhiều nhất tháng này\n- hàng sắp hết\n"
            "- khách lâu rồi không quay lại"
        ),
        "help_shopper": (
            'Mình có thể giúp bạn:\n- xem menu và giá ("có trà sữa không?")\n'
            '- xem hình sản phẩm\n- đơn hàng của bạn ("đơn của tôi đâu?")'
        ),
        "thanks": "Không có gì ạ! 😊",
        "unknown": "Xin lỗi, mình chưa hiểu ý bạn.",
        "none": "Mình không tìm thấy kết quả nào.",
        "not_sold": "Xin lỗi, shop không bán món này. Bạn xem thử {categories} của shop nhé?",
        "not_sold_bare": "Xin lỗi, shop không bán món này.",
        "more": "… tổng cộng {n}",
        "sold_out": "tạm hết hàng",
        "no_product": 'Mình không tìm thấy "{name}" trong menu.',
        "no_orders": "Mình chưa thấy đơn hàng nào của bạn.",
        "failed": "Xin lỗi, mình chưa tra cứu được lúc này.",
        "no_knowledge": "Chưa có thông tin này — thêm bằng “remember: câu hỏi = câu trả lời”.",
        "asked": "Mình đã hỏi nhân viên cửa hàng ({ref}) — câu trả lời sẽ được gửi cho bạn "
        "ngay tại đây.",
        "asked_support": "Mình rất tiếc về sự cố này! Mình đã chuyển cho nhân viên ({ref}) — "
        "họ sẽ trả lời bạn ngay tại đây.",
        "asked_nobody": "Mình đã ghi nhận câu hỏi của bạn ({ref}); cửa hàng sẽ trả lời bạn tại "
        "đây sớm nhất.",
        "owners_only": "Doanh thu, chi tiêu của khách và số liệu nhân viên chỉ dành cho chủ "
        "shop và quản lý. Mình có thể giúp về menu, thông tin cửa hàng và câu hỏi của khách.",
        "asked_limit": "Câu hỏi trước của bạn ({ref}) đã được chuyển cho nhân viên — họ sẽ "
        "trả lời bạn ngay tại đây.",
        "answered": "{ref}: {what}.",
        "answer_sent": "đã gửi cho khách",
        "answer_waits": "sẽ gửi khi khách nhắn lại (quá 24 giờ)",
        "answer_already": "{ref} đã được {who} trả lời",
        "answer_unknown": "không có câu hỏi {ref}",
    },
}

STATUS_VI = {
    "pending": "đang xử lý",
    "completed": "hoàn tất",
    "cancelled": "đã hủy",
    "refunded": "đã hoàn tiền",
}


def text(language: str, key: str, **values: Any) -> str:
    """One phrase of the offline model in `language`."""
    table = TEXTS.get(language, TEXTS["en"])
    return table[key].format(**values)


def _span(head: dict[str, Any], start: str, end: str) -> str:
    first, last = head.get(start), head.get(end)
    if first and last:
        return f"{first} → {last}" if first != last else str(first)
    return str(first or last or "")


def _variant_text(variant: dict[str, Any], lang: str) -> str:
    label = variant.get("classification") or ""
    price = variant.get("price", "")
    sold = "" if variant.get("in_stock", True) else f" ({text(lang, 'sold_out')})"
    return f"{label} {price}{sold}".strip()


def _summary(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    if lang == "vi":
        return [
            f"Doanh thu {_span(head, 'period_start', 'period_end')}: {head.get('total_revenue')}",
            f"- {head.get('total_orders')} đơn hoàn tất, trung bình {head.get('avg_order_value')}",
            f"- Thuế {head.get('total_tax')}, giảm giá {head.get('total_discounts')}",
        ]
    return [
        f"Revenue {_span(head, 'period_start', 'period_end')}: {head.get('total_revenue')}",
        f"- {head.get('total_orders')} completed orders, average {head.get('avg_order_value')}",
        f"- Tax {head.get('total_tax')}, discounts {head.get('total_discounts')}",
    ]


def _revenue(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    span = _span(head, "start_date", "end_date")
    orders_word = "đơn hoàn tất" if lang == "vi" else "completed orders"
    title = "Doanh thu" if lang == "vi" else "Revenue"
    lines = [
        f"{title} {span}: {head.get('total_revenue')} ({head.get('total_orders')} {orders_word})"
    ]
    for row in sections.get("orders", [])[:5]:
        who = row.get("customer_name") or row.get("customer_email") or ""
        lines.append(
            f"- {row.get('order_date')} {row.get('revenue')} {who} {row.get('payment_method') or ''}".rstrip()
        )
    return lines


def _products(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    lines = []
    for index, row in enumerate(sections.get("rows", [])[:MAX_LINES], 1):
        label = (
            f"{row.get('product_name')} ({row.get('classification')})"
            if row.get("classification")
            else str(row.get("product_name"))
        )
        if "total_sold" in row:
            sold = "đã bán" if lang == "vi" else "sold"
            lines.append(
                f"{index}. {label}: {row['total_sold']} {sold}, {row.get('total_revenue')}"
            )
        else:
            stock = "tồn" if lang == "vi" else "in stock"
            lines.append(f"- {label}: {row.get('price')}, {row.get('stock')} {stock}")
    return lines


def _customers(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    orders = "đơn" if lang == "vi" else "orders"
    return [
        f"- {row.get('customer_name') or row.get('customer_id')}"
        f"{' ⭐' if row.get('premium') else ''}: {row.get('total_spent')}, "
        f"{row.get('total_orders')} {orders}"
        + (f", {row['customer_email']}" if row.get("customer_email") else "")
        for row in sections.get("rows", [])[:MAX_LINES]
    ]


def _inventory(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    left = "còn" if lang == "vi" else "left"
    return [
        f"- {row.get('product_name')} {row.get('classification') or ''}: "
        f"{row.get('stock')} {left} (min {row.get('low_stock_threshold')}) – {row.get('stock_status')}"
        for row in sections.get("rows", [])[:MAX_LINES]
    ]


def _employees(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    orders = "đơn" if lang == "vi" else "orders"
    return [
        f"{index}. {row.get('employee_name')} ({row.get('role')}): {row.get('total_sales')}, "
        f"{row.get('total_orders')} {orders}"
        for index, row in enumerate(sections.get("rows", [])[:MAX_LINES], 1)
    ]


def _orders(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    return [
        f"- {row.get('order_date')} {row.get('status_label') or row.get('status')}: "
        f"{row.get('final_total_price')} {row.get('customer_name') or ''}"
        + (f" – {row['note']}" if row.get("note") else "")
        for row in sections.get("rows", [])[:MAX_LINES]
    ]


def _insights(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    summary = head.get("revenue_summary") or {}
    span = _span(head, "period_start", "period_end")
    if lang == "vi":
        lines = [
            f"Tổng quan {span}:",
            f"- Doanh thu {summary.get('total_revenue')} ({summary.get('total_orders')} đơn)",
            f"- {head.get('inventory_alerts')} mặt hàng cần nhập thêm",
            "Bán chạy:",
        ]
    else:
        lines = [
            f"Overview {span}:",
            f"- Revenue {summary.get('total_revenue')} "
            f"({summary.get('total_orders')} orders, avg {summary.get('avg_order_value')})",
            f"- {head.get('inventory_alerts')} stock lines need restocking",
            "Top products:",
        ]
    lines += [
        f"{i}. {row.get('product_name')} ({row.get('classification')}): {row.get('total_revenue')}"
        for i, row in enumerate(sections.get("top_products", [])[:5], 1)
    ]
    return lines


def _catalog(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    if head.get("not_sold"):
        categories = ", ".join(str(c) for c in sections.get("categories", []))
        return [text(lang, "not_sold" if categories else "not_sold_bare", categories=categories)]
    lines = []
    for row in sections.get("rows", [])[:5]:
        variants = ", ".join(_variant_text(v, lang) for v in row.get("variants", []))
        sold = "" if row.get("in_stock", True) else f" – {text(lang, 'sold_out')}"
        lines.append(f"- {row.get('name')}: {variants}{sold}")
    return lines


def _details(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    if not head.get("found"):
        return [text(lang, "no_product", name=head.get("product_name", ""))]
    variants = ", ".join(_variant_text(v, lang) for v in sections.get("variants", []))
    lines = [f"{head.get('name')}: {variants}"]
    images = sections.get("images", [])
    if images:
        lines.append(str(images[0]))
    return lines


def _my_orders(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    rows = sections.get("rows", [])
    if not rows:
        return [text(lang, "no_orders")]
    lines = []
    for row in rows[:5]:
        status = (
            STATUS_VI.get(row.get("status", ""), row.get("status"))
            if lang == "vi"
            else row.get("status")
        )
        items = ", ".join(
            f"{i.get('quantity')}× {i.get('product_name')}" for i in row.get("items", [])
        )
        lines.append(
            f"- #{row.get('order_ref')} {row.get('order_date')}: {status}, {row.get('total')} ({items})"
        )
    return lines


KNOWLEDGE_ENOUGH = 0.5  # share of the question's words an entry must match to answer it


def good_entry(row: dict[str, Any]) -> bool:
    """Whether a knowledge entry answers the question (as the search judged it; else by the
    share of the question's words it has — a containment match always does)."""
    if "answers_it" in row:
        return bool(row["answers_it"])
    words = row.get("query_words") or 0
    return not words or (row.get("matched_words") or 0) / words >= KNOWLEDGE_ENOUGH


def _knowledge(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    answers = list(
        dict.fromkeys(str(r.get("answer")) for r in sections.get("rows", []) if good_entry(r))
    )
    return answers[:2] or [text(lang, "no_knowledge")]


def _asked(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    ref = head.get("reference", "")
    if head.get("status") == "limit":
        return [text(lang, "asked_limit", ref=ref)]
    if not head.get("staff_asked"):
        return [text(lang, "asked_nobody", ref=ref)]
    key = "asked_support" if head.get("kind") == "support" else "asked"
    return [text(lang, key, ref=ref)]


def _answered(head: dict[str, Any], sections: dict[str, Rows], lang: str) -> list[str]:
    ref, outcome = head.get("reference", ""), head.get("outcome")
    if outcome == "answered":
        what = text(lang, "answer_waits" if head.get("waits_for_shopper") else "answer_sent")
    elif outcome == "already":
        what = text(lang, "answer_already", ref=ref, who=head.get("answered_by") or "?")
    else:
        what = text(lang, "answer_unknown", ref=ref)
    return [text(lang, "answered", ref=ref, what=what)]


WRITERS: dict[str, Callable[[dict[str, Any], dict[str, Rows], str], list[str]]] = {
    "search_shop_knowledge": _knowledge,
    "ask_staff": _asked,
    "answer_escalation": _answered,
    "get_sales_summary_by_period": _summary,
    "get_revenue_by_filters": _revenue,
    "find_products_by_criteria": _products,
    "find_customers_by_criteria": _customers,
    "get_inventory_status": _inventory,
    "get_employee_metrics": _employees,
    "search_orders_by_text": _orders,
    "get_business_insights": _insights,
    "search_products": _catalog,
    "get_product_details": _details,
    "get_my_orders": _my_orders,
}


def write_reply(tool_contents: list[str], language: str, context: Context | None = None) -> str:
    """A reply built from the text of each tool result of the turn (`context`: today, the
    call and what the question left out, for query_metrics' answers)."""
    ctx = context or Context(language=language)
    parts: list[str] = []
    for content in tool_contents:
        if content.startswith("ERROR"):
            parts.append(metrics_error(content, language) or text(language, "failed"))
            continue
        name, head, sections = parse_result(content)
        if name == "query_metrics" and head.get("chart"):
            parts.append(str(head["chart"]))  # the one line sent with the picture
            continue
        if name == "query_metrics":
            parts.append(write_metrics(head, sections, ctx))
            continue
        lead = inactive_lead(head, ctx) if name == "find_customers_by_criteria" else None
        writer = WRITERS.get(name)
        lines = writer(head, sections, language) if writer else []
        total = head.get("total_matching")
        listed = len(sections.get("rows", []))
        if not lines and total in (0, None):
            lines = [text(language, "none")]
        elif isinstance(total, int) and total > min(listed, MAX_LINES) and listed:
            # The tool's own total, not a difference: the offline model does no arithmetic.
            lines.append(text(language, "more", n=total))
        parts.append("\n".join([lead, *lines] if lead and total else lines))
    return "\n\n".join(part for part in parts if part) or text(language, "none")
