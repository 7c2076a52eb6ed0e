"""Subscriber CSV files as spreadsheets and other newsletter tools write them (real files in
tmp_path, the real SQLite store, the CLI through CliRunner), export that no spreadsheet runs,
and names that never carry control characters to a terminal, a CSV file or a greeting."""

from __future__ import annotations

import codecs
import csv
import email
import io
import unicodedata
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from conftest import NOW
from pgstore import ON_POSTGRES
from newsfeed import core, subscriber_csv
from newsfeed.cli import main
from newsfeed.config import load_settings
from newsfeed.errors import NewsfeedError
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.subscriber_csv import import_csv
from newsfeed.subscribers import AddressError, clean_name, normalise_email
from test_send import SECRET, WEEK, run_send, site, smtp  # noqa: F401  (fixtures)

_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe(text: str) -> list[str]:
    """Characters a terminal, a spreadsheet cell or a mail greeting must never get from a name."""
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI or c == "\ufeff"]


def run(settings, *args):
    return CliRunner().invoke(main, [*args, "--config", str(settings.path)])


def stored(settings) -> dict[str, ledger.Subscriber]:
    with core.open_store(settings) as store:
        return {s.email: s for s in ledger.all_subscribers(store)}


def write(tmp_path: Path, text: str | bytes, name: str = "daftar.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# dialects ---------------------------------------------------------------------------------

ROWS = [("email", "name", "sections"), ("ani@contoh.co.id", "Ani Sari, S.Pd", "dunia;ekonomi"),
        ("budi@contoh.co.id", 'Budi "Bung" Santoso', "nasional"), ("citra@contoh.co.id", "Citra", "")]


def as_csv(rows, delimiter: str, lineterminator: str = "\r\n") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(as_csv(ROWS, ",").encode(), id="comma"),
        pytest.param(as_csv(ROWS, ";").encode(), id="semicolon"),  # Excel with an Indonesian list separator
        pytest.param(as_csv(ROWS, "\t", "\n").encode(), id="tab"),
        pytest.param(codecs.BOM_UTF8 + b"sep=;\r\n" + as_csv(ROWS, ";").encode(), id="bom-and-excel-sep-line"),
        pytest.param(b"sep=,\n" + as_csv(ROWS, ",", "\n").encode(), id="sep-comma"),
        pytest.param(as_csv(ROWS, "\t").encode("utf-16"), id="excel-unicode-text-utf16"),
        pytest.param(as_csv(ROWS[1:], ";").encode(), id="semicolon-without-header"),
        pytest.param(as_csv(ROWS[1:], "\t").encode(), id="tab-without-header"),
        pytest.param(as_csv(ROWS, ",", "\r").encode(), id="old-mac-line-ends"),
    ],
)
def test_every_dialect_imports_the_same_subscribers(make_site, tmp_path, data):
    settings = make_site({})
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, data), settings, store, NOW)
    assert report.rejected == [] and report.added == 3
    rows = stored(settings)
    assert {a: (s.name, s.sections) for a, s in rows.items()} == {
        "ani@contoh.co.id": ("Ani Sari, S.Pd", ("dunia", "ekonomi")),
        "budi@contoh.co.id": ('Budi "Bung" Santoso', ("nasional",)),
        "citra@contoh.co.id": ("Citra", ()),
    }


def test_the_header_row_decides_the_delimiter_even_when_names_hold_the_other_ones(make_site, tmp_path):
    settings = make_site({})
    text = "Email;Nama\nani@contoh.co.id;Ani, S.Pd, M.Si\nbudi@contoh.co.id;Budi\n"
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text), settings, store, NOW)
    assert report.added == 2 and stored(settings)["ani@contoh.co.id"].name == "Ani, S.Pd, M.Si"


def test_headers_match_whatever_their_case_spaces_and_order(make_site, tmp_path):
    settings = make_site({})
    text = '" Rubrik ","NAMA","E-Mail"\n"Dunia","Ani","ani@contoh.co.id"\n'
    with core.open_store(settings) as store:
        import_csv(write(tmp_path, text), settings, store, NOW)
    assert stored(settings)["ani@contoh.co.id"].sections == ("dunia",)


