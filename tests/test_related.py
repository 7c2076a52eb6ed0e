import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.enrich import related
from newsfeed.enrich import related_search as search
from newsfeed.enrich.related import Record, RelatedIndex, _replace_rows, features

GEMPA = [
    ("g1", "Gempa Magnitudo 6 Guncang Maluku", "Gempa bumi berkekuatan magnitudo enam mengguncang Maluku. BMKG menyatakan gempa tidak berpotensi tsunami. Warga Ambon berhamburan keluar rumah."),
    ("g2", "BMKG: Gempa Maluku Tidak Berpotensi Tsunami", "BMKG memastikan gempa bumi di Maluku tidak berpotensi tsunami. Getaran gempa terasa di Ambon dan sekitarnya."),
    ("g3", "Warga Ambon Mengungsi Usai Gempa", "Ratusan warga Ambon mengungsi setelah gempa bumi mengguncang Maluku. BMKG mencatat gempa susulan."),
    ("g4", "Gempa Susulan Terus Terjadi di Maluku", "Gempa susulan terus terjadi di Maluku menurut BMKG. Warga Ambon diminta waspada terhadap gempa bumi."),
]
BOLA = [
    ("b1", "Persib Juara Liga Usai Kalahkan Persija", "Persib Bandung menjadi juara liga setelah mengalahkan Persija dalam pertandingan sepak bola di stadion."),
    ("b2", "Pelatih Persib Puji Pemain Usai Juara", "Pelatih Persib Bandung memuji pemain setelah juara liga. Pertandingan sepak bola melawan Persija berlangsung ketat."),
    ("b3", "Suporter Persija Kecewa Kalah dari Persib", "Suporter Persija kecewa timnya kalah dari Persib Bandung dalam laga sepak bola liga di stadion."),
]
DUP = ("g1-copy", "Gempa Magnitudo 6 Guncang Maluku!", GEMPA[0][2])
SPACE = ("x1", "Teleskop Menangkap Galaksi Jauh", "Astronom memotret galaksi spiral memakai teleskop antariksa berlensa inframerah.")


def build(records):
    return RelatedIndex.build(Record(*r) for r in records)


def test_never_self_and_same_cluster_first():
    index = build(GEMPA + BOLA)
    for aid, _, _ in GEMPA + BOLA:
        rel = index.related(aid, 5)
        assert aid not in rel
        assert rel[0][0] == aid[0]


def test_near_duplicates_excluded():
    index = build(GEMPA + BOLA + [DUP])
    assert "g1-copy" not in index.related("g1", 5)
    assert "g1" not in index.related("g1-copy", 5)
    assert index.related("g1-copy", 5)  # it still gets related articles


def test_deterministic_regardless_of_input_order():
    a = build(GEMPA + BOLA)
    b = build(list(reversed(GEMPA + BOLA)))
    for aid, _, _ in GEMPA + BOLA:
        assert a.related(aid, 5) == b.related(aid, 5)
        assert a.scored(aid) == b.scored(aid)


def test_editor_chosen_first_without_duplicates_or_self():
    index = build(GEMPA + BOLA)
    rel = index.related("g1", 5, editor_ids=("b2", "g1", "g2"))
    assert rel[:2] == ("b2", "g2")
    assert len(rel) == len(set(rel)) and "g1" not in rel
    assert len(index.related("g1", 2, editor_ids=("b1", "b2", "b3"))) == 2


def test_unrelated_article_changes_nothing():
    index = build(GEMPA + BOLA)
    before = {aid: index.related(aid, 5) for aid, _, _ in GEMPA + BOLA}
    changed = index.add([Record(*SPACE)])
    assert changed == {"x1"}
    assert {aid: index.related(aid, 5) for aid, _, _ in GEMPA + BOLA} == before
    assert index.related("x1", 5) == ()


