"""Extract (prompt text, the provider's own input-token count) pairs from pydantic-ai's recorded test cassettes.

pydantic-ai (MIT) records real API traffic with VCR: each cassette holds the request body sent and the response
body received, whose usage gives the provider's own count of the prompt's tokens. A pair is kept only where the
count can come from the text alone: a plain request (no tools, no output schema, no server-side features such as
context compaction, no streaming) whose system prompt and messages are text only. For Anthropic the count is
input + cache reads + cache writes; for Gemini, promptTokenCount. Identical pairs are kept once.

    python scripts/extract_provider_token_counts.py PATH_TO_PYDANTIC_AI_CHECKOUT

Writes data/token_counts/provider_counts.json (with the commit it read). The course's copy was extracted from
pydantic/pydantic-ai at commit 4fda38988f2939fa6ea9cdefcf120693e10ef491 (2026-08-22).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "data" / "token_counts" / "provider_counts.json"
ANTHROPIC_PLAIN = {"max_tokens", "messages", "model", "system", "stream", "temperature", "top_p", "top_k",
                   "stop_sequences", "metadata"}
GEMINI_PLAIN = {"contents", "systemInstruction", "system_instruction", "generationConfig", "safetySettings"}
GEMINI_CONFIG = {"temperature", "topP", "topK", "maxOutputTokens", "candidateCount", "stopSequences"}


def _texts(blocks) -> list[str] | None:
    out = []
    for b in blocks:
        if isinstance(b, str):
            out.append(b)
        elif b.get("type") == "text" and set(b) <= {"type", "text", "cache_control"}:   # a cache mark adds no token
            out.append(b["text"])
        else:
            return None
    return out


def _anthropic(rb: dict, pb: dict) -> dict | None:
    if set(rb) - ANTHROPIC_PLAIN or rb.get("stream") or "usage" not in pb:
        return None
    sysp = rb.get("system")
    texts = [] if sysp is None else _texts([sysp] if isinstance(sysp, str) else sysp)
    for m in rb.get("messages", []):
        c = m.get("content")
        got = _texts([c] if isinstance(c, str) else c)
        if got is None or texts is None:
            return None
        texts += got
    u = pb["usage"]
    n = sum(u.get(k) or 0 for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"))
    return {"provider": "anthropic", "model": pb.get("model"), "messages": len(rb.get("messages", [])),
            "system": sysp is not None, "reported_input_tokens": n, "text": "\n".join(texts)}


def _gemini(rb: dict, pb: dict) -> dict | None:
    if set(rb) - GEMINI_PLAIN or set(rb.get("generationConfig") or {}) - GEMINI_CONFIG or "usageMetadata" not in pb:
        return None
    texts = []
    si = rb.get("systemInstruction") or rb.get("system_instruction")
    for part in [*(si or {}).get("parts", []), *(p for c in rb.get("contents", []) for p in c.get("parts", []))]:
        if set(part) - {"text", "thoughtSignature", "thought_signature"} or "text" not in part:
            return None
        texts.append(part["text"])
    return {"provider": "google", "model": pb.get("modelVersion"), "messages": len(rb.get("contents", [])),
            "system": si is not None, "reported_input_tokens": pb["usageMetadata"].get("promptTokenCount"),
            "text": "\n".join(texts)}


def main(repo: str) -> None:
    def git(*a):
        return subprocess.run(["git", "-C", repo, *a], capture_output=True, text=True, check=True).stdout
    commit = git("rev-parse", "HEAD").strip()
    rows, seen = [], set()
    for f in sorted(git("ls-tree", "-r", "--name-only", "HEAD", "tests").splitlines()):
        if not (f.endswith(".yaml") and "cassettes" in f):
            continue
        try:
            doc = yaml.safe_load(git("show", f"HEAD:{f}")) or {}
        except (yaml.YAMLError, subprocess.CalledProcessError):   # unparsable, or a large file not in the snapshot
            continue
        for it in doc.get("interactions") or []:
            req, resp = it.get("request") or {}, it.get("response") or {}
            rb, pb, uri = req.get("parsed_body"), resp.get("parsed_body"), req.get("uri", "")
            if not (isinstance(rb, dict) and isinstance(pb, dict)):
                continue
            row = None
            if "api.anthropic.com/v1/messages" in uri and "count_tokens" not in uri:
                row = _anthropic(rb, pb)
            elif "generativelanguage.googleapis.com" in uri and ":generateContent" in uri:
                row = _gemini(rb, pb)
            if row is None:
                continue
            key = (row["model"], row["text"], row["reported_input_tokens"])
            if key not in seen:
                seen.add(key)
                rows.append({**row, "cassette": f})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"source": "https://github.com/pydantic/pydantic-ai", "commit": commit,
                               "licence": "MIT (LICENSE beside this file)", "pairs": rows}, indent=1,
                              ensure_ascii=False) + "\n")
    print(f"{len(rows)} pairs from {commit} -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
