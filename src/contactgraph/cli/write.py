"""Commands that change data: add, edit, deactivate, reactivate, move, close.

Each runs in one transaction with the library's own commands and rules: a
refused value or rule names the violation and leaves the store as it was.
``--json`` prints the record written, in the documented JSON shape.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from contactgraph import policies
from contactgraph.cli import options
from contactgraph.cli.codes import EXIT_OK, UsageError
from contactgraph.cli.context import Commands, Context
from contactgraph.cli.output import plain
from contactgraph.domain import Account, Case, Contact, Opportunity
from contactgraph.errors import Violation
from contactgraph.graph import move_contact, set_parent
from contactgraph.graph.lookup import (
    AmbiguousNameError,
    UnknownNameError,
    find_account,
    find_case,
    find_contact,
    find_opportunity,
)
from contactgraph.interop.phones import country_region, read_phone, region_for

__all__ = ["register"]

# (option, field, argparse type, help) — an empty value clears the field on edit
_ACCOUNT_OPTIONS: list[tuple[str, str, Callable[[str], Any] | None, str]] = [
    ("--type", "type", None, "Customer, Partner, Prospect…"),
    ("--industry", "industry", None, "industry"),
    ("--website", "website", None, "web site"),
    ("--phone", "phone", None, "main phone (national numbers read in the country's region)"),
    ("--phone-region", "phone_region", options.clearable(options.region), "phone region"),
    ("--description", "description", None, "free notes"),
    ("--employees", "number_of_employees", options.clearable(options.whole), "head count"),
    ("--revenue", "annual_revenue", options.clearable(options.amount), "annual revenue"),
]
_ADDRESS_OPTIONS = [
    ("--street", "street"),
    ("--city", "city"),
    ("--postal-code", "postal_code"),
    ("--state", "state"),
    ("--country", "country"),
]
_CONTACT_OPTIONS: list[tuple[str, str, Callable[[str], Any] | None, str]] = [
    ("--first-name", "first_name", None, "first name"),
    ("--middle-name", "middle_name", None, "middle name"),
    ("--salutation", "salutation", None, "Mr., Ms., Mme, Dr.…"),
    ("--suffix", "suffix", None, "name suffix"),
    ("--email", "email", None, "main email address"),
    ("--phone", "phone", None, "work phone"),
    ("--mobile", "mobile", None, "mobile phone"),
    ("--title", "title", None, "function, e.g. CFO"),
    ("--department", "department", None, "service, e.g. Finance"),
    ("--decision-role", "decision_role", None, "Decision Maker, Economic Buyer, Influencer…"),
    ("--description", "description", None, "free notes"),
    ("--birthdate", "birthdate", options.clearable(options.day), "date of birth, YYYY-MM-DD"),
    ("--lead-source", "lead_source", None, "where the contact came from"),
    ("--email-opt-out", "email_opt_out", options.yes_no, "yes: refuses marketing email"),
    ("--do-not-call", "do_not_call", options.yes_no, "yes: refuses phone calls"),
]


def _given(args: argparse.Namespace, table: list[tuple[str, str, Any, str]]) -> dict[str, Any]:
    """The fields whose option was given; an empty text clears the field (None)."""
    fields: dict[str, Any] = {}
    for _, field, _, _ in table:
        value = getattr(args, field, None)
        if value is not None:
            fields[field] = None if isinstance(value, str) and not value.strip() else value
    return fields


def _address(args: argparse.Namespace, current: Any = None) -> dict[str, Any] | None:
    """The billing address with the given parts changed, or None when no part was given."""
    parts = {field: getattr(args, field) for _, field in _ADDRESS_OPTIONS}
    if all(v is None for v in parts.values()):
        return None
    address = {k: getattr(current, k) for _, k in _ADDRESS_OPTIONS} if current else {}
    address.update({k: (v.strip() or None) for k, v in parts.items() if v is not None})
    return {k: v for k, v in address.items() if v}


def _warn_new(ctx: Context, before: Account | None, after: Account) -> None:
    """Print the warnings the change brought (duplicate email, unassigned number…)."""
    rules = policies.default()

    def key(v: Violation) -> tuple[str, str | None, str]:
        return (v.code, v.entity_id, v.message)

    old = {key(v) for v in rules.check(before)} if before is not None else set()
    for v in rules.check(after):
        if not v.is_error and key(v) not in old:
            ctx.out.warn(v.message)


def _done(ctx: Context, record: Any, text: str) -> int:
    if ctx.out.as_json:
        ctx.out.json(plain(record))
    else:
        ctx.out.line(text)
    return EXIT_OK


def cmd_add_account(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    fields = {k: v for k, v in _given(args, _ACCOUNT_OPTIONS).items() if v is not None}
    address = _address(args)
    if address:
        fields["billing_address"] = address
    with store.transaction():
        if args.parent:
            fields["parent_id"] = find_account(store, args.parent).id
        account = store.accounts.add(Account.create(args.name, **fields))
    try:
        find_account(store, account.name)
    except AmbiguousNameError as exc:
        others = [c for c in exc.candidates if c.id != account.id]
        ctx.out.warn(f"{len(others)} other account(s) also named {account.name!r}: {others[0]}")
    return _done(ctx, account, f"added account {account.name} ({account.id})")


def cmd_edit_account(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    fields = _given(args, _ACCOUNT_OPTIONS)
    if args.name is not None:
        fields["name"] = args.name
    with store.transaction():
        account = find_account(store, args.account)
        address = _address(args, account.billing_address)
        if address is not None:
            fields["billing_address"] = address or None
        if not fields and args.parent is None:
            raise UsageError("nothing to change: give at least one --FIELD VALUE")
        saved = store.accounts.save(account.update(**fields)) if fields else account
        if args.parent is not None:
            parent = find_account(store, args.parent).id if args.parent.strip() else None
            saved = set_parent(store, account.id, parent)
    _warn_new(ctx, account, saved)
    return _done(ctx, saved, f"updated account {saved.name} ({saved.id})")


def _colleague(ctx: Context, account_id: str, key: str | None) -> str | None:
    """A contact named by ``key``, looked for in the account first, then everywhere.

    One found elsewhere is returned all the same: the library then refuses it
    with the rule it breaks (a manager or a case contact from another account).
    An empty or missing ``key`` means none.
    """
    if key is None or not key.strip():
        return None
    try:
        return find_contact(ctx.store, key, account_id=account_id).id
    except UnknownNameError:
        return find_contact(ctx.store, key).id


def _read_phones(
    ctx: Context, account: Account, contact: Contact | None, fields: dict[str, Any]
) -> None:
    """Phones typed without a country code: read in the account's region, else the
    contact's mailing country; with neither, kept as typed, unverified, with a warning
    (as an import keeps them) rather than refused."""
    own = country_region(contact.mailing_address) if contact is not None else None
    region = region_for(account.default_region, own)
    for field in ("phone", "mobile"):
        if isinstance(fields.get(field), str):
            fields[field], unverified = read_phone(fields[field], region, field)
            if unverified:
                ctx.out.warn(
                    f"--{field} {fields[field].typed!r} has no country: kept as typed, "
                    "unverified (give the account a billing country to place it)"
                )


def cmd_add_contact(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    fields = {k: v for k, v in _given(args, _CONTACT_OPTIONS).items() if v is not None}
    with store.transaction():
        account = find_account(store, args.account)
        manager = _colleague(ctx, account.id, args.reports_to)
        if manager is not None:
            fields["reports_to"] = manager
        _read_phones(ctx, account, None, fields)
        changed, contact = account.add_contact(args.last_name, **fields)
        saved = store.accounts.save(changed)
    _warn_new(ctx, account, saved)
    contact = saved.contact(contact.id)
    return _done(ctx, contact, f"added {contact.full_name} ({contact.id}) to {saved.name}")


def _contact_change(
    ctx: Context, key: str, change: Callable[[Account, Contact], Account], verb: str
) -> int:
    store = ctx.store
    with store.transaction():
        found = find_contact(store, key)
        account = store.accounts.account_of(found.id)
        saved = store.accounts.save(change(account, account.contact(found.id)))
    _warn_new(ctx, account, saved)
    contact = saved.contact(found.id)
    return _done(ctx, contact, f"{verb} {contact.full_name} ({contact.id}) of {saved.name}")


def cmd_edit_contact(ctx: Context, args: argparse.Namespace) -> int:
    fields = _given(args, _CONTACT_OPTIONS)
    if args.last_name is not None:
        fields["last_name"] = args.last_name.strip() or None

    def change(account: Account, contact: Contact) -> Account:
        if args.reports_to is not None:
            fields["reports_to"] = _colleague(ctx, account.id, args.reports_to)
        if not fields:
            raise UsageError("nothing to change: give at least one --FIELD VALUE")
        _read_phones(ctx, account, contact, fields)
        return account.update_contact(contact.id, **fields)

    return _contact_change(ctx, args.contact, change, "updated")


def cmd_deactivate(ctx: Context, args: argparse.Namespace) -> int:
    return _contact_change(
        ctx, args.contact, lambda a, c: a.deactivate_contact(c.id), "deactivated"
    )


def cmd_reactivate(ctx: Context, args: argparse.Namespace) -> int:
    return _contact_change(
        ctx, args.contact, lambda a, c: a.reactivate_contact(c.id), "reactivated"
    )


def cmd_move(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    with store.transaction():
        contact = find_contact(store, args.contact)
        target = find_account(store, args.to)
        result = move_contact(store, contact.id, target.id, args.on)
    if ctx.out.as_json:
        ctx.out.json(
            {
                "contact": plain(result.contact),
                "from_account": {"id": result.from_account.id, "name": result.from_account.name},
                "to_account": {"id": result.to_account.id, "name": result.to_account.name},
                "relation": plain(result.history),
                "cut_links": [
                    {"contact_id": link.contact_id, "was_reporting_to": link.manager_id}
                    for link in result.cut_links
                ],
                "warnings": result.warnings,
            }
        )
        return EXIT_OK
    ctx.out.line(str(result))
    return EXIT_OK


def cmd_add_opportunity(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    with store.transaction():
        account = find_account(store, args.account)
        deal = Opportunity.create(
            args.name,
            account.id,
            stage=args.stage,
            close_date=args.close_date,
            amount=args.amount,
            currency=args.currency,
            description=args.description,
        )
        saved = store.opportunities.add(deal)
    return _done(ctx, saved, f"added opportunity {saved.name} ({saved.id}) to {account.name}")


def cmd_add_role(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    with store.transaction():
        deal = find_opportunity(store, args.opportunity)
        contact_id = _colleague(ctx, deal.account_id, args.contact)
        if contact_id is None:
            raise UsageError("CONTACT is empty: name the contact who takes the role")
        saved = store.opportunities.save(
            deal.add_contact_role(contact_id, args.role, primary=args.primary)
        )
    primary = ", primary" if args.primary else ""
    return _done(ctx, saved, f"{args.contact} is {args.role}{primary} on {saved.name} ({saved.id})")


def cmd_add_case(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    with store.transaction():
        account = find_account(store, args.account)
        contact = _colleague(ctx, account.id, args.contact)
        fields = {k: v for k, v in (("priority", args.priority), ("origin", args.origin)) if v}
        case = Case.create(
            args.subject, account.id, contact, description=args.description, **fields
        )
        saved = store.cases.add(case)
    return _done(ctx, saved, f"opened case {saved.subject} ({saved.id}) for {account.name}")


def cmd_close_case(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    with store.transaction():
        case = find_case(store, args.case)
        saved = store.cases.save(case.close()) if case.is_open else case
    state = "closed" if case.is_open else "was already closed:"
    return _done(ctx, saved, f"{state} case {saved.subject} ({saved.id})")


def _options(parser: argparse.ArgumentParser, table: list[tuple[str, str, Any, str]]) -> None:
    for flag, field, kind, text in table:
        parser.add_argument(flag, dest=field, type=kind, metavar="VALUE", help=text)


def _account_options(parser: argparse.ArgumentParser) -> None:
    _options(parser, _ACCOUNT_OPTIONS)
    for flag, field in _ADDRESS_OPTIONS:
        parser.add_argument(flag, dest=field, metavar="VALUE", help=f"billing address: {field}")
    parser.add_argument("--parent", metavar="ACCOUNT", help="parent account (name or id)")


def register(commands: Commands) -> None:
    add = commands.group("add", "add an account, contact, opportunity, contact role or case")
    p = add.add("account", cmd_add_account, "add an account", writes=True)
    p.add_argument("name", metavar="NAME")
    _account_options(p)
    p = add.add("contact", cmd_add_contact, "add a contact to an account", writes=True)
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--last-name", dest="last_name", required=True, metavar="VALUE")
    _options(p, _CONTACT_OPTIONS)
    p.add_argument("--reports-to", dest="reports_to", metavar="CONTACT", help="manager")
    p = add.add("opportunity", cmd_add_opportunity, "add an opportunity to an account", writes=True)
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--name", required=True, metavar="VALUE")
    p.add_argument("--stage", required=True, metavar="VALUE", help="Prospecting, Closed Won…")
    p.add_argument("--close-date", dest="close_date", required=True, type=options.day)
    p.add_argument("--amount", type=options.amount, metavar="VALUE")
    p.add_argument("--currency", type=options.currency, metavar="CUR", help="ISO 4217, e.g. EUR")
    p.add_argument("--description", metavar="VALUE")
    p = add.add("role", cmd_add_role, "give a contact a role on an opportunity", writes=True)
    p.add_argument("opportunity", metavar="OPPORTUNITY")
    p.add_argument("contact", metavar="CONTACT")
    p.add_argument("--role", required=True, metavar="VALUE", help="Economic Buyer, Influencer…")
    p.add_argument("--primary", action="store_true", help="the primary contact of the deal")
    p = add.add("case", cmd_add_case, "open a support case for an account", writes=True)
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--subject", required=True, metavar="VALUE")
    p.add_argument("--contact", metavar="CONTACT", help="who raised it")
    p.add_argument("--priority", metavar="VALUE", help="High, Medium or Low")
    p.add_argument("--origin", metavar="VALUE", help="Email, Phone, Web…")
    p.add_argument("--description", metavar="VALUE")

    edit = commands.group("edit", "change fields of an account or a contact")
    p = edit.add("account", cmd_edit_account, "change an account's fields", writes=True)
    p.add_argument("account", metavar="ACCOUNT")
    p.add_argument("--name", metavar="VALUE", help="new name")
    _account_options(p)
    p = edit.add("contact", cmd_edit_contact, "change a contact's fields", writes=True)
    p.add_argument("contact", metavar="CONTACT")
    p.add_argument("--last-name", dest="last_name", metavar="VALUE")
    _options(p, _CONTACT_OPTIONS)
    p.add_argument("--reports-to", dest="reports_to", metavar="CONTACT", help="manager")

    p = commands.add("deactivate", cmd_deactivate, "mark a contact inactive", writes=True)
    p.add_argument("contact", metavar="CONTACT")
    p = commands.add("reactivate", cmd_reactivate, "mark a contact active again", writes=True)
    p.add_argument("contact", metavar="CONTACT")
    p = commands.add("move", cmd_move, "move a contact to another account", writes=True)
    p.add_argument("contact", metavar="CONTACT")
    p.add_argument("--to", required=True, metavar="ACCOUNT", help="the new account")
    p.add_argument("--on", type=options.day, metavar="DATE", help="the day (default today)")
    close = commands.group("close", "close a case")
    p = close.add("case", cmd_close_case, "close a support case", writes=True)
    p.add_argument("case", metavar="CASE")
