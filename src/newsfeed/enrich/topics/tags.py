"""An editor's tag as a topic name: cleaned, or refused ("") when nothing usable is left.

The source check (sources/validate.py) already refuses over-long tags and control characters
before an article is stored; this is the topic side's own guard, for tags stored before that
check existed and for every other caller: markup and control characters go, spaces collapse,
and a tag with no letter or digit, or longer than MAX_TAG characters, is no topic.
"""

from __future__ import annotations

import re

MAX_TAG = 100
_MARKUP = re.compile(r"<[^<>]{0,200}>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_tag(tag: str) -> str:
    if "<" in tag:
        tag = _MARKUP.sub(" ", tag)
    tag = " ".join(_CONTROL.sub(" ", tag).split())
    if len(tag) > MAX_TAG or not any(ch.isalnum() for ch in tag):
        return ""
    return tag
