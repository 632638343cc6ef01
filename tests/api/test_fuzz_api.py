"""schemathesis against /api/v1/openapi.json through the WSGI app, with every check it has: each operation on
its own, then sequences that follow the document's links (POST /cases, then GET /cases/{number}).

Bounded so the suite stays within minutes: FUZZ_EXAMPLES per operation (default 30), FUZZ_SEQUENCES sequences
(default 15) of up to 6 steps.
"""

import contextvars
import json
import os

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.auths import AuthContext, set_on_case
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance
from schemathesis.core.failures import Failure

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Case
from feedback_app.services.cases import REPLY_CONTACT_REQUIRED

from .factories import bearer, make_case, make_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
STEPS = int(os.environ.get("FUZZ_SEQUENCES", "15"))
load_all_checks()
# Fields whose rules look into the database or the clock, which no schema can state: a request the document
# allows may still be refused with 422 naming one of them, and only them.
BEYOND_THE_DOCUMENT = {
    "POST /api/v1/cases": {"office", "category", "external_ref", "received_at"},  # codes and references in use
    "GET /api/v1/opendata/satisfaction.json": {"start", "end"},  # at most 36 months, the end not before the start
    "GET /api/v1/opendata/satisfaction.csv": {"start", "end"},
    "GET /api/v1/stats/satisfaction": {"period", "office"},  # a period that has begun, an office that exists
    "GET /api/v1/stats/responses": {"period", "office"},
}


def contact_a_channel_needs(case) -> set[str]:
    """The petitioner fields named when a channel that answers the same way comes without a way to reply."""
    body = case.body if isinstance(case.body, dict) else {}
    needed = REPLY_CONTACT_REQUIRED.get(body.get("channel"), ())
    petitioner = body.get("petitioner") if isinstance(body.get("petitioner"), dict) else {}
    if any((petitioner.get(name.removeprefix("petitioner_")) or "").strip() for name in needed):
        return set()
    return {name.replace("petitioner_", "petitioner.") for name in needed}


def holds_nul(case) -> bool:
    """No field of this system may hold NUL: the whole API refuses it with 400, as its document says."""
    return "\\u0000" in json.dumps([case.body, case.query, case.path_parameters], default=str)


def positive_data_acceptance_beyond_the_document(ctx, response, case):
    """schemathesis's positive_data_acceptance, except for a 422 that names only fields of BEYOND_THE_DOCUMENT
    (or the contact a channel needs), and the 400 of a NUL character."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        if response.status_code == 400 and holds_nul(case):
            return None
        if response.status_code == 422:
            fields = set((response.json() or {}).get("error", {}).get("details", {}))
            allowed = BEYOND_THE_DOCUMENT.get(f"{case.method.upper()} {case.path}", set())
            if fields and fields <= allowed | contact_a_channel_needs(case):
                return None
        raise


# Every check schemathesis has (its CLI's `--checks all`), positive_data_acceptance as refined above.
ALL_CHECKS = [check for check in CHECKS.get_all() if check is not positive_data_acceptance] + [
    positive_data_acceptance_beyond_the_document
]


# The token of the running test, handed to schemathesis through its auth provider.
CURRENT = {"token": None}


@pytest.fixture
def fuzz_token(org):
    """A token with every case scope, so requests get past authentication into the real handlers."""
    for i in range(3):
        make_case(org.a, subject=f"案件 {i}")
    make_case(org.a, confidential=True)
    CURRENT["token"] = make_token(org, "cases:read cases:write cases:personal stats:read", office=org.a)
    yield CURRENT["token"]
    CURRENT["token"] = None


# The document depends only on the code, so it is read from an app of its own; requests go to the test's app.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
)


@schema.auth(refresh_interval=None)
class BearerToken:
    """The test's token, set as schemathesis sets credentials: left out where a case tests their absence."""

    def get(self, case, context):
        return CURRENT["token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), **bearer(data)}


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


@pytest.mark.slow
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
    contextvars.Context().run(case.call_and_validate, app=app, checks=ALL_CHECKS)


APIWorkflow = schema.as_state_machine()


@pytest.mark.slow
def test_api_survives_generated_sequences_following_its_links(app, fuzz_token):
    """The stateful phase: cases opened, listed and read back along the document's links, every check on each step."""

    seen = []

    class Workflow(APIWorkflow):
        def before_call(self, case):
            # Sequences are made of valid requests: each step gets the token through the schema's auth provider,
            # so ignored_auth knows it for the credentials and tries the request without them.
            set_on_case(case, AuthContext(operation=case.operation, app=app), None)

        def get_call_kwargs(self, case):
            return {"app": app}

        def after_call(self, response, case):
            super().after_call(response, case)
            seen.append((case.method.upper(), case.operation.path, response.status_code))

        def call(self, case, **kwargs):
            return contextvars.Context().run(case.call, **kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, checks=ALL_CHECKS, transport_kwargs=kwargs or None, recorder=getattr(self, "recorder", None)
            )

    Workflow.run(
        settings=settings(
            max_examples=STEPS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The links were followed: cases opened, then read back by the number their answer gave.
    assert ("POST", "/api/v1/cases", 201) in seen and ("GET", "/api/v1/cases/{number}", 200) in seen
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) > 4