def test_incremental_add_matches_scratch_build():
    # Old articles keep the vectors they were given (documented); on clear-cut input the
    # lists after an add hold the same articles as a build from scratch (order may differ
    # slightly: idf weights and the latent basis are those of the first build).
    index = build(GEMPA[:3] + BOLA[:2])
    changed = index.add([Record(*r) for r in (GEMPA[3], BOLA[2])])
    assert {"g4", "b3"} <= changed
    scratch = build(GEMPA + BOLA)
    for aid, _, _ in GEMPA + BOLA:
        assert set(index.related(aid, 3)) == set(scratch.related(aid, 3))


def test_edited_article_replaces_its_entry():
    index = build(GEMPA + BOLA)
    before = index.related("g1", 5)
    assert index.add([Record(*GEMPA[0])]) >= {"g1"}
    assert len(index) == len(GEMPA + BOLA)
    assert index.related("g1", 5) == before
    # the same id now about football: its own list follows the new text
    index.add([Record("g1", "Persib Juara Liga", "Persib Bandung juara liga sepak bola mengalahkan Persija di stadion.")])
    assert index.related("g1", 1)[0].startswith("b")


def test_a_loaded_index_is_the_same_whatever_order_and_chunks_its_rows_come_in(monkeypatch):
    from newsfeed.enrich import related

    index = build(GEMPA + BOLA)
    ids = sorted(aid for aid, _, _ in GEMPA + BOLA)
    whole = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid in ids])
    monkeypatch.setattr(related, "LOAD_CHUNK", 3)  # several chunks, the last one short
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)
    for order in (ids, shuffled):
        loaded = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid in order])
        assert loaded.ids == whole.ids == ids
        assert [loaded.row_blob(aid) for aid in ids] == [whole.row_blob(aid) for aid in ids] == [index.row_blob(aid) for aid in ids]
        assert all(loaded.related(aid, 5) == index.related(aid, 5) for aid in ids)


def test_persist_and_load_roundtrip():
    index = build(GEMPA + BOLA)
    blobs = [(aid, index.row_blob(aid)) for aid, _, _ in GEMPA + BOLA]
    loaded = RelatedIndex.load(index.state_blob(), blobs)
    for aid, _, _ in GEMPA + BOLA:
        assert loaded.related(aid, 5) == index.related(aid, 5)
    a = loaded.add([Record(*SPACE), Record(*DUP)])
    b = index.add([Record(*SPACE), Record(*DUP)])
    assert a == b
    for aid in [r[0] for r in GEMPA + BOLA] + ["x1", "g1-copy"]:
        assert loaded.related(aid, 5) == index.related(aid, 5)


def test_tuples_accepted():
    index = RelatedIndex.build(GEMPA)
    assert index.related("g2", 5)


def test_index_loaded_from_state_alone_keeps_its_model():
    # The benchmark ranks a subset with the model of the whole corpus this way.
    model = build(GEMPA + BOLA + [SPACE])
    index = RelatedIndex.load(model.state_blob(), ())
    index.add([Record(*r) for r in GEMPA])
    assert index.vocab == model.vocab and "persib" in index.vocab
    assert index.state_blob() == model.state_blob()
    assert set(index.related("g1", 5)) == {"g2", "g3", "g4"}


def test_several_edits_at_once_each_get_their_new_text():
    index = build(GEMPA + BOLA)
    g1, b1 = GEMPA[0], BOLA[0]
    index.add([Record("g1", b1[1], b1[2]), Record("b1", g1[1], g1[2])])  # the two swap subjects
    assert len(index) == len(GEMPA + BOLA)
    assert index.related("g1", 1)[0].startswith("b") and index.related("b1", 1)[0].startswith("g")
    for other in ("g2", "g3", "b2", "b3"):  # untouched rows keep their vectors
        assert index.X[index.pos[other]].nnz > 0


