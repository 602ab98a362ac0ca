"""Clients, people and contracts from one YAML file (``changeflow contract load``)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from changeflow.db.models import Client, Contract, Person
from changeflow.db.session import transaction
from changeflow.errors import InputError, NotFoundError

from .inputs import load_yaml, read_limited


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonIn(_Strict):
    name: str = Field(min_length=1, max_length=120)
    email: str | None = None
    phone: str | None = None
    roles: list[str] = Field(default_factory=list)
    git_aliases: list[str] = Field(default_factory=list)


class ClientIn(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    contacts: list[PersonIn] = Field(default_factory=list)


class ServiceHours(_Strict):
    start: time = time(9, 0)
    end: time = time(17, 30)


class ContractorIn(_Strict):
    """Our company (乙方) as the contract names it beside the client."""

    name: str = Field(min_length=1, max_length=200)
    address: str = Field("", max_length=300)
    contact: str = Field("", max_length=120)
    phone: str = Field("", max_length=60)


class ContractIn(_Strict):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    client: str
    title: str
    start_date: date
    end_date: date
    renewal_date: date | None = None
    annual_fee: Decimal = Field(ge=0, decimal_places=2)
    service_days_per_year: Decimal = Field(ge=0)
    service_cycle: Literal["week", "month"] = "month"
    hours_per_service_day: Decimal = Field(Decimal("8"), gt=0, le=24)
    service_hours: ServiceHours = Field(default_factory=ServiceHours)
    tax_rate: Decimal = Field(Decimal("0.06"), ge=0, lt=1)
    day_rates: dict[str, Decimal] = Field(default_factory=dict)
    client_lead: str | None = None
    our_lead: str | None = None
    repo: str | None = None
    # our company (乙方) beside the client: name, address, contact, phone
    contractor: ContractorIn | None = None  # optional: an older contract file stays valid
    sla: dict[str, Any] = Field(default_factory=dict)
    estimation_defaults: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    # who may authorise an account/permission change, per department (部门 -> names);
    # optional, so contract files without it stay valid (tasks/servicereq/permissions.py)
    authorisers: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("annual_fee", "service_days_per_year", "tax_rate", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        # YAML gives floats for 0.06; go through text so no binary fraction survives.
        return Decimal(repr(v)) if isinstance(v, float) else v

    @field_validator("day_rates", mode="before")
    @classmethod
    def _rates(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: Decimal(repr(r)) if isinstance(r, float) else r for k, r in v.items()}
        return v


class ContractFile(_Strict):
    clients: list[ClientIn] = Field(default_factory=list)
    staff: list[PersonIn] = Field(default_factory=list)
    contracts: list[ContractIn] = Field(default_factory=list)


def _upsert_person(session: Session, client: Client | None, p: PersonIn) -> Person:
    q = select(Person).where(Person.name == p.name)
    q = q.where(Person.client_id == (client.id if client else None))
    person = session.scalar(q) or Person(name=p.name, client=client)
    person.email, person.phone = p.email, p.phone
    person.roles, person.git_aliases = list(p.roles), list(p.git_aliases)
    session.add(person)
    return person


def load_contract_file(path: Path) -> dict[str, list[str]]:
    """Create or update everything in the file in one transaction."""
    source = str(path)
    raw = load_yaml(read_limited(path), source)
    try:
        spec = ContractFile.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "document"
        raise InputError(source, field, err["msg"].removeprefix("Value error, ")) from None
    done: dict[str, list[str]] = {"clients": [], "staff": [], "contracts": []}
    with transaction() as s:
        clients: dict[str, Client] = {}
        for c in spec.clients:
            client = s.scalar(select(Client).where(Client.code == c.code)) or Client(code=c.code)
            client.name, client.aliases = c.name, list(c.aliases)
            s.add(client)
            s.flush()
            for contact in c.contacts:
                _upsert_person(s, client, contact)
            clients[c.code] = client
            done["clients"].append(c.code)
        for p in spec.staff:
            _upsert_person(s, None, p)
            done["staff"].append(p.name)
        s.flush()
        for i, k in enumerate(spec.contracts):
            where = f"contracts.{i}"
            client = clients.get(k.client) or s.scalar(
                select(Client).where(Client.code == k.client)
            )
            if client is None:
                raise InputError(source, f"{where}.client", f"no client with code '{k.client}'")
            if k.end_date < k.start_date:
                raise InputError(source, f"{where}.end_date", "is before start_date")
            contract = s.scalar(select(Contract).where(Contract.code == k.code))
            if contract is None:
                contract = Contract(code=k.code)
                s.add(contract)
            contract.client = client
            contract.title = k.title
            contract.start_date, contract.end_date = k.start_date, k.end_date
            contract.renewal_date = k.renewal_date
            contract.annual_fee = k.annual_fee.quantize(Decimal("0.01"))
            contract.service_days_per_year = k.service_days_per_year
            contract.service_cycle = k.service_cycle
            contract.hours_per_service_day = k.hours_per_service_day
            contract.service_start, contract.service_end = (
                k.service_hours.start,
                k.service_hours.end,
            )
            contract.tax_rate = k.tax_rate
            contract.day_rates = {
                r: format(v.quantize(Decimal("0.01")), "f") for r, v in k.day_rates.items()
            }
            contract.sla_policy, contract.estimation_defaults = k.sla, k.estimation_defaults
            contract.settings = (
                {**k.settings, "authorisers": k.authorisers} if k.authorisers else k.settings
            )
            contract.repo_path = k.repo
            if k.contractor is not None:
                contract.contractor_name = k.contractor.name
                contract.contractor_address = k.contractor.address
                contract.contractor_contact = k.contractor.contact
                contract.contractor_phone = k.contractor.phone
            for attr, name, owner in (
                ("lead", k.client_lead, client.id),
                ("our_lead", k.our_lead, None),
            ):
                if name is None:
                    continue
                person = s.scalar(
                    select(Person).where(Person.name == name, Person.client_id == owner)
                )
                if person is None:
                    who = "the client's contacts" if owner else "our staff"
                    raise InputError(source, f"{where}.{attr}", f"'{name}' is not among {who}")
                setattr(contract, attr, person)
            s.add(contract)
            done["contracts"].append(k.code)
    return done


def contract_summary(session: Session, contract: Contract) -> dict[str, Any]:
    return {
        "code": contract.code,
        "client": contract.client.name,
        "contractor": contractor_of(contract),
        "title": contract.title,
        "period": f"{contract.start_date} .. {contract.end_date}",
        "renewal_date": contract.renewal_date,
        "annual_fee": contract.annual_fee,
        "currency": contract.currency,
        "service_days_per_year": contract.service_days_per_year,
        "service_cycle": contract.service_cycle,
        "hours_per_service_day": contract.hours_per_service_day,
        "service_hours": f"{contract.service_start:%H:%M}-{contract.service_end:%H:%M}",
        "tax_rate": contract.tax_rate,
        "day_rates": contract.day_rates,
        "client_lead": contract.lead.name if contract.lead else None,
        "our_lead": contract.our_lead.name if contract.our_lead else None,
        "repo": contract.repo_path,
        "sla": contract.sla_policy,
        "contacts": [
            {"name": p.name, "email": p.email, "phone": p.phone, "roles": p.roles}
            for p in contract.client.people
        ],
    }


def contractor_of(contract: Contract | None) -> dict[str, str]:
    """Our company (乙方) on ``contract``: name, address, contact, phone. A contract loaded
    without one names the ``company`` setting (blank when that is unset too)."""
    from changeflow.settings import get_settings

    if contract is None or not contract.contractor_name:
        return {"name": get_settings().company or "", "address": "", "contact": "",
                "phone": ""}  # fmt: skip
    return {
        "name": contract.contractor_name,
        "address": contract.contractor_address,
        "contact": contract.contractor_contact,
        "phone": contract.contractor_phone,
    }


def get_contract(session: Session, ident: str) -> Contract:
    q = select(Contract).where(Contract.code == ident)
    contract = session.scalar(q)
    if contract is None and ident.isdigit():
        contract = session.get(Contract, int(ident))
    if contract is None:
        raise NotFoundError(f"no contract '{ident}' (see: changeflow contract show)")
    return contract
