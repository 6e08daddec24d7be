"""Check a built HTML book the way a reader meets it: in a real browser, offline.

``python -m genomenb.bookcheck _build/html [--screenshots DIR] [--root DIR]`` serves the build
folder over http on 127.0.0.1 (a thread running :mod:`http.server` on a free port), opens every page
in headless Chromium through Selenium with every external host unresolvable, and prints one line
per problem (exit status 1 when there is any):

- in the HTML itself (no browser needed, :func:`static_problems`): MathJax from a CDN, the build
  machine's project folder, a book chapter (``book/*.html`` but ``book/intro``) without an exercise
  whose solution is a dropdown, a local link whose target is not in the build;
- in the browser (:func:`browser_problems`): the page does not load (HTTP status, ``readyState``), an
  image did not decode or has no ``alt`` text (its file name is none), a SEVERE console message, math
  without MathJax output, a request that left 127.0.0.1 (``data:`` and ``blob:`` are fine), a "next"
  link that does not load the next page when clicked, and a search page that finds nothing for ``genome``.

With ``--screenshots`` every chapter (``book/*.html`` and ``notebooks/*.html``) is saved as a PNG of
the whole page, 1280 pixels wide. Chromium and ChromeDriver are Debian's (``/usr/bin/chromium``,
``/usr/bin/chromedriver``); :func:`browser_available` tells whether they are installed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import json
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "browser_available",
    "browser_problems",
    "check_book",
    "main",
    "pages",
    "serve",
    "static_problems",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CDN_MATHJAX = ("cdn.jsdelivr.net/npm/mathjax", "mathjax@")
SKIPPED_FOLDERS = {"_static", "_sources"}
SKIPPED_PAGES = {"genindex.html"}
CHAPTER_FOLDERS = ("book", "notebooks")
WIDTH = 1280
TIMEOUT = 20.0
SEARCH_WORD = "genome"
LOCAL_HOST = "127.0.0.1"
CHROME_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # no external host resolves: a page that needs the network fails here as it would offline
    f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOCAL_HOST}",
    f"--window-size={WIDTH},900",
)
# Schemes the browser serves from itself (its start page, inline data); every other request must go to 127.0.0.1.
BROWSER_SCHEMES = {"data", "blob", "about", "chrome", "chrome-untrusted", "devtools"}
# SEVERE console messages of the book's tool chain, not of the book, each with why it is harmless. Remove an
# entry once its cause is fixed: the check then guards against its return.
KNOWN_CONSOLE_ERRORS = {
    "Identifier 'THEBE_JS_URL' has already been declared":
        "this Jupyter Book 1.0.4 / Sphinx 7.4 stack writes the extensions' inline scripts into every page "
        "twice (sphinx-togglebutton's line is doubled too), so sphinx-thebe's `const THEBE_JS_URL` line runs "
        "twice; the first copy defines it, and the book has no live-code (thebe) button",
    "Got invalid theme mode: . Resetting to auto.":
        "pydata-sphinx-theme on a reader's first visit (empty localStorage) when html_theme_options has no "
        "default_mode; it falls back to 'auto' itself",
}


# --------------------------------------------------------------------------- the build folder


def pages(html_dir: Path) -> list[Path]:
    """Every page of a build: its ``.html`` files but ``_static``, ``_sources`` and the general index.

    Parameters
    ----------
    html_dir : Path
        The HTML build folder (``_build/html``).

    Returns
    -------
    list of Path
        Paths relative to ``html_dir``, sorted.
    """
    found = []
    for page in html_dir.rglob("*.html"):
        rel = page.relative_to(html_dir)
        if not (SKIPPED_FOLDERS & set(rel.parts[:-1])) and rel.as_posix() not in SKIPPED_PAGES:
            found.append(rel)
    return sorted(found)


def _is_chapter(rel: Path) -> bool:
    return len(rel.parts) == 2 and rel.parts[0] in CHAPTER_FOLDERS


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.hrefs.append(href)


_REFRESH = re.compile(r"""<meta\s+http-equiv=["']refresh["']\s+content=["']\s*\d+\s*;\s*url=([^"']+)["']""", re.I)


def _refresh_target(text: str) -> str | None:
    """The URL a redirect page (``<meta http-equiv="Refresh" content="0; url=...">``) sends the reader to."""
    match = _REFRESH.search(text)
    return match.group(1).strip() if match else None


def _page_name(base: str, url: str) -> str:
    """The build-relative name of a served page (``book/intro.html``) from its URL."""
    path = unquote(urlsplit(url).path)[len(urlsplit(base).path):]
    return path + "index.html" if path.endswith("/") or not path else path


def _local_target(page: Path, href: str) -> PurePosixPath | None:
    """The build-relative file a local link points to (fragment and query cut), None for other links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # http(s), mailto, javascript, protocol-relative, or a fragment on the same page
    target = PurePosixPath(unquote(parts.path))
    if not target.is_absolute():
        target = PurePosixPath(page.parent.as_posix()) / target
    resolved: list[str] = []
    for part in target.parts:
        if part == "..":
            if resolved:
                resolved.pop()
        elif part not in (".", "/"):
            resolved.append(part)
    return PurePosixPath(*resolved) if resolved else PurePosixPath("index.html")


def static_problems(html_dir: Path, root: Path | None = None) -> list[str]:
    """Problems visible in the HTML files themselves, without a browser.

    Parameters
    ----------
    html_dir : Path
        The HTML build folder.
    root : Path, optional
        The project folder the book was built from (default: the working directory); a page that
        shows it leaks the build machine's path.

    Returns
    -------
    list of str
        One line per problem, ``<page>: <what is wrong>``.
    """
    html_dir = Path(html_dir)
    root_text = str(Path(root or Path.cwd()).resolve())
    problems = []
    for rel in pages(html_dir):
        text = (html_dir / rel).read_text(encoding="utf-8")
        name = rel.as_posix()
        if any(cdn in text for cdn in CDN_MATHJAX):
            problems.append(f"{name}: loads MathJax from a CDN")
        if root_text in text:
            problems.append(f"{name}: shows the build machine's path {root_text}")
        if rel.parent.as_posix() == "book" and rel.stem != "intro" and 'class="dropdown admonition"' not in text:
            problems.append(f"{name}: no exercise with a hidden (dropdown) solution")
        links = _Links()
        links.feed(text)
        missing = set()
        redirect = _refresh_target(text)
        for href in links.hrefs + ([redirect] if redirect else []):
            target = _local_target(rel, href)
            if target is not None and target not in missing:
                path = html_dir / target
                if not (path.is_file() or (path.is_dir() and (path / "index.html").is_file())):
                    missing.add(target)
                    problems.append(f"{name}: link to {href} points to a file missing from the build")
    return problems


# --------------------------------------------------------------------------- serving and the browser


class _QuietHandler(SimpleHTTPRequestHandler):
    """A static file handler that logs nothing and answers the browser's own favicon request.

    Chromium asks every site for ``/favicon.ico``; a book without one is not broken, so that request
    (and only it, when the file is absent) gets ``204 No Content`` instead of a 404 console error.
    """

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/favicon.ico" and not (Path(self.directory) / "favicon.ico").exists():
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # every load is a fresh 200, never a 304
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def serve(html_dir: Path) -> Iterator[str]:
    """Serve ``html_dir`` over http on 127.0.0.1, on a free port, from a background thread.

    Parameters
    ----------
    html_dir : Path
        The folder to serve.

    Yields
    ------
    str
        The base URL, ``http://127.0.0.1:<port>/``.
    """
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="bookcheck-http", daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def browser_available() -> bool:
    """Whether Debian's Chromium and ChromeDriver and the ``selenium`` package are installed."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


@contextlib.contextmanager
def _chromium() -> Iterator[object]:
    """Headless Chromium under ChromeDriver, network cut off, console and performance logs recorded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="bookcheck-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
        try:
            driver.set_page_load_timeout(TIMEOUT)
            yield driver
        finally:
            driver.quit()


def _wait(driver, script: str, timeout: float = TIMEOUT) -> object:
    """Run ``script`` (a JavaScript expression) until it is truthy; its last value, falsy on timeout."""
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({script});")
        if value or time.monotonic() > end:
            return value
        time.sleep(0.1)


class _Network:
    """What the browser fetched, read from Chrome's performance log as the pages go by."""

    def __init__(self) -> None:
        self.status: dict[str, int] = {}  # document URL -> HTTP status
        self.external: set[str] = set()

    def read(self, driver) -> None:
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message.get("method") == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                parts = urlsplit(url)
                if parts.scheme not in BROWSER_SCHEMES and parts.hostname != LOCAL_HOST:
                    self.external.add(url)
            elif message.get("method") == "Network.responseReceived" and params.get("type") == "Document":
                response = params.get("response", {})
                self.status[response.get("url", "")] = int(response.get("status", 0))


def _load_problems(driver, network: _Network, url: str) -> list[str]:
    """Whether the page at ``url`` (the browser's current one) loaded: HTTP 200 and readyState complete."""
    problems = []
    if not _wait(driver, "document.readyState === 'complete'"):
        problems.append("did not finish loading (document.readyState is not complete)")
    network.read(driver)
    status = network.status.get(url)
    if status != 200:
        problems.append(f"HTTP status {status} (expected 200)")
    return problems


_IMAGES = """return Array.from(document.images).map(img => ({src: img.getAttribute('src') || img.currentSrc,
    ok: img.complete && img.naturalWidth > 0, alt: (img.getAttribute('alt') || '').trim()}));"""

_MATHJAX = """const done = arguments[arguments.length - 1];
MathJax.startup.promise.then(() => done(document.querySelectorAll('mjx-container').length),
                             err => done('MathJax failed: ' + err));"""


def _shown_problems(driver, has_math: bool, shot: Path | None) -> list[str]:
    """What is wrong with the page the browser shows: images, MathJax, console; saved to ``shot`` if given."""
    problems = []
    # images: decoded (complete, non-zero natural width) and described
    _wait(driver, "Array.from(document.images).every(img => img.complete)", timeout=10)
    for img in driver.execute_script(_IMAGES):
        if not img["ok"]:
            problems.append(f"image {img['src']} did not load")
        if not img["alt"]:
            problems.append(f"image {img['src']} has no alt text")
        elif img["alt"].rsplit("/", 1)[-1] == (img["src"] or "").rsplit("/", 1)[-1]:
            # MyST-NB's default for a notebook output without an alt text in its cell metadata
            problems.append(f"image {img['src']} has no alt text (only its file name)")
    if has_math:
        if not _wait(driver, "!!(window.MathJax && MathJax.startup && MathJax.startup.promise)"):
            problems.append("has math but MathJax did not start")
        else:
            found = driver.execute_async_script(_MATHJAX)
            if not isinstance(found, int) or found == 0:
                problems.append(f"has math but no MathJax output (mjx-container): {found}")
    for entry in driver.get_log("browser"):
        message = entry.get("message", "").strip()
        if entry.get("level") == "SEVERE" and not any(known in message for known in KNOWN_CONSOLE_ERRORS):
            problems.append(f"console error: {message}")
    if shot is not None:
        _screenshot(driver, shot)
    return problems


def _click_next(driver, network: _Network) -> tuple[str | None, list[str]]:
    """Click the shown page's "next" link (if any); the URL it loaded and what went wrong."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    links = driver.find_elements(By.CSS_SELECTOR, "a.right-next")
    if not links:
        return None, []
    target = links[0].get_attribute("href").split("#")[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", links[0])
    try:
        links[0].click()
    except WebDriverException as err:
        return None, [f"next link: could not be clicked ({type(err).__name__})"]
    if not _wait(driver, f"location.href.split('#')[0] === {json.dumps(target)}"):
        return None, [f"next link: clicking it did not load {target} (the browser is at {driver.current_url})"]
    problems = _load_problems(driver, network, target)
    return (None if problems else target), [f"next link to {target}: {p}" for p in problems]


def _search_problems(driver, network: _Network, base: str) -> list[str]:
    """Whether the search page, opened offline with ``?q=genome``, lists at least one result."""
    url = urljoin(base, f"search.html?q={SEARCH_WORD}")
    driver.get(url)
    problems = _load_problems(driver, network, url)
    found = _wait(driver, "document.querySelectorAll('#search-results ul.search li').length")
    if not found:
        summary = driver.execute_script("const s = document.querySelector('#search-results'); "
                                        "return s ? s.innerText.trim() : 'no #search-results element';")
        problems.append(f"no result for '{SEARCH_WORD}' ({summary or 'the results list stayed empty'})")
    driver.get_log("browser")
    return problems


def _screenshot(driver, path: Path) -> None:
    """Save the whole current page as a PNG, laid out ``WIDTH`` CSS pixels wide and as tall as its content."""
    height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, "
                                   "document.body.scrollHeight);")
    metrics = {"width": WIDTH, "height": max(int(height), 1), "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        _wait(driver, "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def browser_problems(html_dir: Path, screenshots: Path | None = None) -> list[str]:
    """Open every page of a build in headless Chromium and report what a reader would see broken.

    Pages are read as a reader pages through the book: each page is checked, then its "next" link is
    clicked and the page it loads is checked in turn, until the chain ends or returns to a checked
    page; the next unchecked page is then opened by its URL. A redirect page (``index.html``) must
    lead to a page that loads.

    Parameters
    ----------
    html_dir : Path
        The HTML build folder; served on 127.0.0.1 while the browser reads it.
    screenshots : Path, optional
        Where to save a PNG of every chapter (``book/*.html``, ``notebooks/*.html``), named after its
        page (``book_intro.png``).

    Returns
    -------
    list of str
        One line per problem, ``<page>: <what is wrong>``.
    """
    html_dir = Path(html_dir)
    problems: list[str] = []
    network = _Network()
    all_pages = {rel.as_posix(): rel for rel in pages(html_dir)}
    checked: set[str] = set()
    with serve(html_dir) as base, _chromium() as driver:
        driver.get_log("performance")  # the browser's own start page
        for start in all_pages:
            if start in checked:
                continue
            url = urljoin(base, start)
            driver.get(url)
            load = _load_problems(driver, network, url)
            redirect = _refresh_target((html_dir / start).read_text(encoding="utf-8"))
            if redirect is not None:
                checked.add(start)
                target = urljoin(url, redirect).split("#")[0]
                if not load and not _wait(driver, f"location.href.split('#')[0] === {json.dumps(target)}"):
                    load.append(f"does not redirect to {target} (the browser is at {driver.current_url})")
                elif not load:
                    load += [f"redirect to {target}: {p}" for p in _load_problems(driver, network, target)]
                driver.get_log("browser")
                problems += [f"{start}: {p}" for p in load]
                continue
            name: str | None = start
            while name in all_pages and name not in checked:
                checked.add(name)
                rel = all_pages[name]
                has_math = 'class="math' in (html_dir / rel).read_text(encoding="utf-8")
                shot = None
                if screenshots is not None and _is_chapter(rel):
                    shot = Path(screenshots) / f"{'_'.join(rel.with_suffix('').parts)}.png"
                found = load + _shown_problems(driver, has_math, shot)
                next_url, click = _click_next(driver, network)
                problems += [f"{name}: {p}" for p in found + click]
                name, load = (_page_name(base, next_url) if next_url else None), []
        if (html_dir / "search.html").is_file():
            problems += [f"search.html?q={SEARCH_WORD}: {p}" for p in _search_problems(driver, network, base)]
        else:
            problems.append("search.html: missing from the build")
        network.read(driver)
    problems += [f"request left {LOCAL_HOST}: {url}" for url in sorted(network.external)]
    return problems


def check_book(html_dir: Path, *, screenshots: Path | None = None, root: Path | None = None) -> list[str]:
    """Every check of a built book: the HTML files (:func:`static_problems`), then the browser.

    Parameters
    ----------
    html_dir : Path
        The HTML build folder (``_build/html``).
    screenshots : Path, optional
        Folder for a PNG of every chapter.
    root : Path, optional
        The project folder the book was built from (default: the working directory).

    Returns
    -------
    list of str
        One line per problem; empty when the book is fine.
    """
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").is_file():
        return [f"{html_dir}: no index.html, not a built book"]
    problems = static_problems(html_dir, root)
    if not browser_available():
        return [*problems, f"no browser: install {CHROMIUM} and {CHROMEDRIVER} (Debian: chromium chromium-driver) "
                           "and the selenium package"]
    return problems + browser_problems(html_dir, screenshots)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m genomenb.bookcheck HTML_DIR [--screenshots DIR] [--root DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m genomenb.bookcheck", description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", type=Path, help="the built book (_build/html)")
    parser.add_argument("--screenshots", type=Path, default=None, help="save a PNG of every chapter here")
    parser.add_argument("--root", type=Path, default=None,
                        help="the project folder the book was built from (default: the working directory)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    problems = check_book(args.html_dir, screenshots=args.screenshots, root=args.root)
    for line in problems:
        print(line)
    n = len(pages(args.html_dir)) if args.html_dir.is_dir() else 0
    print(f"{n} pages checked in {time.monotonic() - start:.1f} s: "
          + (f"{len(problems)} problem(s)" if problems else "book ok"), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
