"""Stale saves: one optimistic-concurrency mechanism and one "someone else changed this" answer.

A model two people may edit takes the ``VersionedRecord`` mixin: its ``version`` column is
SQLAlchemy's ``version_id_col``, so every UPDATE says ``WHERE version = <the version read>`` and
moves it on, and a flush that finds the row changed since it was read raises
``StaleDataError``. Across
requests, the form (the ``Versioned`` hidden field) carries the version the user saw, and the
service calls ``check_version`` before it changes anything.

Both end in ``StaleVersion``: the form is shown again with its message (``core.forms.attempt``),
any other page answers 409 with it, and the API answers 409 ``conflict`` with it.

A missing version is refused like a stale one: a form always sends the version it was opened
at. The API defines its own rule in ``api_version``: its ``version`` field is optional, and
leaving it out means the client acts on the latest state (``LATEST``). ``LATEST`` is also what
a service passes when it calls another on the record it has just loaded in the same
transaction, and the default of a service's ``version`` for callers with no user in between
(the demo, commands, tests).
"""

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from wtforms import HiddenField

from portal.core.errors import DomainError
from portal.core.validators import HiddenLength


class StaleVersion(DomainError):
    """Someone else changed the record since this user loaded it (409 in the API)."""

    conflict = True

    def __init__(self):
        super().__init__(_("Someone else changed this record while you were working on it. "
                           "Reload it to see the change, then try again."))


class VersionedRecord:
    """A model two people may edit: its ``version`` column is the mapper's ``version_id_col``."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}


class _Latest:
    def __repr__(self) -> str:
        return "LATEST"


LATEST = _Latest()


def check_version(obj, submitted) -> None:
    """Refuse to save over a change somebody else made since ``submitted`` was read; a missing
    or malformed version is refused too. ``LATEST`` acts on the record as loaded."""
    if submitted is LATEST:
        return
    try:
        seen = int(submitted)
    except (TypeError, ValueError):
        raise StaleVersion() from None
    if seen != obj.version:
        raise StaleVersion()


def api_version(data: dict):
    """The version an API call acts on: its optional ``version`` field, else ``LATEST``."""
    version = data.get("version")
    return LATEST if version is None else version


class Versioned(FlaskForm):
    """A form that changes a versioned record carries the version the user saw."""

    version = HiddenField(validators=[HiddenLength(max=20)])

    @property
    def seen_version(self) -> str | None:
        """The version the request sent; None when it sent none (a form built with
        ``obj=record`` would otherwise fill in the record's own, current version)."""
        return self.version.raw_data[0] if self.version.raw_data else None
