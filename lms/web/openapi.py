"""The API's OpenAPI 3.1 document, drawn from the exports' own fields and filters so it cannot drift.

Choices that come from content (program keys, registrations) are read from the catalog at each
request, so the document always names what this site serves today.
"""

from __future__ import annotations

from typing import Any

from lms.services.export_base import CURSOR, LIMIT, Export, Field, Param

VERSION = "1"
_KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
    "boolean": {"type": "boolean"}, "date-time": {"type": "string", "format": "date-time"},
    "object": {"type": "object"}, "strings": {"type": "array", "items": {"type": "string"}}}
# Free text may hold anything a URL can carry except NUL, which the site refuses everywhere.
_NO_NUL = "^[^\\x00]*$"
_ERROR = {"$ref": "#/components/schemas/Error"}


def _field_schema(field: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {**_KINDS[field.kind], "description": field.description}
    if field.choices:
        schema["enum"] = [*field.choices, *([None] if field.nullable else [])]
    if field.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def _param_schema(param: Param) -> dict[str, Any]:
    if param.integer:
        return {"type": "integer", "minimum": param.minimum, "maximum": param.maximum}
    if param.choices:
        return {"type": "string", "enum": list(param.choices), **({"default": param.default} if param.default else {})}
    return {"type": "string", "maxLength": param.max_length, "pattern": _NO_NUL}


def _parameter(param: Param) -> dict[str, Any]:
    return {"name": param.name, "in": "query", "required": False, "description": param.description,
            "schema": _param_schema(param)}


def _schema_name(export: Export) -> str:
    return "".join(part.capitalize() for part in export.name.split("-"))


def _operation(export: Export) -> dict[str, Any]:
    name = _schema_name(export)
    errors = {"400": "A filter, `limit` or `cursor` is not one this API accepts; `message` says which.",
              "401": "No working token: none sent, not an admin's, revoked, or its owner is no longer an admin.",
              "429": "Too many requests without a working token from this address; wait a minute."}
    return {
        "operationId": f"list{name}", "summary": export.title, "description": export.description,
        "parameters": [_parameter(param) for param in (*export.params, LIMIT, CURSOR)],
        "responses": {
            "200": {"description": "One page of rows, in id order.",
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Page"}}}},
            **{code: {"description": words, "content": {"application/json": {"schema": _ERROR}}}
               for code, words in errors.items()}}}


def document(exports: dict[str, Export], prefix: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["error", "message"], "additionalProperties": False,
                  "properties": {"error": {"type": "string", "description": "A short code, such as unauthorized."},
                                 "message": {"type": "string", "description": "What went wrong, for a person."}}}}
    paths: dict[str, Any] = {}
    for export in exports.values():
        name = _schema_name(export)
        schemas[name] = {"type": "object", "description": export.description, "additionalProperties": False,
                         "required": [field.name for field in export.fields],
                         "properties": {field.name: _field_schema(field) for field in export.fields}}
        schemas[f"{name}Page"] = {
            "type": "object", "required": ["data", "next_cursor"], "additionalProperties": False,
            "properties": {"data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                           "next_cursor": {"type": ["string", "null"], "pattern": "^[0-9]+$",
                                           "description": "Pass it as `cursor` for the next page; null on the "
                                                          "last page."}}}
        paths[f"{prefix}/{export.name}"] = {"get": _operation(export)}
    paths[f"{prefix}/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Marketplace Agent Training API", "version": VERSION,
                 "description": "Read-only exports for admins: people, scores, registration completions and the "
                                "audit log. Send an admin's API token as `Authorization: Bearer <token>`; pages "
                                "follow `next_cursor`."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer",
                      "description": "A token an admin created under Admin → API tokens (it starts with lms_)."}}},
        "security": [{"token": []}],
    }
