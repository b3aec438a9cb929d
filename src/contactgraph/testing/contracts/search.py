"""Search: ranked hits with a total, kept in step with every write, alike on every backend."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Contact
from contactgraph.repos.keys import search_count_bound
from contactgraph.repos.protocol import SearchResult
from contactgraph.store import Store, open_store
from contactgraph.testing.contracts.base import ContractBase, acme, globex
from contactgraph.testing.contracts.hostile import HOSTILE
from contactgraph.testing.model import fold
from contactgraph.testing.model import search as expected_search

_FIRST = (
    "Alice",
    "Hélène",
    "ZOË",
    "Jürgen",
    "Ｍａｒｉｅ",
    "Åsa",
    "Nguyễn",
    "李",
    "O'Neil",
    "Émile",
)
_LAST = (
    "Martin",
    "Lefèvre",
    "Straße",
    "MARTINEZ",
    "Dupont-Aignan",
    "Ｔａｎａｋａ",
    "Øster",
    "van Dijk",
)


def _people(seed: int) -> list[Account]:
    """Three accounts of generated people: accents, full-width letters, shared prefixes."""
    rng = random.Random(seed)
    accounts = []
    for n in range(3):
        account = Account.create(
            name=f"{rng.choice(_LAST)} {('SA', 'GmbH', 'Ltd')[n]}",
            website=rng.choice([None, f"https://www.shop{n}.example", f"http://Dom{n}.EXAMPLE/x"]),
            phone=rng.choice([None, f"+33 1 40 00 00 0{n}"]),
        )
        for i in range(12):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            local = fold(first).replace(" ", "").replace("'", "") or "x"
            account, _ = account.add_contact(
                last_name=last,
                first_name=rng.choice([first, None]),
                middle_name=rng.choice([None, None, "Marie"]),
                email=rng.choice(
                    [None, f"{local}.{i}@ACME{n}.fr", f"{local.upper()}{i}@mail.example"]
                ),
                phone=rng.choice([None, f"+33 1 23 45 {n}{i % 10} {i:02d}"]),
                mobile=rng.choice([None, f"+49 151 2{n}{i:02d} 4567"]),
            )
        accounts.append(account)
    return accounts


def _needles(accounts: list[Account], rng: random.Random) -> list[str]:
    """Parts of stored values (any length, any case), 1–2 character needles, hostile strings."""
    texts: list[str] = ["a", "é", "MA", "m", "1", "33", "+33 1 23", "@", ".", "@acme", "zz"]
    texts.extend(h for h in HOSTILE if isinstance(h, str))
    for account in accounts:
        texts.append(account.name[:3])
        for c in account.contacts.values():
            sources = [c.name.full, c.last_name]
            if c.email is not None:
                sources.append(c.email.address)
            if c.phone is not None:
                sources.extend([c.phone.e164, c.phone.international])
            for source in sources:
                start = rng.randrange(len(source))
                part = source[start : start + rng.randint(1, 8)]
                texts.append(rng.choice([part, part.upper(), part.lower()]))
            texts.append(c.email.address.upper() if c.email is not None else c.last_name)
    return texts


_ACCOUNT_NAMES = ("Acme", "Acmeco", "Ac Me", "Cme", "C_e", "C%e", "C\\e", "A+33", "Zeta 1 40")
_WEBSITES = (None, "https://www.acme.fr/x", "cme", "c_e.fr", "http://C%E/", "33140000001.fr")
_PHONES = (None, "+33 1 40 00 00 01", "+33 1 40 12 34 56", "+49 151 2000 4567")


def _accounts(rng: random.Random) -> list[Account]:
    """Accounts sharing name parts, domains and phone digits, LIKE's wildcards and a
    ``+`` among them: a needle is often a domain or phone line (rank 0), a name's start
    (rank 1) and inside other names (rank 3) at once."""
    return [
        Account.create(
            name=f"{rng.choice(_ACCOUNT_NAMES)}{rng.choice(['', 'a', 'z', ' sa'])} {n} SA",
            website=rng.choice(_WEBSITES),
            phone=rng.choice(_PHONES),
        )
        for n in range(rng.randint(4, 30))
    ]


def _account_needles(accounts: list[Account], rng: random.Random) -> list[str]:
    """Parts of the accounts' names, domains and phones (any case), whole lines, hostile strings."""
    texts = ["cme", "c_e", "c%e", "c\\e", "+33", "33 1 40", "+33140000001", "%", "_", "a+3"]
    texts.extend(h for h in HOSTILE if isinstance(h, str))
    for account in accounts:
        sources = [account.name]
        if account.website is not None:
            sources.append(account.website)
        if account.phone is not None:
            sources.extend([account.phone.e164, account.phone.international])
        source = rng.choice(sources)
        start = rng.randrange(len(source))
        part = source[start : start + rng.randint(1, 12)]
        texts.append(rng.choice([part, part.upper(), source]))
    return texts


