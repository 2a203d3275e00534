"""A kept page comes back with this request's values in every marked place, and nothing else changes."""

from __future__ import annotations

from flask import flash

from lms.web.page_cache import PageCache, new_mark


def test_every_marked_place_gets_this_requests_value(app):
    token, note = new_mark("token"), new_mark("note")
    page = f"<form>{token}</form><p>a{note}b</p><form>{token}</form>" + "é lesson " * 3000
    cache, renders = PageCache(), []

    def render() -> str:
        renders.append(1)
        return page

    with app.test_request_context("/"):
        first = cache.render("key", "source", render, {token: "T1", note: "N1"})
        again = cache.render("key", "source", render, {token: "T2", note: "N2"})
    assert first == page.replace(token, "T1").replace(note, "N1").encode()
    assert again == page.replace(token, "T2").replace(note, "N2").encode()
    assert len(renders) == 1 and (cache.hits, cache.misses) == (1, 1)


def test_a_page_with_messages_or_new_content_is_rendered_afresh(app):
    mark = new_mark("token")
    cache, renders = PageCache(), []

    def render() -> str:
        renders.append(1)
        return f"page {len(renders)} {mark}"

    with app.test_request_context("/"):
        assert cache.render("key", "old", render, {mark: "x"}) == b"page 1 x"
        assert cache.render("key", "new", render, {mark: "y"}) == b"page 2 y"  # the catalog reloaded
        flash("Saved.")
        assert cache.render("key", "new", render, {mark: "z"}) == b"page 3 z"
    assert len(renders) == 3
