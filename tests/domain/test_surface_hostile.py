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
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactgraph import domain, policies
from contactgraph.testing.hostile import call_hostile

# Constructors that take values a store validated before: not a caller boundary.
TRUSTED = {"rehydrate", "trusted"}
# Under `./dev mutate`, mutmut keeps each mutant as a class attribute beside the original.
MUTANT = "__mutmut_"


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
                    if attr.startswith("_") or attr in TRUSTED or MUTANT in attr:
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
    fields = {*domain.CONTACT_FIELD_NAMES, *domain.ACCOUNT_FIELDS, "stage", "subject"}
    call_hostile(target, data, fields)


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_only_library_errors_escape(name: str, data: st.DataObject) -> None:
    _call(TARGETS[name], data)
