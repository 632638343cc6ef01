"""The organisation: city → office (戶政事務所 / 區公所) → unit (課) → counter (櫃檯)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db


class City(db.Model):
    __tablename__ = "cities"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    offices: so.Mapped[list["Office"]] = so.relationship(back_populates="city", order_by="Office.code")


class Office(db.Model):
    __tablename__ = "offices"

    KINDS = ("household", "district")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="household")
    address: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # A closed office keeps its rows and its history in every report; it only leaves the pickers for new data.
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())

    city: so.Mapped[City] = so.relationship(back_populates="offices")
    units: so.Mapped[list["Unit"]] = so.relationship(back_populates="office", order_by="Unit.code")
    counters: so.Mapped[list["Counter"]] = so.relationship(back_populates="office", order_by="Counter.code")


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("office_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16))
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())

    office: so.Mapped[Office] = so.relationship(back_populates="units")
    counters: so.Mapped[list["Counter"]] = so.relationship(back_populates="unit")


class Counter(db.Model):
    __tablename__ = "counters"

    KINDS = ("general", "one_stop", "priority")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="general")
    active: so.Mapped[bool] = so.mapped_column(default=True)

    office: so.Mapped[Office] = so.relationship(back_populates="counters")
    unit: so.Mapped[Unit] = so.relationship(back_populates="counters")

    @property
    def open_for_ratings(self) -> bool:
        """Takes ratings only while the counter, its unit and its office are all active."""
        return self.active and self.unit.active and self.office.active
