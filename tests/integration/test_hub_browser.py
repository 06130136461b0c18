"""The hub's pages in a real browser: headless Chromium (Debian's chromium + chromium-driver) on a
phone-sized window, against uvicorn. A customer opens the receipt from the QR link, signs in by
the emailed link, adds the receipt, finds it in the history, sees the points, changes the delivery
mode. With RG_DOC_IMAGES=1 (scripts/doc-images) screenshots go to docs/images/hub-*.png (docs/hub.md shows them)."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the hub extra is not installed: pip install -e '.[hub]'")
pytest.importorskip("selenium", reason="selenium is not installed: pip install -e '.[dev]'")

from gateway.hub.auth import card_hmac  # noqa: E402
from tests.unit.hub.web_support import CARD_KEY, make_site, sample_ereceipt, store_receipts  # noqa: E402
from tests.webserver import serving  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# docs/images/hub-*.png are rewritten only when asked (RG_DOC_IMAGES=1, e.g. from scripts/doc-images),
# so a test run leaves the work tree clean
IMAGES = (Path(__file__).resolve().parents[2] / "docs" / "images" if os.environ.get("RG_DOC_IMAGES")
          else Path(tempfile.gettempdir()) / "receipt-gateway-hub-shots")
PHONE = (390, 844)  # CSS pixels, a common phone

pytestmark = pytest.mark.skipif(
    not CHROMIUM or not Path(DRIVER).exists(),
    reason="headless Chromium is not installed: run scripts/bootstrap as root "
           "(apt-get install chromium chromium-driver)")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--force-device-scale-factor=2", "--lang=en-GB", f"--window-size={PHONE[0]},{PHONE[1]}"):
        opts.add_argument(flag)
    opts.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    driver = webdriver.Chrome(options=opts, service=Service(DRIVER))
    _phone(driver)
    yield driver
    driver.quit()


def _phone(driver, height: int = PHONE[1]) -> None:
    """Emulate a phone's screen: 390 CSS px wide, 2 device pixels per CSS pixel, overlay scrollbars."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": PHONE[0], "height": height, "deviceScaleFactor": 2, "mobile": True})


def _shot(driver, name: str) -> Path:
    """A full-page screenshot at phone width (the screen grows to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    _phone(driver, max(PHONE[1], min(height, 4000)))
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / f"hub-{name}.png"
    driver.save_screenshot(str(path))
    _phone(driver)
    return path


def _click(driver, css: str, then_url: str | None = None, then_text: str | None = None) -> None:
    """Click, then wait (a loaded machine is slow) until the next page is there."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 20)

    def clicked(d) -> bool:
        # the URL of a new page can match before its document is there, and the button found may
        # belong to the page being replaced: wait for the document, find the button, click; a
        # button gone before the click ("stale", "does not belong to the document") is found again
        if d.execute_script("return document.readyState") != "complete":
            return False
        try:
            button = ec.element_to_be_clickable((By.CSS_SELECTOR, css))(d)
            if not button:
                return False
            button.click()
        except StaleElementReferenceException:
            return False
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc) or "no such element" in str(exc):
                return False
            raise
        return True

    wait.until(clicked, f"no clickable {css!r} on {driver.current_url}")
    if then_url:  # a regular expression the new URL matches, and that page loaded
        wait.until(ec.url_matches(then_url))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    if then_text:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "main"), then_text))


# WCAG 2.1 contrast of every visible text against the background it is drawn on (the first
# ancestor with an opaque background): 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold)
CONTRAST_JS = """
function lum(c){const v=c.match(/[\\d.]+/g).slice(0,3).map(Number).map(x=>{x/=255;
  return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4)});return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2];}
function bg(el){for(;el;el=el.parentElement){const c=getComputedStyle(el).backgroundColor;
  const a=c.match(/[\\d.]+/g); if(a && (a.length<4 || Number(a[3])>0.9)) return c;} return 'rgb(255,255,255)';}
const bad=[];
for(const el of document.querySelectorAll('body *')){
  const own=[...el.childNodes].some(n=>n.nodeType===3 && n.textContent.trim());
  const r=el.getBoundingClientRect(); const s=getComputedStyle(el);
  if(!own || r.width===0 || s.visibility==='hidden' || el.closest('.skip')) continue;
  const l1=lum(s.color), l2=lum(bg(el)); const ratio=(Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
  const px=parseFloat(s.fontSize); const large=px>=24 || (px>=18.66 && Number(s.fontWeight)>=700);
  if(ratio < (large?3:4.5)) bad.push(el.tagName+' "'+el.textContent.trim().slice(0,30)+'" '+ratio.toFixed(2));
}
return bad;
"""