def test_a_header_without_an_email_column_is_one_line_naming_the_file(make_site, tmp_path):
    settings = make_site({})
    path = write(tmp_path, "Name,Phone\nAni,0812\n")
    result = run(settings, "subscribers", "import", str(path))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith(f"Error: {path}: line 1:")
    assert "no e-mail column" in result.output and not stored(settings)


def test_a_first_row_that_is_neither_an_address_nor_a_header_is_one_rejection(make_site, tmp_path):
    settings = make_site({})
    path = write(tmp_path, "Correo,Nombre\nani@contoh.co.id,Ani\n")
    with core.open_store(settings) as store:
        report = import_csv(path, settings, store, NOW)
    assert [r.line for r in report.rejected] == [1] and "header" in report.rejected[0].reason
    assert set(stored(settings)) == {"ani@contoh.co.id"}


# Mailchimp and Substack ------------------------------------------------------------------------

MAILCHIMP_HEAD = ('"Email Address","First Name","Last Name",Address,"Phone Number",MEMBER_RATING,OPTIN_TIME,OPTIN_IP,'
                  "CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS")
_MC_TAIL = '2,"2024-01-05 10:00:00",,"2024-01-05 10:01:00",,,,,,,,,"2024-02-01 09:00:00",123,abc'


def test_mailchimp_subscribed_export(make_site, tmp_path):
    settings = make_site({})
    text = "\n".join([
        MAILCHIMP_HEAD,
        f'Ani@Contoh.co.id,Ani,Sari,"Jl. Merdeka 1  Jakarta  10110",0812,{_MC_TAIL},"catatan dua\nbaris","""Pembaca Setia"""',
        f"budi@contoh.co.id,Budi,,,,{_MC_TAIL},,",
        f"citra@contoh.co.id,,,,,{_MC_TAIL},,",
    ]) + "\n"
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text), settings, store, NOW)
    assert report.rejected == [] and report.added == 3
    rows = stored(settings)
    assert {a: s.name for a, s in rows.items()} == {"ani@contoh.co.id": "Ani Sari", "budi@contoh.co.id": "Budi", "citra@contoh.co.id": ""}
    assert {s.status for s in rows.values()} == {"pending"} and all(s.sections == () for s in rows.values())


def test_mailchimp_unsubscribed_and_cleaned_exports_keep_those_addresses_off_the_list(make_site, tmp_path):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "budi@contoh.co.id", "Budi", (), NOW, confirmed=True)  # left Mailchimp, subscribed here
        ledger.add(store, "dedi@contoh.co.id", "Dedi", (), NOW)  # pending here
    unsub = (MAILCHIMP_HEAD + ",UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER\n"
             f'ani@contoh.co.id,Ani,,,,{_MC_TAIL},,,"2024-03-01 08:00:00",Mingguan,c1,"Tidak lagi tertarik",\n'
             f'budi@contoh.co.id,Budi,,,,{_MC_TAIL},,,"2024-03-02 08:00:00",Mingguan,c1,,\n'
             f'dedi@contoh.co.id,Dedi,,,,{_MC_TAIL},,,"2024-03-02 09:00:00",Mingguan,c1,,\n')
    cleaned = MAILCHIMP_HEAD + ",CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID\n" \
        f'citra@contoh.co.id,Citra,,,,{_MC_TAIL},,,"2024-03-03 08:00:00",Mingguan,c1\n'
    with core.open_store(settings) as store:
        first = import_csv(write(tmp_path, unsub, "unsubscribed_members.csv"), settings, store, NOW, confirmed=True)
        second = import_csv(write(tmp_path, cleaned, "cleaned_members.csv"), settings, store, NOW, confirmed=True)
    # a row that says the address left stores a new address so, and never ends a subscription
    # made here (the file may be older than it): budi and dedi stay as they were
    assert (first.left, first.active, first.added, second.left) == (1, 2, 0, 1)
    assert first.skipped == 2
    assert {a: s.status for a, s in stored(settings).items()} == {
        "ani@contoh.co.id": "unsubscribed", "budi@contoh.co.id": "confirmed", "citra@contoh.co.id": "bounced",
        "dedi@contoh.co.id": "pending"}
    # and a later import of a subscribed list never brings the others back
    with core.open_store(settings) as store:
        again = import_csv(write(tmp_path, "email\nani@contoh.co.id\ncitra@contoh.co.id\n"), settings, store, NOW, confirmed=True)
    assert again.kept == 2 and stored(settings)["ani@contoh.co.id"].status == "unsubscribed"
    assert stored(settings)["citra@contoh.co.id"].status == "bounced"


