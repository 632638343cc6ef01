import pytest

from .factories import make_token


@pytest.fixture
def writer(org):
    """A city-wide token that may open and read cases (personal data masked)."""
    return make_token(org, "cases:write cases:read open311")
