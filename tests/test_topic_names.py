"""Topics with recall as well as precision: headline names, names mentioned twice, one entity
folded into one topic, generic words and acronyms never topics, scraper furniture ignored."""

from newsfeed.config import TopicSettings
from newsfeed.enrich.topics import extract_topics


def _topics(title, body, **settings):
    return extract_topics(title, body, (), TopicSettings(**settings))


def test_a_name_mentioned_exactly_twice_is_a_topic():
    body = ("Warga Desa Sukamaju mengeluhkan jalan rusak. Kepala desa Slamet Riyadi berjanji memperbaikinya "
            "pekan depan. Menurut warga, jalan itu sudah rusak sejak tahun lalu. Slamet Riyadi juga meminta "
            "bantuan pemerintah kabupaten.")
    assert "Slamet Riyadi" in _topics("Jalan Rusak Dikeluhkan Warga", body)


def test_a_name_only_in_the_headline_counts_when_the_text_names_it_once():
    body = "Pertandingan berlangsung ketat sejak menit awal. Gol tunggal dicetak Rizky Ridho pada menit ke-80."
    assert "Rizky Ridho" in _topics("Rizky Ridho Bawa Timnas Menang", body)


def test_headline_verbs_are_not_glued_to_names():
    body = ("Jokowi menghadiri acara di Solo. Gaya berpakaian Jokowi menjadi sorotan warga yang hadir. "
            "Jokowi mengenakan kemeja putih.")
    topics = _topics("Gaya Jokowi Pukau Warga Solo", body)
    assert "Joko Widodo" in topics  # the default alias
    assert not any(t.startswith(("Gaya", "Pukau")) or t.endswith("Pukau") for t in topics), topics


def test_leading_generic_words_never_glue_onto_a_name():
    body = ("Kedatangan Mahfud di Surabaya disambut ratusan warga. Politikus Partai Demokrat Ruhut Sitompul "
            "ikut hadir. Pernyataan Pentagon soal kunjungan itu dikutip media. Mahfud lalu berpidato, dan "
            "Ruhut Sitompul memberi sambutan. Pentagon belum menjawab.")
    topics = _topics("Kedatangan Mahfud di Surabaya", body)
    assert {"Mahfud", "Ruhut Sitompul", "Pentagon"} <= set(topics), topics
    for junk in ("Kedatangan Mahfud", "Politikus Partai Demokrat Ruhut Sitompul", "Pernyataan Pentagon", "Kedatangan"):
        assert junk not in topics


def test_generic_acronyms_and_fragments_are_not_topics():
    body = ("Komnas HAM menerima laporan warga. Komnas HAM menyebut pelanggaran HAM harus diusut. Harga BBM "
            "naik, kata pengurus DPP partai. Harga BBM memicu protes, dan DPP menggelar rapat. PDI Perjuangan "
            "menolak kenaikan itu. Menurut PDI Perjuangan, kenaikan BBM memberatkan warga.")
    topics = _topics("Komnas HAM Terima Laporan", body)
    assert "Komnas HAM" in topics and "PDI Perjuangan" in topics
    for junk in ("HAM", "BBM", "DPP", "Indonesia", "Perjuangan"):
        assert junk not in topics, topics


def test_surname_and_full_name_are_one_topic():
    body = ("Jonatan Christie melaju ke final. Jonatan mengalahkan unggulan pertama. Kata Jonatan, laga "
            "berjalan berat. Persib Bandung menang semalam. Pelatih Persib memuji pemain, dan Persib kini "
            "memimpin klasemen.")
    topics = _topics("Jonatan ke Final, Persib Menang", body)
    assert "Jonatan Christie" in topics and "Jonatan" not in topics
    assert "Persib Bandung" in topics and "Persib" not in topics


def test_an_acronym_defined_in_brackets_is_one_topic_and_one_mention():
    body = ("Badan Pengelola Migas Aceh (BPMA) mengevaluasi wilayah kerja. Kepala BPMA menyebut data seismik "
            "belum ada. Nahdlatul Ulama (NU) juga berkomentar.")
    topics = _topics("Evaluasi Wilayah Kerja Migas", body)
    assert "BPMA" in topics and "Badan Pengelola Migas Aceh" not in topics
    assert "NU" not in topics and "Nahdlatul Ulama" not in topics  # named once: a definition is one mention


