"""The catalog and module pages a visitor can read."""

from __future__ import annotations

import pytest


def test_course_pages_need_sign_in(client):
    response = client.get("/learn/py2022/marketplace/eligibility-and-enrollment")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")


def test_catalog_lists_programs_tracks_and_modules(learner):
    page = learner.get("/courses").get_data(as_text=True)
    assert "Plan Year 2022 Marketplace Registration and Training" in page
    assert 'href="/learn/py2022/marketplace"' in page
    assert 'href="/learn/py2022/marketplace/eligibility-and-enrollment"' in page
    assert "Unlocks when you accept the SHOP" in page


def test_module_page_shows_rendered_content_and_navigation(learner, app):
    client = learner
    catalog = app.extensions["lms.catalog"].catalog
    module = catalog.modules["py2022/marketplace/eligibility-and-enrollment"]
    response = client.get("/learn/py2022/marketplace/eligibility-and-enrollment")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{module.title}</h1>" in page
    assert module.html in page
    assert 'rel="prev" href="/learn/py2022/marketplace/marketplace-and-agent-role"' in page
    assert 'rel="next" href="/learn/py2022/marketplace/financial-help"' in page
    assert page.count("<h1") == 1


def test_module_page_never_shows_answer_keys(learner, app):
    client = learner
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams["py2022/marketplace/eligibility"]
    page = client.get("/learn/py2022/marketplace/eligibility-and-enrollment").get_data(as_text=True)
    for question in exam.questions:
        assert question.explanation_html not in page


def test_agreement_page(learner):
    page = learner.get("/learn/py2022/agreements/general").get_data(as_text=True)
    assert "General Agreement" in page
    assert "version 2022.1" in page


@pytest.mark.parametrize("url", ["/learn/py2022/nope", "/learn/py2022/marketplace/nope", "/learn/py1999/agreements/x",
                                 "/assets/courses/py2022/program.yaml"])
def test_unknown_pages_are_404_with_a_friendly_page(learner, url):
    response = learner.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_assets_are_served_only_when_content_links_them(tmp_path, monkeypatch, sqlite_url):
    from tests.support.apps import make_app
    from tests.support.content_trees import VALID_TREE, write_tree
    from tests.support.web import sign_up

    module = "courses/py2030/core/01-intro.md"
    root = write_tree(tmp_path / "content", {
        module: VALID_TREE[module] + "\n![Chart](chart.png)\n",
        "courses/py2030/core/chart.png": b"\x89PNG\r\n",
        "courses/py2030/core/secret.png": b"\x89PNG\r\n",
    })
    client = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(root), TODAY="2030-01-01").test_client()
    sign_up(client)
    assert '<img src="/assets/courses/py2030/core/chart.png"' in client.get("/learn/py2030/core/intro").get_data(as_text=True)
    assert client.get("/assets/courses/py2030/core/chart.png").data == b"\x89PNG\r\n"
    assert client.get("/assets/courses/py2030/core/secret.png").status_code == 404
    assert client.get("/assets/quizzes/py2030/core/rules.yaml").status_code == 404
    # A file swapped for a link to an answer key after the content was loaded is refused when asked for.
    (root / "courses/py2030/core/chart.png").unlink()
    (root / "courses/py2030/core/chart.png").symlink_to(root / "quizzes/py2030/core/rules.yaml")
    assert client.get("/assets/courses/py2030/core/chart.png").status_code == 404


def test_store_reloads_only_when_content_changes(tmp_path):
    from lms.content.store import CatalogStore
    from tests.support.content_trees import VALID_TREE, write_tree

    module = "courses/py2030/core/01-intro.md"
    store = CatalogStore(write_tree(tmp_path, {}))
    assert store.reload_if_changed() is False
    (tmp_path / module).write_text(VALID_TREE[module].replace("# Welcome", "# Welcome again"))
    assert store.reload_if_changed() is True
    assert "Welcome again" in store.catalog.modules["py2030/core/intro"].html
    assert store.loader.rebuilt_last_load == 1
