"""The contract module: `ask_assistant(psid, text)` answers one incoming message.

`flask ask` and the tests call it; the Messenger worker runs the same two steps itself
(conversation.held_by_a_person first, so that its inbox records `held`, then
conversation.answer). What happens to a message is decided in conversation/decide.py; the
model's tool loop is assistant/loop.py; the reply type is assistant/reply.py.
"""

from assistant.reply import AssistantReply
from conversation.decide import ask_assistant

__all__ = ["AssistantReply", "ask_assistant"]
