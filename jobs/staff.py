"""Who receives what: the active staff of the installation, indexed by office, unit and role."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Office, Role, User


@dataclass(frozen=True)
class Person:
    id: int
    email: str | None
    locale: str | None
    role: str
    office_id: int | None
    unit_id: int | None


class StaffDirectory:
    """Active staff loaded once per run, so recipients of 100k cases are dictionary look-ups."""

    def __init__(self):
        self.people: dict[int, Person] = {}
        self.by_office_role: dict[tuple[int, str], list[Person]] = defaultdict(list)
        self.by_unit_role: dict[tuple[int, str], list[Person]] = defaultdict(list)
        self.city_wide_role: dict[tuple[int, str], list[Person]] = defaultdict(list)
        self.office_city = dict(db.session.execute(sa.select(Office.id, Office.city_id)).all())
        rows = db.session.execute(
            sa.select(
                User.id, User.email, User.locale, User.role, User.city_id, User.office_id, User.unit_id
            ).where(User.active.is_(True))
        )
        for uid, email, locale, role, city_id, office_id, unit_id in rows:
            person = Person(uid, email, locale, role, office_id, unit_id)
            self.people[uid] = person
            if office_id is None:
                self.city_wide_role[(city_id, role)].append(person)
            else:
                self.by_office_role[(office_id, role)].append(person)
            if unit_id is not None:
                self.by_unit_role[(unit_id, role)].append(person)

    def person(self, user_id: int | None) -> list[Person]:
        found = self.people.get(user_id) if user_id is not None else None
        return [found] if found else []

    def supervisors(self, office_id: int, unit_id: int | None) -> list[Person]:
        """The unit's supervisors; the office's when the case has no unit or its unit has none."""
        if unit_id is not None:
            found = [
                p for p in self.by_unit_role.get((unit_id, Role.SUPERVISOR), []) if p.office_id == office_id
            ]
            if found:
                return found
        return self.by_office_role.get((office_id, Role.SUPERVISOR), [])

    def _office_or_city(self, office_id: int, role: str) -> list[Person]:
        city_id = self.office_city.get(office_id)
        return self.by_office_role.get((office_id, role), []) + self.city_wide_role.get((city_id, role), [])

    def monitors(self, office_id: int) -> list[Person]:
        """研考 staff of the office and those of its city who watch every office."""
        return self._office_or_city(office_id, Role.MONITOR)

    def directors(self, office_id: int) -> list[Person]:
        return self._office_or_city(office_id, Role.DIRECTOR)
