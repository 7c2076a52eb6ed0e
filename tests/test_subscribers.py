"""Subscribers: validation, CSV import with bad rows, merging, double opt-in, the CLI."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import NOW
from newsfeed import core
from newsfeed.cli import main
from newsfeed.store import subscribers as ledger
from newsfeed.subscriber_csv import import_csv
from newsfeed.subscribers import AddressError, normalise_email, parse_sections


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Ani@Contoh.CO.ID", "ani@contoh.co.id"),
        ("  budi.s+digest@mail.example.com ", "budi.s+digest@mail.example.com"),
        ("<citra@contoh.id>", "citra@contoh.id"),
        ("dedi@bücher.example", "dedi@xn--bcher-kva.example"),
    ],
)
def test_normalise(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "ani", "ani@", "@contoh.id", "ani@@contoh.id", "ani@contoh", "ani @contoh.id", ".ani@contoh.id", "a..ni@contoh.id",
     "ani@-contoh.id", "ani@contoh..id", "ani@1.2.3.4", "ání@contoh.id", "a" * 65 + "@contoh.id", "ani@contoh.id,budi@contoh.id"],
)
def test_invalid_addresses(raw):
    with pytest.raises(AddressError):
        normalise_email(raw)


def test_sections_by_slug_or_name(make_site):
    settings = make_site({})
    assert parse_sections("Ekonomi; dunia", settings) == ("dunia", "ekonomi")
    assert parse_sections("", settings) == () and parse_sections("semua", settings) == ()
    with pytest.raises(AddressError, match="hiburan"):
        parse_sections("hiburan", settings)


CSV = """email,name,sections
ani@contoh.co.id,Ani,dunia
bukan-alamat,Salah,dunia
budi@contoh.co.id,Budi,"ekonomi, nasional"
citra@contoh.co.id,Citra,hiburan
ANI@contoh.co.id,,ekonomi

