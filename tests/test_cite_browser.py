"""The Cite box in a real browser (Debian's Chromium through Playwright): copy works."""

from __future__ import annotations

from test_browser import browser, page, site  # noqa: F401  (shared Chromium and fixture site)


def test_copy_button_copies_the_plain_citation(page, site):
    page.goto((site / "html" / "articles" / "hongkou-1845-a02.html").as_uri())
    page.click("details.cite-box summary")
    button = page.locator("button.cite-copy").first
    expected = button.get_attribute("data-copy")
    assert expected.startswith("钱晶.始终绷紧疫情防控这根弦:区领导")
    button.click()
    page.wait_for_timeout(200)
    copied = button.text_content() == "已复制"
    selected = page.evaluate("() => window.getSelection().toString()")
    assert copied or selected == expected
    assert page.problems == []