def test_an_alias_folds_into_its_topic():
    body = ("Otorita Ibu Kota Nusantara (OIKN) menyiapkan lahan. Kepala OIKN meninjau IKN pekan ini. "
            "Pembangunan IKN dipercepat, kata pejabat Otorita.")
    topics = _topics("IKN Dipercepat", body, aliases={"OIKN": "IKN", "Otorita": "IKN", "Ibu Kota Nusantara": "IKN",
                                                     "Otorita Ibu Kota Nusantara": "IKN"})
    assert topics[0] == "IKN" and not {"OIKN", "Otorita", "Ibu Kota Nusantara", "Nusantara"} & set(topics), topics


def test_scraper_links_to_other_stories_are_not_read():
    body = ("Harga emas di Pegadaian turun hari ini. Baca juga:Ibrahimovic Bela Messi yang seperti Main dengan "
            "Patung di Inter Miami Selain itu, harga emas Antam belum tersedia di Pegadaian. Simak juga Video "
            "'Kabar Lionel Messi Siap Pergi dari Inter Miami': Pegadaian menjual emas setiap hari.")
    topics = _topics("Harga Emas Pegadaian Turun", body)
    assert "Pegadaian" in topics
    assert not {"Ibrahimovic", "Lionel Messi", "Messi", "Inter Miami", "Ibrahimovic Bela Messi"} & set(topics), topics


def test_words_glued_by_a_scraper_are_split():
    body = ("Presiden Prabowo Subiantoberulang kali mengingatkan para menteri. Prabowo Subianto menyampaikan "
            "itu di Jakarta. Gelandang Inter Milansemakin kecewa, kata pelatih Inter Milan.")
    topics = _topics("Prabowo Ingatkan Menteri", body)
    assert "Prabowo Subianto" in topics and "Inter Milan" in topics
    assert not any("berulang" in t or "semakin" in t for t in topics), topics


def test_a_capitalised_common_word_opening_sentences_is_not_a_name():
    body = ("Robot humanoid itu terbang setinggi 50 cm. Robot tersebut dikembangkan di Genoa. Robot ini "
            "dirancang untuk penanganan bencana di Genoa.")
    topics = _topics("Robot Terbang Perdana", body)
    assert "Robot" not in topics and "Genoa" in topics


def test_editors_extend_the_word_lists(make_site):
    body = ("Sosok Ayu Lestari jadi sorotan. Sosok Ayu Lestari dikenal ramah. Warga Kampung Melati menyambutnya, "
            "dan Kampung Melati berbenah.")
    plain = _topics("Kabar Kampung", body)
    assert "Sosok Ayu Lestari" in plain or "Ayu Lestari" in plain
    settings = make_site({}, extra_config='[topics]\ngeneric_words = ["Sosok"]\nnames = ["Kampung Melati"]\n'
                                          'places = ["Melati"]\n').topics
    assert settings.generic_words == ("Sosok",) and settings.names == ("Kampung Melati",)
    topics = extract_topics("Kabar Kampung", body, (), settings)
    assert "Ayu Lestari" in topics and "Sosok Ayu Lestari" not in topics
    assert "Kampung Melati" in topics and "Melati" not in topics


def test_absurd_tags_are_cleaned_or_left_out():
    topics = extract_topics("Judul", "Teks.", ("<b>Bola</b>", "]]>", "a" * 280, "Tim\x1b[31m Merah", "  Bola "),
                            TopicSettings())
    assert topics == ("Bola", "Tim [31m Merah")


def test_nicknames_and_pairs_in_the_headline_are_one_person_each():
    body = ("Mensos Saifullah Yusuf menolak pencalonan. Saifullah alias Gus Ipul ingin fokus bekerja. Dudung "
            "Abdurachman juga menolak, kata Dudung kepada wartawan. Menurut Saifullah, tugasnya berat.")
    topics = _topics("Dudung-Gus Ipul Enggan Jadi Ketum", body)
    assert "Saifullah Yusuf" in topics and "Dudung Abdurachman" in topics
    assert not {"Gus Ipul", "Dudung-Gus Ipul", "Dudung", "Saifullah"} & set(topics), topics


def test_a_place_ends_an_organisations_name():
    body = ("Siswa Sekolah Indonesia Jeddah menyambut rombongan di Jeddah. Guru Sekolah Indonesia Jeddah ikut "
            "hadir, dan warga Jeddah berkumpul di hotel.")
    topics = _topics("Siswa Sambut Rombongan", body)
    assert "Sekolah Indonesia Jeddah" in topics and "Jeddah" in topics and "Sekolah Indonesia" not in topics
