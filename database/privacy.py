"""Deleting everything the assistant keeps about one sender."""

from __future__ import annotations

from tortoise.transactions import in_transaction

DELETIONS = (
    "DELETE FROM session WHERE id IN (SELECT session_id FROM users_sessions WHERE customer_id = $1)",
    "DELETE FROM users_sessions WHERE customer_id = $1",
    "DELETE FROM llm_turns WHERE psid = $1",
    "DELETE FROM outbox_messages WHERE recipient_psid = $1",
    "DELETE FROM inbox_events WHERE psid = $1",
    "DELETE FROM escalations WHERE shopper_psid = $1",
    "DELETE FROM thread_control WHERE psid = $1",
    "DELETE FROM staff_notices WHERE psid = $1",
)


async def delete_sender_data(psid: str) -> int:
    """Delete the sender's sessions, highlights, chat history and message records.

    Returns how many sessions were deleted. Shop records (orders, the customer row)
    belong to the shop's books and are not touched.
    """
    async with in_transaction() as tx:
        _, rows = await tx.execute_query(
            "SELECT count(*) FROM users_sessions WHERE customer_id = $1", [psid]
        )
        for statement in DELETIONS:
            await tx.execute_query(statement, [psid])
    return int(rows[0][0]) if rows else 0
