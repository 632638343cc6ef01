import pytest

from . import factories


@pytest.fixture
def kiosk(org):
    """A paired kiosk at office AA's first counter: (device id, token, counter)."""
    counter = org.a.counters[0]
    device_id, token = factories.paired_kiosk(counter)
    return device_id, token, counter
