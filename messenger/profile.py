"""The Page's Messenger profile: Get Started, greeting, ice breakers and persistent menu."""

from __future__ import annotations

from typing import Any

from config import Settings

GREETING_LIMIT = 160


def profile_payload(settings: Settings) -> dict[str, Any]:
    """The `me/messenger_profile` body for this shop (postback payloads the bot understands)."""
    greeting = (
        f"Hi {{{{user_first_name}}}}! Ask {settings.SHOP_NAME} about our menu, prices or your order."
    )[:GREETING_LIMIT]
    return {
        "get_started": {"payload": "GET_STARTED"},
        "greeting": [
            {"locale": "default", "text": greeting},
            {
                "locale": "vi_VN",
                "text": f"Xin chào {{{{user_first_name}}}}! Hỏi {settings.SHOP_NAME} về menu, giá hoặc đơn hàng nhé."[
                    :GREETING_LIMIT
                ],
            },
        ],
        "ice_breakers": [
            {
                "locale": "default",
                "call_to_actions": [
                    {"question": "What's on the menu?", "payload": "MENU"},
                    {"question": "Where is my order?", "payload": "MY_ORDERS"},
                    {"question": "What can you do?", "payload": "HELP"},
                ],
            }
        ],
        "persistent_menu": [
            {
                "locale": "default",
                "composer_input_disabled": False,
                "call_to_actions": [
                    {"type": "postback", "title": "Menu", "payload": "MENU"},
                    {"type": "postback", "title": "My orders", "payload": "MY_ORDERS"},
                    {"type": "postback", "title": "Help", "payload": "HELP"},
                ],
            }
        ],
    }
