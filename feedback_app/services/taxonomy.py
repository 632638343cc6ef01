"""The case taxonomy and due-date rules of a city, as an admin edits them."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import CaseCategory, CaseChannel, DueDateRule, ReplyTemplate, User, utcnow
from .access import require_city_admin
from .errors import NotFound, ValidationFailed

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def save_rule(admin: User, channel: str | None, category_id: int | None, working_days: int) -> DueDateRule:
    """Set the working days for a channel and/or category of the admin's city (one rule per pair)."""
    require_city_admin(admin)
    channel = channel or None
    errors = {}
    if channel is not None and channel not in CaseChannel.ALL:
        errors["channel"] = str(_l("Unknown channel."))
    if category_id is not None:
        category = db.session.get(CaseCategory, category_id)
        if category is None or category.city_id != admin.city_id:
            errors["category_id"] = str(_l("Unknown category."))
    if not isinstance(working_days, int) or not 1 <= working_days <= 365:
        errors["working_days"] = str(_l("Working days must be between 1 and 365."))
    if errors:
        raise ValidationFailed(details=errors)
    rule = db.session.scalar(
        sa.select(DueDateRule).where(
            DueDateRule.city_id == admin.city_id,
            DueDateRule.channel.is_(None) if channel is None else DueDateRule.channel == channel,
            DueDateRule.category_id.is_(None)
            if category_id is None
            else DueDateRule.category_id == category_id,
        )
    )
    if rule is None:
        rule = DueDateRule(
            city_id=admin.city_id, channel=channel, category_id=category_id, working_days=working_days
        )
        db.session.add(rule)
    rule.working_days, rule.updated_by_id, rule.updated_at = working_days, admin.id, utcnow()
    db.session.flush()
    return rule


def delete_rule(admin: User, rule_id: int) -> None:
    """Remove a specific rule; the city's general rule stays, so every case still gets a due date."""
    require_city_admin(admin)
    rule = db.session.get(DueDateRule, rule_id)
    if rule is None or rule.city_id != admin.city_id:
        raise NotFound()
    if rule.channel is None and rule.category_id is None:
        raise ValidationFailed(
            _l("The general rule cannot be removed; change its working days instead."), code="general_rule"
        )
    db.session.delete(rule)
    db.session.flush()


def save_category(
    admin: User,
    *,
    code: str,
    name_zh: str,
    name_en: str | None = None,
    group: str | None = None,
    position: int | None = 0,
    active: bool = True,
    category_id: int | None = None,
) -> CaseCategory:
    """Add a category or change one; categories are retired, never deleted, as cases keep them."""
    require_city_admin(admin)
    code = (code or "").strip().lower()
    errors = {}
    if not CODE_PATTERN.match(code):
        errors["code"] = str(_l("Use 2 to 32 lower-case letters, digits or _, starting with a letter."))
    if not (name_zh or "").strip():
        errors["name_zh"] = str(_l("A Chinese name is required."))
    category = None
    if category_id is not None:
        category = db.session.get(CaseCategory, category_id)
        if category is None or category.city_id != admin.city_id:
            raise NotFound()
    clash = db.session.scalar(
        sa.select(CaseCategory.id).where(CaseCategory.city_id == admin.city_id, CaseCategory.code == code)
    )
    if clash is not None and (category is None or clash != category.id):
        errors["code"] = str(_l("Another category has that code."))
    if errors:
        raise ValidationFailed(details=errors)
    if category is None:
        category = CaseCategory(city_id=admin.city_id)
        db.session.add(category)
    category.code = code
    names = {"zh_TW": name_zh.strip()}
    if (name_en or "").strip():
        names["en"] = name_en.strip()
    category.names = names
    category.group = (group or "").strip() or None
    category.position = position or 0
    category.active = bool(active)
    db.session.flush()
    return category


def save_reply_template(admin: User, *, title: str, body: str, category_id: int | None = None
                        ) -> ReplyTemplate:
    """A reply (函復) template for a category, or for every category when none is given."""
    require_city_admin(admin)
    errors = {}
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = str(_l("A title is required."))
    elif len(title) > 100:
        errors["title"] = str(_l("The title is limited to 100 characters."))
    if not body:
        errors["body"] = str(_l("Write the text of the template."))
    if category_id is not None:
        category = db.session.get(CaseCategory, category_id)
        if category is None or category.city_id != admin.city_id:
            errors["category_id"] = str(_l("Unknown category."))
    if errors:
        raise ValidationFailed(details=errors)
    template = ReplyTemplate(city_id=admin.city_id, category_id=category_id, title=title, body=body)
    db.session.add(template)
    db.session.flush()
    return template


def delete_reply_template(admin: User, template_id: int) -> None:
    require_city_admin(admin)
    template = db.session.get(ReplyTemplate, template_id)
    if template is None or template.city_id != admin.city_id:
        raise NotFound()
    db.session.delete(template)
    db.session.flush()
