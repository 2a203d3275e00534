"""A heartbeat is a write and nothing else: 204, no page, and no new session cookie to send back."""

from __future__ import annotations

import re

from tests.support.web import csrf_token, sign_up

MODULE = "/learn/py2030/core/intro"


def test_a_heartbeat_answers_without_rewriting_the_session_cookie(player_app):
    agent = player_app.test_client()
    sign_up(agent, "beat@example.com")
    page = agent.get(MODULE).get_data(as_text=True)
    opened = re.search(r'data-opened="([^"]+)"', page).group(1)
    token = csrf_token(agent, MODULE)
    for _ in range(2):  # the first makes the progress row, the second adds to it
        response = agent.post(f"{MODULE}/heartbeat", data={"opened": opened, "csrf_token": token})
        assert response.status_code == 204 and response.data == b""
        assert "Set-Cookie" not in response.headers
