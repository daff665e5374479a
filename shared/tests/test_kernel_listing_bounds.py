"""Pagination bounded in the kernel (issue 9, item 1): an API offset or limit past its bound is a
422 naming the parameter in French, never an integer overflow in the database; a page number
from the URL never makes an offset past the list."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from unefois_kernel.problems import install_problem_handlers
from unefois_kernel.web.listing import MAX_OFFSET, Offset, Page, limit_query

app = FastAPI()
install_problem_handlers(app)


@app.get("/items")
async def items(offset: Offset = 0, limit: Annotated[int, limit_query(100)] = 20) -> dict:
    return {"offset": offset, "limit": limit}


client = TestClient(app)


@pytest.mark.parametrize(("params", "field"), [
    ({"offset": "9223372036854775808"}, "offset"), ({"offset": str(MAX_OFFSET + 1)}, "offset"),
    ({"offset": "-1"}, "offset"), ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"),
    ({"limit": "1" + "0" * 5000}, "limit"),
])
def test_offsets_and_limits_past_their_bounds_are_refused_naming_the_parameter(params, field):
    response = client.get("/items", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors[field].startswith(("doit être", "nombre entier")), errors[field]  # French, from the kernel


def test_bounds_are_accepted_and_documented():
    assert client.get("/items", params={"offset": MAX_OFFSET, "limit": 100}).json() == {"offset": MAX_OFFSET, "limit": 100}
    parameters = {p["name"]: p["schema"] for p in app.openapi()["paths"]["/items"]["get"]["parameters"]}
    assert parameters["offset"]["maximum"] == MAX_OFFSET and parameters["offset"]["minimum"] == 0
    assert parameters["limit"]["maximum"] == 100 and parameters["limit"]["minimum"] == 1


def _request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/besoins", "query_string": query.encode(), "headers": []})


@pytest.mark.parametrize("page", ["9" * 40, "9223372036854775808", "-5", "abc", "1e9"])
def test_a_page_number_from_the_url_stays_inside_the_list(page):
    window = Page.from_request(_request(f"page={page}"), total=60, size=25)
    assert 1 <= window.number <= 3 and 0 <= window.offset <= 50