def test_edited_article_leaves_the_lists_it_no_longer_belongs_in():
    index = build(GEMPA + BOLA)
    assert "g1" in index.related("g2", 5)
    changed = index.add([Record("g1", "Teleskop Memotret Galaksi", "Astronom memotret galaksi jauh memakai teleskop antariksa.")])
    assert {"g2", "g3", "g4"} <= changed  # their stored lists must be written again
    for other in ("g2", "g3", "g4", "b1", "b2", "b3"):
        assert "g1" not in index.related(other, 5)


def test_model_only_index_with_no_latent_basis_accepts_articles():
    tiny = [("t1", "Satu", "gempa"), ("t2", "Dua", "gempa"), ("t3", "Tiga", "banjir"), ("t4", "Empat", "banjir")]
    model = RelatedIndex.build(tiny)
    assert model.vocab and not model.basis.size  # two terms: too few for a latent space
    index = RelatedIndex.load(model.state_blob(), ())
    index.add(tiny)
    assert len(index) == 4 and "t1" not in index.related("t1", 5)


def test_edit_after_loading_from_the_store_leaves_old_lists():
    index = build(GEMPA + BOLA)
    loaded = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid, _, _ in GEMPA + BOLA])
    changed = loaded.add([Record("g1", "Teleskop Memotret Galaksi", "Astronom memotret galaksi jauh memakai teleskop antariksa.")])
    assert {"g2", "g3", "g4"} <= changed
    assert all("g1" not in loaded.related(other, 5) for other in ("g2", "g3", "g4"))
    assert loaded.row_blob("b1") == index.row_blob("b1")  # an untouched list is written back as it was stored


def _topical(n, seed):
    """n headlines on a few subjects (shared names and words), so lists fill to KEEP and new ones compete."""
    rng = random.Random(seed)
    subjects = [["Gempa", "Maluku", "BMKG", "Ambon", "Tsunami"], ["Persib", "Persija", "Liga", "Bandung", "Pelatih"],
                ["Cabai", "Harga", "Pasar", "Bawang", "Pedagang"]]
    words = ["naik", "turun", "warga", "baru", "besar", "lagi", "usai", "jelang", "kabar", "resmi"]
    return [(f"{seed}-{i:03d}", " ".join(rng.sample(rng.choice(subjects), 3) + rng.sample(words, 3)), "") for i in range(n)]


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=30), st.integers(min_value=0, max_value=5))
def test_an_add_to_an_index_loaded_from_the_store_equals_the_add_in_memory(seed, new, edits):
    # a loaded index skips parsing the stored lists no offer can enter (by the floor stored
    # with each list): the lists and the rows written back must be those of the in-memory one
    archive = _topical(60, seed)
    index = RelatedIndex.build(archive)
    loaded = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid, _, _ in reversed(archive)])
    for name in ("X", "G"):  # the load gathers every row's vectors at once: the same matrices
        a, b = getattr(loaded, name), getattr(index, name)
        assert a.shape == b.shape and (a != b).nnz == 0 and a.dtype == b.dtype
    assert (loaded.Z == index.Z).all() and (loaded.cluster == index.cluster).all() and (loaded.terms == index.terms).all()
    assert loaded.titles == index.titles and loaded.ids == index.ids
    batch = _topical(new, seed + 1) + [(aid, title + " Susulan", text) for aid, title, text in archive[:edits]]
    assert loaded.add(batch) == index.add(batch)
    for aid in index.ids:
        assert loaded.scored(aid) == index.scored(aid)
        assert loaded.row_blob(aid) == index.row_blob(aid)