dedi@contoh.co.id,Dedi,
"""


def test_csv_import_reports_bad_rows_by_line_and_imports_the_rest(make_site, tmp_path):
    settings = make_site({})
    path = tmp_path / "pelanggan.csv"
    path.write_text(CSV, encoding="utf-8")
    with core.open_store(settings) as store:
        report = import_csv(path, settings, store, NOW)
        rows = {s.email: s for s in ledger.all_subscribers(store)}
    assert [b.line for b in report.rejected] == [3, 5, 6]
    assert "hiburan" in str(report.rejected[1])
    assert "already on line 2" in str(report.rejected[2])  # a case duplicate is reported, not merged
    assert (report.added, report.updated) == (3, 0)
    assert set(rows) == {"ani@contoh.co.id", "budi@contoh.co.id", "dedi@contoh.co.id"}
    assert rows["ani@contoh.co.id"].sections == ("dunia",)  # the duplicate's "ekonomi" is not added silently
    assert rows["ani@contoh.co.id"].name == "Ani"
    assert rows["dedi@contoh.co.id"].sections == ()  # every section
    assert {s.status for s in rows.values()} == {"pending"}  # double opt-in


def test_import_never_resubscribes_an_unsubscribed_address(make_site, tmp_path):
    settings = make_site({})
    path = tmp_path / "p.csv"
    path.write_text("ani@contoh.co.id,Ani,dunia\n", encoding="utf-8")
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "Ani", (), NOW, confirmed=True)
        ledger.unsubscribe(store, "ani@contoh.co.id", NOW)
        report = import_csv(path, settings, store, NOW, confirmed=True)
        assert report.kept == 1 and ledger.get(store, "ani@contoh.co.id").status == "unsubscribed"


def test_non_utf8_file_is_a_clear_error(make_site, tmp_path):
    settings = make_site({})
    path = tmp_path / "p.csv"
    path.write_bytes("ani@contoh.co.id,Ani\nbudi@contoh.co.id,B\xe9\n".encode("latin-1"))
    with core.open_store(settings) as store, pytest.raises(AddressError, match="line 2.*UTF-8"):
        import_csv(path, settings, store, NOW)


def test_cli_add_list_export_remove(make_site, monkeypatch, tmp_path):
    settings = make_site({})
    monkeypatch.setenv("NEWSFEED_SECRET", "rahasia-uji-yang-panjang-sekali")
    runner = CliRunner()
    config = ["--config", str(settings.path)]
    result = runner.invoke(main, ["subscribers", "add", "Ani@Contoh.co.id", "--sections", "dunia", "--name", "Ani", *config])
    assert result.exit_code == 0, result.output
    assert "pending" in result.output and "https://kabaruji.example/langganan/konfirmasi?token=" in result.output
    result = runner.invoke(main, ["subscribers", "add", "bukan-alamat", *config])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    result = runner.invoke(main, ["subscribers", "confirm", "ani@contoh.co.id", *config])
    assert result.exit_code == 0
    result = runner.invoke(main, ["subscribers", "list", *config])
    assert "ani@contoh.co.id\tconfirmed\tdunia\tAni" in result.output
    out = tmp_path / "export.csv"
    assert runner.invoke(main, ["subscribers", "export", str(out), *config]).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["email,name,sections,status", "ani@contoh.co.id,Ani,dunia,confirmed"]
    assert runner.invoke(main, ["subscribers", "remove", "ani@contoh.co.id", *config]).exit_code == 0
    assert runner.invoke(main, ["subscribers", "remove", "ani@contoh.co.id", *config]).exit_code == 1


def test_cli_import_bad_rows_exit_1_but_imports_rest(make_site, tmp_path):
    settings = make_site({})
    path = tmp_path / "p.csv"
    path.write_text(CSV, encoding="utf-8")
    result = CliRunner().invoke(main, ["subscribers", "import", str(path), "--confirmed", "--config", str(settings.path)])
    assert result.exit_code == 1
    assert "line 3:" in result.output and "line 5:" in result.output and "3 added as confirmed" in result.output
    assert "3 rejected" in result.output
    with core.open_store(settings) as store:
        assert ledger.counts(store)["confirmed"] == 3


# confirm and unsubscribe are single conditional updates -------------------------------------


def test_confirm_after_unsubscribe_does_not_resubscribe(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "Ani", (), NOW)
        assert ledger.unsubscribe(store, "ani@contoh.co.id", NOW) == "unsubscribed"
        assert ledger.confirm(store, "ani@contoh.co.id", NOW) == "unsubscribed"  # an old confirm link
        assert ledger.get(store, "ani@contoh.co.id").status == "unsubscribed"
        assert ledger.confirm(store, "tidak-ada@contoh.co.id", NOW) is None
        assert ledger.unsubscribe(store, "tidak-ada@contoh.co.id", NOW) is None


def test_confirm_racing_an_unsubscribe_cannot_resubscribe(make_site, monkeypatch):
    """The old confirm read 'pending', then wrote 'confirmed' by email: an unsubscribe that
    committed in between (another request, another connection) was overwritten."""
    from newsfeed.store import Store

    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "ani@contoh.co.id", "Ani", (), NOW)
    real_get = ledger.get
    raced = []

    def get_then_unsubscribe_elsewhere(store, email):
        found = real_get(store, email)
        if not raced:  # the one-click POST lands right after the confirm request looked
            raced.append(email)
            with Store(settings.store_path) as other:
                ledger.unsubscribe(other, email, NOW)
        return found

    monkeypatch.setattr(ledger, "get", get_then_unsubscribe_elsewhere)
    with core.open_store(settings) as store:
        ledger.confirm(store, "ani@contoh.co.id", NOW)
        if not raced:  # the fixed confirm never reads first: the unsubscribe comes after it
            get_then_unsubscribe_elsewhere(store, "ani@contoh.co.id")
    monkeypatch.setattr(ledger, "get", real_get)
    with core.open_store(settings) as store:
        assert ledger.get(store, "ani@contoh.co.id").status == "unsubscribed"


def test_unsubscribe_works_from_any_other_status(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        for address, confirmed in (("a@contoh.co.id", False), ("b@contoh.co.id", True)):
            ledger.add(store, address, "", (), NOW, confirmed=confirmed)
        ledger.mark_bounced(store, "b@contoh.co.id", NOW, "550 5.1.1")
        assert ledger.unsubscribe(store, "a@contoh.co.id", NOW) == "unsubscribed"
        assert ledger.unsubscribe(store, "b@contoh.co.id", NOW) == "unsubscribed"
        assert ledger.unsubscribe(store, "b@contoh.co.id", NOW) == "unsubscribed"  # again: no change, same answer


# ids are never reused; the ledger outlives `remove` -------------------------------------------


def test_subscriber_ids_are_never_reused(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "a@contoh.co.id", "", (), NOW)
        ledger.add(store, "b@contoh.co.id", "", (), NOW)
        removed = ledger.get(store, "b@contoh.co.id").id
        ledger.remove(store, "b@contoh.co.id")
        ledger.add(store, "c@contoh.co.id", "", (), NOW)
        assert ledger.get(store, "c@contoh.co.id").id > removed


def test_readded_address_gets_a_fresh_invitation(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "budi@contoh.example", "", (), NOW)
        ledger.mark_invited(store, "budi@contoh.example", NOW)
        assert ledger.to_invite(store) == []
        ledger.unsubscribe(store, "budi@contoh.example", NOW)
        ledger.add(store, "budi@contoh.example", "", (), NOW)
        assert [s.email for s in ledger.to_invite(store)] == ["budi@contoh.example"]


def test_failed_deliveries_go_last_and_stop_after_max_attempts(make_site):
    settings = make_site({})
    with core.open_store(settings) as store:
        rows = []
        for who in ("ani", "budi", "citra"):
            ledger.add(store, f"{who}@contoh.example", "", (), NOW, confirmed=True)
            rows.append((ledger.get(store, f"{who}@contoh.example"), ("dunia",), f"<{who}@x>"))
        ledger.plan(store, "2024-W42", rows, NOW)
        ledger.mark(store, "2024-W42", "ani@contoh.example", "failed", NOW, error="554 5.7.1", attempts=1)
        assert [d.email for d in ledger.remaining(store, "2024-W42")] == ["budi@contoh.example", "citra@contoh.example", "ani@contoh.example"]
        ledger.mark(store, "2024-W42", "ani@contoh.example", "failed", NOW, attempts=ledger.MAX_ATTEMPTS)
        assert [d.email for d in ledger.remaining(store, "2024-W42")] == ["budi@contoh.example", "citra@contoh.example"]
