"""The areas each role reaches from its landing page."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..models import Role

STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)
MANAGERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)

# (endpoint, label, roles): an entry shows once its area's blueprint is registered.
AREAS = [
    ("cases.my_cases", _l("My cases"), (Role.OFFICER, Role.SUPERVISOR)),
    ("cases.index", _l("Cases"), STAFF),
    ("cases.new", _l("Log a new case"), STAFF),
    ("cases.extensions", _l("Extensions waiting for approval"), (Role.SUPERVISOR, Role.DIRECTOR)),
    ("alerts.index", _l("Real-time satisfaction alerts"), MANAGERS),
    ("analytics.dashboard", _l("Satisfaction and response indicators"), MANAGERS),
    ("analytics.reports", _l("Quarterly reports"), (Role.MONITOR, Role.DIRECTOR, Role.ADMIN)),
    ("staff_survey.rounds", _l("Staff satisfaction survey"), (Role.MONITOR, Role.DIRECTOR, Role.ADMIN)),
    ("qr.index", _l("QR surveys and posters"), STAFF),
    ("phone_tests.index", _l("Phone courtesy tests"), MANAGERS),
    ("improvements.index", _l("Improvement actions"), MANAGERS),
    ("admin.index", _l("Administration"), (Role.ADMIN,)),
    ("tokens.index", _l("API tokens"), (Role.ADMIN,)),
    ("kiosk.device_list", _l("Kiosks"), (Role.ADMIN,)),
    ("kiosk.quarantine_list", _l("Refused ratings in quarantine"), (Role.ADMIN,)),
    ("questionnaires.index", _l("Questionnaires"), (Role.ADMIN,)),
    ("questionnaires.counters", _l("What each counter asks"), (Role.ADMIN,)),
    ("reminders.settings", _l("Chase reminders and retention"), (Role.ADMIN,)),
]


def areas_for(user) -> list[tuple[str, str]]:
    views = current_app.view_functions
    return [(endpoint, label) for endpoint, label, roles in AREAS if user.role in roles and endpoint in views]