# -- withdrawn articles -------------------------------------------------------------------------
def _mixed(n, seed, prefix):
    """n headlines over 40 made-up subjects, each also naming one word of another subject: a
    lexical neighbour can lie outside the latent clusters an article searches."""
    rng = random.Random(seed)
    syllables = "ba be bi bo da de di do ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so".split()
    subjects = [["".join(random.Random(s * 7 + w).choices(syllables, k=3)).title() for w in range(5)] for s in range(40)]
    common = ["naik", "turun", "warga", "baru", "besar", "lagi", "usai", "jelang"]
    out = []
    for i in range(n):
        subject = rng.choice(subjects)
        title = " ".join(rng.sample(subject, 3) + [rng.choice(rng.choice(subjects))] + rng.sample(common, 2))
        text = " ".join(rng.choices(subject, k=8) + rng.sample(common, 4) + [rng.choice(rng.choice(subjects)) for _ in range(3)])
        out.append((f"{prefix}{i:04d}", title, text))
    return out


@settings(max_examples=12, deadline=None)
@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=3),
    st.booleans(),
)
def test_a_change_to_an_index_loaded_for_it_equals_the_change_to_a_whole_load(seed, new, edits, withdrawals, rows_gone):
    # an edit reads the term vectors of every row but the rest only of the rows it can reach:
    # the same lists, changed ids and written rows as with the whole index in memory; also
    # with exact ties (copied articles), rows ranked in several blocks, and withdrawn articles
    # whose rows the store has already dropped
    limit, block, probes = search.EXACT_LIMIT, related.BLOCK, search.PROBES
    search.EXACT_LIMIT = 50  # clusters from 50 articles on (5,000 in production)
    try:
        archive = _mixed(400, seed, "a")
        archive += [(f"c{i:04d}", title, text) for i, (_, title, text) in enumerate(archive[::9])]  # copies: exact ties
        index = RelatedIndex.build(archive)
    finally:
        search.EXACT_LIMIT = limit
    assert len(index.centroids)
    rng = random.Random(seed)
    edited = rng.sample(index.ids, edits)
    gone = rng.sample([aid for aid in index.ids if aid not in edited], withdrawals)
    blobs = {aid: index.row_blob(aid) for aid in index.ids if not (rows_gone and aid in gone)}
    fetched = []

    def fetch(ids):
        fetched.extend(ids)
        return [(aid, blobs[aid]) for aid in ids]

    batch = _mixed(new, seed + 1, "b") + [(aid, title + " Susulan", text) for aid, title, text in _mixed(400, seed + 2, "a") if aid in edited]
    related.BLOCK, search.PROBES = 4, 2  # rows ranked in blocks of 4, 2 of 21 clusters probed (512, 8 of ~316)
    try:
        whole = RelatedIndex.load(index.state_blob(), list(blobs.items()))
        part = RelatedIndex.load_for_change(index.state_blob(), list(blobs.items()), fetch, mentioning=[*edited, *gone])
        assert part.remove(gone) == whole.remove(gone)
        assert part.add(batch) == whole.add(batch)
    finally:
        related.BLOCK, search.PROBES = block, probes
    if new + edits + withdrawals <= 4:  # (more reach most of these 445 articles)
        assert len(set(fetched)) < len(index.ids)  # not the whole archive
    assert part.ids == whole.ids
    for aid in whole.ids:
        assert part.scored(aid) == whole.scored(aid)
        assert part.row_blob(aid) == whole.row_blob(aid)
    assert part.state_blob() == whole.state_blob()


def test_an_index_loaded_for_a_change_refuses_holders_it_did_not_scan_for():
    limit = search.EXACT_LIMIT
    search.EXACT_LIMIT = 50
    try:
        index = RelatedIndex.build(_topical(100, 7))
    finally:
        search.EXACT_LIMIT = limit
    rows = [(aid, index.row_blob(aid)) for aid in index.ids]
    part = RelatedIndex.load_for_change(index.state_blob(), rows, lambda ids: [r for r in rows if r[0] in ids], mentioning=[])
    with pytest.raises(ValueError, match="holders"):
        part.remove([index.ids[0]])


