"""The client report: content, language, escaping, no network, print stylesheet, the CLI, and a
real headless Chromium rendering every shipped example in French and English."""

from __future__ import annotations

import json
import os
import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cinwe_reco.cli import cli
from cinwe_reco.errors import ReportError
from cinwe_reco.i18n import translate
from cinwe_reco.report import (
    SECTIONS,
    messages,
    render_report,
    report_filename,
    report_language,
)
from cinwe_reco.report.charts import cost_chart, nice_step
from cinwe_reco.report.view import Formatter, sentence

from .browser import Browser, BrowserError, find_chromium
from .conftest import EXAMPLES, ROOT

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
LANGS = ("fr", "en")
TOP = 3
ARTEFACTS = Path(os.environ.get("CINWE_RECO_ARTEFACTS") or ROOT / "tmp" / "artefacts") / "report"


class Page(HTMLParser):
    """The parts of a page the tests look at: tags with attributes, text, style sheets."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def all_text(self) -> str:
        # collapse only ASCII white space: French no-break spaces are part of the text
        return re.sub(r"[ \t\r\n\f]+", " ", " ".join(self.text)).strip()


@pytest.fixture(scope="session")
def results(recommender):
    """Each shipped example's Suggestions, with the shortlists' heads detailed."""
    return {p.stem: recommender.suggest(p, shortlist_details=TOP) for p in EXAMPLE_FILES}


@pytest.fixture(scope="session")
def reports(results, recommender, tmp_path_factory):
    """Every example's report in French and English, written to files: {(stem, lang): path}."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for stem, result in results.items():
        for lang in LANGS:
            path = folder / f"{stem}-{lang}.html"
            path.write_text(render_report(result, recommender, lang, top=TOP), encoding="utf-8")
            out[stem, lang] = path
    return out


# --------------------------------------------------------------------------- content


def test_shipped_examples_are_fifteen():
    assert len(EXAMPLE_FILES) == 15


@pytest.mark.parametrize("lang", LANGS)
def test_every_report_has_every_section_in_its_language(reports, lang):
    t = messages(lang)
    for (stem, page_lang), path in reports.items():
        if page_lang != lang:
            continue
        html = path.read_text(encoding="utf-8")
        page = Page(html)
        assert f'<html lang="{lang}">' in html, stem
        assert set(SECTIONS) <= page.ids(), stem
        text = page.all_text()
        for section in SECTIONS:
            assert t["sections"][section] in text, (stem, section)
        assert "cost-chart" in page.ids(), stem
        assert html.count("<section ") == len(SECTIONS)


def test_report_content_for_one_client(results, recommender):
    result = results["boulangerie-lemoine"]
    catalog = recommender.catalog
    tax = catalog.taxonomy
    for lang in LANGS:
        t = messages(lang)
        page = Page(render_report(result, recommender, lang, top=TOP))
        text = page.all_text()
        assert result.client in text
        # needs by priority, with the taxonomy's labels in the report's language
        for need in result.profile.needs:
            assert tax.label(need.id, lang) in text
            assert t["priorities"][need.priority] in text
        # the stack by name, its total, covered and uncovered needs
        for tool_id in result.stack.tools:
            assert catalog.get(tool_id).name in text
        for need_id in result.stack.uncovered:
            assert f"{tax.label(need_id, lang)} {t['priority_short'][_prio(result, need_id)]}" \
                   f" {t['not_covered']}" in text
        # the shortlists: at most TOP rows per need, each with fit, cost and strength in words
        rows = [a for tag, a in page.tags if tag == "tr" and a.get("data-tool")]
        shortlisted = {tid for ids in result.by_need.values() for tid in ids[:TOP]}
        assert {a["data-tool"] for a in rows} >= shortlisted
        for need_id, ids in result.by_need.items():
            for tool_id in ids[:TOP]:
                fit = result.need_fit[need_id][tool_id]
                assert t["fit_value"].format(fit=fit) in text
        words = [t["strength"][s] for s in ("core", "solid", "basic", "unknown")]
        assert any(w in text for w in words)
        # the reasons as sentences, the excluded tools and why
        first = next(iter(result.need_details.values()))
        some = next(iter(first.values()))
        # in the report's language: the engine's sentences are translatable
        assert sentence(translate(some.reasons[0], lang)) in text
        for e in result.excluded:
            assert catalog.get(e.tool_id).name in text
        # sources: review dates, and the unverified facts marked
        fmt = Formatter(lang)
        stack_tool = catalog.get(result.stack.tools[0])
        assert fmt.date(stack_tool.reviewed) in text
        knowledge = text.count(t["basis_knowledge"])
        assert text.count(t["unverified"]) >= knowledge > 0


