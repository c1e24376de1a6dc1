"""Turn a `calcgraph report` Markdown file into HTML with MathJax (and mermaid) to look at it.

Not part of the tests. Needs the `markdown` package (`pip install markdown`),
MathJax (Debian: `apt-get install libjs-mathjax`) and, for the diagram, a
local mermaid.min.js (e.g. from `npm pack mermaid`); without it the diagram
shows as text. Then, for a screenshot:

    python benchmarks/render_report_html.py docs/report-example.md -o /tmp/report.html
    chromium --headless --no-sandbox --disable-gpu --window-size=1200,3000 \
        --virtual-time-budget=10000 --screenshot=docs/report-screenshot.png file:///tmp/report.html
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")

STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; font-size: 15px;
       line-height: 1.5; color: #1f2328; max-width: 1100px; margin: 24px auto; padding: 0 24px; }
h1, h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
h3 { margin-top: 1.8em; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 9px; vertical-align: top; }
th { background: #f6f8fa; }
tr:nth-child(2n) td { background: #fbfcfd; }
code { background: #eff1f3; padding: .1em .3em; border-radius: 4px; font-size: 85%; }
td code { white-space: nowrap; }
pre { background: #f6f8fa; padding: 12px; overflow: auto; }
pre.mermaid { background: none; }
"""

HEAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>{style}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [['$','$']], displayMath: [['$$','$$']],
  processEscapes: false}}, "HTML-CSS": {{linebreaks: {{automatic: false}}}},
  messageStyle: "none"}});
</script>
<script src="{mathjax}?config=TeX-AMS_HTML"></script>
{mermaid}
</head><body>
"""


def protect_math(text: str) -> tuple[str, list[str]]:
    """Replace $$...$$ and $...$ by placeholders so Markdown leaves backslashes and underscores alone."""
    saved: list[str] = []

    def keep(match: re.Match) -> str:
        saved.append(match.group(0))
        return f"MATHPLACEHOLDER{len(saved) - 1}X"
    text = re.sub(r"\$\$.+?\$\$", keep, text, flags=re.S)
    text = re.sub(r"(?<![\\$])\$[^$\n]+?\$", keep, text)
    return text, saved


def to_html(markdown_text: str, mathjax: str, mermaid: str | None) -> str:
    """The whole HTML page of a report."""
    import markdown
    protected, saved = protect_math(markdown_text)
    body = markdown.markdown(protected, extensions=["tables", "fenced_code", "toc"])
    body = re.sub(r"MATHPLACEHOLDER(\d+)X", lambda m: html.escape(saved[int(m.group(1))], quote=False), body)
    body = re.sub(r'<pre><code class="language-mermaid">(.*?)</code></pre>',
                  lambda m: f'<pre class="mermaid">{m.group(1)}</pre>', body, flags=re.S)
    script = ""
    if mermaid:
        script = (f'<script src="{mermaid}"></script>\n'
                  "<script>mermaid.initialize({startOnLoad: true, securityLevel: 'loose'});</script>")
    title = re.search(r"^# (.*)$", markdown_text, flags=re.M)
    return HEAD.format(title=html.escape(title.group(1) if title else "report"), style=STYLE,
                       mathjax=mathjax, mermaid=script) + body + "\n</body></html>\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: report.md -> report.html."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--mathjax", default=MATHJAX.as_uri() if MATHJAX.exists() else
                        "https://cdn.jsdelivr.net/npm/mathjax@2/MathJax.js")
    parser.add_argument("--mermaid", default=None, help="path or URL of mermaid.min.js")
    args = parser.parse_args(argv)
    mermaid = args.mermaid
    if mermaid and Path(mermaid).exists():
        mermaid = Path(mermaid).resolve().as_uri()
    page = to_html(args.markdown.read_text(encoding="utf-8"), args.mathjax, mermaid)
    args.output.write_text(page, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
