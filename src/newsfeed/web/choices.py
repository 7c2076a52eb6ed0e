"""What a reader chose on a form: name, sections, topics; checked against what exists."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsfeed.config import Settings
from newsfeed.store.subscribers import MAX_TOPICS
from newsfeed.subscribers import MAX_NAME, AddressError, normalise_email, normalise_name
from newsfeed.web.forms import Form
from newsfeed.web.topics import Catalogue


@dataclass(slots=True)
class Choices:
    email: str = ""
    name: str = ""
    sections: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    other: str = ""  # the "Topik lain" field as typed
    consent: bool = False
    pause: str = ""


def read_choices(form: Form, settings: Settings, catalogue: Catalogue, errors: dict[str, str]) -> Choices:
    """The choices of a subscribe or preferences form; problems go into `errors` (field id
    -> message). Values that no form of ours offers (an unknown section or topic slug) are
    errors too, never stored."""
    chosen = Choices(other=form.get("topik_lain")[:500], consent=form.get("setuju") == "ya", pause=form.get("jeda"))
    raw_name = form.get("nama")
    try:
        chosen.name = normalise_name(raw_name)
    except AddressError:
        errors["nama"] = f"Nama paling panjang {MAX_NAME} karakter."
        chosen.name = raw_name[:MAX_NAME]
    known_sections = [s.slug for s in settings.sections]
    wanted = form.all("rubrik")
    if any(s not in known_sections for s in wanted):
        errors["rubrik"] = "Pilih rubrik dari daftar."
    chosen.sections = [s for s in known_sections if s in wanted]
    known_topics = catalogue.by_slug()
    ticked = form.all("topik")
    typed, unknown = catalogue.resolve(chosen.other)
    if any(t not in known_topics for t in ticked):
        errors["topik"] = "Pilih topik dari daftar."
    if unknown:
        errors["topik-lain"] = f"Topik tidak ditemukan: {', '.join(unknown[:3])}. Pilih nama dari daftar topik."
    topics = []
    for slug in [*ticked, *typed]:
        if slug in known_topics and slug not in topics:
            topics.append(slug)
    if len(topics) > MAX_TOPICS:
        errors["topik"] = f"Pilih paling banyak {MAX_TOPICS} topik."
    chosen.topics = topics[:MAX_TOPICS]
    return chosen


def read_email(form: Form, errors: dict[str, str], field: str = "surel") -> str:
    raw = form.get(field)
    try:
        return normalise_email(raw)
    except AddressError:
        errors[field] = "Masukkan alamat surel yang benar, misalnya nama@contoh.co.id." if raw.strip() else "Masukkan alamat surel Anda."
        return ""
