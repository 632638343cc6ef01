"""The browsable API reference at /api/v1/docs, rendered on the server from the OpenAPI document.

No script and no CDN: the page is plain HTML, so the strict CSP holds and it works offline.
"""

from flask import Blueprint, render_template

from ..extensions import api

bp = Blueprint("api_docs", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


def ref_name(schema: dict | None) -> str | None:
    """The component name a schema points to, following arrays."""
    if not schema:
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return ref_name(schema.get("items"))
    return None


def type_label(schema: dict) -> str:
    name = ref_name(schema)
    if schema.get("type") == "array":
        return f"array of {name or type_label(schema.get('items', {}))}"
    if name:
        return name
    label = schema.get("type", "any")
    if schema.get("format"):
        label += f" ({schema['format']})"
    if schema.get("enum"):
        label += ": " + ", ".join(str(value) for value in schema["enum"])
    return label


def operations(spec: dict) -> list[dict]:
    responses = spec.get("components", {}).get("responses", {})
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            answers = []
            for status, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    response = responses.get(response["$ref"].rsplit("/", 1)[-1], {})
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                answers.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "schema": type_label(schema) if schema else None,
                        "ref": ref_name(schema),
                    }
                )
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": f"{method}-{path}".replace("/", "-").strip("-"),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "secured": bool(operation.get("security")),
                    "parameters": [
                        {**p, "type": type_label(p.get("schema", {}))}
                        for p in item.get("parameters", []) + operation.get("parameters", [])
                    ],
                    "body": ref_name(body.get("schema")),
                    "responses": answers,
                }
            )
    return found


def schemas(spec: dict) -> list[dict]:
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        props = [
            {
                "name": prop,
                "type": type_label(definition),
                "ref": ref_name(definition),
                "required": prop in required,
                "nullable": definition.get("nullable", False),
                "description": definition.get("description", ""),
            }
            for prop, definition in schema.get("properties", {}).items()
        ]
        found.append({"name": name, "description": schema.get("description", ""), "properties": props})
    return found


@bp.get("/api/v1/docs")
def index():
    """Every endpoint, its parameters, bodies and answers, and every schema, from the live document."""
    spec = api.spec.to_dict()
    security = spec.get("components", {}).get("securitySchemes", {})
    return render_template(
        "api/docs.html", spec=spec, operations=operations(spec), schemas=schemas(spec), security=security
    )