def _contrast_problems(driver) -> list[str]:
    return driver.execute_script(CONTRAST_JS)


def _fits_the_phone(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_customer_journey_on_a_phone(browser, tmp_path):
    from selenium.webdriver.common.by import By

    site = make_site(tmp_path)
    card = "2600123456789"
    docs = [sample_ereceipt(seed, lang="en", card=card) for seed in (41, 42, 43, 44)]
    for d, day in zip(docs, ("2025-01-18T11:02:00+01:00", "2025-02-07T16:40:00+01:00",
                             "2025-02-21T09:15:00+01:00"), strict=False):
        d["issued_at"] = day  # the QR's receipt (the last) keeps its printed date
    store_receipts(site.store, docs)
    qr = docs[-1]
    with serving(site.client.app) as base:
        d = browser
        # 1. the QR code's link
        d.get(f"{base}/r/{qr['access_token']}")
        assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert d.find_element(By.CSS_SELECTOR, "article.paper").is_displayed()
        assert qr["receipt_number"] in d.find_element(By.CSS_SELECTOR, ".facts").text
        assert _fits_the_phone(d), "the receipt page scrolls sideways on a phone"
        paper = d.find_element(By.CSS_SELECTOR, "article.paper").rect
        assert paper["width"] <= PHONE[0]
        assert _contrast_problems(d) == []
        _shot(d, "receipt")
        # 2. "add to my account" -> sign in by email
        _click(d, ".actions form button", then_url="/signin[?]")
        assert _contrast_problems(d) == []
        _shot(d, "signin")
        d.find_element(By.ID, "email").send_keys("anna@example.com")
        _click(d, "form[action='/signin/email'] button", then_text="a link is on its way")
        link = re.search(r"https?://\S+", site.last_body()).group(0).replace("http://testserver", base)
        d.get(link)
        _click(d, "form[action='/signin/link'] button", then_url=f"/r/{qr['access_token']}$")
        _click(d, ".actions form button", then_text="Added to your account.")
        # 3. the whole card history came along: history, totals per month, points
        d.get(f"{base}/account")
        rows = d.find_elements(By.CSS_SELECTOR, ".receipts li")
        assert len(rows) == len(docs)
        months = {x["issued_at"][:7] for x in docs}
        assert len(d.find_elements(By.CSS_SELECTOR, "section[aria-labelledby='monthly-h'] tbody tr")) == len(months)
        assert "February 2025" in d.find_element(By.ID, "monthly-h").find_element(By.XPATH, "..").text
        assert _fits_the_phone(d), "the history scrolls sideways on a phone"
        assert _contrast_problems(d) == []
        _shot(d, "history")
        d.find_element(By.ID, "q").send_keys(docs[0]["receipt_number"])
        _click(d, "form.filters button", then_url="[?]q=")
        assert len(d.find_elements(By.CSS_SELECTOR, ".receipts li")) == 1
        d.get(f"{base}/account/points")
        account = site.store.account_by_email("anna@example.com")["account_id"]
        assert str(site.store.balance(account)) in d.find_element(By.CSS_SELECTOR, ".big-number").text
        assert site.store.account_by_card(card_hmac(CARD_KEY, card))["account_id"] == account
        assert _contrast_problems(d) == []
        _shot(d, "points")
        # 4. delivery mode by its label (labels are clickable: they belong to their radio)
        d.get(f"{base}/account/settings")
        d.find_element(By.CSS_SELECTOR, "label[for='mode-none']").click()
        _click(d, "form[action='/account/mode'] button", then_text="Saved.")
        assert site.store.account(account)["mode"] == "none"
        assert _contrast_problems(d) == []
        _shot(d, "settings")
        # 5. the same receipt in French, by the language switch
        d.get(f"{base}/r/{qr['access_token']}")
        _click(d, "a[hreflang='fr']", then_text="Détails")
        assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
        assert "Télécharger le PDF" in d.page_source
        # 6. a guessed token: the plain 404
        d.get(f"{base}/r/{'A' * 32}")
        assert d.find_element(By.TAG_NAME, "h1").text == "Introuvable"
    site.store.close()
