"""Route access declarations: found through included routers, published in OpenAPI."""

from fastapi import APIRouter, FastAPI

from unefois_kernel.auth.access import allow, document_access, public, routes_without_access
from unefois_kernel.auth.principal import Principal, Role


def _app() -> FastAPI:
    router = APIRouter(prefix="/api")

    @router.get("/declared")
    async def declared(principal: Principal = allow(Role.BUYER)) -> dict:
        return {}

    @router.get("/forgotten")
    async def forgotten() -> dict:
        return {}

    app = FastAPI()

    @app.get("/open", dependencies=[public()])
    async def open_route() -> dict:
        return {}

    app.include_router(router)
    return app


def test_a_route_without_a_declaration_is_found_even_inside_an_included_router():
    assert routes_without_access(_app()) == ["['GET'] /api/forgotten"]


def test_access_rules_are_published_in_openapi():
    app = _app()
    document_access(app)
    paths = app.openapi()["paths"]
    assert paths["/api/declared"]["get"]["x-unefois-access"] == ["buyer"]
    assert paths["/open"]["get"]["x-unefois-access"] == "public"
    assert paths["/api/forgotten"]["get"].get("x-unefois-access") is None


def test_a_stale_session_cookie_reads_as_anonymous_on_public_routes_but_a_bad_bearer_is_refused():
    from fastapi.testclient import TestClient

    from unefois_kernel.auth.tokens import InvalidToken
    from unefois_kernel.problems import install_problem_handlers

    class RefusingVerifier:
        async def verify(self, token):
            raise InvalidToken("expired")

    app = _app()
    install_problem_handlers(app)
    app.state.runtime = type("Runtime", (), {"token_verifier": RefusingVerifier()})()
    client = TestClient(app)
    assert client.get("/open", cookies={"unefois_session": "stale"}).status_code == 200
    assert client.get("/open", headers={"Authorization": "Bearer stale"}).status_code == 401
    assert client.get("/api/declared", cookies={"unefois_session": "stale"}).status_code == 401
