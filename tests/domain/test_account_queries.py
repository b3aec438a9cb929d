"""Account queries: look-ups, searches, the reports-to tree and decision makers."""

from __future__ import annotations

import unicodedata

import pytest

from contactgraph import Account, Contact, NotFoundError, Phone

Team = tuple[Account, Contact, Contact, Contact]


def _names(contacts: list[Contact]) -> list[str]:
    return [c.full_name for c in contacts]


def test_contacts_is_a_read_only_mapping(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    assert acme.contacts[alice.id] == alice
    assert acme.contact(alice.id) == alice
    with pytest.raises(TypeError):
        acme.contacts[alice.id] = alice  # type: ignore[index]
    assert alice.id in acme
    assert len(acme) == 3


@pytest.mark.parametrize("key", [None, ["x"], {"x": 1}])
def test_a_look_up_with_a_non_id_is_not_found(acme: Account, key: object) -> None:
    with pytest.raises(NotFoundError) as info:
        acme.contact(key)  # type: ignore[arg-type]
    assert (info.value.kind, info.value.key) == ("Contact", key)


def test_active_contacts_are_sorted_by_name_and_skip_inactive_ones(acme_team: Team) -> None:
    acme, _, bob, _ = acme_team
    assert _names(acme.active_contacts()) == ["Bob Durand", "Alice Martin", "Chloé Petit"]
    assert _names(acme.deactivate_contact(bob.id).active_contacts()) == [
        "Alice Martin",
        "Chloé Petit",
    ]


# ---------------------------------------------------------------- searching


@pytest.mark.parametrize("email", ["alice@acme.fr", "ALICE@ACME.FR", " Alice@Acme.fr "])
def test_find_by_email_ignores_case(acme_team: Team, email: str) -> None:
    acme, alice, _, _ = acme_team
    assert acme.find_contacts(email=email) == [alice]


def test_find_by_email_also_searches_alternate_addresses(acme: Account) -> None:
    acme, alice = acme.add_contact(
        last_name="Martin", email="alice@acme.fr", alternate_emails=["a.martin@gmail.com"]
    )
    assert acme.find_contacts(email="A.Martin@Gmail.com") == [alice]


def test_find_by_email_matches_accented_addresses_typed_in_nfd(acme: Account) -> None:
    acme, helene = acme.add_contact(last_name="Dupont", email="hélène@acme.fr")
    assert acme.find_contacts(email=unicodedata.normalize("NFD", "hélène@ACME.fr")) == [helene]
    assert acme.find_contacts(email=unicodedata.normalize("NFD", "HÉLÈNE@acme.fr")) == []


@pytest.mark.parametrize(
    "name", ["Chloé", "chloe", "CHLOÉ", "Petit", "petit", "Chloé Petit", "petit chloe"]
)
def test_find_by_name_matches_first_last_or_full_name_ignoring_case_and_accents(
    acme_team: Team, name: str
) -> None:
    acme, _, _, chloe = acme_team
    assert acme.find_contacts(name=name) == [chloe]


def test_find_by_name_matches_the_nfd_spelling(acme_team: Team) -> None:
    acme, _, _, chloe = acme_team
    assert acme.find_contacts(name=unicodedata.normalize("NFD", "Chloé")) == [chloe]


def test_find_by_name_does_not_match_fragments(acme_team: Team) -> None:
    acme, _, _, _ = acme_team
    assert acme.find_contacts(name="Mart") == []
    assert acme.find_contacts(name="Alice Petit") == []


def test_find_by_title_and_department_ignores_case_and_accents(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    assert acme.find_contacts(title="cfo") == [alice]
    assert acme.find_contacts(department="FINANCE") == [bob, alice]
    assert acme.find_contacts(department="purchasing") == [chloe]


def test_find_combines_criteria(acme_team: Team) -> None:
    acme, alice, bob, _ = acme_team
    assert acme.find_contacts(department="Finance", title="Accountant") == [bob]
    assert acme.find_contacts(department="Finance", name="Alice") == [alice]
    assert acme.find_contacts(department="Finance", name="Chloé") == []
    inactive = acme.deactivate_contact(bob.id)
    assert inactive.find_contacts(department="Finance", active=True) == [alice]
    assert _names(inactive.find_contacts(active=False)) == ["Bob Durand"]


def test_find_by_phone_reads_national_numbers_in_the_accounts_region(acme_team: Team) -> None:
    acme, alice, _, _ = acme_team
    assert acme.find_contacts(phone="+33 1 23 45 67 89") == [alice]
    assert acme.find_contacts(phone="0123456789") == [alice]
    assert acme.find_contacts(phone="not a number") == []


def test_find_by_national_text_without_a_region_finds_numbers_kept_unverified() -> None:
    initech = Account.create(name="Initech")  # no region: national text cannot be placed
    initech, bill = initech.add_contact(
        last_name="Lumbergh", phone=Phone.unverified("01 44 27 44 27")
    )
    initech, _ = initech.add_contact(last_name="Bolton", phone="+33 1 44 27 44 27")
    assert initech.find_contacts(phone="01 44 27 44 27") == [bill]
    assert initech.find_contacts(phone="0144274427") == []  # typed otherwise
    assert initech.find_contacts(phone="not a number") == []


# ----------------------------------------------------------------- hierarchy


def test_direct_reports_manager_and_reporting_chain(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    assert acme.direct_reports(alice.id) == [bob]
    assert acme.direct_reports(chloe.id) == []
    assert acme.manager_of(chloe.id) == bob
    assert acme.manager_of(alice.id) is None
    assert acme.reporting_chain(chloe.id) == [bob, alice]
    assert acme.reporting_chain(alice.id) == []


def test_all_reports_go_level_by_level(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    acme, anna = acme.add_contact(last_name="Abel", first_name="Anna", reports_to=alice.id)
    assert acme.all_reports(alice.id) == [anna, bob, chloe]
    assert acme.all_reports(chloe.id) == []


@pytest.mark.parametrize(
    "query", ["direct_reports", "reporting_chain", "all_reports", "manager_of"]
)
def test_hierarchy_queries_on_an_unknown_contact_raise_not_found(acme: Account, query: str) -> None:
    with pytest.raises(NotFoundError) as info:
        getattr(acme, query)("no-such-contact")
    assert (info.value.kind, info.value.key) == ("Contact", "no-such-contact")


def test_the_org_chart_puts_roots_first_and_sorts_each_level(acme_team: Team) -> None:
    acme, alice, bob, _ = acme_team
    acme, _ = acme.add_contact(last_name="Zidane", first_name="Zoé")
    acme, _ = acme.add_contact(last_name="Abel", first_name="Anna", reports_to=alice.id)
    chart = acme.org_chart()
    assert _names([n.contact for n in chart]) == ["Alice Martin", "Zoé Zidane"]
    assert _names([n.contact for n in chart[0].reports]) == ["Anna Abel", "Bob Durand"]
    walked = [(depth, c.full_name) for node in chart for depth, c in node.walk()]
    assert walked == [
        (0, "Alice Martin"),
        (1, "Anna Abel"),
        (1, "Bob Durand"),
        (2, "Chloé Petit"),
        (0, "Zoé Zidane"),
    ]
    assert chart[0].reports[1].contact == bob


def test_an_empty_account_has_an_empty_org_chart(acme: Account) -> None:
    assert acme.org_chart() == []


def test_a_reporting_chain_thousands_deep_does_not_hit_the_recursion_limit(
    acme: Account,
) -> None:
    manager = None
    for level in range(1_500):
        acme, contact = acme.add_contact(last_name=f"Level {level}", reports_to=manager)
        manager = contact.id
    [root] = acme.org_chart()
    depths = [depth for depth, _ in root.walk()]
    assert depths == list(range(1_500))
    assert manager is not None
    assert len(acme.reporting_chain(manager)) == 1_499
    assert len(acme.all_reports(root.contact.id)) == 1_499


# ------------------------------------------------------------ decision makers


def test_decision_makers_are_active_contacts_with_a_deciding_role(acme_team: Team) -> None:
    acme, alice, bob, chloe = acme_team
    assert acme.decision_makers() == [alice]
    acme = acme.update_contact(bob.id, decision_role="Executive Sponsor")
    acme = acme.update_contact(chloe.id, decision_role="Influencer")
    assert [c.id for c in acme.decision_makers()] == [bob.id, alice.id]
    assert [c.id for c in acme.deactivate_contact(alice.id).decision_makers()] == [bob.id]