def test_substack_export(make_site, tmp_path):
    settings = make_site({})
    text = ("email,active_subscription,expiry,plan,email_disabled,created_at,first_payment_at\n"
            "ani@contoh.co.id,false,,,false,2024-01-15T10:00:00.000Z,\n"
            "budi@contoh.co.id,true,2026-12-01T00:00:00.000Z,monthly,false,2024-02-01T10:00:00.000Z,2024-02-01T10:00:00.000Z\n"
            "citra@contoh.co.id,false,,,true,2024-03-01T10:00:00.000Z,\n")
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text, "email_list.kabar.csv"), settings, store, NOW)
    assert (report.added, report.left, report.rejected) == (2, 1, [])
    assert {a: s.status for a, s in stored(settings).items()} == {
        "ani@contoh.co.id": "pending", "budi@contoh.co.id": "pending", "citra@contoh.co.id": "unsubscribed"}


def test_substack_names_from_first_and_last_name(make_site, tmp_path):
    settings = make_site({})
    with core.open_store(settings) as store:
        import_csv(write(tmp_path, "email,first_name,last_name\nani@contoh.co.id,Ani,Sari\n"), settings, store, NOW)
    assert stored(settings)["ani@contoh.co.id"].name == "Ani Sari"


# malformed quoting, duplicates, the summary -----------------------------------------------------


def test_an_unclosed_quote_is_reported_by_line_and_swallows_nothing(make_site, tmp_path):
    settings = make_site({})
    text = ('email,name,sections\n'
            'ani@contoh.co.id,"Ani,dunia\n'  # closed only by the first quote on line 4
            'budi@contoh.co.id,Budi,dunia\n'
            'citra@contoh.co.id,"Citra" Dewi,dunia\n'  # text after the closing quote
            'dedi@contoh.co.id,"Dedi,dunia\n'  # closed by the quote on the next line
            'eka@contoh.co.id,"Eka",ekonomi\n'
            'fajar@contoh.co.id,Fajar,nasional\n'
            'gita@contoh.co.id,"Gita,dunia\n')  # never closed, at the end
    path = write(tmp_path, text)
    result = run(settings, "subscribers", "import", str(path))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "line" in line]
    assert [line.split(": ")[1] for line in lines] == ["line 2", "line 4", "line 5", "line 8"]
    assert "not closed on it (it would run on into line 4)" in lines[0] and "after a closing quote" in lines[1]
    assert "run on into line 6" in lines[2] and "never closed" in lines[3]
    assert set(stored(settings)) == {"budi@contoh.co.id", "eka@contoh.co.id", "fajar@contoh.co.id"}
    assert stored(settings)["eka@contoh.co.id"].name == "Eka"


def test_a_quoted_line_break_in_a_column_not_imported_is_fine(make_site, tmp_path):
    settings = make_site({})
    text = 'email,name,notes\nani@contoh.co.id,Ani,"baris satu\nbaris dua"\nbudi@contoh.co.id,Budi,\n'
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text), settings, store, NOW)
    assert report.rejected == [] and report.added == 2


def test_a_line_break_inside_a_name_is_a_rejection_not_a_merged_row(make_site, tmp_path):
    settings = make_site({})
    text = 'email,name\nani@contoh.co.id,"Ani\nbudi@contoh.co.id,Budi"\ncitra@contoh.co.id,Citra\n'
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text), settings, store, NOW)
    assert report.rejected[0].line == 2 and "quote" in report.rejected[0].reason
    assert "citra@contoh.co.id" in stored(settings) and "ani@contoh.co.id" not in stored(settings)


def test_a_duplicate_address_in_the_file_is_reported_not_merged(make_site, tmp_path):
    settings = make_site({})
    text = "email,name,sections\nani@contoh.co.id,Ani,dunia\nbudi@contoh.co.id,Budi,\n ANI@Contoh.CO.ID ,Ani Lain,ekonomi\n"
    with core.open_store(settings) as store:
        report = import_csv(write(tmp_path, text), settings, store, NOW)
    assert [(r.line, "already on line 2" in r.reason) for r in report.rejected] == [(4, True)]
    assert stored(settings)["ani@contoh.co.id"].sections == ("dunia",) and stored(settings)["ani@contoh.co.id"].name == "Ani"


