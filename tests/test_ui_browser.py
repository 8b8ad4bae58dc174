"""End to end: ``hairkg serve`` as a real process, the query page in headless Chromium.

Uses Debian's ``chromium`` and ``chromium-driver`` (installed by ``scripts/setup-system.sh``),
driven by selenium through ``/usr/bin/chromedriver``, so nothing is downloaded. The test
skips only when those packages are missing and cannot be installed on this machine (no
apt-get, or neither root nor password-less sudo); when they could be, it fails and says how.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from hairkg.sparql.questions import competency_questions
from live_server import start_server

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
START_TIMEOUT = 180.0
WAIT = 60.0
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
)
#: The steps of the Regenera Activa procedure, asked of the endpoint directly (not through
#: the competency question) to know which rows the page must show.
STEPS_QUERY = """
PREFIX hkg: <https://w3id.org/hairkg/ontology/>
PREFIX hkr: <https://w3id.org/hairkg/resource/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?step ?label WHERE {
  hkr:therapy-regenera-activa hkg:hasProcedureStep ?step .
  ?step rdfs:label ?label .
}
"""


def _can_install_packages() -> bool:
    if shutil.which("apt-get") is None:
        return False
    if os.geteuid() == 0:
        return True
    if shutil.which("sudo") is None:
        return False
    probe = subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False, timeout=30)
    return probe.returncode == 0


def _require_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return
    if _can_install_packages():
        pytest.fail(
            f"{', '.join(missing)} missing although the packages can be installed here: "
            "run scripts/setup-system.sh (apt-get install chromium chromium-driver)"
        )
    pytest.skip(
        f"{', '.join(missing)} missing and not installable here (no apt-get, or neither "
        "root nor password-less sudo): install Debian's chromium and chromium-driver"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Start ``python -m hairkg serve --port 0 --no-validate``; yield its base URL."""
    with start_server("--no-validate", timeout=START_TIMEOUT) as live:
        yield live.url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    _require_chromium()
    profile = tempfile.mkdtemp(prefix="hairkg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=DriverService(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _step_labels(base: str) -> list[str]:
    body = urllib.parse.urlencode({"query": STEPS_QUERY}).encode("ascii")
    request = urllib.request.Request(
        f"{base}/sparql",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/csv",
        },
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    return sorted(row["label"] for row in rows)


def _wait(driver: WebDriver, condition: str, what: str) -> None:
    """Wait until the JavaScript expression ``condition`` is truthy."""
    try:
        WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(f"return {condition};"))
    except TimeoutException:
        logs = "\n".join(str(entry) for entry in driver.get_log("browser"))
        pytest.fail(f"timed out waiting for {what}; browser console:\n{logs}")


ACTIVE = "document.querySelector('.tabPanel.active')"


