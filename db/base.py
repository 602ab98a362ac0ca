"""Declarative base shared by every model module (core, planning, git, maintenance...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from .types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class StateEvent:
    """The eight columns of an audit record of a state change, the same in every trail
    (a request's, a dispatch order's, a monthly statement's): from and to which state, who,
    when, why, through which channel, the evidence's sha256 and the change's data. Written in
    the transaction of the change it records. ``STATE_LENGTH`` is the width of a state."""

    STATE_LENGTH: ClassVar[int] = 20

    @declared_attr
    def from_state(cls) -> Mapped[str | None]:
        return mapped_column(String(cls.STATE_LENGTH))

    @declared_attr
    def to_state(cls) -> Mapped[str]:
        return mapped_column(String(cls.STATE_LENGTH))

    # after the two states (``sort_order``: a declared_attr column is made last)
    actor: Mapped[str] = mapped_column(String(120), sort_order=1)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, sort_order=1)
    reason: Mapped[str] = mapped_column(Text, default="", sort_order=1)
    channel: Mapped[str] = mapped_column(
        String(20), default="cli", sort_order=1
    )  # cli|ui|document|flow
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), sort_order=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, sort_order=1)