def test_remove_drops_the_articles_and_reranks_the_lists_that_held_them():
    index = build(GEMPA + BOLA + [SPACE])
    holders = {aid for aid, _, _ in GEMPA + BOLA if "g1" in index.related(aid, 10)}
    assert holders == {"g2", "g3", "g4"}
    assert index.remove(["g1"]) == holders
    assert "g1" not in index and len(index) == len(GEMPA + BOLA)
    for aid, _, _ in GEMPA[1:] + BOLA:
        assert "g1" not in index.related(aid, 10)
    assert set(index.related("g2", 5)) == {"g3", "g4"}  # the rest of its list, ranked again


def test_remove_of_an_id_whose_row_is_already_gone_ranks_its_holders_again():
    # the store drops a withdrawn article's row with the article, before enrichment runs
    index = build(GEMPA + BOLA)
    holders = {aid for aid in index.ids if "g2" in index.related(aid, 10)}
    without = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid in index.ids if aid != "g2"])
    assert holders and without.remove(["g2"]) == index.remove(["g2"]) == holders
    assert all(without.scored(aid) == index.scored(aid) and "g2" not in without.related(aid, 10) for aid in index.ids)


def test_removing_many_ids_at_once_finds_the_same_holders():
    # (a source withdrawn whole: its ids are many, and stored lists are parsed, not searched)
    index = build(GEMPA + BOLA)
    rows = [(aid, index.row_blob(aid)) for aid in index.ids]
    few, many = RelatedIndex.load(index.state_blob(), rows), RelatedIndex.load(index.state_blob(), rows)
    assert many.remove(["g2", *(f"x{i}" for i in range(40))]) == few.remove(["g2"]) != set()
    assert all(many.scored(aid) == few.scored(aid) for aid in few.ids)


def test_remove_of_unknown_or_unlinked_ids_changes_nothing():
    index = build(GEMPA + BOLA + [SPACE])
    before = {aid: index.related(aid, 5) for aid, _, _ in GEMPA + BOLA}
    assert index.remove(["nope"]) == set()
    assert index.remove(["x1"]) == set()  # nobody listed the telescope story
    assert {aid: index.related(aid, 5) for aid, _, _ in GEMPA + BOLA} == before


def test_removed_article_may_come_back():
    index = build(GEMPA + BOLA)
    index.remove(["g1", "b1"])
    changed = index.add([Record(*GEMPA[0]), Record(*BOLA[0])])
    assert {"g1", "b1"} <= changed
    scratch = build(GEMPA + BOLA)
    for aid, _, _ in GEMPA + BOLA:
        assert set(index.related(aid, 3)) == set(scratch.related(aid, 3))


def test_remove_after_loading_from_the_store_and_persist_again():
    index = build(GEMPA + BOLA)
    loaded = RelatedIndex.load(index.state_blob(), [(aid, index.row_blob(aid)) for aid, _, _ in GEMPA + BOLA])
    assert loaded.remove(["g2"]) == index.remove(["g2"])
    again = RelatedIndex.load(loaded.state_blob(), [(aid, loaded.row_blob(aid)) for aid in loaded.ids])
    for aid in loaded.ids:
        assert again.related(aid, 5) == index.related(aid, 5)
        assert "g2" not in again.related(aid, 10)


# -- evidence and candidate search ------------------------------------------------------------------
def _filler(n, seed=3):
    """n made-up one-line headlines of random made-up words (no shared subject)."""
    rng = random.Random(seed)
    syllables = "ba be bi bo da de di do ka ke ki ko la le li lo ma me mi mo na ne ni no ra re ri ro sa se si so ta te ti to".split()
    vocabulary = sorted({"".join(rng.choices(syllables, k=3)) for _ in range(3 * n)})
    return [(f"f{i:05d}", " ".join(rng.choices(vocabulary, k=6)).title(), "") for i in range(n)]


def test_one_generic_shared_word_makes_no_link():
    # "gegara" is in 30 of 100 headlines on unrelated subjects: a link on it alone is filler
    filler = _filler(70)
    generic = [(f"z{i:02d}", f"Gegara {t}", "") for i, (_, t, _) in enumerate(_filler(30, seed=9))]
    lone = ("lone", "Masih Jomblo, Penyanyi Tak Ingin Ribet Gegara Cewek", "")
    index = RelatedIndex.build(filler + generic + [lone])
    assert index.related("lone", 5) == ()