def test_competency_question_runs_in_yasgui(server: str, browser: WebDriver) -> None:
    expected = _step_labels(server)
    assert len(expected) >= 3, f"the graph should describe the procedure's steps: {expected}"
    example = next(q for q in competency_questions() if q.name.startswith("cq05-"))

    browser.get(f"{server}/")
    _wait(browser, "document.documentElement.dataset.queryUi === 'ready'", "the editor")
    assert "No medical advice." in browser.find_element(By.ID, "no-medical-advice").text
    endpoint = browser.execute_script(
        f"return {ACTIVE}.querySelector('.endpointText input, input.autocomplete').value;"
    )
    assert endpoint == f"{server}/sparql"
    first_query = browser.execute_script(
        f"return {ACTIVE}.querySelector('.CodeMirror').CodeMirror.getValue();"
    )
    assert "PREFIX hkr: <https://w3id.org/hairkg/resource/>" in first_query

    browser.find_element(By.CSS_SELECTOR, f'button.example[data-example="{example.name}"]').click()
    _wait(
        browser,
        f"{ACTIVE} && document.querySelector('.tabsList .tab.active').textContent.includes('CQ05')",
        "the CQ05 tab",
    )
    loaded = browser.execute_script(
        f"return {ACTIVE}.querySelector('.CodeMirror').CodeMirror.getValue();"
    )
    assert loaded == example.text

    browser.execute_script(f"{ACTIVE}.querySelector('.yasqe_queryButton').click();")
    rows_js = f"{ACTIVE}.querySelectorAll('.yasr_results table tbody tr')"
    _wait(browser, f"{rows_js}.length >= {len(expected)}", "the result table")
    rows: list[str] = browser.execute_script(
        f"return Array.from({rows_js}).map(tr => tr.textContent);"
    )
    assert len(rows) == len(expected), rows
    for label in expected:
        assert sum(label in row for row in rows) == 1, f"{label!r} not in one row of {rows}"
    chip = browser.execute_script(
        f"return {ACTIVE}.querySelector('.yasr_response_chip').textContent;"
    )
    assert f"{len(expected)} results" in chip

    browser.execute_script(f"{ACTIVE}.querySelector('.select_response').click();")
    _wait(
        browser,
        f"{ACTIVE}.querySelector('.yasr_results').textContent.includes('\"bindings\"')",
        "the raw response",
    )

    problems = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
    ]
    assert problems == [], problems


# -- pages for people: screenshots and axe-core ------------------------------------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: One page of each kind hairkg generates (the query editor is the landing page).
PAGE_KINDS = {
    "landing": "/",
    "resource": "/resource/therapy-regenera-activa",
    "ontology term": "/ontology/Therapy",
    "therapies": "/therapies",
    "studies": "/studies",
    "study": "/studies/study-tak-2020",
    "comparisons": "/comparisons",
    "evidence map": "/evidence-map",
    "downloads": "/download",
    "graph": "/graph/data",
    "not found": "/resource/therapy-regenera-activ",
    "void": "/.well-known/void",
    "ontology documentation": "/ontology",
}


#: Parts of a page that hairkg does not write: the YASGUI editor's own widgets (its tabs,
#: inputs and colours are the library's; they are reported upstream, not here).
AXE_EXCLUDE = {"landing": [["#yasgui"]]}


def _axe_violations(driver: WebDriver, exclude: list[list[str]]) -> list[dict[str, object]]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run scripts/setup.sh (npm ci installs axe-core)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(WAIT)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run({include: [['html']], exclude: arguments[0]}, {resultTypes: ['violations']})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));",
        exclude,
    )
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_no_serious_accessibility_violation(server: str, browser: WebDriver, kind: str) -> None:
    browser.get(server + PAGE_KINDS[kind])
    _wait(browser, "document.readyState === 'complete'", f"the {kind} page to load")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)"  # type: ignore[arg-type]
        for v in _axe_violations(browser, AXE_EXCLUDE.get(kind, []))
        if v.get("impact") in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)


def test_evidence_page_screenshot_shows_the_study(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server + "/studies/study-tak-2020")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.is_displayed()
    assert heading.text.startswith("Tak et al. 2020")
    notice = browser.find_element(By.ID, "no-medical-advice")
    assert notice.is_displayed() and "No medical advice" in notice.text
    findings = browser.find_element(By.CSS_SELECTOR, "table.findings")
    assert "hair count by phototrichogram" in findings.text
    shot = tmp_path / "study.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_evidence_map_draws_the_chart_beside_its_table(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server + "/evidence-map")
    chart = browser.find_element(By.CSS_SELECTOR, ".evidence-map svg")
    assert chart.is_displayed()
    assert chart.size["width"] > 300 and chart.size["height"] > 100
    table = browser.find_element(By.ID, "evidence-map-table")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows
    # every therapy of the table is a row label of the chart
    therapies = {row.find_element(By.TAG_NAME, "th").text for row in rows}
    for therapy in therapies:
        assert therapy[:20] in chart.text
    shot = tmp_path / "map.png"
    assert chart.screenshot(str(shot))
    assert shot.stat().st_size > 1000
