"""Rendering a pack: WeasyPrint section by section, part by part, then one PDF/A-3b file.

Memory stays flat whatever the size of the registers: a section's tables are read with
database iterators and laid out `ROWS_PER_PART` rows at a time, each part a separate
WeasyPrint document written to a temporary file (long tables repeat their header on every
page inside a part, and every part starts with it). The parts are laid out by one helper
process per core (monitoring.packs.part_pool) while this process reads the next ones; the
CSV attachments and the pack's JSON are written in the same pass. When the body is done its
page count is known, so the front matter (cover and table of contents with page numbers) is
rendered last, as the PDF/A-3b document that carries the attachments; the body's pages are
appended to it (pypdf) and every page gets its running footer "page X of Y" from an overlay
with one line per page, laid out by the helpers in pieces while the front matter is.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from isms import tabular
from monitoring.packs.part_pool import PartRenderer, render_part
from monitoring.packs.sections import SECTIONS, Chart, Facts, Note, PackContext, Table

ROWS_PER_PART = 400
FOOTER_PAGES_PER_PART = 200
FRONT_PAGES = 2  # cover and contents, as assumed before the contents are laid out
PAGE_SIZE = "A4 landscape"


class Cancelled(Exception):
    pass


@dataclass
class BodySection:
    key: str
    title: str
    first_page: int  # 1-based within the body
    pages: int = 0


@dataclass
class RenderResult:
    pdf_path: Path
    pages: int
    sections: list[BodySection]
    attachments: dict[str, Path]  # name in the PDF/ZIP -> file
    seconds: float = 0.0


@dataclass
class _State:
    workdir: Path
    header: dict
    renderer: PartRenderer
    parts: list[tuple[Path, BodySection, Future]] = field(default_factory=list)
    body_pages: int = 0

    def count_pages(self) -> None:
        """Once every part is rendered: each section's first page and length in the body."""
        for _, section, future in self.parts:
            pages = future.result()
            if not section.pages:
                section.first_page = self.body_pages + 1
            section.pages += pages
            self.body_pages += pages


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _weasy(html: str, target: Path, **options) -> int:
    return render_part(html, str(target), options)


def _flush(state: _State, section: BodySection, blocks: list, first: bool) -> None:
    if not blocks and not first:
        return
    html = render_to_string(
        "packs/pdf/part.html",
        {
            "page_size": PAGE_SIZE,
            "header": state.header,
            "section": section,
            "heading": first,
            "blocks": blocks,
        },
    )
    target = state.workdir / f"part-{len(state.parts):05d}.pdf"
    state.parts.append((target, section, state.renderer.submit(html, target)))
    blocks.clear()


def _table_rows(table: Table, writer, json_out) -> tuple[list[str], object]:
    headers = [header for header, _ in table.columns]

    def rows():
        for obj in table.rows:
            values = [_text(getter(obj)) for _, getter in table.columns]
            if writer is not None:
                writer.writerow([tabular.cell(v) for v in values])
            json_out.append(values)
            yield values

    return headers, rows()


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def render_body(
    ctx: PackContext,
    section_keys: list[str],
    workdir: Path,
    header: dict,
    *,
    renderer: PartRenderer,
    progress: Callable[[int, str], None] = lambda done, current: None,
    section_scope: Callable = contextlib.nullcontext,
) -> tuple[_State, list[BodySection], dict[str, Path]]:
    state = _State(workdir=workdir, header=header, renderer=renderer)
    registers: dict[str, Path] = {}
    data_path = workdir / "pack.json"
    sections: list[BodySection] = []
    with open(data_path, "w", encoding="utf-8") as data:
        data.write('{"pack":' + json.dumps(header, sort_keys=True) + ',"sections":[')
        for index, key in enumerate(section_keys):
            spec = SECTIONS[key]
            progress(index, spec.title)
            section = BodySection(key, spec.title, first_page=0)
            sections.append(section)
            data.write(("," if index else "") + json.dumps({"key": key, "title": spec.title})[:-1])
            data.write(',"blocks":[')
            with section_scope():
                blocks: list = []
                rows_in_part = 0
                first = True
                block_index = 0
                for block in spec.build(ctx):
                    data.write("," if block_index else "")
                    block_index += 1
                    if not isinstance(block, Table):
                        blocks.append(block)
                        data.write(json.dumps(_block_json(block)))
                        continue
                    csv_file = None
                    writer = None
                    if block.register:
                        path = workdir / f"{block.register}.csv"
                        csv_file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
                        writer = csv.writer(csv_file)
                        writer.writerow([h for h, _ in block.columns])
                        registers[f"registers/{block.register}.csv"] = path
                    data.write(
                        '{"type":"table","title":'
                        + json.dumps(block.title)
                        + ',"columns":'
                        + json.dumps([h for h, _ in block.columns])
                        + ',"rows":['
                    )
                    json_rows: list = []
                    headers, rows = _table_rows(block, writer, json_rows)
                    chunk: list = []
                    continued = False
                    written = 0
                    for values in rows:
                        chunk.append(values)
                        if rows_in_part + len(chunk) >= ROWS_PER_PART:
                            blocks.append(_chunk(block, headers, chunk, continued))
                            _flush(state, section, blocks, first)
                            first, continued, rows_in_part, chunk = False, True, 0, []
                        if len(json_rows) >= 500:
                            written = _dump_rows(data, json_rows, written)
                    if chunk or not continued:
                        blocks.append(_chunk(block, headers, chunk, continued))
                        rows_in_part += len(chunk) + 5
                    _dump_rows(data, json_rows, written)
                    data.write("]}")
                    if csv_file is not None:
                        csv_file.close()
                _flush(state, section, blocks, first)
            data.write("]}")
        data.write("]}")
    state.count_pages()
    progress(len(section_keys), "")
    return state, sections, {"pack.json": data_path, **dict(sorted(registers.items()))}


