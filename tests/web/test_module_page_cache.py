"""Module pages rendered once per learner state: each agent still gets their own tokens, and a page
that changes for an agent (completed, a flashed message) is never served from another's render."""

from __future__ import annotations

import re

from lms.services import tokens
from lms.web.player.learning import MODULE_PAGES
from tests.support.web import new_agents, one_render_for_both, post_form, sign_up

INTRO = "/learn/py2030/core/intro"


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', page).group(1)


def test_agents_in_the_same_state_share_a_render_but_not_their_tokens(player_app):
    first, second = new_agents(player_app, "first@example.com", "second@example.com")
    one, two = one_render_for_both(MODULE_PAGES, INTRO, first, second)
    assert hidden(one, "csrf_token") != hidden(two, "csrf_token")
    assert hidden(one, "opened") != hidden(two, "opened")
    assert "lms-csrf-" not in one + two and "lms-opened-" not in one + two
    secret = player_app.config["SECRET_KEY"]
    for client, page in ((first, one), (second, two)):
        with client.session_transaction() as session:
            user_id = int(session["_user_id"].split(":")[0])
        # Each page carries its own agent's valid note of when it was opened (seat time counts from it).
        assert tokens.page_opened_at(secret, hidden(page, "opened"), user_id, "py2030/core/intro") is not None
    # Each agent's tokens work for them: the page's own form marks the module complete.
    done = post_form(second, f"{INTRO}/complete", {"opened": hidden(two, "opened")}, form_url=INTRO,
                     follow_redirects=True)
    assert "is marked complete" in done.get_data(as_text=True)
    assert "Completed " in second.get(INTRO).get_data(as_text=True)
    assert "Not completed yet" in first.get(INTRO).get_data(as_text=True)


def test_a_page_with_a_flashed_message_is_rendered_for_its_agent_alone(player_app):
    client = player_app.test_client()
    sign_up(client, "flash@example.com")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Only for this agent")]
    assert "Only for this agent" in client.get(INTRO).get_data(as_text=True)
    [other] = new_agents(player_app, "other@example.com")
    assert "Only for this agent" not in other.get(INTRO).get_data(as_text=True)
    assert "Only for this agent" not in client.get(INTRO).get_data(as_text=True)  # shown once, as flashes are
