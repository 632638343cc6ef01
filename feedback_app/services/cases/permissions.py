"""Who may take each action on a case, decide an extension or finish a re-handling task (access to the
office is checked apart, in services.access)."""



from ...models import (
    Case,
    Extension,
    RehandlingTask,
    Role,
    User,
)
from ..access import can_access_office
from .workflow import ACTION_STATES


def is_handler(user: User, case: Case) -> bool:
    """The case officer, or the supervisor of the case's unit."""
    return user.id == case.assignee_id or (
        user.role == Role.SUPERVISOR and case.unit_id is not None and user.unit_id == case.unit_id
    )


def supervises(user: User, case: Case) -> bool:
    """A supervisor of the case's unit, or of the office while the case has no unit yet."""
    return user.role == Role.SUPERVISOR and (case.unit_id is None or user.unit_id == case.unit_id)


# Who may take each action on a case (access to its office is checked apart).
PERMISSIONS = {
    "assign": lambda user, case: user.role in (Role.MONITOR, Role.SUPERVISOR, Role.DIRECTOR),
    "start": is_handler,
    "reply": is_handler,
    "extension": lambda user, case: user.id == case.assignee_id,
    "close": lambda user, case: is_handler(user, case) or user.role == Role.DIRECTOR,
    "reopen": lambda user, case: user.role in (Role.MONITOR, Role.DIRECTOR) or supervises(user, case),
    "transfer": lambda user, case: (user.role in (Role.MONITOR, Role.DIRECTOR) or is_handler(user, case)
                                    or supervises(user, case)),
    "merge": lambda user, case: (user.role in (Role.MONITOR, Role.DIRECTOR, Role.SUPERVISOR)
                                 or is_handler(user, case)),
}


def may(action: str, user: User, case: Case) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and PERMISSIONS[action](user, case)


def available_actions(case: Case, user: User) -> set[str]:
    """The actions the user may take on the case as it stands, for the detail page to offer."""
    actions = {"note", "attach", "link"}
    for action, states in ACTION_STATES.items():
        if case.state in states and may(action, user, case):
            actions.add(action)
    if "extension" in actions and any(e.state == "pending" for e in case.extensions):
        actions.discard("extension")
    if any(e.state == "pending" and can_decide_extension(user, e) for e in case.extensions):
        actions.add("decide")
    return actions


def can_decide_extension(user: User, extension: Extension) -> bool:
    """The supervisor of the case's unit decides; past the cap only the director."""
    case = extension.case
    if user.role == Role.DIRECTOR:
        return True
    return (not extension.needs_director and user.role == Role.SUPERVISOR
            and case.unit_id is not None and user.unit_id == case.unit_id)


def may_complete_rehandling(user: User, task: RehandlingTask) -> bool:
    """The task's assignee, or a supervisor or director of its office, may record that it is done."""
    return (can_access_office(user, task.office_id)
            and (user.id == task.assignee_id or user.role in (Role.SUPERVISOR, Role.DIRECTOR)))
