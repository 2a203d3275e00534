"""What browser tests share: axe-core's accessibility check and reading links out of emails."""

from __future__ import annotations

from lms.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
            for v in result["violations"]]


def link_in(message, base: str) -> str:
    """The site path of the first link in an email (its host is LMS_PUBLIC_URL, not the test server)."""
    url = next(word for word in message.get_content().split() if word.startswith("http"))
    return "/" + url.split("/", 3)[3]
