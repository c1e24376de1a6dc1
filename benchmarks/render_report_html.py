"""Render a `calcgraph report` Markdown file as GitHub does, to check it (and take screenshots).

GitHub's pipeline, reproduced: CommonMark + tables (markdown-it-py), math with
GitHub's `$` rules (mdit-py-plugins dollarmath: no space after an opening `$`
or before a closing one, no digit after a closing one; ```math fences are
display math, kept literal), MathJax 3 (SVG output) for the math, mermaid 11
for ```mermaid fences, and GitHub-like CSS at its ~890 px text width. MathJax
and mermaid are inlined into the page from pinned npm packages
(mathjax@3.2.2, mermaid@11.4.1), fetched once with `npm pack` into a cache
folder (CALCGRAPH_JS_CACHE, default ~/.cache/calcgraph/js).

    pip install -e '.[docs]'
    python benchmarks/render_report_html.py docs/report-example.md -o /tmp/report.html
    python benchmarks/render_report_html.py docs/report-example.md --screenshots docs/report-page

The page records what went wrong in `window.calcgraphDefects` (MathJax error
nodes, mermaid parse errors, `$` left in text); tests/test_report_render.py
reads it in headless Chromium.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {"mathjax": ("mathjax@3.2.2", "package/es5/tex-svg.js"),
            "mermaid": ("mermaid@11.4.1", "package/dist/mermaid.min.js")}
WIDTH = 890

STYLE = """
body { font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif;
       font-size: 16px; line-height: 1.5; color: #1f2328; background: #fff; margin: 0; }
.markdown-body { box-sizing: border-box; max-width: WIDTHpx; margin: 0 auto; padding: 32px; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; font-weight: 600; }
h1 { font-size: 2em; } h2 { font-size: 1.5em; margin-top: 24px; } h3 { font-size: 1.25em; margin-top: 24px; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto;
        margin: 0 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; } th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 85%;
       background: rgba(129,139,152,.12); padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; border-radius: 6px; }
.math-display { overflow-x: auto; overflow-y: hidden; margin: 0 0 16px; text-align: center; }
pre.mermaid { background: none; text-align: center; }
a { color: #0969da; text-decoration: none; }
""".replace("WIDTH", str(WIDTH))

CHECK = """
<script>
window.calcgraphDefects = [];
window.calcgraphDone = false;
async function calcgraphRender() {
  const defects = window.calcgraphDefects;
  if (document.readyState === 'loading') await new Promise(r => document.addEventListener('DOMContentLoaded', r));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const inside = node.parentElement.closest('.math-inline, .math-display, .literal-dollar, code, pre, script, style');
    if (!inside && node.textContent.includes('$')) defects.push('raw $ in text: ' + node.textContent.trim());
  }
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme: 'default'});
  for (const block of document.querySelectorAll('pre.mermaid')) {
    try { await mermaid.parse(block.textContent); }
    catch (error) { defects.push('mermaid parse error: ' + String(error.message || error).slice(0, 300)); }
  }
  try { await mermaid.run({querySelector: 'pre.mermaid'}); }
  catch (error) { defects.push('mermaid render error: ' + String(error.message || error).slice(0, 300)); }
  await MathJax.startup.promise;
  await MathJax.typesetPromise();
  const errors = 'mjx-merror, [data-mml-node="merror"], [data-mjx-error], [data-mml-node="mtext"][fill="red"]';
  for (const error of document.querySelectorAll(errors)) {
    const text = error.getAttribute('data-mjx-error') || 'an undefined command (drawn in red)';
    const math = error.closest('.math-inline, .math-display');
    defects.push('MathJax error: ' + text + ' in ' + (math ? math.dataset.tex : '').slice(0, 200));
  }
  for (const math of document.querySelectorAll('.math-inline, .math-display')) {
    if (!math.querySelector('mjx-container')) defects.push('math not typeset: ' + math.textContent.slice(0, 200));
  }
  const column = document.querySelector('.markdown-body');
  const room = column.clientWidth - parseFloat(getComputedStyle(column).paddingLeft)
    - parseFloat(getComputedStyle(column).paddingRight);
  for (const math of document.querySelectorAll('.math-display')) {
    const svg = math.querySelector('mjx-container svg');
    const wide = svg ? svg.getBoundingClientRect().width : 0;
    if (wide > room + 1) defects.push('display math wider than the column (' + Math.round(wide) + ' > '
      + Math.round(room) + ' px): ' + (math.dataset.tex || '').slice(0, 120));
  }
  window.calcgraphDone = true;
}
</script>
<script>
window.MathJax = {
  tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']], processEscapes: false},
  options: {ignoreHtmlClass: 'markdown-body', processHtmlClass: 'math-inline|math-display'},
  svg: {fontCache: 'global'},
  startup: {typeset: false, ready: () => { MathJax.startup.defaultReady(); calcgraphRender(); }}
};
</script>
"""


def _cache() -> Path:
    return Path(os.environ.get("CALCGRAPH_JS_CACHE", Path.home() / ".cache" / "calcgraph" / "js"))


def script(name: str) -> str:
    """The text of a pinned JavaScript package's file, fetched with `npm pack` on first use."""
    spec, member = PACKAGES[name]
    target = _cache() / spec.replace("@", "-") / Path(member).name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True,
                                    timeout=600)
            if result.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {result.stderr.strip()[:300]}")
            tarball = next(Path(tmp).glob("*.tgz"))
            with tarfile.open(tarball) as archive:
                data = archive.extractfile(member).read()
        target.write_bytes(data)
    return target.read_text(encoding="utf-8")


