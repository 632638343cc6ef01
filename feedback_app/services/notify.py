"""Queueing notifications into the ledger; delivery happens in the jobs process."""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db, upsert_insert
from ..models.base import utcnow
from ..models.notify import Notification

# Mail whose body carries a secret kept nowhere else in the clear (the acknowledgement's look-up code, which the
# case holds only hashed): the body is kept while the mail may still be sent, and replaced by this once it is
# sent or given up. Key, recipient, subject and status stay, for the ledger.
SECRET_BODY_KINDS = ("acknowledgement",)
REDACTED_BODY = "[removed once sent]"


def body_after_sending():
    """The body a row keeps once its mail is sent or given up, as an SQL expression over the row."""
    return sa.case((Notification.kind.in_(SECRET_BODY_KINDS), REDACTED_BODY), else_=Notification.body)


def _row(*, key: str, channel: str, kind: str, subject: str, body: str, recipient: str | None = None,
         user_id: int | None = None, office_id: int | None = None, case_id: int | None = None,
         link: str | None = None, not_before: datetime | None = None, now: datetime | None = None) -> dict:
    if channel not in Notification.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == "email" and not recipient:
        raise ValueError("an email needs a recipient address")
    now = now or utcnow()
    return {"key": key, "channel": channel, "kind": kind, "subject": subject[:255], "body": body,
            "recipient": recipient, "user_id": user_id, "office_id": office_id, "case_id": case_id,
            "link": link, "status": "queued", "attempts": 0, "next_attempt_at": not_before or now,
            "created_at": now}


def queue(*, key: str, channel: str, kind: str, subject: str, body: str, recipient: str | None = None,
          user_id: int | None = None, office_id: int | None = None, case_id: int | None = None,
          link: str | None = None, not_before: datetime | None = None) -> bool:
    """Put one message in the ledger unless its key is there already; True if it was new.

    Runs in the caller's transaction, so a message is queued exactly when the change that causes it commits."""
    values = _row(key=key, channel=channel, kind=kind, subject=subject, body=body, recipient=recipient,
                  user_id=user_id, office_id=office_id, case_id=case_id, link=link, not_before=not_before)
    stmt = upsert_insert(Notification).values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = db.session.execute(stmt.returning(Notification.id))
    return result.scalar() is not None


_COLUMNS = ("key", "channel", "kind", "subject", "body", "recipient", "user_id", "office_id", "case_id", "link",
            "status", "attempts", "next_attempt_at", "created_at")


def queue_many(messages: list[dict], batch: int = 1000) -> int:
    """Queue many messages (each as `queue` takes them) at once; returns how many were new."""
    return len(queue_many_keys(messages, batch))


def queue_many_keys(messages: list[dict], batch: int = 1000) -> list[str]:
    """Queue many messages (each as `queue` takes them) at once; returns the keys of those that were new, so a
    caller can build on what this transaction added (the chase's morning mail lists only new reminders).

    On PostgreSQL keys already in the ledger are left out and the rest COPied in, which is what lets a chase over
    100k cases finish in seconds; should another process queue some of the same keys meanwhile, the rows go
    through a temporary table and INSERT ... ON CONFLICT DO NOTHING instead. Elsewhere Core executemany."""
    now = utcnow()
    rows = list({m["key"]: _row(**m, now=now) for m in messages}.values())  # one row per key, in the order given
    if not rows:
        return []
    connection = db.session.connection()
    if db.engine.dialect.name != "postgresql":
        stmt = (upsert_insert(Notification).on_conflict_do_nothing(index_elements=["key"])
                .returning(Notification.key))
        return [key for i in range(0, len(rows), batch) for key in connection.execute(stmt, rows[i:i + batch])
                .scalars()]
    known = _known_keys(connection, [r["key"] for r in rows])
    rows = [r for r in rows if r["key"] not in known]
    if not rows:
        return []
    from psycopg.errors import UniqueViolation

    try:
        with db.session.begin_nested():  # straight in: the common case, when no one else queues the same keys
            _copy(db.session.connection(), "notifications", rows)
        return [r["key"] for r in rows]
    except (UniqueViolation, sa.exc.IntegrityError):
        # Another process queued some of them meanwhile: skip those, keep the rest.
        connection = db.session.connection()
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS notifications_incoming "
            "(LIKE notifications INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        connection.exec_driver_sql("TRUNCATE notifications_incoming")
        _copy(connection, "notifications_incoming", rows)
        columns = ", ".join(_COLUMNS)
        result = connection.exec_driver_sql(
            f"INSERT INTO notifications ({columns}) SELECT {columns} FROM notifications_incoming "
            "ON CONFLICT (key) DO NOTHING RETURNING key")
        return list(result.scalars())