def _prio(result, need_id):
    return next(n.priority for n in result.profile.needs if n.id == need_id)


def test_default_language_is_the_profiles_first_when_french_or_english(recommender):
    base = yaml.safe_load((EXAMPLES / "boulangerie-lemoine.yaml").read_text(encoding="utf-8"))
    for languages, expected in ((["fr"], "fr"), (["en", "fr"], "en"), (["de", "fr"], "en"),
                                (["fr", "en"], "fr")):
        profile = recommender.profile({**base, "languages": languages})
        assert report_language(profile) == expected
        result = recommender.suggest(profile, shortlist_details=2)
        assert f'<html lang="{expected}">' in render_report(result, recommender)


def test_engine_sentences_keep_their_own_language_mark(results, recommender):
    html = render_report(results["maison-lavande"], recommender, "fr", top=TOP)
    assert '<span lang="en">' in html  # the engine's English reasons in a French page
    html = render_report(results["maison-lavande"], recommender, "en", top=TOP)
    assert '<span lang="en">' not in html


def test_messages_match_between_languages():
    fr, en = messages("fr"), messages("en")

    def walk(a, b, where=""):
        assert type(a) is type(b), where
        if isinstance(a, dict):
            assert set(a) == set(b), f"{where}: {set(a) ^ set(b)}"
            for k in a:
                walk(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list):
            assert len(a) == len(b), where
        else:
            fields = {f for _, f, _, _ in string.Formatter().parse(a) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(b) if f}, where

    walk(fr, en)
    assert "\u00a0:" in fr["stack_total"]  # French spacing before a colon
    with pytest.raises(ReportError, match="expected a report language"):
        messages("de")


def test_numbers_and_dates_in_each_language():
    fr, en = Formatter("fr"), Formatter("en")
    assert fr.money(1250) == "1\u202f250\u00a0€" and en.money(1250) == "€1,250"
    assert fr.money(4.5) == "4,50\u00a0€" and en.money(4.5) == "€4.50"
    assert fr.date("2026-12-01") == "1er décembre 2026"
    assert en.date("2026-12-04") == "4 December 2026"
    assert fr.cost(0, None) == "gratuit" and en.cost(None, None) == "no public price"
    assert sentence("has a free plan") == "Has a free plan."


def test_cost_chart_scales_to_the_budget_or_the_stack():
    labels = {k: k for k in ("stack", "budget", "flex", "no_budget", "free", "unpriced")}
    labels["per_month"] = "{amount}/m"
    labels["item"] = "{tool}: {amount}"
    labels["unpriced"] = "{tool} unpriced"
    money = Formatter("en").money
    c = cost_chart([("A", 20.0), ("B", 10.0), ("C", None)], 100.0, True, money, labels)
    assert c.flex_x is not None and c.budget_w is not None and not c.over_budget
    assert [s.pattern for s in c.segments] == [0, 1]
    assert c.segments[1].x == pytest.approx(c.segments[0].x + c.segments[0].width)
    assert c.ticks[-1][0] == pytest.approx(c.x0 + c.plot_w)
    assert c.legend[-1] == (None, "C unpriced")
    over = cost_chart([("A", 150.0)], 100.0, False, money, labels)
    assert over.over_budget and over.flex_x is None
    free = cost_chart([("A", 0.0)], None, True, money, labels)
    assert free.budget_w is None and free.free_label == "free"
    assert nice_step(37) in (5, 10) and nice_step(3000) in (500, 1000)


def test_batch_file_names_are_unique():
    taken: set[str] = set()
    assert report_filename("Boulangerie Lemoine", taken) == "boulangerie-lemoine.html"
    assert report_filename("Boulangerie  LEMOINE!", taken) == "boulangerie-lemoine-2.html"
    assert report_filename("<script>", taken) == "script.html"
    assert report_filename("***", taken) == "client.html"


# --------------------------------------------------------------------------- safety


EVIL = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


