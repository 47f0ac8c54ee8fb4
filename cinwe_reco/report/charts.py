"""Geometry of the report's two charts, drawn as inline SVG by ``templates/charts.html.j2``.

Both read in grey-scale print: the cost bar's segments differ by pattern (solid, hatched,
dotted...) and carry their names in a legend; the connection matrix marks cells with shapes
(a circle, a square, a dash), never with colour alone. The geometry is computed here and the
template only draws it, so every label goes through the template's autoescaping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PATTERNS = 6  # distinct fills of the cost bar's segments, reused in turn
CHAR_W = 7.6  # px per character of a 13 px label, a little wide for most system fonts


def text_width(text: str, char_w: float = CHAR_W) -> float:
    """A generous estimate of a label's width in px (no font metrics offline)."""
    return len(text) * char_w


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks."""
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power  # pragma: no cover


@dataclass
class Segment:
    """One tool's share of the stack's bar."""

    x: float
    width: float
    pattern: int
    label: str  # the legend's text: name and cost


@dataclass
class CostChart:
    """The stack's monthly cost as a bar split by tool, over a bar of the budget."""

    width: float
    height: float
    x0: float
    plot_w: float
    segments: list[Segment]
    stack_label: str
    stack_value: str
    budget_label: str
    budget_value: str
    budget_w: float | None  # None: no budget given
    flex_x: float | None  # the flexible budget's limit (budget + 20%)
    flex_label: str
    ticks: list[tuple[float, str]]
    free_label: str | None  # said on the stack's row when its bar has no length
    legend: list[tuple[int | None, str]]  # (pattern, text); None: a tool without a price
    legend_y: float
    over_budget: bool


def cost_chart(items: list[tuple[str, float | None]], budget: float | None, flexible: bool,
               money, labels: dict[str, str], texts: list[str] | None = None) -> CostChart:
    """Lay out the cost chart. ``items`` are (tool name, monthly cost or None when unknown);
    ``money`` formats an amount, ``texts`` (optional) says each item's cost in words, as the
    tables do; ``labels`` holds the translated chart texts."""
    x0, plot_w = 190.0, 420.0
    total = sum(c for _, c in items if c is not None)
    limit = None if budget is None else budget * (1.2 if flexible else 1.0)
    top = max(total, limit or 0.0, 1.0)
    step = nice_step(top)
    top = step * math.ceil(top / step - 1e-9)
    scale = plot_w / top
    segments: list[Segment] = []
    legend: list[tuple[int | None, str]] = []
    x = x0
    k = 0
    for i, (name, c) in enumerate(items):
        if c is None:
            legend.append((None, labels["unpriced"].format(tool=name)))
            continue
        w = c * scale
        text = labels["item"].format(tool=name, amount=texts[i] if texts else money(c))
        segments.append(Segment(x, w, k % PATTERNS, text))
        legend.append((k % PATTERNS, text))
        x += w
        k += 1
    ticks = [(x0 + i * step * scale, money(i * step)) for i in range(int(round(top / step)) + 1)]
    legend_y = 150.0
    legend_w = max((text_width(text) + 30 for _, text in legend), default=0.0)
    return CostChart(
        width=max(x0 + plot_w + 40, legend_w), height=legend_y + 22 * max(1, len(legend)) + 6,
        x0=x0, plot_w=plot_w, segments=segments,
        stack_label=labels["stack"], stack_value=labels["per_month"].format(amount=money(total)),
        budget_label=labels["budget"],
        budget_value=labels["no_budget"] if budget is None
        else labels["per_month"].format(amount=money(budget)),
        budget_w=None if budget is None else budget * scale,
        flex_x=x0 + limit * scale if flexible and limit is not None else None,
        flex_label=labels["flex"], ticks=ticks,
        free_label=labels["free"] if total == 0 and items else None,
        legend=legend, legend_y=legend_y,
        over_budget=budget is not None and total > budget + 1e-9,
    )


@dataclass
class Cell:
    """One cell of the connection matrix: ``kind`` is link, built, none or self."""

    x: float
    y: float
    kind: str
    title: str


@dataclass
class Matrix:
    """Rows: the recommended tools; columns: the recommended tools, then the current ones."""

    width: float
    height: float
    cell: float
    left: float
    top: float
    rows: list[tuple[float, str]]  # (y of the text baseline, label)
    cols: list[tuple[float, str]]  # (x of the column centre, label)
    cells: list[Cell]
    groups: list[tuple[float, float, str]]  # (x start, x end, caption) under the grid
    split_x: float | None  # the line between new and current tools
    legend_y: float
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


def matrix_chart(rows: list[str], cols: list[str], kinds: list[list[str]], n_new: int,
                 captions: tuple[str, str], legend: list[tuple[str, str]],
                 titles: list[list[str]]) -> Matrix:
    """Lay out the matrix: ``kinds[i][j]`` relates row ``i`` to column ``j``; the first
    ``n_new`` columns are the recommended tools themselves."""
    cell = 38.0
    left = max(text_width(r) for r in rows) + 18
    # column labels are turned 45 degrees: their height and their overhang to the right
    slant = max(text_width(c) for c in cols) * math.sqrt(0.5)
    top = slant + 20
    grid_w = cell * len(cols)
    grid_h = cell * len(rows)
    row_pos = [(top + (i + 0.5) * cell + 5, r) for i, r in enumerate(rows)]
    col_pos = [(left + (j + 0.5) * cell, c) for j, c in enumerate(cols)]
    cells = [Cell(left + j * cell, top + i * cell, kinds[i][j], titles[i][j])
             for i in range(len(rows)) for j in range(len(cols))]
    groups = [(left, left + n_new * cell, captions[0])]
    if len(cols) > n_new:
        groups.append((left + n_new * cell, left + grid_w, captions[1]))
    legend_y = top + grid_h + 44 + 16 * (len(groups) - 1)  # one caption line per group
    caption_w = max(g[0] + text_width(g[2]) for g in groups)
    legend_w = max(text_width(t) for _, t in legend) + 30
    width = max(left + grid_w + slant + 10, caption_w + 10, legend_w + 10)
    return Matrix(
        width=width, height=legend_y + 22 * len(legend) + 4, cell=cell, left=left, top=top,
        rows=row_pos, cols=col_pos, cells=cells, groups=groups,
        split_x=left + n_new * cell if len(cols) > n_new else None, legend_y=legend_y,
        legend=legend,
    )
