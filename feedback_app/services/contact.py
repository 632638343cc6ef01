"""A petitioner's or citizen's phone number and e-mail address: one check for every way in.

The staff form, the JSON API, the case CSV import, Open311 and the kiosk's call-back contact all use these, so a
number one of them takes is taken by all, with the same message per field.

Phone numbers are read as Taiwanese numbers: a landline with its area code (02-2345-6789, (02)2345-6789,
037-123-456), a mobile (0912-345-678), either of them as +886 (+886-2-2345-6789, +886 912 345 678), and an
extension after #, ext., 轉 or 分機 (02-2345-6789#123, 02-2345-6789 分機 123). A number of another country is
taken in its international form (+ and 8 to 15 digits): petitioners abroad and new immigrants use them.
Full-width digits and signs, as Chinese input methods type them, count as their ASCII forms.
"""

import re
import unicodedata

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

PHONE_MAX = 32
EMAIL_MAX = 254

# The rule itself, written once as a regular expression so the API's document can state it exactly.
_SEP = r"[ ().-]*"  # separators people write between digits: 02-2345-6789, (02)2345 6789, 02.2345.6789
_DIGIT = rf"{_SEP}[0-9]"
# Without the trunk prefix: landlines 2-8 + 7 or 8 digits (area code and number), mobiles 9 + 8 digits.
_NATIONAL = rf"(?:[2-8](?:{_DIGIT}){{7,8}}|9(?:{_DIGIT}){{8}})"
_TAIWAN = rf"(?:0{_SEP}{_NATIONAL}|\+{_SEP}8{_SEP}8{_SEP}6{_SEP}(?:0{_SEP})?{_NATIONAL})"
# Another country's number: + and 8 to 15 digits, its country code not 886.
_ABROAD = (
    rf"\+{_SEP}(?:[1-79](?:{_DIGIT}){{7,14}}|8{_SEP}[0-79](?:{_DIGIT}){{6,13}}"
    rf"|8{_SEP}8{_SEP}[0-57-9](?:{_DIGIT}){{5,12}})"
)
_EXTENSION = r"\s*(?:#|[Ee][Xx][Tt]\.?|[Xx]|轉|分機)\s*[0-9]{1,6}"
PHONE_PATTERN = rf"^\s*[ (]*(?:{_TAIWAN}|{_ABROAD})[ ().-]*(?:{_EXTENSION})?\s*$"
_PHONE = re.compile(PHONE_PATTERN)
_LOCAL = re.compile(r"^[1-9][0-9]{6,7}$")

# email_validator refuses the special-use domains (RFC 6761: .test, .local ...), which mail never reaches.
_SPECIAL_USE = "|".join(
    "".join(f"[{ch.upper()}{ch}]" if ch.isalpha() else re.escape(ch) for ch in name)
    for name in SPECIAL_USE_DOMAIN_NAMES
)
EMAIL_PATTERN = rf"^(?!.*\.(?:{_SPECIAL_USE})\.?$)"

# The kiosk's on-screen check, so a mistyped address is fixed while the citizen is still there; the server's check
# (email_error) stays the rule.
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

PHONE_MESSAGE = _l(
    "Not a phone number. Write a number with its area code (02-2345-6789), a mobile (0912-345-678) or "
    "an international number starting with +; an extension may follow # or 分機."
)
AREA_CODE_MESSAGE = _l("Add the area code, as in 02-2345-6789.")
PHONE_LENGTH_MESSAGE = _l("The phone number is limited to %(n)d characters.", n=PHONE_MAX)
EMAIL_MESSAGE = _l("Not an e-mail address. Write it as name@example.tw.")
EMAIL_LENGTH_MESSAGE = _l("The e-mail address is limited to %(n)d characters.", n=EMAIL_MAX)


def _blank_free(text: str) -> str:
    """Without the blanks at either end, U+FEFF too: the published pattern's \\s (ECMAScript's) counts it as a blank."""
    return text.replace("\ufeff", "").strip()


def phone_error(value: str | None) -> str | None:
    """Why `value` is not a phone number we can call back, or None when it is one (or is empty)."""
    text = _blank_free(unicodedata.normalize("NFKC", value or ""))
    if not text:
        return None
    if len(text) > PHONE_MAX:
        return str(PHONE_LENGTH_MESSAGE)
    if _PHONE.match(text):
        return None
    if _LOCAL.match(re.sub(r"[ ().-]", "", text)):
        return str(AREA_CODE_MESSAGE)
    return str(PHONE_MESSAGE)


def email_error(value: str | None, blank_ok: bool = True) -> str | None:
    """Why `value` is not an e-mail address mail can be sent to, or None when it is one (or, if `blank_ok`,
    is empty)."""
    text = _blank_free(value or "")
    if not text:
        return None if blank_ok else str(EMAIL_MESSAGE)
    if len(text) > EMAIL_MAX:
        return str(EMAIL_LENGTH_MESSAGE)
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return str(EMAIL_MESSAGE)
    return None


def contact_errors(
    phone: str | None, email: str | None, phone_field: str = "phone", email_field: str = "email"
) -> dict[str, str]:
    """The messages for a phone and an e-mail address, by the field names the caller's input uses."""
    errors = {}
    if message := phone_error(phone):
        errors[phone_field] = message
    if message := email_error(email):
        errors[email_field] = message
    return errors
