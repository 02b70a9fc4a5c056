"""docs/openapi.json is the schema the code produces (no server needed)."""

from __future__ import annotations

from pathlib import Path

from desktop.backend.web import openapi

CHECKED_IN = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_docs_openapi_json_is_up_to_date() -> None:
    assert CHECKED_IN.read_text() == openapi.text(), (
        "the API changed: python -m desktop.backend.web.openapi > docs/openapi.json"
    )


def test_every_api_call_documents_its_error_body_and_the_session_scheme() -> None:
    document = openapi.document()
    assert "ErrorBody" in document["components"]["schemas"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    sync = document["paths"]["/v1/sync"]["get"]
    assert sync["security"] == [{"HTTPBearer": []}]
    assert all(p["in"] != "query" or p["name"] == "cursor" for p in sync["parameters"])
    redeem = document["paths"]["/v1/redemptions"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in redeem["parameters"])
