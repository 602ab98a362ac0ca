"""Who is who: the one home for looking up a client, a contract and one of our staff.

Every room finds them here, with one matching rule each:

- a client by code, name or alias (spaces and case ignored) or by id; without a name, the
  only client there is. An unknown name is refused listing the clients known, with their
  aliases;
- the contract of a client on a day (the newest one covering it, else the newest), or a
  contract by code, or the one contract covering a day;
- one of our staff (not the client's people) by name or git alias, case ignored.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Client, Contract, Person
from changeflow.errors import InputError, NotFoundError


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _known(clients: list[Client]) -> str:
    parts = []
    for c in clients:
        aliases = [a for a in (c.aliases or []) if a not in (c.code, c.name)]
        parts.append(f"{c.name} ({c.code}" + "".join(f", {a}" for a in aliases) + ")")
    return "; ".join(parts)


def find_client(
    session: Session, name: str | None, source: str = "task book", field: str = "client"
) -> Client:
    """A client by code, name, alias (spaces and case ignored) or id; ``None``: the only one."""
    clients = list(session.scalars(select(Client).order_by(Client.code)))
    if name is None or not name.strip():
        if len(clients) == 1:
            return clients[0]
        if not clients:
            raise NotFoundError("no client yet; load a contract: changeflow contract load FILE")
        raise InputError(
            source, field, f"several clients ({', '.join(c.code for c in clients)}): name one"
        )
    wanted = _norm(name)
    for client in clients:
        if wanted in {_norm(client.code), _norm(client.name), *map(_norm, client.aliases or [])}:
            return client
    if name.strip().isdigit():
        by_id = session.get(Client, int(name.strip()))
        if by_id is not None:
            return by_id
    known = f"known clients: {_known(clients)}" if clients else "no client is known yet"
    raise InputError(
        source,
        field,
        f"unknown client '{name}'; {known}; a new client comes with its contract:"
        " changeflow contract load FILE.yaml",
    )


def client_contract(session: Session, client: Client, on: date) -> Contract | None:
    """The client's contract in force on ``on`` (the newest covering it), else its newest."""
    rows = session.scalars(
        select(Contract).where(Contract.client_id == client.id).order_by(Contract.start_date.desc())
    ).all()
    for c in rows:
        if c.start_date <= on <= c.end_date:
            return c
    return rows[0] if rows else None


def find_contract(session: Session, code: str | None, on: date, source: str) -> Contract:
    """The contract named, or the one contract whose period covers ``on``."""
    if code:
        contract = session.scalar(select(Contract).where(Contract.code == code))
        if contract is None:
            raise InputError(source, "contract", f"no contract '{code}' (changeflow contract show)")
        return contract
    active = session.scalars(
        select(Contract).where(Contract.start_date <= on, Contract.end_date >= on)
    ).all()
    if len(active) == 1:
        return active[0]
    if not active:
        raise InputError(
            source, "contract", f"no contract covers {on}; load one or name it with --contract"
        )
    codes = ", ".join(c.code for c in active)
    raise InputError(source, "contract", f"several contracts cover {on} ({codes}): name one")


def find_staff(session: Session, name: str, source: str, field: str) -> Person:
    """One of our staff by name or git alias."""
    wanted = name.strip().lower()
    for p in session.scalars(select(Person).where(Person.client_id.is_(None))):
        if wanted in {p.name.lower(), *(a.lower() for a in p.git_aliases or [])}:
            return p
    raise InputError(source, field, f"'{name}' is not one of our staff")
