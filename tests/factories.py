"""Builders for test data: each returns saved objects with believable values."""

from types import SimpleNamespace

from feedback_app.extensions import db
from feedback_app.models import City, Counter, Office, Role, Unit, User
from feedback_app.services.defaults import ensure_city_defaults

PASSWORD = "correct-horse-battery"


def make_city(code="TPE", name="臺北市") -> City:
    city = City(code=code, name=name)
    db.session.add(city)
    db.session.flush()
    ensure_city_defaults(city)
    return city


def make_office(city: City, code: str, name: str | None = None, counters: int = 2) -> Office:
    office = Office(city_id=city.id, code=code, name=name or f"{code}戶政事務所")
    db.session.add(office)
    db.session.flush()
    unit = Unit(office_id=office.id, code="REG", name="戶籍登記課")
    db.session.add(unit)
    db.session.flush()
    for i in range(1, counters + 1):
        db.session.add(Counter(office_id=office.id, unit_id=unit.id, code=f"{code}-{i:02d}", name=f"櫃檯 {i}"))
    db.session.flush()
    return office


def make_user(username: str, role: str, city: City, office: Office | None = None, email: str | None = None) -> User:
    unit = office.units[0] if office is not None and office.units else None
    user = User(username=username, display_name=username, role=role, city_id=city.id,
                office_id=office.id if office else None, unit_id=unit.id if unit else None,
                email=email or f"{username}@example.tw")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def build_org() -> SimpleNamespace:
    """City TPE with offices A and B (a user of every role in each, plus city-wide staff); city NTP with office C."""
    tpe = make_city()
    ntp = make_city("NTP", "新北市")
    office_a = make_office(tpe, "AA")
    office_b = make_office(tpe, "BB")
    office_c = make_office(ntp, "CC")
    users = {}
    for office in (office_a, office_b):
        for role in Role:
            users[(office.code, role.value)] = make_user(f"{office.code.lower()}.{role.value}", role, tpe, office)
    for role in (Role.MONITOR, Role.DIRECTOR, Role.ADMIN):
        users[("TPE", role.value)] = make_user(f"tpe.{role.value}", role, tpe)
    users[("CC", "officer")] = make_user("cc.officer", Role.OFFICER, ntp, office_c)
    db.session.commit()
    return SimpleNamespace(tpe=tpe, ntp=ntp, a=office_a, b=office_b, c=office_c, users=users)


def set_case_clock(monkeypatch, moment) -> None:
    """Make the case services (every module of the package) see `moment` as now."""
    import pkgutil

    from feedback_app.services import cases

    for info in pkgutil.iter_modules(cases.__path__):
        module = __import__(f"{cases.__name__}.{info.name}", fromlist=["utcnow"])
        if hasattr(module, "utcnow"):
            monkeypatch.setattr(module, "utcnow", lambda: moment)