def _math(tag: str, kind: str, tex: str) -> str:
    left, right = ("\\(", "\\)") if tag == "span" else ("\\[", "\\]")
    return f'<{tag} class="{kind}" data-tex="{html.escape(tex)}">{left}{html.escape(tex)}{right}</{tag}>'


def markdown_html(text: str) -> str:
    """The Markdown as GitHub's HTML: tables, `$` math with GitHub's rules, math and mermaid fences."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("gfm-like", {"linkify": False}).use(dollarmath_plugin, allow_space=False, allow_digits=False,
                                                        double_inline=True)
    md.disable("text_join")  # keep escapes as text_special tokens: an escaped \$ is a dollar sign, not math
    fence = md.renderer.rules["fence"]

    def render_fence(self, tokens, idx, options, env):
        token = tokens[idx]
        info = token.info.strip()
        if info == "math":
            return _math("div", "math-display", token.content) + "\n"
        if info == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return fence(tokens, idx, options, env)

    md.add_render_rule("fence", render_fence)
    text_special = md.renderer.rules.get("text_special")

    def render_escape(self, tokens, idx, options, env):  # an escaped \$ is a dollar sign the author meant
        if tokens[idx].content == "$":
            return '<span class="literal-dollar">$</span>'
        return text_special(tokens, idx, options, env) if text_special else html.escape(tokens[idx].content)

    md.add_render_rule("text_special", render_escape)

    def inline(self, tokens, idx, options, env):
        before = tokens[idx - 1].content[-1:] if idx > 0 else ""
        after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
        if (before and not before.isspace() and before != "|") or (after and (after.isalnum() or after in "([{$")):
            return html.escape(f"${tokens[idx].content}$")  # GitHub leaves ($B$) and $x$y as text
        return _math("span", "math-inline", tokens[idx].content)

    def display(self, tokens, idx, options, env):
        return _math("div", "math-display", tokens[idx].content)

    md.add_render_rule("math_inline", inline)
    for kind in ("math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(kind, display)
    return md.render(text)


def page(text: str, title: str = "calcgraph report") -> str:
    """A self-contained HTML page of the Markdown, MathJax 3 and mermaid 11 inlined."""
    body = markdown_html(text)
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style>{CHECK}<script>{script('mermaid')}</script>"
            f"<script>{script('mathjax')}</script></head>\n"
            f"<body><article class='markdown-body'>{body}</article></body></html>\n")


def browser(height: int = 2400):
    """A headless Chromium (Debian's chromium and chromedriver) driven by selenium; RuntimeError if missing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    path = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver_path = shutil.which("chromedriver")
    if path is None or driver_path is None:
        raise RuntimeError("no Chromium or chromedriver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = path
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                 "--disable-background-networking", f"--window-size={WIDTH + 60},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def rendered(driver, html_path: Path, timeout: float = 180) -> list[str]:
    """Load the page and wait for MathJax and mermaid: the defects the page found."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(html_path.resolve().as_uri())
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return window.calcgraphDone"))
    return driver.execute_script("return window.calcgraphDefects")


def screenshots(html_path: Path, prefix: str, height: int = 2400) -> list[Path]:
    """PNG pages of the whole rendered report (headless Chromium via selenium), ``prefix-N.png``."""
    driver = browser(height)
    try:
        for defect in rendered(driver, html_path):
            print(f"defect: {defect}", file=sys.stderr)
        total = driver.execute_script("return document.documentElement.scrollHeight")
        inner = driver.execute_script("return window.innerHeight")
        paths = []
        for number, top in enumerate(range(0, total, inner), start=1):
            driver.execute_script(f"window.scrollTo(0, {top})")
            path = Path(f"{prefix}-{number}.png")
            driver.save_screenshot(str(path))
            paths.append(path)
        return paths
    finally:
        driver.quit()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=None, help="HTML file (default: beside the input)")
    parser.add_argument("--screenshots", metavar="PREFIX", default=None,
                        help="also write PREFIX-1.png, PREFIX-2.png, ... of the whole page")
    args = parser.parse_args(argv)
    try:
        text = args.markdown.read_text(encoding="utf-8")
        output = args.output or args.markdown.with_suffix(".html")
        output.write_text(page(text, args.markdown.name), encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
        if args.screenshots:
            for path in screenshots(output, args.screenshots):
                print(f"wrote {path}", file=sys.stderr)
    except ImportError as error:
        print(f"error: {error.name} is missing: pip install -e '.[docs]' (and selenium for screenshots)",
              file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
