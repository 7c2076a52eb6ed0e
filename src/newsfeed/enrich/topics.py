"""Topics: the named subjects of an article (countries, people, organisations, events).

How `extract_topics` works, in one pass over the body and a little work per distinct name:

1. Capitalised runs ("Presiden Ukraina Volodymyr Zelensky", "Gedung Merah Putih KPK") are
   found with one compiled regex pass and counted; where a run whose first word may be a
   common word opening a sentence ("Penangkapan ...") could change the topics, its
   sentence, paragraph and quotation starts are found with cheap literal-prefix patterns.
2. Each distinct run is analysed once per process (module-level cache, bounded; the analysis
   depends on the run alone, so results are the same whatever was cached before): it is cut
   at generic words (titles such as "Presiden" or "Menteri" and the portfolio that follows
   them, "Menteri Keuangan Sri Mulyani" -> "Sri Mulyani"; day and month names; stopwords),
   around country and province names ("Ukraina", "Volodymyr Zelensky"), and around
   organisation acronyms ("KPK Setyo Budiyanto" -> "KPK", "Setyo Budiyanto"). Words between a
   generic word and an acronym describe the acronym's office and are dropped ("Gedung Merah
   Putih KPK", "Dirjen Perhubungan Darat Kemenhub" -> "KPK", "Kemenhub"). A small list of
   known forms stays whole ("BPJS Kesehatan", "Bank Indonesia", "Piala Dunia Antarklub").
3. Per article: an acronym takes the mentions of its long form when both are named (the
   initials match: "Komisi Pemberantasan Korupsi" -> "KPK") or the text defines it ("Kementerian
   Perhubungan (Kemenhub)"); an organisation glued to a person ("Partai Golkar Bahlil
   Lahadalia") is cut where the person is also named alone; a surname or first name merges
   into the full name given in the same article, which is preferred ("Trump" -> "Donald
   Trump", "Zelensky" -> "Volodymyr Zelensky"), never into a place ("Jakarta" stays
   "Jakarta"); aliases map to their canonical name ("Korut" -> "Korea Utara"; the defaults
   also hold province abbreviations and a few people named by one name across articles).
4. Ranking by salience: mentions, plus 3 when the subject is in the headline and 1 when it is
   in the first fifth of the body; at least 3 points are needed; ties are broken by name. A
   one-word candidate that the article also writes in lowercase is a common word, not a
   name ("Penerima BSU ..."). Editor tags come first; blocked topics never appear; `always`
   topics appear whenever their name occurs in the headline or text. Names are never
   stemmed or otherwise rewritten.

Pure and deterministic: the same input gives the same output in any order and any process.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping

try:  # the C counting loop behind Counter, without Counter's own overhead
    from collections import _count_elements
except ImportError:  # pragma: no cover - other Pythons
    def _count_elements(mapping, iterable):
        for elem in iterable:
            mapping[elem] = mapping.get(elem, 0) + 1

from newsfeed.config import TopicSettings
from newsfeed.enrich import text as T

__all__ = ["extract_topics", "topic_slug", "section_topics", "DEFAULT_ALIASES", "MAX_TOPICS"]

MAX_TOPICS = 8
MIN_SCORE = 3  # mentions + headline bonus (3) + lead bonus (1)

_PROVINCE_ABBREVIATIONS = {
    "Sumut": "Sumatera Utara", "Sumbar": "Sumatera Barat", "Sumsel": "Sumatera Selatan", "Jabar": "Jawa Barat",
    "Jateng": "Jawa Tengah", "Jatim": "Jawa Timur", "Kalbar": "Kalimantan Barat", "Kalteng": "Kalimantan Tengah",
    "Kalsel": "Kalimantan Selatan", "Kaltim": "Kalimantan Timur", "Kaltara": "Kalimantan Utara",
    "Sulut": "Sulawesi Utara", "Sulteng": "Sulawesi Tengah", "Sulsel": "Sulawesi Selatan",
    "Sultra": "Sulawesi Tenggara", "Sulbar": "Sulawesi Barat", "Malut": "Maluku Utara", "Kepri": "Kepulauan Riau",
    "Babel": "Bangka Belitung", "Kepulauan Bangka Belitung": "Bangka Belitung", "DIY": "Yogyakarta",
    "Jogja": "Yogyakarta", "Jogjakarta": "Yogyakarta", "Daerah Istimewa Yogyakarta": "Yogyakarta",
    "DI Yogyakarta": "Yogyakarta", "DKI": "Jakarta", "DKI Jakarta": "Jakarta",
    "Jakarta Pusat": "Jakarta", "Jakut": "Jakarta Utara", "Jaksel": "Jakarta Selatan", "Jakbar": "Jakarta Barat",
    "Jaktim": "Jakarta Timur", "Jakpus": "Jakarta",
}

DEFAULT_ALIASES = {
    "Korut": "Korea Utara", "Korsel": "Korea Selatan", "AS": "Amerika Serikat", "Amerika": "Amerika Serikat",
    "RI": "Indonesia", "US": "Amerika Serikat", "Republik Indonesia": "Indonesia", "Tiongkok": "China", "Cina": "China",
    "Inggris Raya": "Inggris", "PBB": "Perserikatan Bangsa-Bangsa", "UEA": "Uni Emirat Arab", "Ceko": "Republik Ceko",
    "DPR RI": "DPR", "MPR RI": "MPR", "DPD RI": "DPD", "Kemlu": "Kementerian Luar Negeri", "WA": "WhatsApp",
    # people named by one name across articles ("Trump" -> "Donald Trump" also where the
    # article never gives the full name)
    "Trump": "Donald Trump", "Biden": "Joe Biden", "Putin": "Vladimir Putin", "Zelensky": "Volodymyr Zelensky",
    "Zelenskyy": "Volodymyr Zelensky", "Netanyahu": "Benjamin Netanyahu", "Prabowo": "Prabowo Subianto",
    "Jokowi": "Joko Widodo", "Xi": "Xi Jinping",
    # long forms that a comma cuts ("Badan Meteorologi, Klimatologi, dan Geofisika")
    "Badan Meteorologi": "BMKG",
    **_PROVINCE_ABBREVIATIONS,
}

# Countries and regions of the world; they stand alone in a run ("Presiden Ukraina Volodymyr
# Zelensky" -> "Ukraina", "Volodymyr Zelensky").
_COUNTRIES = frozenset(
    """Afghanistan Afrika Aljazair Amerika Arab Argentina Armenia Australia Austria Azerbaijan Bahrain Bangladesh
    Belanda Belarus Belgia Bolivia Brasil Brunei Bulgaria Chili China Denmark Ekuador Estonia Etiopia Filipina
    Finlandia Georgia Ghana Greenland Hungaria India Indonesia Inggris Irak Iran Irlandia Islandia Israel Italia
    Jamaika Jepang Jerman Kamboja Kanada Kazakhstan Kenya Kirgistan Kolombia Korea Kroasia Kuba Kuwait Laos
    Latvia Lebanon Libya Lituania Malaysia Maladewa Maroko Meksiko Mesir Mongolia Myanmar Nepal Nigeria Norwegia
    Oman Pakistan Palestina Panama Paraguay Peru Polandia Portugal Prancis Qatar Rumania Rusia Serbia Singapura
    Slovakia Slovenia Somalia Spanyol Sudan Suriah Swedia Swiss Taiwan Tajikistan Tanzania Thailand Tunisia
    Turki Turkmenistan Ukraina Uganda Uruguay Uzbekistan Vatikan Venezuela Vietnam Yaman Yordania Yunani Gaza
    Eropa Asia Oseania Skotlandia Wales Kyiv Moskow Tepi""".split()
) | frozenset(
    {"Amerika Serikat", "Amerika Latin", "Korea Utara", "Korea Selatan", "Arab Saudi", "Afrika Selatan",
     "Selandia Baru", "Uni Emirat Arab", "Uni Eropa", "Timor Leste", "Papua Nugini", "Sri Lanka", "Hong Kong",
     "Timur Tengah", "Asia Tenggara", "Asia Pasifik", "Asia Tengah", "Asia Timur", "Asia Selatan", "Eropa Timur",
     "Eropa Barat", "Afrika Utara", "Republik Ceko", "Kosta Rika", "Tepi Barat", "Jalur Gaza", "Korut", "Korsel",
     "AS", "US", "RI", "Tiongkok", "Cina", "Inggris Raya", "UEA", "Ceko", "Kongo", "Republik Demokratik Kongo"}
)

# Indonesian provinces, regions and big cities: they also stand alone ("Gubernur Jawa Barat
# Dedi Mulyadi" -> "Jawa Barat", "Dedi Mulyadi") and never merge into a longer name.
_REGIONS = frozenset(
    """Aceh Bali Banten Bengkulu Gorontalo Jambi Lampung Maluku Papua Riau Jakarta Yogyakarta Jawa Sumatera
    Sumatra Kalimantan Sulawesi Nusantara Surabaya Bandung Medan Semarang Makassar Palembang Denpasar Batam
    Pekanbaru Padang Malang Bogor Depok Tangerang Bekasi Solo Surakarta Manado Pontianak Balikpapan Samarinda
    Banjarmasin Jayapura Ambon Kupang Mataram Cirebon Sidoarjo Magelang Lumajang Bantul Sleman""".split()
) | frozenset(
    {"Jawa Barat", "Jawa Tengah", "Jawa Timur", "Sumatera Utara", "Sumatera Barat", "Sumatera Selatan",
     "Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara",
     "Sulawesi Utara", "Sulawesi Tengah", "Sulawesi Selatan", "Sulawesi Tenggara", "Sulawesi Barat",
     "Maluku Utara", "Kepulauan Riau", "Bangka Belitung", "Nusa Tenggara Barat", "Nusa Tenggara Timur",
     "Papua Barat", "Papua Tengah", "Papua Selatan", "Papua Pegunungan", "Papua Barat Daya", "Jakarta Selatan",
     "Jakarta Utara", "Jakarta Barat", "Jakarta Timur", "Jakarta Pusat", "Tangerang Selatan", "DKI Jakarta",
     "Raja Ampat", "Labuan Bajo", "Nusa Penida",
     "Daerah Istimewa Yogyakarta", "Kepulauan Bangka Belitung", "Ibu Kota Nusantara", "Jabodetabek"}
) | frozenset(_PROVINCE_ABBREVIATIONS)

_STANDALONE = _COUNTRIES | _REGIONS

# Words that may come right before a country or region and form one name with it.
_JOINS_PLACE = frozenset(
    """Bank Universitas Timnas Piala Liga Republik Kerajaan Federasi Kedutaan Konsulat Bursa Uni Persatuan
    Institut Stadion Bandara Pelabuhan Gubernuran Kota Kabupaten Provinsi Pulau Selat Laut Teluk Gunung Kepulauan
    Polda Kodam Kejati Pengadilan Tim Garuda Semen Pupuk Timnas""".split()
)

# Titles and other words that are never a topic and never start or end one. Lowercase.
_TITLES = frozenset(
    w.lower()
    for w in """Presiden Wapres Wakil Menteri Menko Mendagri Menlu Menkeu Menaker Menkes Mendikdasmen Mendikbud
    Mensesneg Menhan Menpora Menag Mensos Menpan Menparekraf Menkomdigi Menteri Gubernur Wagub Bupati Wabup
    Walikota Wali Ketua Kepala Kadis Kabid Kabag Kasubdit Kasubag Kasat Kasi Kapuspen Kapuspenkum Kasipenkum
    Direktur Dirut Dirjen Deputi Asisten Sekretaris Sekjen Sesditjen Jenderal Juru Bicara Jubir Panglima
    Komandan Danjen Pangdam Kapolri Wakapolri Kapolda Kapolres Kapolsek Kajati Kajari Kajagung Jaksa Kabareskrim
    Kadiv Karopenmas Kabid Humas Kapten Pelatih Pemain Hakim Anggota Staf Khusus Pengamat Peneliti Dekan Rektor
    Dosen Guru Dokter Dr Prof Ir Drs SH MH SE MM MSi Pak Bu Bapak Ibu Mas Mbak Bang Kak Sang Tuan Nyonya Raja
    Ratu Pangeran Perdana PM Kanselir Duta Besar Dubes Senator Plt Pj Penjabat Pelaksana Tugas
    Irjen Brigjen Kombes AKBP AKP Iptu Ipda Aiptu Bripka Briptu Komjen Letjen Mayjen Kolonel Letkol Mayor
    Laksamana Marsekal Purn Purnawirawan Kopral Sersan Prajurit Ustaz Ustadz Habib Syekh Kiai KH Hj Haji
    Mentan Menhub Menperin Mendag Menpar Menkum Menkumham Menkop Mendes Menpupr MenPAN Menbud Menhut Menekraf
    Mendikti Mendiktisaintek Menkopolkam Menkopolhukam Menkopmk Menkoperekonomian Menteri Menlhk Menpera
    Menimipas Menham Menkomdigi Mendukbangga Menaker Menko Wamen Wamenlu Wamenkeu Wamenhan Kabareskrim
    Kapuspen Kadispenad Kasad Kasal Kasau Danrem Dandim Kapendam Pangkostrad""".split()
)
# Generic phrases read as one token (see _KNOWN_FORMS).
_GENERIC_FORMS = frozenset({"Putra Mahkota", "Tanah Air", "Perdana Menteri", "Wakil Presiden", "Juru Bicara",
                            "Duta Besar", "Wali Kota", "Ibu Kota", "Kepala Negara", "Sekretaris Jenderal"})
_GENERIC = _TITLES | frozenset(f.lower() for f in _GENERIC_FORMS) | frozenset(
    w.lower()
    for w in """Pemerintah Pemprov Pemkot Pemkab Kementerian Kantor Jalan Jl Gedung Rumah Dinas Divisi Bidang Biro
    Direktorat Ditjen Subdit Seksi Bagian Satuan Unit Kabupaten Provinsi Kecamatan Desa Kelurahan Kota
    Senin Selasa Rabu Kamis Jumat Sabtu Minggu Ahad Januari Februari Maret April Mei Juni Juli Agustus
    September Oktober November Desember Pagi Siang Sore Malam Hari Pekan Tahun Bulan Tanggal Pukul WIB WITA
    WIT GMT UTC Rp USD IDR Dolar Persen Foto Video Sumber Redaksi Penulis Editor Reporter Baca Simak Lihat
    Berita ADVERTISEMENT SCROLL CONTINUE WITH CONTENT TO RESUME Kompas KOMPAS Tempo TEMPO CNN Detik detikcom
    Antara ANTARA Liputan Okezone Tribun Kata Ujar Menurut Namun Selain Sementara Meski Meskipun Karena
    Sebelumnya Kemudian Adapun Dalam Saat Pada Untuk Dengan Dari Oleh Bagi Ini Itu Hal Para Sejumlah Berikut
    Yang Tak Tidak Bukan Ya Oke Pasal Ayat Nomor No Pilihan Fitur Harga Dikutip Dilansir Hujan Temuan Air
    Cuaca Fenomena Info Cek Daftar Cara Jadwal Link Profil Sinopsis Kronologi Update Breaking Terkini Selengkapnya
    PT Tbk CV Persero Perum Perseroan UU RUU PP Perpres Perppu Permen Perda Perkada Pergub Inpres Keppres SK SE
    GB MB KB TB MP HP OS mAh GHz MHz Hz KM Km kWh MW GW JPU TKP OTT Lapas Rutan Polsek Polres Kodim Koramil
    Soal Kasus Warga Netizen Tim Pihak Kami Kita Saya Aku Anda Kamu Dia Ia Mereka Beliau Semua Setiap Tapi
    Tetapi Bahkan Lalu Jika Kalau Apalagi Sedangkan Walaupun Ketika Setelah Sebelum Hingga Sampai Usai
    Akibat Sebab Maka Juga Lebih Masih Sudah Telah Akan Bisa Dapat Harus Perlu Mungkin Sangat Agar Supaya
    Selasa Kemarin Besok Lusa Pekan Awal Akhir Pertengahan Periode Sesi Babak Laga Pertandingan Musim
    Gol Skor Klasemen Grup Kabinet Merah Putih Hasil Vs VS FC CF SC SAR CO PC SMS Polda Polres Polsek Kejati
    Kejari Kodam Korem CNNIndonesia Liputan6 Okezone Kumparan Dikutip Pantauan Dilansir Reuters AFP AP
    Undang-undang Undang-Undang BAP TC KTP NIK NIP NPWP Sprindik Celcius Celsius Fahrenheit HUT Terpopuler
    Klaim Rilis Imbau Absen Tolak Bantah Kecam Desak Dukung Resmi Cabut Jelang Tahan Buka Tutup Raih Kirim
    Capai Hadapi Gelar Tembus Catat Ungkap Sebut Minta Beri Bakal Jadi Siap Pastikan Akui Tanggapi Soroti
    Protes Batal Gagal Sukses Menang Kalah Tumbang Lolos Gabung Pamit Hengkang Terjang Tewas Ditangkap
    Ditahan Diperiksa Dipanggil Diganti Dilaporkan Digelar Dibuka Ditutup Dicabut Diminta Diduga Diserang
    Dilantik Dicopot Disebut Bertemu Temui Kunjungi Sambangi Lantik Copot Periksa Panggil Tangkap Geledah
    Sita Segel Vonis Tuntut Divonis Dituntut Dibebaskan Curhat Bongkar Intip Begini Ternyata Viral Heboh
    Dominasi Bocorkan Paparkan Cetak Kesulitan Bawa Jatuh Tabrakan Kibarkan Upacara Inspektur""".split()
)
# Capitalised stopwords that live inside names ("Jawa Tengah", "Selandia Baru", "Mahkamah
# Agung", "Pekerjaan Umum"): they do not cut a run, though they are never a topic alone.
_NAME_STOPWORDS = frozenset(
    """naik tengah baru besar umum lama luar dalam atas bawah muda tua tinggi akhir
    awal pertama kedua ketiga bersama jauh agung raya utama mulia negeri pusat kecil bersatu""".split()
)
# Portfolio and office words that follow a title: "Menteri Keuangan Sri Mulyani", "Kepala
# Pusat Penerangan Hukum Kejagung Harli Siregar". Right after a generic word they are
# skipped; elsewhere they are ordinary words ("Mahkamah Agung", "Sekolah Rakyat").
_PORTFOLIO = frozenset(
    w.lower()
    for w in """Keuangan Dalam Luar Negeri Daerah Ketenagakerjaan Perdagangan Komunikasi Negara Pertahanan
    Kebudayaan Agama Koordinator Bidang Pangan Sosial Pertanian Kesehatan Energi Pendidikan Dasar Menengah
    Investasi Hukum Perencanaan Komersial Perekonomian Pembangunan Perhubungan Darat Laut Udara Kehakiman
    Penyidikan Penuntut Umum Utama Harian Pelindungan Perlindungan Imigrasi Penerangan Hubungan Masyarakat
    Pers Intelijen Muda Seksi Biro Pusat Divisi Pengabdian Operasional Eksekutif Kabinet Sekretaris
    Perindustrian Pariwisata Kelautan Perikanan Kehutanan Lingkungan Hidup Transmigrasi Koperasi Pemuda
    Olahraga Tenaga Kerja Ekonomi Kreatif Digital Informatika Agraria Tata Ruang Pertanahan Riset Teknologi
    Tinggi Sains Perumahan Permukiman Pekerjaan Pemberdayaan Perempuan Anak Politik Keamanan Pemasyarakatan
    Reformasi Birokrasi Aparatur Sumber Daya Mineral Keamanan Nasional Internasional Regional Wilayah Provinsi
    Kabupaten Kota Jenderal Umum Khusus Tindak Pidana Korupsi Kriminal Reserse Humas Kebijakan Strategis
    Program Operasi Lalu Lintas Pengawasan Penindakan Pemberantasan Pencegahan Penanganan Pelayanan
    Administrasi Keuangan Perbendaharaan Anggaran Pajak Bea Cukai Statistik Moneter Fiskal Makroekonomi
    Pendapatan Penerimaan Pengelolaan Pengembangan Penelitian Pengadaan Eksternal Internal Satuan Tugas
    Satgas Dinas Badan Lembaga Kantor Staf Pribadi Presiden Wakil""".split()
)
# Never a topic on their own, fine inside a name ("Piala Dunia", "Bank Indonesia").
_GENERIC_ALONE = frozenset(
    """Dunia Bumi Piala Liga Timnas Antarklub Kualifikasi Bank Universitas Komisi Badan Partai Dewan Majelis
    Mahkamah Pengadilan Kejaksaan Kepolisian Lembaga Institut Fraksi Direktorat Federasi Asosiasi Persatuan
    Kabupaten Provinsi Kota Negara Republik Kerajaan Pulau Gunung Sungai Laut Selat Teluk Danau Stadion
    Bandara Pelabuhan Masjid Gereja Pura Candi Istana Kantor Sekolah Kampus Museum Pasar Perang Konflik
    Utara Selatan Barat Timur Tenggara Daya Nasional Internasional Pusat Daerah Umum Agung Raya Negeri Tengah
    Baru Besar Satgas Tim Kabinet Jaksa Agung Ketua Umum Kapal Pesawat Kereta Gedung Putih Merah Covid
    Muhammad Nabi Allah Tuhan Islam Kristen Katolik Hindu Buddha Muslim Idul Fitri Adha Ramadan Lebaran TV
    Putri Putra Wanita Pria Asia Afrika Amerika Eropa Korea""".split()
)
# Organisation words ending a run of people: "KPK Setyo Budiyanto" -> "KPK", "Setyo Budiyanto".
_ORG_PREFIXES = ("Kemen",)
_ORG_WORDS = frozenset({"Polri", "Kejagung", "Bareskrim", "Basarnas", "Bappenas", "Bapanas", "Komdigi", "Danantara",
                        "Kemlu", "Setneg", "Kemenko", "Mabes", "Kominfo", "Kemenag", "Kemensos", "Kemenkes",
                        "Kemnaker"})
# Acronyms that are not organisations: Roman numerals, units, grades.
_NOT_ORG = frozenset({"II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "XX", "XXI"})
_PLAIN_ACRONYMS = frozenset({"TV", "FM", "AM"})  # "Trans TV", "Prambors FM": part of a name
# Multi-word names that stay whole although they hold an acronym or a place.
_KNOWN_FORMS = frozenset(
    {"BPJS Kesehatan", "BPJS Ketenagakerjaan", "TNI AD", "TNI AL", "TNI AU", "Bank Indonesia", "Bank Dunia",
     "Piala Dunia", "Piala Dunia Antarklub", "Piala Asia", "Piala Eropa", "Piala AFF", "Liga Champions",
     "Liga Europa", "Liga Inggris", "Liga Spanyol", "Liga Italia", "Liga Jerman", "Liga Prancis", "Liga Indonesia",
     "Timnas Indonesia", "Gedung Putih", "Istana Kepresidenan", "Istana Negara", "Istana Merdeka", "Jalur Gaza",
     "Tepi Barat", "Laut China Selatan", "Selat Hormuz", "Terusan Suez", "Ibu Kota Nusantara", "Uni Eropa",
     "DPR RI", "MPR RI", "DPD RI", "Gerakan Indonesia Raya", "Partai Gerindra", "Partai Golkar", "Partai NasDem",
     "PDI Perjuangan", "Kabinet Merah Putih", "Koperasi Desa Merah Putih", "Koperasi Merah Putih",
     "Universitas Indonesia", "Universitas Gadjah Mada", "Institut Teknologi Bandung", "Perang Dunia",
     "Real Madrid", "Manchester United", "Manchester City", "Paris Saint-Germain", "Bayern Munchen",
     "Borussia Dortmund", "Inter Milan", "AC Milan", "Persib Bandung", "Persija Jakarta", "Bali United",
     "Mahkamah Agung", "Mahkamah Konstitusi", "Kejaksaan Agung", "Jaksa Agung", "Amerika Serikat",
     "Polda Metro Jaya", "Piala Presiden", "Liga 1", "Hari Bhayangkara", "One UI", "PDI Perjuangan",
     "Air India", "Vietnam Airlines", "Singapore Airlines", "Qatar Airways", "Malaysia Airlines", "Thai Airways",
     "Garuda Indonesia", "Lion Air", "Saudi Aramco", "Japan Airlines", "China Airlines", "Korean Air"}
) | _COUNTRIES | _REGIONS | _GENERIC_FORMS
_FORM_HEADS = frozenset(f.split(" ", 1)[0] for f in _KNOWN_FORMS if " " in f)
_FORM_MAX = max(len(f.split(" ")) for f in _KNOWN_FORMS)
# A word glued to the next by a scraper ("PresidenPrabowo", "IsraelBenjamin"): split it when the
# first part is a word we know.
_GLUE = re.compile(r"^([A-Z][a-z]{2,})([A-Z][a-z].*)$")
_GLUED_LOWER = re.compile(r"^([A-Z]{2,})[a-z]{3,}$")  # "ATTmeninggal" -> "ATT"
_CLITIC = re.compile(r"-(?:nya|lah|kah|pun|ku|mu)$")
_MONEY = re.compile(r"^(?:Rp|US\$|USD|IDR)[\d.,]*$")
_COMPASS = frozenset({"Utara", "Selatan", "Barat", "Timur", "Tengah", "Tenggara", "Daya", "Raya", "Pusat"})

# -- the regexes -------------------------------------------------------------------------------
# A capitalised word: letters, digits, apostrophes and hyphens ("Yong-hyun", "Bangsa-Bangsa",
# "COVID-19", "Jum'at"); clitics ("BAP-nya") and glued words are dealt with per run. Runs are
# words joined by single spaces, or by a lowercase particle of a name ("Mohammed bin Salman").
# (The lookahead spares the engine retries at each run's end. No possessive quantifiers: on
# Python 3.11.2, Debian 12's, `(...)*+` matches differently and yields empty words.)
_WORD = r"[A-ZÀ-ÖØ-Þ][\w'-]*"
_CONNECTORS = r"b(?:inti|in)|v[ao]n|d(?:e[rn]?|el|a|os)|[ae]l|l[ae]"  # bin binti van von de der den...
_RUN_BODY = rf"{_WORD}(?: (?=[A-ZÀ-ÖØ-Þbvdael])(?:(?:{_CONNECTORS}) )?{_WORD})*"
_RUN = re.compile(_RUN_BODY)
# Runs at a sentence, paragraph or quotation start. Each pattern starts with a literal, which
# the regex engine finds fast; together they cost less than half the one full pass above.
_INITIAL = tuple(re.compile(re.escape(lead) + "(" + _RUN_BODY + ")") for lead in (". ", '"', "\n", ": "))
_ACRONYM_AFTER = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_SHORT_CODE = re.compile(r"^(?:U-?\d+|[A-Z]\d*|\d.*|[A-Z]{1,3}-?\d+)$")

_CACHE_LIMIT = 100_000  # entries per cache (about 30 MB each at most); a full cache starts afresh
_PLACEISH = _STANDALONE | _COMPASS
_HAS_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_INITIALS = re.compile(r"(?:^|(?<=[ -]))(\w)")
_RUN_CACHE: dict[str, tuple] = {}
_ALWAYS_CACHE: dict[str, re.Pattern] = {}
_NAME_INFO: dict[str, tuple] = {}


def clear_caches() -> None:
    """Forget every cached decision (results do not change; the next articles run slower).
    For benchmarks that time a cold start, and for tests."""
    for cache in (_RUN_CACHE, _WORDS, _NAME_INFO, _ALWAYS_CACHE):
        cache.clear()


def topic_slug(name: str) -> str:
    """ASCII, lowercase, hyphen-separated, stable: "Korea Utara" -> "korea-utara"."""
    return _SLUG_DROP.sub("-", T.fold_ascii(name).lower()).strip("-") or "topik"


# -- one run -----------------------------------------------------------------------------------
# Facts about one word (or known multi-word form), cached: (expansion, kind, alone, opener).
#   expansion: None, or the tokens a glued word or clitic stands for ("BAP-nya" -> "BAP", "|")
#   kind: "g" generic (cuts, never kept), "p" place (stands alone), "o" organisation acronym
#         (stands alone), "c" lowercase connector, "w" ordinary word
#   alone: the word may be a name on its own
#   opener: what a capital at a sentence start says about it: "k" keep (a name or acronym),
#         "d" drop (already cut as generic), "r" drop without asking (portfolio word or
#         name-stopword such as "Dalam"), "?" drop if the article writes it in lowercase too
_WORDS: dict[str, tuple] = {}


def _word(w: str) -> tuple:
    hit = _WORDS.get(w)
    if hit is not None:
        return hit
    if len(_WORDS) > _CACHE_LIMIT:
        _WORDS.clear()
    stop = T.stopwords()
    expansion = None
    if "-" in w and _CLITIC.search(w):
        expansion = (w[: w.rindex("-")], "|")  # the clitic ends the name: "BAP-nya Reza"
    elif not w.isupper() and not w[1:].islower():  # (an ordinary "Zelensky" needs no look)
        m = _GLUED_LOWER.match(w)
        if m:
            expansion = (m.group(1), "|")  # "ATTmeninggal"
        else:
            m = _GLUE.match(w)
            if m and (m.group(1) in _STANDALONE or m.group(1) in _COMPASS or m.group(1).lower() in _GENERIC
                      or m.group(1).lower() in _PORTFOLIO):
                expansion = m.groups()  # "PresidenPrabowo", "IsraelBenjamin"
    low = w.lower()
    kind = _kind(w, low, stop)
    alone = kind in "wop" and not (
        w in _GENERIC_ALONE or low in stop or (low in _PORTFOLIO and not w.isupper())
        or (len(w) < 3 and not w.isupper()) or (not w.isalpha() or len(w) <= 3) and _SHORT_CODE.match(w))
    if kind not in "wc" or w in _KNOWN_FORMS:
        opener = "k"
    elif low in _GENERIC or (low in stop and low not in _NAME_STOPWORDS):
        opener = "d"
    elif low in _PORTFOLIO or low in stop:
        opener = "r"
    else:
        opener = "?"
    hit = _WORDS[w] = (expansion, kind, alone, opener)
    return hit


def _kind(tok: str, low: str, stop: frozenset[str]) -> str:
    if low in _GENERIC:
        return "g"
    if tok in _KNOWN_FORMS:  # a known multi-word name stands alone: "Real Madrid" | "Xabi Alonso"
        return "p" if tok in _STANDALONE or " " in tok else "w"
    if tok == "|" or tok[0].isdigit() or tok.startswith(("Rp", "US", "IDR")) and _MONEY.match(tok):
        return "g"
    if tok[0].islower():
        return "c"
    if tok.isupper() and len(tok) > 1:
        if tok in _NOT_ORG:
            return "g"
        return "o" if tok.replace("-", "").isalpha() and tok not in _PLAIN_ACRONYMS else "w"
    if low in stop and low not in _NAME_STOPWORDS:
        return "g"
    if len(low) > 6 and low.endswith(("kan", "nya")) and low.isalpha():
        return "g"  # a verb of a quoted Title Case headline ("Umumkan"), a clitic word ("Akibatnya")
    if tok in _ORG_WORDS or tok.startswith(_ORG_PREFIXES) and not low.startswith("kemenang"):
        return "o"  # (a ministry, "Kemenhub"; not "Kemenangan", victory)
    return "w"


def _tokens(words: list[str]) -> list[str]:
    """Glued words split, known multi-word forms joined into one token."""
    out: list[str] = []
    for w in words:
        expansion = (_WORDS.get(w) or _word(w))[0]
        if expansion is None:
            out.append(w)
        else:
            out.extend(expansion)
    if _FORM_HEADS.isdisjoint(out):
        return out
    words, out = out, []
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if w in _FORM_HEADS:
            for size in range(min(_FORM_MAX, n - i), 1, -1):
                form = " ".join(words[i:i + size])
                if form in _KNOWN_FORMS:
                    out.append(form)
                    i += size
                    break
            else:
                out.append(w)
                i += 1
        else:
            out.append(w)
            i += 1
    return out


def _names(tokens: list[str], word_facts: list[tuple]) -> tuple[str, ...]:
    """Cut a run's tokens (with their `_word` facts) into names (see the module docstring,
    step 2)."""
    out: list[str] = []
    cur: list[str] = []
    before = "s"  # what preceded `cur`: s start, g generic, o organisation, p place, w word
    after_generic = False
    place_part = False
    for tok, facts in zip(tokens, word_facts):
        k = facts[1]
        if k == "w" and not place_part:
            if after_generic and not cur and facts[3] == "r" and tok.lower() in _PORTFOLIO:
                continue  # "Menteri Keuangan ...": the portfolio belongs to the title
            after_generic = False
            cur.append(tok)
            continue
        if k == "c":
            if cur:
                cur.append(tok)
            continue
        if k == "w":  # after a place: "Ukraina" | "Volodymyr Zelensky"
            _close(out, cur, before, k)
            cur, before, place_part, after_generic = [tok], "p", False, False
            continue
        if k == "g":
            _close(out, cur, before, k)
            cur, before, after_generic, place_part = [], "g", True, False
            continue
        if k == "o":
            _close(out, cur, before, k)
            if facts[2]:
                out.append(tok)
            cur, before, place_part, after_generic = [], "o", False, False
            continue
        # a place
        after_generic = False
        if cur and len(cur) <= 2 and cur[0] in _JOINS_PLACE:
            cur.append(tok)  # "Bank Indonesia", "Pengadilan Negeri Jakarta Selatan"
            place_part = True
            continue
        _close(out, cur, before, k)
        cur, before, place_part = [tok], "p", True
    _close(out, cur, before, "e")
    return tuple(out)


def _close(out: list[str], words: list[str], left: str, right: str) -> None:
    """Add the name `words` makes, if any, to `out`."""
    while words and words[-1][0].islower():
        words = words[:-1]
    if not words:
        return
    if len(words) == 1:
        if (_WORDS.get(words[0]) or _word(words[0]))[2]:
            out.append(words[0])
        return
    if left == "g" and right == "o" and _STANDALONE.isdisjoint(words):
        return  # "Gedung Merah Putih KPK", "Dirjen Perhubungan Darat Kemenhub"
    out.append(" ".join(words))


def _analyse(run: str) -> tuple:
    """(names, names_if_sentence_initial, word_to_check, special), or () when the run names
    nothing: cached per distinct run.

    When the run opens a sentence its first word may be a common word written with a capital:
    a stopword or generic word is already cut; a portfolio word is dropped; any other word
    that is not a known name is `word_to_check`, dropped only if the article also writes it in
    lowercase. `special` are the facts of the multi-word names, which need more work per
    article (full names take shorter forms, organisations glued to a person are split)."""
    if " " not in run:  # one word: most runs
        expansion, kind, alone, opener = _WORDS.get(run) or _word(run)
        if expansion is None:
            if not alone:
                return ()
            if opener == "r":
                return (run,), (), None, ()
            return (run,), (() if opener == "?" else None), (run.lower() if opener == "?" else None), ()
    tokens = run.split(" ")
    get = _WORDS.get
    word_facts = [get(w) or _word(w) for w in tokens]
    if not _FORM_HEADS.isdisjoint(tokens) or any(f[0] is not None for f in word_facts):
        tokens = _tokens(tokens)
        word_facts = [get(w) or _word(w) for w in tokens]
    names = _names(tokens, word_facts)
    initial_names: tuple[str, ...] | None = None
    check = None
    opener = word_facts[0][3]
    if opener == "r" or opener == "?":
        rest = _names(tokens[1:], word_facts[1:]) if len(tokens) > 1 else ()
        if rest != names:
            initial_names = rest
            if opener == "?":
                check = tokens[0].lower()
    if not names and not initial_names:
        return ()
    special = []
    for name in names + initial_names if initial_names else names:
        if " " in name:
            facts = _NAME_INFO.get(name) or _info(name)
            if (facts[2] or facts[4] or facts[5]) and facts not in special:
                special.append(facts)
    return names, initial_names, check, tuple(special)


def _lower_occurs(text: str, low: str) -> bool:
    """Is `low` written in lowercase as a whole word somewhere in `text`?"""
    needle = " " + low
    size = len(needle)
    i = text.find(needle)
    while i >= 0:
        j = i + size
        if j >= len(text) or not text[j].isalpha():
            return True
        i = text.find(needle, j)
    return False


def _mentions(body: str, head: str, lowered: dict[str, bool]) -> tuple[dict[str, int], list[tuple]]:
    """(name -> mentions in the body, facts of the names needing more work): steps 1 and 2 of
    the module docstring.

    Every run is counted with its names as written mid-sentence. A run whose first word may be
    a common word written with a capital ("Penangkapan Kadis PUPR", "Salah satu") is then
    checked where that can matter (more than one mention, or named in the headline): its
    occurrences at a sentence, paragraph or quotation start move to the names without that
    word, when the article also writes the word in lowercase (or the word is a portfolio or
    a stopword that lives in names). A lone mention elsewhere cannot become a topic and is
    left as it is."""
    runs: dict[str, int] = {}
    _count_elements(runs, _RUN.findall(body))
    cache = _RUN_CACHE
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    hits = list(map(cache.get, runs))
    if None in hits:
        for i, run in enumerate(runs):
            if hits[i] is None:
                hits[i] = cache[run] = _analyse(run)
    counts: dict[str, int] = {}
    get = counts.get
    special: list[tuple] = []
    doubtful = []
    for hit, (run, n) in zip(hits, runs.items()):
        if hit:
            names = hit[0]
            for name in names:
                counts[name] = get(name, 0) + n
            if hit[3]:
                special += hit[3]
            if hit[1] is not None and (n > 1 or not names or names[0] in head or names[-1] in head):
                doubtful.append((run, n, hit))
    # a first word that the article never writes in lowercase is a name wherever it stands
    if doubtful:
        for d in doubtful:
            check = d[2][2]
            if check is not None and check not in lowered:
                lowered[check] = _lower_occurs(body, check)
        doubtful = [d for d in doubtful if d[2][2] is None or lowered[d[2][2]]]
    if not doubtful:
        return counts, special
    initial: dict[str, int] = {}
    for pattern in _INITIAL:
        _count_elements(initial, pattern.findall(body))
    opening = _RUN.match(body)
    if opening:
        initial[opening.group()] = initial.get(opening.group(), 0) + 1
    for run, n, (names, initial_names, _, _) in doubtful:
        k = initial.get(run)
        if not k:
            continue
        k = min(k, n)
        for name in names:
            left = counts[name] - k
            if left:
                counts[name] = left
            else:
                del counts[name]
        for name in initial_names:
            counts[name] = get(name, 0) + k
    return counts, special


# -- one article -------------------------------------------------------------------------------
def _info(name: str) -> tuple:
    """Facts about a name, cached: (name, words, shorter forms it takes, takeable, splittable,
    initials). A full name ("Donald Trump", "Ayatollah Ali Khamenei") takes its first and last
    word (and, from three words on, its first and last two words: "Samsung Galaxy Watch" takes
    "Galaxy Watch"); a place or acronym takes nothing and is never taken ("Jakarta" does not
    become "Jakarta Selatan"); a name opening with an organisation word ("Partai Golkar Bahlil
    Lahadalia") may be an organisation glued to a person; an organisation's initials
    ("Komisi Pemberantasan Korupsi" -> "KPK") let its acronym take it."""
    hit = _NAME_INFO.get(name)
    if hit is not None:
        return hit
    if len(_NAME_INFO) > _CACHE_LIMIT:
        _NAME_INFO.clear()
    words = name.split(" ")
    n = len(words)
    placeish = name in _STANDALONE or not _PLACEISH.isdisjoint(words)
    takes: tuple[str, ...] = ()
    if n > 1 and not placeish and _HAS_ACRONYM.search(name) is None:
        takes = (words[0], words[-1])
        if n > 2:
            takes += (words[0] + " " + words[1], words[-2] + " " + words[-1])
    takeable = not placeish and not name.isupper()
    splittable = n >= 3 and words[0] in _GENERIC_ALONE
    initials = None
    if (n > 2 or n == 2 and (words[0] in _GENERIC_ALONE or "-" in name)) and not placeish and name[0].isupper():
        letters = "".join(_INITIALS.findall(name))
        if letters.isalpha() and (len(letters) >= 3 or words[0] in _GENERIC_ALONE):
            initials = letters.upper()
    hit = _NAME_INFO[name] = (name, tuple(words), takes, takeable, splittable, initials)
    return hit


def _acronyms(body: str, counts: Mapping[str, int], merge: dict[str, str]) -> dict[str, str]:
    """Long form -> acronym, added to `merge` (which holds those whose initials match, see
    `_takers`): "Kementerian Perhubungan (Kemenhub)" when the text defines it so."""
    if "(" not in body:
        return merge
    for m in _ACRONYM_AFTER.finditer(body):
        short = m.group(1)
        if short.isupper() or short not in counts:
            continue
        start = m.start()
        window = body[max(0, start - 100):start].rstrip(" ")
        runs = _RUN.findall(window)
        if not runs or not window.endswith(runs[-1]):
            continue
        hit = _RUN_CACHE.get(runs[-1]) or _analyse(runs[-1])
        for long in hit[0] if hit else ():
            if long != short and long in counts and " " in long and long not in _STANDALONE:
                merge.setdefault(long, short)
    return merge


def _person_split(words: tuple[str, ...], counts: Mapping[str, int]) -> tuple[str, str] | None:
    """"Partai Golkar Bahlil Lahadalia" -> ("Partai Golkar", "Bahlil Lahadalia") when the person
    is also named on their own in the article (in full, or by first or last name)."""
    cuts = [c for c in range(2, len(words)) if words[c] not in _GENERIC_ALONE and words[c].lower() not in _PORTFOLIO]
    if not cuts:
        return None
    for c in cuts:  # the person named in full
        if " ".join(words[c:]) in counts:
            return " ".join(words[:c]), " ".join(words[c:])
    for c in cuts:  # by first name
        if words[c] in counts:
            return " ".join(words[:c]), " ".join(words[c:])
    if words[-1] in counts and cuts[0] < len(words) - 1:  # by last name
        c = cuts[0]
        return " ".join(words[:c]), " ".join(words[c:])
    return None


def _takers(counts: Mapping[str, int], special: list[tuple]) -> tuple[dict, list[str], dict[str, str]]:
    """(shorter form -> full names of the article that take it, names that may be split,
    long form -> acronym named in the article with matching initials: "Komisi Pemberantasan
    Korupsi" -> "KPK"), over the `special` name facts of the article."""
    takers: dict[str, list[str]] = {}
    splits = []
    acronyms: dict[str, str] = {}
    for facts in special:
        name = facts[0]
        if name not in counts:
            continue
        if facts[5] is not None and facts[5] in counts:
            acronyms[name] = facts[5]
        for short in facts[2]:
            if short in counts:
                fulls = takers.get(short)
                if fulls is None:
                    takers[short] = [name]
                elif name not in fulls:
                    fulls.append(name)
        if facts[4] and name not in splits:
            splits.append(name)
    return takers, splits, acronyms


def _short_forms(counts: Mapping[str, int], takers: Mapping[str, list[str]]) -> dict[str, str]:
    """A name that starts or ends a longer name of the same article merges into it, the most
    mentioned one first: "Trump" -> "Donald Trump", "Prabowo" -> "Prabowo Subianto", "Galaxy
    Watch" -> "Samsung Galaxy Watch" (`takers`: shorter form -> the full names that take it)."""
    merge = {}
    for short, fulls in takers.items():
        if _info(short)[3]:
            merge[short] = min(fulls, key=lambda f: (-counts[f], -len(f), f)) if len(fulls) > 1 else fulls[0]
    # "Galaxy" -> "Samsung Galaxy" -> "Samsung Galaxy Watch": follow to the end
    for short, full in merge.items():
        seen = {short}
        while full in merge and full not in seen:
            seen.add(full)
            full = merge[full]
        merge[short] = full
    return merge


def _in_head(name: str, head: str) -> bool:
    """Is `name` a whole phrase of the (padded, normalised) headline?"""
    i = head.find(name)
    while i >= 0:
        j = i + len(name)
        if not head[i - 1].isalnum() and not head[j].isalnum():
            return True
        i = head.find(name, i + 1)
    return False


def _always_pattern(name: str) -> re.Pattern:
    pattern = _ALWAYS_CACHE.get(name)
    if pattern is None:
        if len(_ALWAYS_CACHE) > 10_000:
            _ALWAYS_CACHE.clear()
        pattern = _ALWAYS_CACHE[name] = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
    return pattern


def extract_topics(title: str, text: str, tags: tuple[str, ...], settings: TopicSettings) -> tuple[str, ...]:
    """Topics of one article: editor tags first, then extracted ones by salience, then name."""
    aliases = {**DEFAULT_ALIASES, **settings.aliases} if settings.aliases else DEFAULT_ALIASES
    blocked = {b.casefold() for b in settings.blocked} if settings.blocked else ()
    body = T.strip_boilerplate(T.normalize(text))
    result: list[str] = []

    def push(name: str) -> None:
        name = " ".join(name.split())
        name = aliases.get(name, name)
        if name and name.casefold() not in blocked and name not in result:
            result.append(name)

    for tag in tags:
        push(tag)

    head = f" {T.normalize(title)} "
    lowered: dict[str, bool] = {}  # word -> does the article write it in lowercase
    counts, special = _mentions(body, head, lowered)
    takers, splits, acronyms = _takers(counts, special) if special else ({}, [], {})
    if splits:
        split = False
        for name in splits:
            pieces = _person_split(_info(name)[1], counts)
            if pieces:
                split = True
                n = counts.pop(name)
                for piece in pieces:
                    counts[piece] = counts.get(piece, 0) + n
        if split:
            takers, _, acronyms = _takers(counts, [_info(name) for name in counts])
    merge = _short_forms(counts, takers) if takers else {}
    merge.update(_acronyms(body, counts, acronyms))
    for name in [n for n in counts if n in aliases]:
        target = merge.get(name, name)
        merge[name] = aliases.get(target, target)
    forms: dict[str, list[str]] = {}  # name -> other written forms counted for it
    for name, target in merge.items():
        target = aliases.get(target, target)
        if target == name or name not in counts:
            continue
        n = counts.pop(name)
        counts[target] = counts.get(target, 0) + n
        forms.setdefault(target, []).append(name)

    # salience: mentions, +3 in the headline, +1 in the first fifth of the body
    head_aliases = {aliases[w] for w in head.replace(",", " ").replace(":", " ").split() if w in aliases}
    lead = body[: len(body) // 5]
    # one mention, not in the headline, cannot reach MIN_SCORE: look at the others only
    candidates = [name for name, n in counts.items() if n > 1 or name in head]
    if forms or head_aliases:
        candidates += [name for name in forms if counts.get(name) == 1 and name not in candidates]
        candidates += [name for name in head_aliases if counts.get(name) == 1 and name not in candidates]
    ranked = []
    for name in candidates:
        score = counts[name]
        others = forms.get(name) if forms else None
        if (name in head and _in_head(name, head)) or name in head_aliases or (
                others and any(f in head and _in_head(f, head) for f in others)):
            score += 3
        if score >= MIN_SCORE - 1 and (name in lead or others and any(f in lead for f in others)):
            score += 1
        if score >= MIN_SCORE:
            ranked.append((-score, name))
    ranked.sort()

    taken = 0
    for _, name in ranked:
        if taken >= MAX_TOPICS:
            break
        if name in result or blocked and name.casefold() in blocked:
            continue
        if " " not in name and not name.isupper() and name not in _STANDALONE and name not in forms:
            low = name.lower()
            common = lowered.get(low)
            if common is None:
                common = lowered[low] = _lower_occurs(body, low)
            if common:
                continue  # a common word written with a capital ("Penerima BSU ..."), not a name
        result.append(name)
        taken += 1
    for name in settings.always:
        pattern = _always_pattern(name)
        if pattern.search(body) or pattern.search(head):
            push(name)
    return tuple(result)


def section_topics(counts_by_section: Mapping[str, Counter], limit: int) -> dict[str, tuple[str, ...]]:
    """The `limit` topics most characteristic of each section: weighted log-odds against the
    other sections (informative Dirichlet prior), topics seen in at least 2 articles of the
    section; ties by name. Deterministic."""
    total: Counter[str] = Counter()
    for c in counts_by_section.values():
        total.update(c)
    grand = sum(total.values()) or 1
    out: dict[str, tuple[str, ...]] = {}
    for section in sorted(counts_by_section):
        mine = counts_by_section[section]
        n_mine = sum(mine.values()) or 1
        n_rest = grand - n_mine or 1
        scored = []
        for name, c in mine.items():
            if c < 2:
                continue
            prior = 0.5 + 10.0 * total[name] / grand
            rest = total[name] - c
            # floors keep the odds finite when one topic is nearly all of a small site's counts
            a = math.log((c + prior) / max(n_mine + 10.0 - c - prior, 0.5))
            b = math.log((rest + prior) / max(n_rest + 10.0 - rest - prior, 0.5))
            z = (a - b) / math.sqrt(1.0 / (c + prior) + 1.0 / (rest + prior))
            scored.append((-z, name))
        out[section] = tuple(name for _, name in sorted(scored)[:limit])
    return out
