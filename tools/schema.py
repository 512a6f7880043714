"""JSON schemas for tool parameters, generated from the pydantic argument models."""

from __future__ import annotations

from typing import Any

from tools.args import ToolArgs


def _simplify(node: Any) -> Any:
    """Collapse pydantic's `anyOf [X, null]` and Decimal's number|string into plain types."""
    if isinstance(node, list):
        return [_simplify(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _simplify(value) for key, value in node.items() if key != "title"}
    options = node.pop("anyOf", None)
    if options is not None:
        kept = [option for option in options if option.get("type") != "null"]
        numeric = [option for option in kept if option.get("type") == "number"]
        chosen = numeric[0] if numeric else kept[0] if len(kept) == 1 else {"anyOf": kept}
        node = {**chosen, **node}
    if "default" in node and node["default"] is None:
        node.pop("default")
    if node.get("type") == "string" and "pattern" in node and node.get("format") is None:
        node.pop("pattern")
    return node


def tool_parameters(model: type[ToolArgs]) -> dict[str, Any]:
    """The `parameters` object of an OpenAI tool definition for `model`."""
    schema = _simplify(model.model_json_schema())
    schema.pop("description", None)
    schema.setdefault("properties", {})
    schema["additionalProperties"] = False
    for name, prop in schema["properties"].items():
        if prop.get("format") == "date":
            prop["description"] = prop.get("description", "") or f"{name} as YYYY-MM-DD"
    return schema
