"""OpenAPI request bodies for routes that read their body themselves (to inject fields from the path and
the caller before validating): the pydantic model's schema, definitions inlined, some fields left out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {key: _inline(value, definitions) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def request_body(model: type[BaseModel], *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """`openapi_extra` for a JSON body shaped like `model`, less the fields the server fills in."""
    schema = model.model_json_schema()
    schema = _inline(schema, schema.get("$defs", {}))
    for name in without:
        schema["properties"].pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
