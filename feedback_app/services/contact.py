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

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

PHONE_MAX = 32
EMAIL_MAX = 254

_EXTENSION = re.compile(r"^(?P<number>.*?)\s*(?:#|ext\.?|x|轉|分機)\s*(?P<extension>\d{1,6})$", re.IGNORECASE)
_NUMBER = re.compile(r"^\+?[\d\s().\-]+$")
# National forms without the trunk prefix's zero: mobiles 09 + 8 digits, landlines 0[2-8] + 7 or 8 digits.
_MOBILE = re.compile(r"^09\d{8}$")
_LANDLINE = re.compile(r"^0[2-8]\d{7,8}$")

PHONE_MESSAGE = _l(
    "Not a phone number. Write a number with its area code (02-2345-6789), a mobile (0912-345-678) or "
    "an international number starting with +; an extension may follow # or 分機."
)
AREA_CODE_MESSAGE = _l("Add the area code, as in 02-2345-6789.")
PHONE_LENGTH_MESSAGE = _l("The phone number is limited to %(n)d characters.", n=PHONE_MAX)
EMAIL_MESSAGE = _l("Not an e-mail address. Write it as name@example.tw.")
EMAIL_LENGTH_MESSAGE = _l("The e-mail address is limited to %(n)d characters.", n=EMAIL_MAX)


def _national(digits: str, international: bool) -> str | None:
    """The number's digits in the national form (0 + area code + number), or None for another country's."""
    if not international:
        return digits
    if digits.startswith("886"):
        rest = digits[3:]
        return rest if rest.startswith("0") else "0" + rest
    return None


def phone_error(value: str | None) -> str | None:
    """Why `value` is not a phone number we can call back, or None when it is one (or is empty)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None
    if len(text) > PHONE_MAX:
        return str(PHONE_LENGTH_MESSAGE)
    match = _EXTENSION.match(text)
    number = match["number"] if match else text
    if not _NUMBER.match(number):
        return str(PHONE_MESSAGE)
    digits = re.sub(r"\D", "", number)
    international = number.lstrip().startswith("+")
    national = _national(digits, international)
    if national is None:
        return None if 8 <= len(digits) <= 15 else str(PHONE_MESSAGE)
    if _MOBILE.match(national) or _LANDLINE.match(national):
        return None
    if not international and not national.startswith("0") and 7 <= len(national) <= 8:
        return str(AREA_CODE_MESSAGE)
    return str(PHONE_MESSAGE)


def email_error(value: str | None) -> str | None:
    """Why `value` is not an e-mail address mail can be sent to, or None when it is one (or is empty)."""
    text = (value or "").strip()
    if not text:
        return None
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
