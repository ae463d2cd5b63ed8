"""Charts and diagrams as inline SVG, drawn on the server (no script, nothing fetched at run time).

Every text that reaches the SVG is escaped; numbers are formatted here.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

WIDTH, HEIGHT, PAD = 640, 220, 36


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "") -> str:
    """Vertical bars, one per label, scaled to the largest value."""
    top = max([*values, 1])
    n = max(len(values), 1)
    step = (WIDTH - 2 * PAD) / n
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>',
             f'<text x="4" y="14" class="label">{escape(_fmt(top))} {escape(unit)}</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        h = (HEIGHT - 2 * PAD) * value / top
        x = PAD + i * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}"'
                     f' class="bar"><title>{escape(label)}: {escape(_fmt(value))}</title></rect>')
        if n <= 24 or i % max(1, n // 12) == 0:
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - PAD + 14}" class="tick">{escape(label[-8:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str,
               limit: float | None = None) -> str:
    """One polyline per series over shared labels; ``limit`` draws a dashed horizontal line."""
    values = [v for s in series.values() for v in s] + ([limit] if limit is not None else [])
    top = max([*values, 1])
    n = max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{PAD + (WIDTH - 2 * PAD) * i / n:.1f},{HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top:.1f}"

    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" class="axis"/>',
             f'<text x="4" y="14" class="label">{escape(_fmt(top))}</text>']
    if limit is not None:
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * limit / top
        parts.append(f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" class="limit"/>')
    for k, (name, points) in enumerate(series.items()):
        coords = " ".join(xy(i, v) for i, v in enumerate(points))
        parts.append(f'<polyline points="{coords}" class="series s{k % 6}"><title>{escape(name)}</title></polyline>')
    for i, label in enumerate(labels):
        if len(labels) <= 12 or i % max(1, len(labels) // 12) == 0:
            parts.append(f'<text x="{xy(i, 0).split(",")[0]}" y="{HEIGHT - PAD + 14}" class="tick">'
                         f'{escape(label[-8:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def flow_diagram(nodes: Sequence[str], edges: Sequence[tuple[str, str, str]], *, title: str) -> str:
    """Boxes left to right in the order given, an arrow per edge labelled with its text."""
    box_w, gap = 150, 60
    width = max(WIDTH, len(nodes) * (box_w + gap) + PAD)
    pos = {name: PAD + i * (box_w + gap) for i, name in enumerate(nodes)}
    parts = [f'<svg class="diagram" role="img" viewBox="0 0 {width} 140" width="{width}" height="140"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6"'
             ' orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>']
    for name, x in pos.items():
        parts.append(f'<rect x="{x}" y="50" width="{box_w}" height="36" rx="6" class="node"/>'
                     f'<text x="{x + 8}" y="73" class="label">{escape(name[:22])}</text>')
    for k, (a, b, label) in enumerate(edges):
        if a not in pos or b not in pos:
            continue
        x1, x2 = pos[a] + box_w, pos[b]
        if x2 <= x1:
            x1, x2 = pos[a] + box_w / 2, pos[b] + box_w / 2
        y = 44 - (k % 3) * 12 if x2 < x1 else 68
        parts.append(f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" class="edge" marker-end="url(#arrow)"/>'
                     f'<text x="{min(x1, x2) + 4}" y="{y - 4 if y < 50 else 110}" class="tick">'
                     f'{escape(label[:28])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chain_diagram(nodes: Sequence[tuple[str, str]], edges: Sequence[str], *, title: str) -> str:
    """A chain of boxes left to right, each with a role line and a name line (``(role, name)``); ``edges[i]``
    labels the arrow from box i to box i + 1. Full texts are in each box's tooltip."""
    box_w, gap, top = 170, 70, 40
    width = max(WIDTH, len(nodes) * (box_w + gap) + PAD)
    parts = [f'<svg class="diagram" role="img" viewBox="0 0 {width} 130" width="{width}" height="130"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
             '<defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6"'
             ' orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>']
    for i, (role, name) in enumerate(nodes):
        x = PAD + i * (box_w + gap)
        parts.append(f'<g><title>{escape(role)}: {escape(name)}</title>'
                     f'<rect x="{x}" y="{top}" width="{box_w}" height="48" rx="6" class="node"/>'
                     f'<text x="{x + 8}" y="{top + 19}" class="label">{escape(role[:24])}</text>'
                     f'<text x="{x + 8}" y="{top + 38}" class="tick">{escape(name[:26])}</text></g>')
        if i < len(edges) and i + 1 < len(nodes):
            x1, x2 = x + box_w, x + box_w + gap
            parts.append(f'<line x1="{x1}" y1="{top + 24}" x2="{x2}" y2="{top + 24}" class="edge"'
                         f' marker-end="url(#chain-arrow)"/>'
                         f'<text x="{x1 + 2}" y="{top - 6}" class="tick">{escape(edges[i][:14])}</text>')
    parts.append("</svg>")
    return "".join(parts)
