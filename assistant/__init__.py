"""The assistant: the tool loop, the reply type, prompts, the LLM client and the built-in
offline model."""

import os

# LiteLLM fetches its model cost map over the network at import unless told not to;
# this package is the only importer of litellm, so setting it here covers every path.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