def test_summary_counts_added_updated_skipped_rejected(make_site, tmp_path):
    settings = make_site({})
    with core.open_store(settings) as store:
        ledger.add(store, "lama@contoh.co.id", "", ("dunia",), NOW)
        ledger.add(store, "sama@contoh.co.id", "Sama", (), NOW)
        ledger.add(store, "pergi@contoh.co.id", "", (), NOW)
        ledger.unsubscribe(store, "pergi@contoh.co.id", NOW)
    text = ("email,name,sections\nbaru@contoh.co.id,Baru,\nlama@contoh.co.id,Lama,ekonomi\nsama@contoh.co.id,,\n"
            "pergi@contoh.co.id,,\nbukan-alamat,,\n")
    result = run(settings, "subscribers", "import", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert ("subscribers: 1 added as pending (send them their confirm links, or re-import with --confirmed), 1 updated, "
            "2 skipped (1 unchanged, 1 unsubscribed or bounced before), 1 rejected") in result.output
    assert stored(settings)["lama@contoh.co.id"].sections == ("dunia", "ekonomi") and stored(settings)["lama@contoh.co.id"].name == "Lama"
    again = run(settings, "subscribers", "import", str(write(tmp_path, "email,name\nbaru@contoh.co.id,Baru\n", "lagi.csv")))
    assert again.exit_code == 0 and "0 added" in again.output and "1 skipped (1 unchanged)" in again.output


# export: no formulas --------------------------------------------------------------------------

FORMULAS = ["=cmd|' /C calc'!A0", "+62 812", "-1+1", "@SUM(A1:A9)", "'=sudah dikutip", "Ani"]


def test_export_neutralises_formula_cells_and_imports_back_the_same(make_site, tmp_path):
    settings = make_site({})
    with core.open_store(settings) as store:
        for i, name in enumerate(FORMULAS):
            ledger.add(store, f"orang{i}@contoh.co.id", name, (), NOW, confirmed=True)
        ledger.add(store, "=1+1@contoh.co.id", "", (), NOW, confirmed=True)  # '=' is allowed before the '@'
        ledger.add(store, "-x@contoh.co.id", "", (), NOW, confirmed=True)
    out = tmp_path / "ekspor.csv"
    assert run(settings, "subscribers", "export", str(out)).exit_code == 0
    cells = [cell for row in csv.reader(out.open(encoding="utf-8", newline="")) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd|' /C calc'!A0" in cells and "''=sudah dikutip" in cells and "'=1+1@contoh.co.id" in cells and "Ani" in cells
    stdout = run(settings, "subscribers", "export").output
    assert stdout.splitlines() == out.read_text(encoding="utf-8").splitlines()
    before = {a: (s.name, s.status) for a, s in stored(settings).items()}
    with Store(tmp_path / "lain.sqlite3") as store:  # a fresh store
        report = import_csv(out, settings, store, NOW, confirmed=True)
        after = {s.email: (s.name, s.status) for s in ledger.all_subscribers(store)}
    assert report.rejected == [] and after == before


# control characters in names ------------------------------------------------------------------

HOSTILE = "Ani\x1b[31m Merah\x1b[0m\x1b]0;judul palsu\x07 \u202eharaM\u202c\r\nBcc: x@y.z\x00\x9b2J"
# A row stored before names were cleaned: a PostgreSQL store never held a NUL (its text cannot).
LEGACY = HOSTILE.replace("\x00", "") if ON_POSTGRES else HOSTILE


def test_names_are_cleaned_on_add_on_import_and_when_read_back(make_site, tmp_path, monkeypatch):
    settings = make_site({})
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    assert run(settings, "subscribers", "add", "ani@contoh.co.id", "--name", HOSTILE).exit_code == 0
    path = write(tmp_path, f'email,name\nbudi@contoh.co.id,"{HOSTILE}"\n'.replace("\r\n", " "))
    assert run(settings, "subscribers", "import", str(path)).exit_code == 0
    with core.open_store(settings) as store, store.transaction() as conn:  # a row stored before names were cleaned
        conn.execute("INSERT INTO subscribers (email, name, sections, status, created, updated) "
                     "VALUES ('citra@contoh.co.id', ?, '[]', 'confirmed', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')", (LEGACY,))
        raw = {r[0]: r[1] for r in conn.execute("SELECT email, name FROM subscribers")}
    assert not unsafe(raw["ani@contoh.co.id"]) and not unsafe(raw["budi@contoh.co.id"]) and unsafe(raw["citra@contoh.co.id"])
    assert {s.name for s in stored(settings).values()} == {"Ani Merah haraM Bcc: x@y.z"}
    listing = run(settings, "subscribers", "list")
    exported = run(settings, "subscribers", "export")
    for output in (listing.output, exported.output):
        assert not unsafe(output.replace("\n", "").replace("\t", "")) and "\x1b" not in output and "judul palsu" not in output
    assert "citra@contoh.co.id\tconfirmed\tsemua\tAni Merah haraM Bcc: x@y.z" in listing.output


def test_a_long_name_is_refused_with_the_limit(make_site, monkeypatch):
    settings = make_site({})
    result = run(settings, "subscribers", "add", "ani@contoh.co.id", "--confirmed", "--name", "A" * 201)
    assert result.exit_code == 1 and "at most 200" in result.output


def test_sent_mail_greets_an_old_hostile_name_cleanly(site, smtp):  # noqa: F811
    with core.open_store(site) as store, store.transaction() as conn:
        conn.execute("INSERT INTO subscribers (email, name, sections, status, created, updated) "
                     "VALUES ('ani@contoh.co.id', ?, '[]', 'confirmed', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')", (LEGACY,))
    report, _transport = run_send(site)
    assert report.sent == 1
    (recipient, msg), = smtp.messages
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Halo, Ani Merah haraM Bcc: x@y.z," in text and "Halo, Ani Merah haraM Bcc: x@y.z," in html
    assert not unsafe("".join(text.splitlines())) and not unsafe("".join(html.splitlines()))
    greeting = [line for line in text.splitlines() if line.startswith("Halo, ")]
    assert greeting == ["Halo, Ani Merah haraM Bcc: x@y.z,"]
    assert msg["Bcc"] is None and msg["To"] == "ani@contoh.co.id"


# properties -------------------------------------------------------------------------------------

_NASTY = list("\x00\x07\x1b\x1b\x1b[]P\\;:0123mJ\x9b\x9c\x9d\x85\t\r\n\x0b\x0c\u2028\u2029\u202a\u202e\u2066\u2069\u200e\u061c"
              "\ufeff\u200d\u00a0\u3000 'ée\u0301=+-@\",;|Aa\udcff")
names = st.text(st.sampled_from(_NASTY) | st.characters(), max_size=40)


@given(names)
@hsettings(max_examples=400, deadline=None)
def test_clean_name_leaves_nothing_unsafe_and_is_stable(name):
    cleaned = clean_name(name)
    assert not unsafe(cleaned) and "\x1b" not in cleaned
    assert cleaned == cleaned.strip() and "  " not in cleaned and "\n" not in cleaned
    assert clean_name(cleaned) == cleaned and unicodedata.is_normalized("NFC", cleaned)


_personalisers: dict[Path, object] = {}


def personaliser_for(settings):
    """The week's Personaliser, made once per site (its digest is rendered once)."""
    from newsfeed.deliver import sending
    from newsfeed.tokens import secret_from_env

    if settings.path not in _personalisers:
        with core.open_store(settings) as store:
            _code, edition = sending.select(settings, store, NOW, WEEK)
        _personalisers[settings.path] = sending.Personaliser(settings, edition, secret_from_env(settings))
    return _personalisers[settings.path]


@given(st.lists(names, min_size=1, max_size=4))
@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_name_leaves_store_export_and_greeting_clean(site, wanted):  # noqa: F811
    """Through the real store (written by add, or raw as an old row), the export and the
    greeting that sending builds from what the store gives back."""
    with core.open_store(site) as store:
        with store.transaction() as conn:
            conn.execute("DELETE FROM subscribers")
        for i, name in enumerate(wanted):
            ledger.add(store, f"baru{i}@contoh.co.id", name, (), NOW, confirmed=True)
            legacy = name.encode("utf-8", "replace").decode()
            if ON_POSTGRES:  # a PostgreSQL store never held a NUL (its text cannot), as LEGACY above
                legacy = legacy.replace("\x00", "")
            with store.transaction() as conn:
                conn.execute("INSERT INTO subscribers (email, name, sections, status, created, updated) "
                             "VALUES (?, ?, '[]', 'confirmed', 'x', 'x')", (f"lama{i}@contoh.co.id", legacy))
        people = ledger.all_subscribers(store)
        exported = "".join(",".join(row) for row in subscriber_csv.export_rows(store))
    assert not unsafe(exported)
    personaliser = personaliser_for(site)
    for person in people:
        assert not unsafe(person.name)
        sections, topics = personaliser.selection(person.sections, person.topics)
        data = personaliser.build(person.email, person.name, sections, "<m@contoh.co.id>", NOW, topics, person.id)
        text = email.message_from_bytes(data, policy=policy.default).get_body(("plain",)).get_content()
        greeting = text.split("Halo, ", 1)[1].splitlines()[0]
        assert not unsafe(greeting) and greeting == (f"{person.name}," if person.name else "pembaca Kabar Uji,")


_CSV_ALPHABET = st.sampled_from(list(',;\t"\'\r\n =+-@.ab\x00\x1b\u202eé') + ["ani@contoh.co.id", "Email Address", "sep=;", "email",
                                                                              "dunia", "UNSUB_TIME", "email_disabled", "true"])
csv_texts = st.lists(_CSV_ALPHABET, max_size=60).map("".join)
csv_bytes = st.one_of(
    st.binary(max_size=300),
    csv_texts.map(lambda t: t.encode("utf-8")),
    csv_texts.map(lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
    csv_texts.map(lambda t: t.encode("utf-16")),
)


@given(csv_bytes)
@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_give_line_rejections_or_one_line_error(make_site, tmp_path, data):
    settings = make_site({}) if not (tmp_path / "config.toml").exists() else load_settings(tmp_path / "config.toml")
    path = write(tmp_path, data, "acak.csv")
    try:
        with core.open_store(settings) as store:
            report = import_csv(path, settings, store, NOW)
    except NewsfeedError as exc:
        message = str(exc)
        assert isinstance(exc, AddressError) and "\n" not in message and "\r" not in message and not unsafe(message)
        return
    lines = data.count(b"\n") + data.count(b"\r") + 2
    for bad in report.rejected:
        assert 1 <= bad.line <= lines
        assert bad.reason and not unsafe(str(bad))
    assert len({b.line for b in report.rejected}) == len(report.rejected)


_LOCAL = st.text(st.sampled_from("abz09=+-'_!#$%&*/?^`{|}~"), min_size=1, max_size=12)


def _address(local: str) -> str | None:
    try:
        return normalise_email(f"{local}@contoh.co.id")
    except AddressError:
        return None


people = st.dictionaries(
    _LOCAL.map(_address).filter(bool),
    st.tuples(names, st.sampled_from(ledger.STATUSES), st.sets(st.sampled_from(["dunia", "nasional", "ekonomi"]))),
    min_size=1, max_size=6,
)


@given(people)
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_export_then_import_gives_back_addresses_names_sections_and_who_left(make_site, tmp_path, everyone):
    settings = make_site({}) if not (tmp_path / "config.toml").exists() else load_settings(tmp_path / "config.toml")
    first, second, path = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3", tmp_path / "ekspor.csv"
    with Store(first) as store:
        with store.transaction() as conn:  # the two stores are made once; each example starts them empty
            conn.execute("DELETE FROM subscribers")
        for address, (name, status, sections) in everyone.items():
            ledger.add(store, address, name, tuple(sections), NOW, confirmed=status == "confirmed")
            if status == "unsubscribed":
                ledger.unsubscribe(store, address, NOW)
            elif status == "bounced":
                ledger.mark_bounced(store, address, NOW, "550 5.1.1")
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(subscriber_csv.export_rows(store))
        before = {s.email: (s.name, s.sections, s.status) for s in ledger.all_subscribers(store)}
    with Store(second) as store:
        with store.transaction() as conn:
            conn.execute("DELETE FROM subscribers")
        report = import_csv(path, settings, store, NOW)
        after = {s.email: (s.name, s.sections, s.status) for s in ledger.all_subscribers(store)}
    assert report.rejected == [] and len(before) == len(everyone)
    # an import makes pending (double opt-in) what was pending or confirmed; who left stays out
    expected = {a: (n, sec, "pending" if st_ in ("pending", "confirmed") else st_) for a, (n, sec, st_) in before.items()}
    assert after == expected
