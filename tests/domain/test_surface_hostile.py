"""Every public function and method of the domain and policies, called with hostile values.

The targets are found by introspection (public classes' methods and
constructors, the public functions of ``contactgraph.domain`` and
``contactgraph.policies``), not listed by hand: a method added tomorrow is
called by this test too. Each is called with generated wrong types and hostile
values; only :class:`ContactGraphError` subclasses may escape, and each names
a field when it is an :class:`InvalidValueError`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactgraph import domain, policies
from contactgraph.errors import ContactGraphError, InvalidValueError

# Constructors that take values a store validated before: not a caller boundary.
TRUSTED = {"rehydrate", "trusted"}


class _Weird:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")


HOSTILE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**5000, 2**63, 2**70, -(2**63) - 1, 978, 33]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("1e999999")]),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "\u202eevil",
            "a\u200bb",
            "\ud800",
            "x" * 5000,
            "2024-01-01",
            "2024-13-45",
            "FR",
            "EUR",
            "Economic Buyer",
            "Closed",
            "kim@acme.fr",
            "\u212aim@acme.fr",
            "+33 1 23 45 67 89",
        ]
    ),
    st.binary(max_size=4),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=3)), max_size=2),
    st.just(object()),
    st.just(_Weird()),
    st.just(date(2024, 1, 1)),
    st.just(datetime(2024, 1, 1, 12, 0)),
    st.just([[[]]]),
)


def _samples() -> dict[str, Any]:
    acme = domain.Account.create(name="ACME SA", id="acme", phone_region="FR")
    acme, alice = acme.add_contact(last_name="Martin", id="alice", email="alice@acme.fr")
    acme, bob = acme.add_contact(last_name="Durand", id="bob", reports_to="alice")
    deal = domain.Opportunity.create(name="Renewal", account_id="acme", id="deal")
    deal = deal.add_contact_role("alice", "Economic Buyer", primary=True)
    ticket = domain.Case.create(subject="Invoice", account_id="acme", id="ticket")
    relation = domain.AccountContactRelation.create("globex", "alice", id="rel")
    return {
        "Account": acme,
        "Contact": bob,
        "Opportunity": deal,
        "Case": ticket,
        "AccountContactRelation": relation,
        "OrgNode": acme.org_chart()[0],
        "Email": alice.email,
        "Phone": domain.Phone("+33123456789"),
        "Address": domain.Address(city="Paris"),
        "PersonName": alice.name,
        "Money": domain.Money.parse("1", "EUR"),
        "PolicySet": policies.default(),
    }


SAMPLES = _samples()


def _targets() -> dict[str, Callable[..., Any]]:
    """Every public callable reachable from the public names, by introspection."""
    out: dict[str, Callable[..., Any]] = {}
    modules = (domain, policies)
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                out[f"{module.__name__}.{name}"] = obj
            elif inspect.isclass(obj) and obj.__module__.startswith("contactgraph"):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or attr in TRUSTED:
                        continue
                    if isinstance(member, classmethod | staticmethod):
                        out[f"{name}.{attr}"] = getattr(obj, attr)
                    elif inspect.isfunction(member) and name in SAMPLES:
                        out[f"{name}().{attr}"] = getattr(SAMPLES[name], attr)
    for name in ("Email", "Phone", "Address", "PersonName"):
        out[f"{name}()"] = getattr(domain, name)
    return out


TARGETS = _targets()


def test_the_surface_is_found_by_introspection() -> None:
    """The walk reaches the commands callers use (so a broken walk cannot pass quietly)."""
    for expected in (
        "Account.create",
        "Account().add_contact",
        "Account().find_contacts",
        "Account().receive_contact",
        "Opportunity.create",
        "Opportunity().add_contact_role",
        "Case().update",
        "AccountContactRelation().end",
        "contactgraph.domain.email_key",
        "contactgraph.policies.require",
        "PolicySet().configure",
        "Phone.parse",
    ):
        assert expected in TARGETS
    assert len(TARGETS) > 60


def _call(target: Callable[..., Any], data: st.DataObject) -> None:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        signature = None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    params = list(signature.parameters.values()) if signature is not None else []
    named = {p.name for p in params}
    for param in params:
        if param.kind is param.VAR_POSITIONAL:
            args.extend(data.draw(st.lists(HOSTILE, max_size=2)))
        elif param.kind is param.VAR_KEYWORD:
            fields = sorted(
                {*domain.CONTACT_FIELD_NAMES, *domain.ACCOUNT_FIELDS, "stage", "subject"}
            )
            names = st.sampled_from([f for f in fields if f not in named])
            kwargs.update(data.draw(st.dictionaries(names, HOSTILE, max_size=3)))
        elif param.default is param.empty or data.draw(st.booleans()):
            value = data.draw(HOSTILE)
            if param.kind is param.POSITIONAL_ONLY:
                args.append(value)
            elif param.kind is param.KEYWORD_ONLY or kwargs or data.draw(st.booleans()):
                kwargs[param.name] = value
            else:
                args.append(value)
    try:
        result = target(*args, **kwargs)
        if inspect.isgenerator(result):
            list(result)
    except InvalidValueError as exc:
        field = exc.field
        str(exc)
    except ContactGraphError as exc:
        str(exc)
    else:
        return
    if "field" in locals():
        assert field, f"{target} raised an InvalidValueError naming no field"


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_only_library_errors_escape(name: str, data: st.DataObject) -> None:
    _call(TARGETS[name], data)
