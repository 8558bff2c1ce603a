"""Charts of a pack as SVG, drawn from counts only (no text from the data goes into them)."""

from __future__ import annotations

CELL = 36


def heat_map_svg(cells: dict[tuple[int, int], int], size: int = 5) -> str:
    """Likelihood (rows, high at the top) × impact (columns) with the number of risks."""
    width = height = CELL * (size + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for likelihood in range(1, size + 1):
        y = (size - likelihood) * CELL
        parts.append(
            f'<text x="{CELL / 2}" y="{y + CELL / 2 + 4}" font-size="10" '
            f'text-anchor="middle">L{likelihood}</text>'
        )
        for impact in range(1, size + 1):
            x = impact * CELL
            score = likelihood * impact
            fill = "#f8d7da" if score >= 16 else "#fff3cd" if score >= 5 else "#d1e7dd"
            count = int(cells.get((likelihood, impact), 0))
            parts.append(
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}" '
                'stroke="#555" stroke-width="0.5"/>'
            )
            if count:
                parts.append(
                    f'<text x="{x + CELL / 2}" y="{y + CELL / 2 + 4}" font-size="11" '
                    f'text-anchor="middle">{count}</text>'
                )
    for impact in range(1, size + 1):
        parts.append(
            f'<text x="{impact * CELL + CELL / 2}" y="{size * CELL + CELL / 2 + 4}" '
            f'font-size="10" text-anchor="middle">I{impact}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