def _dump_rows(data, rows: list, written: int) -> int:
    for values in rows:
        data.write(("," if written else "") + json.dumps(values, ensure_ascii=False))
        written += 1
    rows.clear()
    return written


def _chunk(table: Table, headers, rows, continued: bool) -> dict:
    return {
        "type": "table",
        "title": table.title + (" (continued)" if continued else ""),
        "headers": headers,
        "rows": rows,
        "empty": table.empty,
    }


def _block_json(block) -> dict:
    if isinstance(block, Facts):
        return {"type": "facts", "title": block.title, "items": block.items}
    if isinstance(block, Note):
        return {"type": "note", "text": block.text}
    if isinstance(block, Chart):
        return {"type": "chart", "title": block.title}
    return {"type": type(block).__name__.lower()}


def render_front(
    header: dict, sections: list[BodySection], workdir: Path, attachments: list, front_pages=2
) -> tuple[Path, int]:
    """Cover and contents as the PDF/A-3b document, with the attachments; rendered again
    if the contents took a different number of pages than assumed."""
    from weasyprint import Attachment

    target = workdir / "front.pdf"
    for _ in range(3):
        html = render_to_string(
            "packs/pdf/front.html",
            {
                "page_size": PAGE_SIZE,
                "header": header,
                "toc": [(s.title, s.first_page + front_pages) for s in sections],
            },
        )
        pages = _weasy(
            html,
            target,
            pdf_variant="pdf/a-3b",
            attachments=[
                Attachment(string=data, name=name, description=name) for name, data in attachments
            ],
            uncompressed_pdf=False,
        )
        if pages == front_pages:
            return target, pages
        front_pages = pages
    return target, pages


def footer_overlay(total: int, workdir: Path, renderer: PartRenderer) -> list[tuple[Path, Future]]:
    """One page per page of the pack, each with its "page X of Y" where the running footer
    goes; cut into several documents laid out side by side when the pool runs."""
    size = FOOTER_PAGES_PER_PART if renderer.is_parallel else total
    overlays = []
    for start in range(1, total + 1, size):
        target = workdir / f"footer-{total}-{start:06d}.pdf"
        html = render_to_string(
            "packs/pdf/footer.html",
            {
                "page_size": PAGE_SIZE,
                "total": total,
                "numbers": range(start, min(start + size, total + 1)),
            },
        )
        overlays.append((target, renderer.submit(html, target)))
    return overlays


def assemble(front: Path, parts: list[Path], overlays: list[Path], target: Path) -> int:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=str(front))
    for part in parts:
        for page in PdfReader(part).pages:
            writer.add_page(page)
    footers = [page for overlay in overlays for page in PdfReader(overlay).pages]
    for index, page in enumerate(writer.pages):
        page.merge_page(footers[index])
        # Merging leaves the page's content uncompressed: ten times the size (a 1,288-page
        # pack was 58 MB) for about half a millisecond a page saved.
        page.compress_content_streams()
    with open(target, "wb") as handle:
        writer.write(handle)
    return len(writer.pages)


def render_pack(
    ctx: PackContext,
    section_keys: list[str],
    workdir: Path,
    header: dict,
    *,
    manifest_for: Callable[[dict[str, Path]], list[tuple[str, bytes]]],
    progress: Callable[[int, str], None] = lambda done, current: None,
    section_scope: Callable = contextlib.nullcontext,
) -> RenderResult:
    started = time.monotonic()
    with PartRenderer() as renderer:
        # Started before the first query: the helpers' start-up overlaps the first sections'.
        renderer.parallel()
        state, sections, attachments = render_body(
            ctx,
            section_keys,
            workdir,
            header,
            renderer=renderer,
            progress=progress,
            section_scope=section_scope,
        )
        for item in ctx.extra.get("evidence_files", []):
            path = workdir / f"evidence-{item.pk}"
            with item.file.open("rb") as source, open(path, "wb") as out:
                out.write(source.read())
            attachments[f"evidence/{item.pk}-{Path(item.file.name).name}"] = path
        embedded = [(name, path.read_bytes()) for name, path in attachments.items()]
        embedded += manifest_for(attachments)
        # The footers are laid out (in the pool) while the front matter is.
        overlays = footer_overlay(FRONT_PAGES + state.body_pages, workdir, renderer)
        front, front_pages = render_front(header, sections, workdir, embedded, FRONT_PAGES)
        if front_pages != FRONT_PAGES:
            overlays = footer_overlay(front_pages + state.body_pages, workdir, renderer)
        for _, future in overlays:
            future.result()
    target = workdir / "pack.pdf"
    pages = assemble(
        front, [part for part, _, _ in state.parts], [path for path, _ in overlays], target
    )
    for section in sections:
        section.first_page += front_pages
    return RenderResult(target, pages, sections, attachments, seconds=time.monotonic() - started)


def now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")
