"""The kernel's OpenAPI post-processing: every operation documents its refusals as problem+json,
derived from its access rule and its shape, and keeps the field constraints pydantic emits."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import jsonschema
from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from unefois_kernel.auth.access import allow, authenticated, document_access, public
from unefois_kernel.auth.principal import Role
from unefois_kernel.domain_errors import DomainError, NotFound
from unefois_kernel.openapi import PROBLEM, install_openapi
from unefois_kernel.problems import PROBLEM_JSON, install_problem_handlers


class Draft(BaseModel):
    siret: str = Field(pattern=r"^[0-9]{14}$", min_length=14, max_length=14)
    amount: Annotated[int, Field(ge=0, le=10**9)]


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()

    @router.get("/api/things", dependencies=[allow(Role.BUYER)])
    async def things(limit: int = Query(20, ge=1, le=100)) -> list[dict]:
        return []

    @router.post("/api/things", dependencies=[allow(Role.BUYER)], status_code=201)
    async def create(draft: Draft) -> dict:
        return {}

    @router.post("/api/things/{thing_id}/close", dependencies=[allow(Role.BUYER_APPROVER)])
    async def close(thing_id: UUID) -> dict:
        raise DomainError("déjà clos", field="status", status=409)

    @router.get("/api/public/{thing_id}", dependencies=[public()])
    async def public_thing(thing_id: UUID) -> dict:
        raise NotFound("aucune chose", field="thing_id")

    @router.get("/api/me", dependencies=[authenticated()])
    async def me() -> dict:
        return {}

    @router.get("/healthz", dependencies=[public()])
    async def healthz() -> dict:
        return {}

    @router.get("/api/declared", dependencies=[allow(Role.BUYER)],
                responses={404: {"description": "Aucune chose de ce nom"}})
    async def declared(name: str) -> dict:
        return {}

    app.include_router(router)
    document_access(app)
    install_openapi(app)
    return app


def _responses(document: dict, method: str, path: str) -> dict:
    return document["paths"][path][method]["responses"]


def test_every_operation_documents_the_refusals_of_its_access_rule_and_shape():
    document = _app().openapi()
    assert sorted(_responses(document, "get", "/api/things")) == ["200", "401", "403", "422"]
    assert sorted(_responses(document, "post", "/api/things")) == ["201", "400", "401", "403", "413", "422"]
    assert sorted(_responses(document, "post", "/api/things/{thing_id}/close")) == [
        "200", "401", "403", "404", "409", "422"]
    # Public: no 403 (no role), a bad bearer token still answers 401, and the rate limit 429.
    assert sorted(_responses(document, "get", "/api/public/{thing_id}")) == ["200", "401", "404", "422", "429"]
    assert sorted(_responses(document, "get", "/api/me")) == ["200", "401"]
    # Probes are never throttled.
    assert sorted(_responses(document, "get", "/healthz")) == ["200", "401"]


def test_refusals_share_one_problem_json_schema_and_fastapis_validation_body_is_gone():
    document = _app().openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas[PROBLEM]["required"] == ["type", "title", "status", "detail"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == [PROBLEM_JSON], (method, path, status)
                    assert response["content"][PROBLEM_JSON]["schema"] == {"$ref": f"#/components/schemas/{PROBLEM}"}
    retry_after = _responses(document, "get", "/api/public/{thing_id}")["429"]["headers"]["Retry-After"]
    assert retry_after["required"] is True


def test_a_status_the_route_declares_keeps_its_description_and_gets_the_problem_body():
    response = _responses(_app().openapi(), "get", "/api/declared")["404"]
    assert response["description"] == "Aucune chose de ce nom"
    assert PROBLEM_JSON in response["content"]


def test_security_requirement_follows_the_access_rule():
    document = _app().openapi()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/api/things"]["get"]["security"] == [{"bearer": []}]
    assert document["paths"]["/api/public/{thing_id}"]["get"]["security"] == [{}, {"bearer": []}]


def test_field_constraints_emitted_by_pydantic_reach_the_document():
    document = _app().openapi()
    draft = document["components"]["schemas"]["Draft"]["properties"]
    assert draft["siret"]["pattern"] == "^[0-9]{14}$" and draft["siret"]["maxLength"] == 14
    assert draft["amount"]["maximum"] == 10**9 and draft["amount"]["minimum"] == 0
    limit = document["paths"]["/api/things"]["get"]["parameters"][0]["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)


def test_the_bodies_the_problem_handlers_send_match_the_documented_schema():
    app = _app()
    document = app.openapi()
    schema = {**document["components"]["schemas"][PROBLEM], "components": document["components"]}
    schema["properties"]["errors"]["items"] = document["components"]["schemas"]["ProblemField"]
    client = TestClient(app)
    # 401 (anonymous), 422 (pydantic), 404 and 409 (domain): all the same problem+json body.
    answers = [
        client.get("/api/things"),
        client.get("/api/public/not-a-uuid"),
        client.get(f"/api/public/{UUID(int=1)}"),
    ]
    for answer in answers:
        assert answer.headers["content-type"] == PROBLEM_JSON
        jsonschema.validate(answer.json(), schema)
    assert [a.status_code for a in answers] == [401, 422, 404]
    assert answers[1].json()["errors"][0]["field"] == "thing_id"


def test_a_redirect_is_documented_without_a_body_and_with_its_location():
    app = FastAPI()

    @app.post("/auth/logout", dependencies=[public()], status_code=303)
    async def logout() -> None:
        return None

    document_access(app)
    install_openapi(app)
    response = app.openapi()["paths"]["/auth/logout"]["post"]["responses"]["303"]
    assert "content" not in response and response["headers"]["Location"]["required"] is True


def test_405_names_the_methods_of_every_route_of_the_path():
    app = FastAPI()
    install_problem_handlers(app)
    router = APIRouter()

    @router.get("/auth/logout", dependencies=[public()])
    async def form() -> dict:
        return {}

    @router.post("/auth/logout", dependencies=[public()])
    async def logout() -> dict:
        return {}

    app.include_router(router)
    answer = TestClient(app).delete("/auth/logout")
    assert answer.status_code == 405 and answer.headers["content-type"] == PROBLEM_JSON
    assert answer.headers["allow"] == "GET, POST"


def test_an_undecodable_body_is_a_documented_400_problem_naming_the_body():
    public_app = FastAPI()
    install_problem_handlers(public_app)

    @public_app.post("/api/echo", dependencies=[public()])
    async def echo(draft: Draft) -> dict:
        return {}

    document_access(public_app)
    install_openapi(public_app)
    answer = TestClient(public_app).post("/api/echo", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM_JSON
    assert answer.json()["errors"] == [{"field": "body", "message": answer.json()["detail"]}]
    assert "illisible" in answer.json()["detail"]
    assert "400" in public_app.openapi()["paths"]["/api/echo"]["post"]["responses"]


def test_readiness_documents_its_503_with_the_same_body():
    from unefois_kernel.app import ServiceDefinition, create_service
    from unefois_kernel.settings import ServiceSettings

    app = create_service(ServiceDefinition(name="tendering", package="unefois_tendering", title="Consultations"),
                         ServiceSettings(service_name="tendering", database_url="postgresql://unused@127.0.0.1:1/x"))
    document = app.openapi()
    responses = document["paths"]["/readyz"]["get"]["responses"]
    assert {"200", "503"} <= set(responses)
    for status in ("200", "503"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Readiness"}
    readiness = document["components"]["schemas"]["Readiness"]
    assert readiness["properties"]["status"]["enum"] == ["ready", "not ready"]
    assert "checks" not in readiness.get("required", [])
