from newsfeed.enrich.related import Record, RelatedIndex

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
