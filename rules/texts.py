"""The citizen's texts for every refusal, in Swedish and English."""

from __future__ import annotations

import datetime as dt

from rules.schema import CodedValue, Information
from rules.times import format_duration
from rules.vocabulary import Channel, ReasonCode

__all__ = ["age_phrase", "channel_name", "duration_words", "refusal_texts", "show_value"]

_CONTACT_CLINIC = ("Kontakta mottagningen.", "Please contact the clinic.")

_TEMPLATES: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.RULE_TIME_PASSED: ("Tiden har redan passerat.", "The time has already passed."),
    ReasonCode.RULE_NOT_ONLINE: (
        "Den här sortens tid kan inte bokas via nätet. {contact_sv}",
        "This kind of time cannot be booked online. {contact_en}",
    ),
    ReasonCode.RULE_REFERRAL_REQUIRED: (
        "Den här sortens tid kan bara bokas efter en bedömning, med en hänvisning eller en kallelse.",
        "This kind of time can only be booked after an assessment, with a referral or an invitation.",
    ),
    ReasonCode.RULE_AGE: (
        "Den här sortens tid kan bara bokas för den som är {ages_sv} på besöksdagen.",
        "This kind of time can only be booked for someone aged {ages_en} on the day of the visit.",
    ),
    ReasonCode.RULE_CHANNEL: (
        "Tiden har ett annat besökssätt än den här sortens tid, som är {channel_sv}.",
        "The time's form of visit differs from this kind of time, which is a {channel_en}.",
    ),
    ReasonCode.RULE_LEAD_TIME: (
        "Tiden kan inte bokas senare än {duration_sv} före start.",
        "The time cannot be booked later than {duration_en} before it starts.",
    ),
    ReasonCode.RULE_HORIZON: (
        "Tiden kan bokas tidigast {duration_sv} före start.",
        "The time can be booked at most {duration_en} ahead.",
    ),
    ReasonCode.RULE_OVERLAP: (
        "Du har redan en bokad tid som krockar med den här tiden.",
        "You already have a booked time at the same time.",
    ),
    ReasonCode.RULE_MAX_ACTIVE: (
        "Du har redan {count} bokade tider {scope_sv}, vilket är det högsta antalet.",
        "You already have {count} booked times {scope_en}, the most allowed.",
    ),
    ReasonCode.RULE_REASON_REQUIRED: (
        "Du behöver {what_sv}.",
        "Please {what_en}.",
    ),
    ReasonCode.RULE_REASON_CODE: (
        "Den valda orsaken finns inte bland alternativen.",
        "The chosen reason is not one of the options.",
    ),
    ReasonCode.RULE_TIME_TYPE_CHANGE: (
        "Vid ombokning kan du bara välja en tid av samma sort.",
        "A rebooking must keep the same kind of time.",
    ),
    ReasonCode.RULE_REBOOK_NOT_ALLOWED: (
        "Den här tiden kan inte ombokas via nätet. {contact_sv}",
        "This time cannot be rebooked online. {contact_en}",
    ),
    ReasonCode.RULE_REBOOK_DEADLINE: (
        "Tiden kan inte ombokas senare än {duration_sv} före start. {contact_sv}",
        "The time cannot be rebooked later than {duration_en} before it starts. {contact_en}",
    ),
    ReasonCode.RULE_MAX_REBOOKINGS: (
        "Tiden har redan ombokats {count} gånger, vilket är det högsta antalet. {contact_sv}",
        "The time has already been rebooked {count} times, the most allowed. {contact_en}",
    ),
    ReasonCode.RULE_CANCEL_NOT_ALLOWED: (
        "Den här tiden kan inte avbokas via nätet. {contact_sv}",
        "This time cannot be cancelled online. {contact_en}",
    ),
    ReasonCode.RULE_CANCEL_DEADLINE: (
        "Tiden kan inte avbokas senare än {duration_sv} före start. {contact_sv}",
        "The time cannot be cancelled later than {duration_en} before it starts. {contact_en}",
    ),
    ReasonCode.RULE_CONFIRM_DEADLINE: (
        "Tiden kan inte bekräftas senare än {duration_sv} före start. {contact_sv}",
        "The time cannot be confirmed later than {duration_en} before it starts. {contact_en}",
    ),
    ReasonCode.RULE_INVITATION: (
        "En kallelse kan inte {verb_sv} via nätet. {contact_sv}",
        "An invitation cannot be {verb_en} online. {contact_en}",
    ),
}

_CHANNELS = {
    Channel.PHYSICAL: ("besök på mottagningen", "visit in person"),
    Channel.VIDEO: ("videomöte", "video meeting"),
    Channel.PHONE: ("telefonsamtal", "phone call"),
}


def channel_name(channel: Channel) -> tuple[str, str]:
    return _CHANNELS[channel]


def duration_words(span: dt.timedelta) -> dict[str, str]:
    return {"duration_sv": format_duration(span, "sv"), "duration_en": format_duration(span, "en")}


def age_phrase(minimum: int, maximum: int | None) -> dict[str, str]:
    if maximum is None:
        return {"ages_sv": f"minst {minimum} år", "ages_en": f"{minimum} or older"}
    if minimum == 0:
        return {"ages_sv": f"högst {maximum} år", "ages_en": f"{maximum} or younger"}
    return {"ages_sv": f"{minimum}–{maximum} år", "ages_en": f"{minimum} to {maximum}"}


def refusal_texts(reason: ReasonCode, **params: object) -> tuple[str, str]:
    """(Swedish, English) for a refusal; `params` fill the template's blanks."""
    sv, en = _TEMPLATES[reason]
    values = {"contact_sv": _CONTACT_CLINIC[0], "contact_en": _CONTACT_CLINIC[1], **params}
    return sv.format(**values), en.format(**values)


def show_value(value: object) -> str:
    """A rule's value as the rule file writes it (`2h`, `unlimited`, `true`)."""
    if value is None:
        return "unlimited"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(show_value(item) for item in value) + "]"
    if isinstance(value, CodedValue):
        return f"{value.code}@{value.code_system}"
    if isinstance(value, Information):
        return repr(value.header)
    return str(value)