def _bound(limit: int) -> int:
    bound = search_count_bound(limit)
    assert bound is not None
    return bound


def _all_contacts(store: Store) -> list[Contact]:
    return [c for a in store.accounts.list() for c in a.contacts.values()]


class SearchContract(ContractBase):
    """``accounts.search`` / ``search_contacts`` / ``search_accounts``: the documented ranking."""

    def test_search_ranks_exact_email_then_last_name_then_full_name_then_anywhere(
        self, store: Store
    ) -> None:
        acme_sa = Account.create(name="ACME SA")
        acme_sa, last = acme_sa.add_contact(last_name="Martin", first_name="Yves")
        acme_sa, full = acme_sa.add_contact(last_name="Bloggs", first_name="Marta")
        acme_sa, inside = acme_sa.add_contact(last_name="Aumart", first_name="Ann")
        acme_sa, exact = acme_sa.add_contact(last_name="Zed", email="ann@acme.fr")
        acme_sa, mobile = acme_sa.add_contact(last_name="Zorn", mobile="+33 6 12 34 56 78")
        acme_sa, able = acme_sa.add_contact(last_name="Able", email="33612345678@acme.fr")
        store.accounts.add(acme_sa)
        found = store.accounts.search("MART")
        assert [c.id for c in found.contacts] == [last.id, full.id, inside.id]
        assert (found.total, found.truncated) == (3, False)
        assert [c.id for c in store.accounts.search("ANN@acme.fr").contacts] == [exact.id]
        by_phone = store.accounts.search("+33 612 345 678").contacts
        assert [c.id for c in by_phone] == [mobile.id, able.id]
        cut = store.accounts.search("mart", limit=2)
        assert [c.id for c in cut.contacts] == [last.id, full.id]
        assert (cut.total, cut.truncated) == (3, True)
        assert store.accounts.search_contacts("mart", limit=2) == list(cut.contacts)

    def test_search_ignores_case_accents_and_width_and_finds_phone_digits(
        self, store: Store
    ) -> None:
        account, people = acme()
        store.accounts.add(account)
        helene = people["helene"]
        for text in ("LEFÈV", "lefev", "ｌｅｆｅｖ", "hélène marie"):
            assert store.accounts.search(text).contacts == (helene,), text
        assert store.accounts.search("06 12 34").contacts == (people["bob"],)
        assert store.accounts.search("+33 6 12 34 56 78").contacts == (people["bob"],)
        assert store.accounts.search("23 45 67 89").contacts == (people["alice"],)

    def test_short_needles_match_the_start_of_names_and_emails_only(self, store: Store) -> None:
        account, people = acme()
        store.accounts.add(account)
        assert store.accounts.search("le").contacts == (people["helene"],)
        assert store.accounts.search("al").contacts == (people["alice"],)  # first name, email
        assert store.accounts.search("rt").contacts == ()  # inside "Martin": 3+ characters only
        assert store.accounts.search("%").total == 0

    def test_search_follows_every_write(self, store: Store) -> None:
        account, people = acme()
        account = store.accounts.add(account)
        account = account.update_contact(people["bob"].id, last_name="Dupuis")
        account = store.accounts.save(account)
        assert store.accounts.search("durand").total == 0
        assert store.accounts.search("dupui").contacts == (account.contact(people["bob"].id),)
        account = store.accounts.save(account.remove_contact(people["bob"].id))
        assert store.accounts.search("dupui").total == 0
        other, hank = globex()
        store.accounts.add(other)
        assert store.accounts.search("scorp").contacts == (hank,)
        store.accounts.remove(other.id)
        assert store.accounts.search("scorp").total == 0
        assert store.accounts.search_accounts("globex").total == 0

    def test_digit_needles_follow_every_write_wherever_the_digits_are(self, store: Store) -> None:
        """Six digits or more are found through SQLite's index of digit runs (schema
        step 6): in phones, emails and names, as they change and go."""
        account = Account.create(name="ACME SA")
        account, alice = account.add_contact(last_name="Martin", phone="+33 1 23 45 67 89")
        account, bob = account.add_contact(last_name="Durand", email="bob.7654321@acme.fr")
        account, agent = account.add_contact(last_name="Agent 0070070", first_name="Jim")
        account = store.accounts.add(account)
        assert [c.id for c in store.accounts.search("23 45 67 89").contacts] == [alice.id]
        assert [c.id for c in store.accounts.search("654321").contacts] == [bob.id]
        assert [c.id for c in store.accounts.search("0070070").contacts] == [agent.id]
        account = account.update_contact(alice.id, phone="+33 1 98 76 54 32")
        account = account.update_contact(bob.id, email="bob@acme.fr")
        account = store.accounts.save(account)
        assert store.accounts.search("23 45 67 89").total == 0
        assert [c.id for c in store.accounts.search("987654").contacts] == [alice.id]
        assert [c.id for c in store.accounts.search("7654321").contacts] == []
        assert [c.id for c in store.accounts.search("765432").contacts] == [alice.id]
        store.accounts.save(account.remove_contact(alice.id))
        assert store.accounts.search("987654").total == 0
        store.accounts.remove(account.id)
        assert store.accounts.search("0070070").total == 0

    def test_an_unverified_phone_equal_to_the_needle_ranks_first_past_the_limit(
        self, store: Store
    ) -> None:
        account = Account.create(name="ACME SA")
        account, zed = account.add_contact(last_name="Zed", phone="unverified:44 27 44 27")
        account, _ = account.add_contact(last_name="Bloggs", mobile="unverified:44 27 44 2")
        account, _ = account.add_contact(last_name="44274427", first_name="Bob")  # rank 1
        account, _ = account.add_contact(last_name="Ann", first_name="44274427")  # rank 2
        store.accounts.add(account)
        contacts = _all_contacts(store)
        for text in ("44274427", "44 27 44 27", "4427442"):
            for limit in (1, 2, 3):
                want, total = expected_search(contacts, text, limit)
                found = store.accounts.search(text, limit=limit)
                assert (list(found.contacts), found.total) == (want, total), (text, limit)
        assert store.accounts.search("44 27 44 27", limit=1).contacts == (zed,)

    def test_a_broad_needle_counts_up_to_a_bound_and_still_gives_the_best(
        self, store: Store
    ) -> None:
        bound = _bound(5)
        accounts = []
        for n in range(2):
            account = Account.create(name=f"Aumart {n} SA")
            for i in range(bound // 2 + 3):  # together, past the bound: all "mart" anywhere
                account, _ = account.add_contact(last_name=f"Aumart{i:04d}", first_name="Ann")
            accounts.append(account)
        account = accounts[0]
        account, _ = account.add_contact(last_name="Martin", first_name="Yves")
        account, _ = account.add_contact(last_name="Bloggs", first_name="Marta")
        account, _ = account.add_contact(last_name="Zorn", email="mart@acme.fr")
        accounts[0] = account
        for account in accounts:
            store.accounts.add(account)
        contacts = _all_contacts(store)
        for text, limit in [("mart", 5), ("MART", 1), ("au", 3), ("aumart000", 50), ("ann", 2)]:
            want, total = expected_search(contacts, text, limit)
            got = store.accounts.search(text, limit=limit)
            assert list(got.contacts) == want, text
            counted = min(total, _bound(limit))
            assert (got.total, got.total_is_exact) == (counted, total == counted), text
            assert got.truncated == (total > limit), text
        assert store.accounts.search("mart", limit=5).total == bound
        assert not store.accounts.search("mart", limit=5).total_is_exact
        exact = store.accounts.search("aumart0001")  # two of them, counted exactly
        assert (exact.total, exact.total_is_exact, exact.truncated) == (2, True, False)
        every = store.accounts.search("mart", limit=None)  # type: ignore[arg-type]
        assert (every.total, every.total_is_exact, len(every.contacts)) == (
            bound + 9,
            True,
            bound + 9,
        )
        wide = store.accounts.search("mart", limit=bound + 10)  # a limit past the bound
        assert len(wide.contacts) == bound + 9
        assert (wide.total, wide.total_is_exact, wide.truncated) == (bound + 9, True, False)

    def test_a_broad_account_needle_counts_up_to_a_bound_and_still_gives_the_best(
        self, store: Store
    ) -> None:
        bound = _bound(5)
        with store.transaction():
            for i in range(bound + 3):  # past the bound: all "mart" anywhere, "au" at the start
                store.accounts.add(Account.create(name=f"Aumart {i:04d} SA"))
            by_domain = store.accounts.add(Account.create(name="Zed", website="http://MART/x"))
            by_phone = store.accounts.add(Account.create(name="Zorn", phone="+33 1 40 00 00 01"))
            also = store.accounts.add(Account.create(name="Able", website="https://33140000001.fr"))
            by_name = store.accounts.add(Account.create(name="Martin SA"))
        firsts = [a.id for a in store.accounts.list(limit=bound)]  # by name: Able, Aumart…

        def names(found: SearchResult) -> list[str]:
            return [a.id for a in found.accounts]

        broad = store.accounts.search_accounts("mart", limit=5)
        aumart = [i for i in firsts if i not in (also.id,)][:3]
        assert names(broad) == [by_domain.id, by_name.id, *aumart]
        assert (broad.total, broad.total_is_exact, broad.truncated) == (bound, False, True)
        assert names(store.accounts.search_accounts("MART", limit=1)) == [by_domain.id]
        by_digits = store.accounts.search_accounts("+33 1 40 00 00 01", limit=1)
        assert names(by_digits) == [by_phone.id]
        assert (by_digits.total, by_digits.total_is_exact) == (2, True)
        short = store.accounts.search_accounts("au", limit=3)
        assert names(short) == aumart
        assert (short.total, short.total_is_exact) == (bound, False)
        every = store.accounts.search_accounts("mart", limit=None)  # type: ignore[arg-type]
        assert (every.total, every.total_is_exact) == (bound + 5, True)

    def test_accounts_are_found_by_name_domain_and_phone(self, store: Store) -> None:
        account, _ = acme()
        other, _ = globex()
        store.accounts.add(account)
        store.accounts.add(other)
        by_name = store.accounts.search_accounts("corporation")
        assert [a.id for a in by_name.accounts] == [other.id]
        assert [a.id for a in store.accounts.search_accounts("acme.example").accounts] == [
            account.id
        ]
        assert [a.id for a in store.accounts.search_accounts("40 00 00").accounts] == [account.id]
        assert [a.id for a in store.accounts.search_accounts("gl").accounts] == [other.id]
        assert store.accounts.search_accounts("a", limit=0).truncated

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        people=st.lists(
            st.tuples(
                st.sampled_from(["Ann", "Ann", "ANNA", "Ann Marie", None]),
                st.sampled_from([None, "Bo", "Böb"]),
                st.sampled_from(["Annick", "Annan", "Bo", "Bob", "Ann"]),
            ),
            min_size=3,
            max_size=14,
        ),
        needle=st.sampled_from(["ann a", "ann b", "ANN BO", "ann bo a", "anna", "ann m", "ann"]),
        limit=st.integers(1, 3),
    )
    @example(
        people=[("Ann", m, n) for m in (None, "Bo") for n in ("Annick", "Bo")] * 2,
        needle="ann b",
        limit=1,
    )
    def test_full_name_starts_rank_by_name_past_the_limit(
        self,
        store: Store,
        people: list[tuple[str | None, str | None, str]],
        needle: str,
        limit: int,
    ) -> None:
        """Names sharing their starts, so that a needle is the start of many full names, of
        last names too (rank 1 within the rank-2 range), and middle names and ids order
        equal names: past ``limit`` the best come from the full-name range read in name order."""
        for account in store.accounts.list():
            store.accounts.remove(account.id)
        account = Account.create(name="Annex SA")
        for first, middle, last in people:
            account, _ = account.add_contact(first_name=first, middle_name=middle, last_name=last)
        store.accounts.add(account)
        contacts = _all_contacts(store)
        want, total = expected_search(contacts, needle, limit)
        got = store.accounts.search(needle, limit=limit)
        assert (list(got.contacts), got.total) == (want, total)

    @settings(
        max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(seed=st.integers(0, 2**16))
    def test_search_agrees_with_the_reference_on_generated_people(
        self, store: Store, seed: int
    ) -> None:
        for account in store.accounts.list():
            store.accounts.remove(account.id)
        for account in _people(seed):
            store.accounts.add(account)
        contacts = _all_contacts(store)
        rng = random.Random(seed)
        for text in _needles(store.accounts.list(), rng):
            limit = rng.choice([1, 5, 50])
            want, total = expected_search(contacts, text, limit)
            got = store.accounts.search(text, limit=limit)
            assert (list(got.contacts), got.total) == (want, total), text
            # The type-ahead call counts nothing past limit + 1: the same hits.
            typed = store.accounts.search(text, limit=limit, count_up_to=0)
            cut = min(total, limit + 1)
            assert list(typed.contacts) == want, text
            assert (typed.total, typed.total_is_exact) == (cut, total == cut), text

    @settings(
        max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(seed=st.integers(0, 2**16))
    def test_account_search_agrees_with_the_memory_backend_on_generated_accounts(
        self, store: Store, seed: int
    ) -> None:
        """Every backend answers an account search as the memory backend does (the
        reference): the same accounts in the same order and the same total, counted or
        not (``count_up_to=0``, the type-ahead call: ranks read first on SQL)."""
        for account in store.accounts.list():
            store.accounts.remove(account.id)
        rng = random.Random(seed)
        accounts = _accounts(rng)
        with open_store("memory://") as reference:
            for target in (store, reference):
                with target.transaction():
                    for account in accounts:
                        target.accounts.add(account)
            for text in _account_needles(accounts, rng):
                limit = rng.choice([1, 3, 50])
                for count_up_to in (0, 1000):
                    got = store.accounts.search_accounts(text, limit=limit, count_up_to=count_up_to)
                    want = reference.accounts.search_accounts(
                        text, limit=limit, count_up_to=count_up_to
                    )
                    assert got == want, (text, limit, count_up_to)
