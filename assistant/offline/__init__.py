"""The built-in offline model: a small parser and reply writer behind a LiteLLM provider."""