def test_a_rare_shared_name_is_found_in_a_big_archive(monkeypatch):
    # Candidates come from the term index, not only from the latent space: two short
    # headlines sharing a rare name find each other among thousands, also when the latent
    # search is the approximate (clustered) one.
    monkeypatch.setattr(search, "EXACT_LIMIT", 500)
    pair = [("k1", "Kriss Hatta Tak Ingin Ribet", ""), ("k2", "Kriss Hatta Jawab Kabar Pacaran", "")]
    others = [("r1", "Urusan Ribet Pajak Motor", ""), ("r2", "Kabar Terbaru Motor", ""), ("r3", "Pacaran Lama Artis", "")]
    index = RelatedIndex.build(_filler(3000) + pair + others)
    assert len(index.centroids)  # the clustered latent search is in use
    assert index.related("k1", 1) == ("k2",) and index.related("k2", 1) == ("k1",)


HEADLINES = [
    ("c1", "Harga Cabai Naik Jelang Lebaran"), ("c2", "Pedagang Pasar Keluhkan Harga Cabai"),
    ("c3", "Harga Bawang dan Cabai Melonjak"), ("c4", "Cabai Rawit Langka di Pasar"),
    ("m1", "Gempa Guncang Maluku Tengah"), ("m2", "BMKG: Gempa Maluku Tak Berpotensi Tsunami"),
    ("m3", "Warga Maluku Mengungsi Usai Gempa"), ("m4", "Gempa Susulan Guncang Ambon"),
    ("p1", "Persib Kalahkan Persija di Bandung"), ("p2", "Pelatih Persib Puji Pemain"),
    ("p3", "Suporter Persija Kecewa Kalah dari Persib"), ("p4", "Persija Incar Pemain Baru"),
]


def test_headline_only_articles_get_lists():
    # the headline is the whole text (as in a feed of one-line items)
    index = RelatedIndex.build([(aid, title, title) for aid, title in HEADLINES])
    for aid, _ in HEADLINES:
        rel = index.related(aid, 5)
        assert rel and {r[0] for r in rel} == {aid[0]}, (aid, rel)


def test_headlines_sharing_their_only_known_word_are_not_duplicates():
    index = RelatedIndex.build([("a", "Gempa Maluku", "Gempa Maluku"), ("b", "Maluku Siaga", "Maluku Siaga"), ("c", "Banjir Jakarta", "Banjir Jakarta"), ("d", "Jakarta Siaga", "Jakarta Siaga")])
    assert index.related("a", 5) == ("b",)