def test_markup_in_client_name_and_layer_description_is_shown_as_text(tmp_path, tiny_model):
    from cinwe_reco.recommender import Recommender

    layer = tmp_path / "layer.yaml"
    entry = yaml.safe_load((ROOT / "catalog" / "products" / "smile-io.yaml").read_text())
    entry.update(id="fidelite-maison", name="Fidélité Maison", website="https://example.org",
                 description=f"Loyalty cards {EVIL}", ui_languages=["fr", "en"],
                 aliases=[], platforms=[], source="https://example.org/pricing",
                 notes=f"Reviewer {EVIL}")
    entry["pricing"].update(free_plan=True, entry_eur_month=0)
    layer.write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    rec = Recommender.load(model=tiny_model, catalog=[layer])
    profile = yaml.safe_load((EXAMPLES / "boulangerie-lemoine.yaml").read_text(encoding="utf-8"))
    profile["client"] = f"Lemoine {EVIL}"
    result = rec.suggest(profile, shortlist_details=10)
    assert "fidelite-maison" in result.by_need["loyalty-program"]
    for lang in LANGS:
        html = render_report(result, rec, lang, top=10)
        page = Page(html)
        assert "<script" not in html.lower() and "<img" not in html.lower()
        assert not [t for t, _ in page.tags if t in ("script", "img")]
        text = page.all_text()
        assert f"Lemoine {EVIL}" in text  # shown as text, in the title and the summary
        assert f"Loyalty cards {EVIL}" in text  # the layer's description
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html


RESOURCE_TAGS = ("link", "script", "img", "iframe", "frame", "source", "audio", "video", "embed",
                 "object", "track", "image", "use", "input", "feimage")
RESOURCE_ATTRS = ("src", "href", "srcset", "data", "poster", "xlink:href", "background")
EXTERNAL = re.compile(r"^\s*(https?:|//|ftp:)", re.I)


def test_the_page_loads_nothing_external(reports):
    for key, path in reports.items():
        html = path.read_text(encoding="utf-8")
        page = Page(html)
        for tag, attrs in page.tags:
            assert tag != "script", key
            if tag in RESOURCE_TAGS:
                for attr in RESOURCE_ATTRS:
                    value = attrs.get(attr) or ""
                    assert not EXTERNAL.match(value), (key, tag, attr, value)
            assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or "")), key
        # every url(...) in a style sheet, a style attribute or an SVG fill is a local #ref
        styled = " ".join(page.styles) + " ".join(
            v or "" for _, a in page.tags for k, v in a.items() if k in ("style", "fill",
                                                                         "stroke", "filter"))
        for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", styled):
            assert ref.startswith("#"), (key, ref)
        assert "@import" not in styled and "@font-face" not in styled, key
        assert "default-src 'none'" in html, key  # the page's own policy forbids fetches


# --------------------------------------------------------------------------- print


def test_print_stylesheet_is_a4_with_page_breaks(reports):
    html = next(iter(reports.values())).read_text(encoding="utf-8")
    css = " ".join(Page(html).styles)
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    print_css = css[css.index("@media print"):]
    assert re.search(r"section\.report-section\s*{[^}]*break-before:\s*page", print_css)
    assert re.search(r"\btr\b[^{]*{[^}]*break-inside:\s*avoid", print_css)


# --------------------------------------------------------------------------- command line


def test_cli_report_one_profile_and_a_batch(tmp_path, tiny_model):
    runner = CliRunner()
    example = EXAMPLES / "boulangerie-lemoine.yaml"
    out = tmp_path / "lemoine.html"
    r = runner.invoke(cli, ["--model", str(tiny_model), "report", str(example), "--out",
                            str(out), "--lang", "en", "--top", "2"])
    assert r.exit_code == 0, r.output
    assert '<html lang="en">' in out.read_text(encoding="utf-8")
    again = runner.invoke(cli, ["--model", str(tiny_model), "report", str(example), "--out",
                                str(out)])
    assert again.exit_code == 2 and "exists" in again.stderr
    printed = runner.invoke(cli, ["--model", str(tiny_model), "report", str(example)])
    assert printed.exit_code == 0 and printed.stdout.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in printed.stdout  # the profile's language by default

    folder = tmp_path / "reports"
    batch = runner.invoke(cli, ["--model", str(tiny_model), "report", str(EXAMPLES), "--out",
                                str(folder)])
    assert batch.exit_code == 0, batch.output
    written = sorted(folder.glob("*.html"))
    assert len(written) == len(EXAMPLE_FILES)
    assert "15 report(s)" in batch.stderr

    no_out = runner.invoke(cli, ["--model", str(tiny_model), "report", str(EXAMPLES)])
    assert no_out.exit_code == 2 and "give a folder" in no_out.stderr

    jsonl = tmp_path / "clients.jsonl"
    good = yaml.safe_load(example.read_text(encoding="utf-8"))
    jsonl.write_text(json.dumps(good) + "\n" + json.dumps({**good, "employees": -3}) + "\n",
                     encoding="utf-8")
    mixed = runner.invoke(cli, ["--model", str(tiny_model), "report", str(jsonl), "--out",
                                str(tmp_path / "mixed"), "--lang", "en"])
    assert mixed.exit_code == 2 and "skipped" in mixed.stderr
    assert len(list((tmp_path / "mixed").glob("*.html"))) == 1


