"""The post lane reads a form's fields as Flask would (werkzeug parses with urllib's rules): the same
names, values and order, whether a body needs unquoting or not, and nothing for a body it must leave
to Flask."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.web.lane_checks import form_fields

# What a browser sends, and the pieces that make parsing differ: separators, escapes, the plus sign.
PIECES = st.sampled_from(["&", "=", "%", "+", "%20", "%3D", "%26", "%2B", "%C3%A9", "%zz", "%4", "a", "q-1", "0f3a9c",
                          "csrf_token", "Ij.Z1.x-y_z", ".", " "])


def reference(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True, errors="strict"):
        fields.setdefault(name, []).append(value)
    return fields


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(PIECES, max_size=24).map("".join))
def test_fields_are_urllibs_with_or_without_escapes(text):
    body = text.encode("ascii")
    try:
        expected = reference(text)
    except ValueError:  # an escape that is not UTF-8: the lane leaves such a body to Flask
        assert form_fields(body, len(body), 1000) is None
        return
    assert form_fields(body, len(body), 1000) == expected


def test_a_usual_answer_form_keeps_every_value_in_order():
    body = b"q-a=0f3a9c1b2d4e&q-b=11aa22bb33cc&q-b=44dd55ee66ff&&confirm=yes&note=&flag&csrf_token=Ij.Z1.x-y_z"
    assert form_fields(body, len(body), 1000) == {
        "q-a": ["0f3a9c1b2d4e"], "q-b": ["11aa22bb33cc", "44dd55ee66ff"], "confirm": ["yes"], "note": [""],
        "flag": [""], "csrf_token": ["Ij.Z1.x-y_z"]}


def test_a_body_cut_short_with_too_many_fields_or_a_nul_is_left_to_flask():
    body = b"a=1&b=2&c=3"
    assert form_fields(body, len(body) + 1, 1000) is None
    assert form_fields(body, len(body), 3) is None
    assert form_fields(b"a=%00", 5, 1000) is None
    assert form_fields("a=é".encode(), 4, 1000) is None