def _known_keys(connection, keys: list[str]) -> set[str]:
    """Which of these keys the ledger holds already. The keys travel as one text split in the database (a key
    holds no line break), which costs far less than adapting a list of 100k strings as an array."""
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute("SELECT key FROM notifications WHERE key = ANY(string_to_array(%s, E'\\n'))", ["\n".join(keys)])
    return {key for (key,) in cursor.fetchall()}


# COPY's text format: a backslash, tab, line feed and carriage return in a value are escaped, NULL is \N.
# (str.replace, not str.translate: translate is slow on Chinese text.)
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        for char, escaped in _COPY_ESCAPES:
            if char in value:
                value = value.replace(char, escaped)
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _copy(connection, table: str, rows: list[dict]) -> None:
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in _COLUMNS])


class CopyRows:
    """Ledger rows for PostgreSQL written straight as COPY text, the parts that many rows share (a case's words,
    the time) escaped once: for 100k reminders this is most of the chase's work, so it is kept to one string
    formatting per row. Rows are queued with `queue_copied`; a key given twice is kept once."""

    def __init__(self, not_before: datetime):
        self.keys: list[str] = []
        self.lines: list[str] = []
        self.seen: set[str] = set()
        self.times = f"queued\t0\t{not_before.isoformat()}\t{utcnow().isoformat()}"

    def shared(self, *, channel: str, kind: str, subject: str, body: str, link: str | None,
               office_id: int | None, case_id: int | None, recipient: str | None = None) -> tuple[str, str]:
        """The columns around user_id that rows about one thing share (see _COLUMNS for the order)."""
        if channel not in Notification.CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if channel == "email" and not recipient:
            raise ValueError("an email needs a recipient address")
        head = "\t".join(_copy_text(v) for v in (channel, kind, subject[:255], body, recipient))
        tail = "\t".join(_copy_text(v) for v in (office_id, case_id, link)) + "\t" + self.times
        return head, tail

    def add(self, key: str, user_id: int | None, shared: tuple[str, str]) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        self.keys.append(key)
        text = _copy_text(key) if "\\" in key or "\t" in key or "\n" in key or "\r" in key else key
        user = "\\N" if user_id is None else user_id
        self.lines.append(f"{text}\t{shared[0]}\t{user}\t{shared[1]}\n")


def queue_copied(rows: CopyRows, chunk: int = 5000) -> list[str]:
    """Queue rows built as COPY text (PostgreSQL only), as queue_many_keys does; returns the keys that were new."""
    if not rows.keys:
        return []
    connection = db.session.connection()
    known = _known_keys(connection, rows.keys)
    pairs = [(k, line) for k, line in zip(rows.keys, rows.lines, strict=True) if k not in known]
    if not pairs:
        return []
    from psycopg.errors import UniqueViolation

    def copy_into(table: str) -> None:
        cursor = db.session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(pairs), chunk):
                copy.write("".join(line for _key, line in pairs[start:start + chunk]))

    try:
        with db.session.begin_nested():
            copy_into("notifications")
        return [key for key, _line in pairs]
    except (UniqueViolation, sa.exc.IntegrityError):
        # Another process queued some of them meanwhile: skip those, keep the rest.
        connection = db.session.connection()
        connection.exec_driver_sql(
            "CREATE TEMPORARY TABLE IF NOT EXISTS notifications_incoming "
            "(LIKE notifications INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        connection.exec_driver_sql("TRUNCATE notifications_incoming")
        copy_into("notifications_incoming")
        columns = ", ".join(_COLUMNS)
        result = connection.exec_driver_sql(
            f"INSERT INTO notifications ({columns}) SELECT {columns} FROM notifications_incoming "
            "ON CONFLICT (key) DO NOTHING RETURNING key")
        return list(result.scalars())


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Notification.status == "queued")) or 0