# --------------------------------------------------------------------------- real browser

# Viewports: a desktop screen, and the width of an A4 page less the print margins (210 mm less
# 2 x 12 mm at 96 px per inch) with the print stylesheet applied.
VIEWS = {"screen-1280": (1280, "screen"), "print-a4": (703, "print")}
SCREENSHOT_HEIGHT = 1800  # px of the page's top kept as the artefact (full pages are slow)

PROBE = """(() => {
  const sections = [...document.querySelectorAll('section.report-section')].map(s => {
    const r = s.getBoundingClientRect();
    return {id: s.id, w: r.width, h: r.height, title: s.querySelector('h2')?.textContent};
  });
  const charts = [...document.querySelectorAll('svg.chart')].map(c => {
    const r = c.getBoundingClientRect();
    return {id: c.id, w: r.width, h: r.height, right: r.right};
  });
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > innerWidth + 1;
  }).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 5);
  return {sections, charts, wide, lang: document.documentElement.lang,
          scrollWidth: document.documentElement.scrollWidth,
          bodyScrollWidth: document.body.scrollWidth, width: innerWidth,
          scripts: document.scripts.length, images: document.images.length};
})()"""


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: install the Debian package `chromium` "
                    "(apt-get install -y chromium) or set CINWE_RECO_CHROMIUM to run the "
                    "browser tests")
    b = Browser(executable)
    yield b
    b.close()


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stem", [p.stem for p in EXAMPLE_FILES])
def test_report_renders_in_chromium(browser, reports, stem, lang, view):
    width, media = VIEWS[view]
    path = reports[stem, lang]
    browser.open(path.as_uri(), width, media=media)
    got = browser.evaluate(PROBE)
    t = messages(lang)
    assert got["lang"] == lang
    # every section is there, laid out, with its title in the report's language
    assert [s["id"] for s in got["sections"]] == list(SECTIONS)
    for s in got["sections"]:
        assert s["w"] > 0 and s["h"] > 0, s
        assert s["title"] == t["sections"][s["id"]]
    # nothing wider than the viewport
    assert got["scrollWidth"] <= width and got["bodyScrollWidth"] <= width, got["wide"]
    assert not got["wide"], got["wide"]
    # the charts have a size and stay inside the page
    assert "cost-chart" in {c["id"] for c in got["charts"]}
    for c in got["charts"]:
        assert c["w"] > 50 and c["h"] > 50 and c["right"] <= width, c
    # nothing but the file itself was requested, and nothing runs
    assert browser.requests() == [path.as_uri()]
    assert got["scripts"] == 0 and got["images"] == 0
    browser.screenshot(ARTEFACTS / f"{stem}-{lang}-{view}.png", max_height=SCREENSHOT_HEIGHT)


@pytest.mark.parametrize("lang", LANGS)
def test_report_prints_to_a4_pdf(browser, reports, lang):
    path = reports["maison-lavande", lang]
    browser.open(path.as_uri(), 794, media="print")  # an emulated "screen" would print as such
    pdf = browser.pdf(ARTEFACTS / f"maison-lavande-{lang}.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= len(SECTIONS)  # a page break before every section
    # A4: 595 x 842 points
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595(\.\d+)?\s+841(\.\d+)?|842", data)


def test_browser_client_reports_a_dead_browser(tmp_path):
    fake = tmp_path / "not-a-browser"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(BrowserError, match="the browser (exited|closed|did not answer)"):
        Browser(str(fake), timeout=5)
