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
