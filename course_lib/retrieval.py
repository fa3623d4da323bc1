"""Retrieval for the RAG version of the review assistant (notebook ``02_review_assistant``).

BM25 (``rank-bm25``) over line-based chunks of the sample project. ``chunk_lines``
and ``top_k`` are the knobs: the retrieved chunks become input tokens on every
review, so they are the bulk of V2's bill (RAG 的 input 是成本大头).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rank_bm25 import BM25Okapi

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")


def words(text: str) -> list[str]:
    """Lower-case identifier and number tokens; snake_case is also split into its parts. Taught in notebook ``02_review_assistant``."""
    out = []
    for w in _WORD.findall(text):
        lw = w.lower()
        out.append(lw)
        if "_" in lw:
            out.extend(p for p in lw.split("_") if p)
    return out


@dataclass(frozen=True)
class Chunk:
    """A piece of a project file that retrieval can return. Taught in notebook ``02_review_assistant``."""
    path: str
    start: int  # first line, 1-based
    text: str

    @property
    def label(self) -> str:
        return f"{self.path}:{self.start}-{self.start + self.text.count(chr(10))}"


def chunk_files(root: Path, chunk_lines: int = 40, pattern: str = "**/*.py") -> list[Chunk]:
    """Split every matching file under ``root`` into chunks of ``chunk_lines`` lines. Taught in notebook ``02_review_assistant``."""
    if not isinstance(chunk_lines, int) or chunk_lines < 1:
        raise ValueError(f"chunk_lines: expected a positive number of lines, got {chunk_lines!r}")
    chunks = []
    for f in sorted(Path(root).glob(pattern)):
        lines = f.read_text(encoding="utf-8").splitlines()
        for i in range(0, len(lines), chunk_lines):
            text = "\n".join(lines[i:i + chunk_lines])
            if text.strip():
                chunks.append(Chunk(f.relative_to(root).as_posix(), i + 1, text))
    return chunks


class Index:
    """A BM25 index over chunks. Taught in notebook ``02_review_assistant``."""

    def __init__(self, chunks: list[Chunk]):
        if not chunks:
            raise ValueError("chunks: nothing to index")
        self.chunks = chunks
        self._bm25 = BM25Okapi([words(c.path + "\n" + c.text) for c in chunks])

    def search(self, query: str, top_k: int = 5) -> list[tuple[Chunk, float]]:
        """The ``top_k`` best chunks for ``query``, best first (ties keep file order)."""
        if not isinstance(top_k, int) or top_k < 0:
            raise ValueError(f"top_k: expected a non-negative integer, got {top_k!r}")
        scores = self._bm25.get_scores(words(query))
        order = sorted(range(len(self.chunks)), key=lambda i: (-scores[i], i))[:top_k]
        return [(self.chunks[i], float(scores[i])) for i in order]
