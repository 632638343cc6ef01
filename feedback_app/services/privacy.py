"""個資: masking personal data where it is not needed, and who needs it."""

from ..models import Case, Role, User


def mask_name(name: str | None) -> str:
    """王小明 → 王○明; 王明 → 王○; Western names keep their first letter."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return "○"
    if len(name) == 2:
        return name[0] + "○"
    return name[0] + "○" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """0912345678 → 0912-***-678; other numbers keep only their last three digits."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 10 and digits.startswith("09"):
        return f"{digits[:4]}-***-{digits[-3:]}"
    if len(digits) <= 3:
        return "***"
    return "*" * (len(digits) - 3) + digits[-3:]


def mask_email(email: str | None) -> str:
    """citizen@example.tw → c***@example.tw"""
    if not email or "@" not in email:
        return "***" if email else ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_address(address: str | None) -> str:
    """Keep the city and district, hide the rest."""
    if not address:
        return ""
    for marker in ("區", "鄉", "鎮", "市"):
        index = address.find(marker, 2)
        if index != -1:
            return address[: index + 1] + "○○"
    return address[:3] + "○○"


def can_see_identity(user: User | None, case: Case) -> bool:
    """The petitioner's identity is for the case's handlers and monitors; a confidential case only for its handlers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    handles = user.id == case.assignee_id or (
        user.role == Role.SUPERVISOR and user.unit_id is not None and user.unit_id == case.unit_id
    )
    if case.confidential:
        return handles
    return handles or user.role == Role.MONITOR


def petitioner_view(user: User | None, case: Case) -> dict:
    """The petitioner's details as this viewer may see them."""
    if can_see_identity(user, case):
        return {"name": case.petitioner_name or "", "phone": case.petitioner_phone or "",
                "email": case.petitioner_email or "", "address": case.petitioner_address or "", "masked": False}
    if case.confidential:
        return {"name": "（身分保密）", "phone": "", "email": "", "address": "", "masked": True}
    return {"name": mask_name(case.petitioner_name), "phone": mask_phone(case.petitioner_phone),
            "email": mask_email(case.petitioner_email), "address": mask_address(case.petitioner_address),
            "masked": True}
