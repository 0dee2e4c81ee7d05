"""Users, API tokens and failed sign-ins."""

import hashlib
import secrets
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.roles import Role
from portal.core.db import UTCDateTime, utcnow
from portal.core.enums import enum_column
from portal.extensions import db


class CreatedBy:
    """A record that keeps who created it and when."""

    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def created_by(cls):
        # The record may name other users too (who decided, who confirmed): say which key.
        return relationship("User", foreign_keys=[cls.created_by_id])


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    dealer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dealers.id", ondelete="RESTRICT"), index=True
    )
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    is_active_user: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dealer = relationship("Dealer", foreign_keys=[dealer_id], back_populates="users")
    rep_dealers = relationship(
        "Dealer",
        foreign_keys="Dealer.sales_rep_id",
        back_populates="sales_rep",
        order_by="Dealer.code",
    )

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=_hash_method())

    def check_password(self, password: str) -> bool:
        return password_matches(self, password)

    @property
    def is_active(self) -> bool:
        return self.is_active_user

    def get_id(self) -> str:
        # The epoch changes on password reset or deactivation, ending old sessions.
        return f"{self.id}:{self.session_epoch}"

    @property
    def label(self) -> str:
        """How a person is named in a choice of people: by name, never by login (issue 19)."""
        return self.display_name


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


@cache
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s. Without a user the same hashing work is done against
    a stand-in hash: how long a sign-in takes must not tell which usernames exist."""
    stored = user.password_hash if user is not None else _stand_in_hash(_hash_method())
    return check_password_hash(stored, password) and user is not None


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship(User)

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginFailure(db.Model):
    """One failed sign-in, kept to throttle guessing by username and by address."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_username_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64))
    remote_addr: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
