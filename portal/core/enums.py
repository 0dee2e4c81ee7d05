"""String enums with translatable titles, stored as their values."""

from enum import StrEnum

import sqlalchemy as sa
from flask_babel import force_locale

from portal.core.i18n import lazy_msgid, translations


class TitledEnum(StrEnum):
    """An enum whose members carry a human title beside their value:
    ``OPEN = "open", _l("Open")`` (a member without one is titled by its value)."""

    def __new__(cls, value: str, title=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._title = title  # lazy: translated each time it is shown
        member._msgid = lazy_msgid(title)  # then straight from the request's catalogue
        return member

    @property
    def title(self) -> str:
        if self._msgid is not None:
            return translations().ugettext(self._msgid)
        return str(self.value if self._title is None else self._title)

    @classmethod
    def choices(cls):
        from portal.core.forms import options

        return options((m.value, m.title) for m in cls)

    @classmethod
    def parse(cls, text):
        """Find the member named by its value or by its title in Chinese or English."""
        text = str(text or "").strip()
        if not text:
            return None
        for member in cls:
            if text.lower() == member.value:
                return member
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                for member in cls:
                    if text.lower() == member.title.lower():
                        return member
        return None


def enum_column(enum_cls, length: int = 20) -> sa.Enum:
    """A portable string column holding enum values (no native PostgreSQL enum)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
