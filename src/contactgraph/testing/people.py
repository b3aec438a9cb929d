"""Generated people with planted duplicates, for tests and benchmarks of duplicate detection.

:func:`generate` builds realistic accounts and contacts, then plants
duplicates of known kinds (a nickname, a typo, swapped names, a day/month
swap, the same person under a second spelling of the company…) and hard
negatives (namesakes in one account, relatives sharing a phone and address).
It returns the accounts and the true duplicate pairs with their kind, so a
caller can measure precision and recall.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import attrs

from contactgraph.domain import Account

__all__ = ["DUPLICATE_KINDS", "Planted", "generate"]

FIRST_NAMES = [
    "robert",
    "margaret",
    "william",
    "elizabeth",
    "james",
    "catherine",
    "richard",
    "jennifer",
    "thomas",
    "susan",
    "michael",
    "patricia",
    "charles",
    "deborah",
    "edward",
    "katherine",
    "joseph",
    "christopher",
    "daniel",
    "alexander",
    "anthony",
    "nicholas",
    "rebecca",
    "victoria",
    "samuel",
    "jonathan",
    "benjamin",
    "frederick",
    "theodore",
    "dorothy",
    "abigail",
    "matthew",
    "andrew",
    "stephen",
    "timothy",
    "gregory",
    "kenneth",
    "donald",
    "raymond",
    "lawrence",
    "henry",
    "peter",
    "david",
    "mary",
    "sarah",
    "laura",
    "emma",
    "lucas",
    "julien",
    "camille",
    "chloe",
    "nathalie",
    "francois",
    "helene",
    "olivia",
    "sophie",
    "hugo",
    "louis",
    "lea",
    "manon",
    "ines",
    "jade",
    "arthur",
    "gabriel",
    "raphael",
    "maelle",
    "zoe",
    "anna",
    "marie",
    "paul",
    "antoine",
    "pierre",
    "nicolas",
    "isabelle",
    "sandrine",
    "valerie",
    "sylvie",
    "christine",
    "martine",
    "aurelie",
    "elodie",
    "ahmed",
    "fatima",
    "yasmine",
    "karim",
    "mehdi",
    "sofia",
    "giulia",
    "marco",
    "luca",
    "matteo",
    "lena",
    "jonas",
    "felix",
    "mia",
]

NICKNAMED = {
    "robert": "bob", "margaret": "peggy", "william": "bill", "elizabeth": "betty",
    "james": "jim", "catherine": "cathy", "richard": "dick", "jennifer": "jenny",
    "thomas": "tom", "susan": "sue", "michael": "mike", "patricia": "patty",
    "charles": "chuck", "deborah": "debbie", "edward": "ted", "katherine": "kate",
    "joseph": "joe", "christopher": "chris", "daniel": "dan", "alexander": "alex",
    "anthony": "tony", "nicholas": "nick", "rebecca": "becky", "victoria": "vicky",
    "samuel": "sam", "benjamin": "ben", "frederick": "fred", "theodore": "theo",
    "dorothy": "dotty", "abigail": "abby", "matthew": "matt", "andrew": "andy",
    "stephen": "steve", "timothy": "tim", "gregory": "greg", "kenneth": "ken",
    "donald": "don", "raymond": "ray", "lawrence": "larry", "henry": "hank",
    "peter": "pete", "david": "dave",
}  # fmt: skip

_SYLLABLES = [
    "ber",
    "mar",
    "dur",
    "lam",
    "bo",
    "ri",
    "ch",
    "au",
    "ne",
    "fon",
    "te",
    "gar",
    "ci",
    "lo",
    "pez",
    "ro",
    "sel",
    "vi",
    "al",
    "ka",
    "mon",
    "dan",
    "tre",
    "hu",
    "ge",
    "ba",
    "la",
    "sa",
    "mi",
    "to",
    "ru",
    "ke",
    "ni",
    "po",
    "de",
    "fa",
    "gu",
    "le",
    "mo",
    "ti",
    "va",
    "zo",
    "ren",
    "bran",
    "cour",
    "gal",
    "mas",
    "nor",
    "pel",
    "quin",
    "stol",
    "wer",
]
_ENDINGS = ("", "", "", "t", "d", "n", "r", "s", "x", "ier", "on", "ez", "mann", "son", "i")
PHONETIC = {"schmidt": "schmitt", "meyer": "meier", "philips": "phillips", "smith": "smyth",
            "thompson": "thomson", "martin": "martyn", "claire": "clair", "fournier": "fourniez"}  # fmt: skip

TITLES = ("CEO", "CFO", "Buyer", "Accountant", "Engineer", "Director", "Sales Manager",
          "Technician", "Assistant", "Head of Purchasing", "CTO", "Analyst")  # fmt: skip
CITIES = (("Paris", "750"), ("Lyon", "690"), ("Lille", "590"), ("Nantes", "440"),
          ("Bordeaux", "330"), ("Toulouse", "310"), ("Nice", "060"), ("Rennes", "350"))  # fmt: skip
STREETS = ("rue de la Paix", "avenue Victor Hugo", "boulevard Voltaire", "rue Nationale",
           "place du Marché", "rue des Lilas", "chemin Vert", "rue Pasteur")  # fmt: skip
COMPANY_WORDS = [
    "nord",
    "sud",
    "alpha",
    "delta",
    "orion",
    "atlas",
    "vega",
    "nova",
    "helio",
    "terra",
    "aqua",
    "flux",
    "prime",
    "optima",
    "vertex",
    "lumen",
    "axis",
    "kappa",
    "sigma",
    "boreal",
    "cobalt",
    "zenith",
    "arcadia",
    "solaris",
    "quantum",
]
SECTORS = ("Logistics", "Consulting", "Industries", "Systems", "Foods", "Energy", "Software",
           "Transports", "Medical", "Textiles")  # fmt: skip
FORMS = ("SA", "SAS", "SARL", "Inc", "Ltd", "GmbH")

DUPLICATE_KINDS = (
    "same email, last-name typo",
    "nickname, same phone",
    "first-name initial, same email",
    "first and last names swapped",
    "compound last name without its hyphen",
    "phonetic last name, same phone",
    "birthdate day/month swapped",
    "same person under another spelling of the company",
)
"""The kinds of planted duplicates, in the order they are planted."""


@attrs.frozen(slots=True)
class Planted:
    """Generated accounts and what is known about them.

    Attributes:
        accounts: The accounts with their contacts.
        duplicate_pairs: Contact id pairs (sorted) that are one person -> kind.
        namesake_pairs: Hard negatives: pairs that look alike but are two people.
        duplicate_accounts: Account id pairs (sorted) that are one company.
    """

    accounts: tuple[Account, ...]
    duplicate_pairs: dict[tuple[str, str], str]
    namesake_pairs: frozenset[tuple[str, str]]
    duplicate_accounts: frozenset[tuple[str, str]]


def _last_name(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(list(PHONETIC))
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 2, 2, 3))))
    name += rng.choice(_ENDINGS)
    if rng.random() < 0.06:
        name += "-" + "".join(rng.choice(_SYLLABLES) for _ in range(2))
    return name


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("swap", "drop", "double", "change"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1 :]


class _Numbers:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def phone(self) -> str:
        while True:
            number = f"+33 {self.rng.choice('1234569')} {self.rng.randrange(10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number


def _person(rng: random.Random, numbers: _Numbers, domain: str) -> dict[str, Any]:
    first = rng.choice(FIRST_NAMES)
    last = _last_name(rng)
    fields: dict[str, Any] = {
        "first_name": first.capitalize(),
        "last_name": "-".join(p.capitalize() for p in last.split("-")),
        "title": rng.choice(TITLES),
    }
    if rng.random() < 0.85:
        local = f"{first}.{last.replace('-', '')}{rng.randrange(100) if rng.random() < 0.2 else ''}"
        fields["email"] = f"{local}@{domain}"
    if rng.random() < 0.8:
        fields["phone"] = numbers.phone()
    if rng.random() < 0.6:
        fields["birthdate"] = date(
            rng.randrange(1950, 2003), rng.randrange(1, 13), rng.randrange(1, 29)
        )
    if rng.random() < 0.5:
        city, zip_prefix = rng.choice(CITIES)
        fields["mailing_address"] = {
            "street": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
            "city": city,
            "postal_code": f"{zip_prefix}{rng.randrange(100):02d}",
            "country": "France",
        }
    return fields


def _variant(
    rng: random.Random, kind: str, person: dict[str, Any], numbers: _Numbers
) -> dict[str, Any] | None:
    """A copy of ``person`` as another entry of the same person would show it, or None."""
    dup = {k: v for k, v in person.items() if k in ("first_name", "last_name", "title")}
    first, last = person["first_name"].lower(), person["last_name"]
    if kind == DUPLICATE_KINDS[0]:
        if "email" not in person:
            return None
        dup["email"] = person["email"]
        dup["last_name"] = _typo(rng, last).capitalize()
    elif kind == DUPLICATE_KINDS[1]:
        if first not in NICKNAMED or "phone" not in person:
            return None
        dup["first_name"] = NICKNAMED[first].capitalize()
        dup["phone"] = person["phone"]
    elif kind == DUPLICATE_KINDS[2]:
        if "email" not in person:
            return None
        dup["first_name"] = first[0].upper() + "."
        dup["email"] = person["email"]
    elif kind == DUPLICATE_KINDS[3]:
        if "birthdate" not in person and "phone" not in person:
            return None
        dup["first_name"], dup["last_name"] = last, first.capitalize()
        for key in ("birthdate", "phone"):
            if key in person:
                dup[key] = person[key]
    elif kind == DUPLICATE_KINDS[4]:
        if "-" not in last or "phone" not in person:
            return None
        dup["last_name"] = last.replace("-", " ") if rng.random() < 0.5 else last.split("-")[0]
        dup["phone"] = person["phone"]
    elif kind == DUPLICATE_KINDS[5]:
        if last.lower() not in PHONETIC or "phone" not in person:
            return None
        dup["last_name"] = PHONETIC[last.lower()].capitalize()
        dup["phone"] = person["phone"]
    elif kind == DUPLICATE_KINDS[6]:
        birthdate = person.get("birthdate")
        if birthdate is None or birthdate.day > 12 or birthdate.day == birthdate.month:
            return None
        dup["birthdate"] = date(birthdate.year, birthdate.day, birthdate.month)
        if "mailing_address" in person:
            dup["mailing_address"] = person["mailing_address"]
        else:
            return None
    else:
        for key in ("email", "phone", "birthdate"):
            if key in person:
                dup[key] = person[key]
    return _corrupt(rng, kind, dup)


def _corrupt(rng: random.Random, kind: str, dup: dict[str, Any]) -> dict[str, Any]:
    """What a second entry picks up besides its kind: typos, a lost or changed title."""
    if rng.random() < 0.3 and "title" in dup:
        del dup["title"]
    elif rng.random() < 0.1:
        dup["title"] = rng.choice(TITLES)
    first = dup.get("first_name", "")
    if kind not in DUPLICATE_KINDS[1:4] and len(first) > 3 and rng.random() < 0.15:
        dup["first_name"] = _typo(rng, first.lower()).capitalize()
    if kind in DUPLICATE_KINDS[6:] and rng.random() < 0.15:
        dup["last_name"] = _typo(rng, dup["last_name"].lower()).capitalize()
    return dup


def _company(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """A new company name and its domain (a branch number once the words run out)."""
    for attempt in range(1_000_000):
        words = rng.sample(COMPANY_WORDS, 2)
        base = f"{words[0].capitalize()}{words[1]} {rng.choice(SECTORS)}"
        domain = f"{words[0]}{words[1]}"
        if attempt >= 20:  # 6,000 names at most: then "Novaalpha Foods 17"
            number = rng.randrange(2, 100_000)
            base, domain = f"{base} {number}", f"{domain}{number}"
        if base not in used:
            used.add(base)
            return f"{base} {rng.choice(FORMS)}", f"{domain}.fr"
    raise RuntimeError("no new company name")  # pragma: no cover


def generate(contacts: int = 10_000, *, duplicate_rate: float = 0.04, seed: int = 7) -> Planted:
    """About ``contacts`` contacts over accounts of 1 to 200, with planted duplicates.

    ``duplicate_rate`` of the contacts get a planted duplicate; another 1 % are
    hard negatives. Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    numbers = _Numbers(rng)
    used: set[str] = set()
    accounts: list[Account] = []
    people: list[tuple[int, str, dict[str, Any]]] = []  # account index, id, fields
    duplicate_accounts: set[tuple[str, str]] = set()
    total = 0
    while total < contacts:
        name, domain = _company(rng, used)
        account = Account.create(
            name=name,
            website=f"https://www.{domain}",
            billing_address={"city": rng.choice(CITIES)[0], "country": "France"},
        )
        size = min(contacts - total, max(1, int(rng.paretovariate(1.2) * 4)), 200)
        for _ in range(size):
            fields = _person(rng, numbers, domain)
            account, contact = account.add_contact(**fields)
            people.append((len(accounts), contact.id, fields))
        accounts.append(account)
        total += size
    duplicates: dict[tuple[str, str], str] = {}
    namesakes: set[tuple[str, str]] = set()
    twins: dict[int, int] = {}
    for account_index, contact_id, fields in rng.sample(people, int(len(people) * duplicate_rate)):
        kind = rng.choice(DUPLICATE_KINDS)
        dup = _variant(rng, kind, fields, numbers)
        if dup is None:
            continue
        target = account_index
        if kind == DUPLICATE_KINDS[-1] or kind == DUPLICATE_KINDS[6]:
            target = _twin(rng, accounts, account_index, twins, duplicate_accounts)
        accounts[target], copy = accounts[target].add_contact(**dup)
        duplicates[_pair(contact_id, copy.id)] = kind
    for account_index, contact_id, fields in rng.sample(people, len(people) // 100):
        if rng.random() < 0.5:  # a namesake colleague: their own line and address
            domain = accounts[account_index].website or "example.com"
            local = f"{fields['first_name'][0]}.{fields['last_name']}".lower().replace("-", "")
            other = {
                "first_name": fields["first_name"],
                "last_name": fields["last_name"],
                "phone": numbers.phone(),
                "email": f"{local}{rng.randrange(10, 99)}@{domain.removeprefix('https://www.')}",
            }
        else:  # a relative sharing the line and the address
            others = [n for n in FIRST_NAMES if n != fields["first_name"].lower()]
            other = {
                "first_name": rng.choice(others).capitalize(),
                "last_name": fields["last_name"],
            }
            for key in ("phone", "mailing_address"):
                if key in fields:
                    other[key] = fields[key]
        accounts[account_index], copy = accounts[account_index].add_contact(**other)
        namesakes.add(_pair(contact_id, copy.id))
    return Planted(tuple(accounts), duplicates, frozenset(namesakes), frozenset(duplicate_accounts))


def _twin(
    rng: random.Random,
    accounts: list[Account],
    index: int,
    twins: dict[int, int],
    pairs: set[tuple[str, str]],
) -> int:
    """The index of a second entry of account ``index`` (made on first use)."""
    if index not in twins:
        original = accounts[index]
        name = original.name
        spelled = rng.choice(
            (name.upper(), name.rsplit(" ", 1)[0], name.replace(" ", "-", 1), name + "."),
        )
        twin = Account.create(name=spelled, website=original.website,
                              billing_address={"city": original.billing_address.city if original.billing_address else None})  # fmt: skip
        accounts.append(twin)
        twins[index] = len(accounts) - 1
        pairs.add(_pair(original.id, twin.id))
    return twins[index]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def cluster_pairs(clusters: Iterator[tuple[str, ...]]) -> set[tuple[str, str]]:
    """Every pair inside each cluster."""
    found = set()
    for ids in clusters:
        ordered = sorted(ids)
        for x, a in enumerate(ordered):
            for b in ordered[x + 1 :]:
                found.add((a, b))
    return found