def test_affixed_reduplication_keeps_its_meaning():
    terms = features("Berjam-jam Antre, Negara-negara Sehari-hari, Dokter-Manajer", "")
    assert "berjam" in terms and "jam" not in terms
    assert "sehari" in terms and "hari" not in terms
    assert terms["negara"] == terms["berjam"] == 2 * terms["dokter"] == 2 * terms["manajer"]  # as if written twice


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.text(max_size=40), st.text(max_size=200)), min_size=1, max_size=25),
    st.lists(st.integers(min_value=0, max_value=24), max_size=5),
)
def test_hostile_texts_never_break_the_index(docs, withdrawn):
    records = [(f"a{i:02d}", title, text) for i, (title, text) in enumerate(docs)]
    index = RelatedIndex.build(records[: len(records) // 2 + 1])
    index.add(records[len(records) // 2 + 1 :])
    gone = {f"a{i:02d}" for i in withdrawn} & set(index.ids)
    index.remove(gone)
    for aid in index.ids:
        rel = index.related(aid, 10)
        assert aid not in rel and not gone & set(rel) and len(set(rel)) == len(rel)


def test_long_near_duplicates_excluded():
    body = " ".join(f"{w} kata{i} istilah{i % 7}" for i, w in enumerate(("gempa", "maluku", "ambon", "warga", "tsunami") * 30))
    docs = GEMPA + BOLA + [("long1", "Laporan Panjang Gempa", body), ("long2", "Laporan Gempa Panjang Sekali", body + " tambahan")]
    index = build(docs)
    assert "long2" not in index.related("long1", 10) and "long1" not in index.related("long2", 10)


# -- batch term counting ----------------------------------------------------------------------------
def _as_dicts(counts):
    terms, indptr, ids, values = counts
    return [{terms[ids[j]]: int(values[j]) for j in range(indptr[i], indptr[i + 1])} for i in range(len(indptr) - 1)]


_PIECES = st.sampled_from(["Gempa", "gempa-gempa", "Berjam-jam", "a-bc", "ab-c-de", "-ab-", "x", "yang", "dan", "pemerintahnya", "Jokowi", "café", "²ab", "\u00a0", "\u201cKata\u201d", "e\u0301t\u00e9", "__", "a1b", "12", " ", "\n", "-", ",", "ADVERTISEMENT", "Baca juga: x\n", "\ud800"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=30) | st.lists(_PIECES, max_size=8).map("".join), st.text(max_size=120) | st.lists(_PIECES, max_size=90).map(" ".join)), max_size=6))
def test_batch_counts_equal_one_article_at_a_time(docs):
    from newsfeed.enrich.related_terms import feature_counts, gram_counts, headline_grams

    assert _as_dicts(feature_counts(docs)) == [features(title, text) for title, text in docs]
    assert _as_dicts(gram_counts([title for title, _ in docs])) == [headline_grams(title) for title, _ in docs]


# -- ranking in forked workers ----------------------------------------------------------------------
def test_lists_ranked_by_forked_workers_equal_one_process(monkeypatch):
    import newsfeed.enrich.related as related
    import newsfeed.parallel as parallel

    monkeypatch.setattr(related, "BLOCK", 64)  # 16 blocks of the 1,000 articles, shared by the workers
    docs = _filler(993) + GEMPA + BOLA
    if parallel.workers() < 2:
        pytest.skip("one CPU core: no workers to fork")
    forked = RelatedIndex.build(docs)
    monkeypatch.setattr(parallel, "workers", lambda: 1)
    alone = RelatedIndex.build(docs)
    assert [forked.scored(i) for i in forked.ids] == [alone.scored(i) for i in alone.ids]
    assert set(forked.related("g1", 5)) == {"g2", "g3", "g4"}


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=30), st.data())
def test_replacing_rows_of_a_sparse_matrix_equals_replacing_them_in_a_dense_copy(n, columns, data):
    import numpy as np
    import scipy.sparse as sp

    seed = data.draw(st.integers(min_value=0, max_value=2**32 - 2))  # seed + 1 is drawn from too
    X = sp.random(n, columns, density=0.3, format="csr", dtype=np.float32, random_state=seed)
    rows = np.array(data.draw(st.lists(st.integers(min_value=0, max_value=n - 1), min_size=1, max_size=n, unique=True)), dtype=np.int64)
    if data.draw(st.booleans()):  # rows of the same lengths: replaced in place
        new = X[rows].copy()
        new.data = new.data + 1
    else:
        new = sp.random(len(rows), columns, density=0.3, format="csr", dtype=np.float32, random_state=seed + 1)
    expected = X.toarray()
    expected[rows] = new.toarray()
    out = _replace_rows(X, rows, new)
    assert out.shape == X.shape and out.dtype == X.dtype
    assert all((np.diff(out.indices[out.indptr[r] : out.indptr[r + 1]]) > 0).all() for r in range(n))  # sorted, as flagged
    assert (out.toarray() == expected).all() and out.nnz == np.count_nonzero(expected)
