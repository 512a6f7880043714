"""The conversation: what happens to one message — who is asking, whether a person holds the
chat, a chat command, the desk, or the assistant. Channel-agnostic: messenger/ hands it text
and turns its `AssistantReply` into Send API parts."""
