"""Every synthetic child's page prints on at most 4 A4 sheets (Debian Chromium's print to PDF).

A worker prints the page for a session with the young person; a frequently
missing child has a hundred records, so the page lists the latest of each and
counts the rest. This prints the page of every child of the synthetic year in
a real browser: asking for a fifth sheet must fail with "Page range exceeds
page count" (Chromium's own answer), and the fourth must print.
"""

from __future__ import annotations

import queue
import threading

import pytest

pytestmark = pytest.mark.browser

A4 = {"paperWidth": 8.27, "paperHeight": 11.69}
MOST_SHEETS = 4


def test_every_childs_page_prints_on_at_most_four_sheets(browser, synthetic_dataset, tmp_path):
    from selenium.common.exceptions import WebDriverException

    from peermap.exports.audiences import audience_policy, restrict_dataset
    from peermap.exports.child_page import child_map, page_of_map
    from peermap.exports.page import write_page

    data = restrict_dataset(synthetic_dataset, audience_policy("worker"))
    children = data.children["child_id"].tolist()
    made: queue.Queue = queue.Queue(maxsize=16)

    def make_pages():  # the pages are made while the browser prints the ones before
        try:
            for child in children:
                path = tmp_path / f"{child}.html"
                write_page(path, page_of_map(child_map(data, child, restricted=True)))
                made.put(path)
        finally:
            made.put(None)

    threading.Thread(target=make_pages, daemon=True).start()
    driver, too_long, printed = browser.driver, [], 0
    while (path := made.get()) is not None:
        driver.get(path.as_uri())
        try:
            driver.execute_cdp_cmd("Page.printToPDF", {**A4, "pageRanges": str(MOST_SHEETS + 1)})
            too_long.append(path.stem)
        except WebDriverException as error:
            assert "Page range exceeds page count" in error.msg, error.msg
        printed += 1
    assert printed == len(children) and printed > 300
    assert too_long == [], f"pages of more than {MOST_SHEETS} sheets: {too_long[:10]}"
    # the longest page printed whole: several sheets, at most four (so the check above can fail)
    import base64

    longest = max(tmp_path.glob("*.html"), key=lambda p: p.stat().st_size)
    driver.get(longest.as_uri())
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", A4)["data"])
    sheets = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    print(f"\n{printed} child pages, none longer than {MOST_SHEETS} sheets; the longest file prints on {sheets}")
    assert 2 <= sheets <= MOST_SHEETS
