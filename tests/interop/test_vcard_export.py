"""export_vcards: one file per account from a store or from accounts in hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contactgraph as cg
from contactgraph.interop.vcard import export_vcards, file_name_part


@pytest.fixture
def accounts(store: Any) -> list[cg.Account]:
    acme, _ = cg.Account.create(name="ACME SA").add_contact(last_name="Martin", first_name="Alice")
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob")
    acme = acme.deactivate_contact(bob.id)
    odd, _ = cg.Account.create(name="../../etc/passwd").add_contact(last_name="Root")
    return [store.accounts.add(acme), store.accounts.add(odd)]


def test_every_account_of_a_store(store: Any, accounts: list[cg.Account], tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    report = export_vcards(store, tmp_path / "cards", progress=lambda d, t: seen.append((d, t)))
    names = sorted(p.name for p in report.files)
    assert len(names) == 2
    assert all(p.parent == tmp_path / "cards" for p in report.files)
    assert any(n.startswith("ACME_SA-") for n in names)
    assert any(n.startswith("______etc_passwd-") for n in names)  # never leaves the folder
    assert report.counts == {"Contact": 3}
    assert seen == [(1, 2), (2, 2)]


def test_chosen_accounts_in_hand_active_only(accounts: list[cg.Account], tmp_path: Path) -> None:
    acme = accounts[0]
    report = export_vcards(accounts, tmp_path, account_ids=[acme.id], active_only=True)
    [path] = report.files
    text = path.read_text(encoding="utf-8")
    assert text.count("BEGIN:VCARD") == 1
    assert "Alice" in text
    assert report.counts == {"Contact": 1}


def test_a_missing_account_id_is_not_found(store: Any, tmp_path: Path) -> None:
    with pytest.raises(cg.NotFoundError):
        export_vcards(store, tmp_path, account_ids=["nope"])


def test_a_link_in_the_way_is_refused_and_left_alone(
    store: Any, accounts: list[cg.Account], tmp_path: Path
) -> None:
    first = export_vcards(store, tmp_path).files[0]
    victim = tmp_path.parent / f"{tmp_path.name}-victim.txt"
    victim.write_text("precious", encoding="utf-8")
    first.unlink()
    first.symlink_to(victim)
    with pytest.raises(OSError, match="symbolic link"):
        export_vcards(store, tmp_path)
    assert victim.read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ACME SA", "ACME_SA"), ("a/b\\c.d", "a_b_c_d"), ("", "_"), ("Société", "Société")],
)
def test_file_name_part(text: str, expected: str) -> None:
    assert file_name_part(text) == expected
