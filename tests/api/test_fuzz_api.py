"""schemathesis against /api/v1/openapi.json through the WSGI app: no 5xx, and every answer fits its schema.

The number of examples per operation is bounded (FUZZ_EXAMPLES, default 30) so the suite stays within minutes.
"""

import contextvars
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import CHECKS, load_all_checks

from feedback_app import create_app

from .factories import bearer, make_case, make_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
load_all_checks()
# Every check schemathesis has (its CLI's `--checks all`).
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture
def fuzz_token(org):
    """A token with every case scope, so requests get past authentication into the real handlers."""
    for i in range(3):
        make_case(org.a, subject=f"案件 {i}")
    make_case(org.a, confidential=True)
    return make_token(org, "cases:read cases:write cases:personal stats:read", office=org.a)


# The document depends only on the code, so it is read from an app of its own; requests go to the test's app.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
)


def test_openapi_document_is_valid_openapi_3(client):
    """The generated document passes the OpenAPI 3 validator and describes the bearer tokens."""
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    secured = document["paths"]["/api/v1/cases"]["post"]
    assert secured["security"] == [{"bearerAuth": []}] and {"401", "403"} <= set(secured["responses"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_survives_generated_input(case, app, fuzz_token):
    """Each request runs in a fresh context, as it would on a server, so no request sees another's state."""
    contextvars.Context().run(case.call_and_validate, app=app, headers=bearer(fuzz_token), checks=ALL_CHECKS)
