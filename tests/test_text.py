from newsfeed.enrich import text as T


def test_reduplication_folds_to_base():
    assert T.words("negara-negara target-target sehari-hari") == ["negara", "target", "hari"]


def test_clitics_removed_where_safe():
    assert T.words("pemerintahnya apakah pentinglah kapanpun") == ["pemerintah", "apa", "penting", "kapan"]


def test_lexical_words_that_look_like_clitics_stay_whole():
    assert T.words("masalah sekolah langkah hanya jumlah menikah") == [
        "masalah", "sekolah", "langkah", "hanya", "jumlah", "menikah"]


def test_names_never_mangled():
    assert T.words("Bali Kenya Abdullah Surabaya Zelensky") == ["bali", "kenya", "abdullah", "surabaya", "zelensky"]
    assert "bali" in T.terms("Wisatawan berlibur ke Bali.")


def test_nbsp_zero_width_and_curly_quotes():
    assert T.normalize("Korea\u00a0Utara \u201ckata\u201d \u2018ya\u2019\u200b") == "Korea Utara \"kata\" 'ya'"
    assert T.words("Korea\u00a0Utara") == ["korea", "utara"]


def test_stopwords_from_stopwords_iso():
    assert "yang" in T.stopwords() and "dan" in T.stopwords()
    assert T.terms("yang dan di Rusia") == ["rusia"]


def test_boilerplate_stripped():
    cleaned = T.strip_boilerplate("Isi berita. ADVERTISEMENT SCROLL TO CONTINUE WITH CONTENT Lanjut.\nBaca juga: Judul lain\n[Gambas:Video CNN]")
    assert "ADVERTISEMENT" not in cleaned and "Judul lain" not in cleaned and "Gambas" not in cleaned
    assert "Lanjut." in cleaned


def test_term_counts_matches_terms():
    s = "Negara-negara ASEAN, negaranya, dan Bali. Bali!"
    from collections import Counter
    assert T.term_counts(s) == dict(Counter(T.terms(s)))


def test_normalize_every_odd_character_at_once():
    odd = "a\u00a0b\u2009c\u3000d\u200be\u00adf\u2060g\ufeffh \u201cq\u201d \u2018s\u2019 \u00abg\u00bb x\u2011y\tz\r"
    out = T.normalize(odd)
    assert out == 'a b c defgh "q" \'s\' "g" x-y z '
    assert out.isascii() and T.normalize(out) == out


def test_normalize_ascii_fast_path_and_entities():
    assert T.normalize("Korea Utara") == "Korea Utara"
    assert T.normalize("a\tb\x0bc\x0cd") == "a b c d"
    assert T.normalize("Kata&nbsp;Zelensky &amp; Biden") == "Kata Zelensky & Biden"
    assert T.normalize("Cafe\u0301") == "Caf\u00e9"  # NFC


def test_boilerplate_inline_and_lines():
    text = ("Isi. ADVERTISEMENT SCROLL TO RESUME CONTENT Lanjut [Gambas:Video 20detik] akhir. Back to top button\n"
            "  Pilihan Editor: Judul Lain\nParagraf terakhir.")
    cleaned = T.strip_boilerplate(text)
    for junk in ("ADVERTISEMENT", "SCROLL", "Gambas", "Back to top", "Judul Lain"):
        assert junk not in cleaned
    assert "Lanjut" in cleaned and "akhir." in cleaned and cleaned.endswith("\nParagraf terakhir.")
    assert T.strip_boilerplate("Tanpa perabot.") == "Tanpa perabot."
