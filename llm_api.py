"""The contract module: `ask_assistant(psid, text)` answers one incoming message.

The same function serves the Messenger worker, `flask ask` and the tests. What happens to a
message is decided in conversation/decide.py; the model's tool loop is assistant/loop.py;
the reply type is assistant/reply.py.
"""

from assistant.reply import AssistantReply
from conversation.decide import ask_assistant

__all__ = ["AssistantReply", "ask_assistant"]
