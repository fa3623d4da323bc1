"""Rebuild the excerpts in data/own_logs/real/ that are not whole upstream files, from git checkouts of their
repositories (the commits named in data/own_logs/real/README.md). Offline once the checkouts exist; nothing is fetched.

    python scripts/extract_real_exports.py --langfuse PATH --openinference PATH [--check]

What it does, file by file (every value is kept as written; only whole fields or whole spans are left out):
- langfuse_trace_*.json: Langfuse's seeder traces (downloads from its UI) without the ``input``, ``output`` and
  ``metadata`` fields of the trace and of each observation (prompt and answer text);
- otel_openlit_*.json, otel_openllmetry_*.json: the ``resourceSpan`` object literal of two Langfuse tests, evaluated
  by Node.js (a TypeScript literal, not JSON) and written as JSON inside ``{"resourceSpans": [...]}``;
- otel_vercel_ai_sdk_6_*.json: OpenInference's captured Vercel AI SDK spans without the two embedding spans.
``--check`` compares with the committed files instead of writing them. The whole-file copies (LiteLLM's payloads,
any-agent's trace) are not rebuilt: they are the upstream bytes.
"""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "data" / "own_logs" / "real"
LANGFUSE_TRACES = ("openai-agents-2025-09-30", "google-gemini-2025-08-01", "langgraph-2025-08-22",
                   "microsoft-agent-2025-10-14")
LANGFUSE_SPAN_TESTS = {"otel_openlit_1.27_span_langfuse_tests.json": "should convert an OpenLit OTel Span",
                       "otel_openllmetry_0.33.9_span_langfuse_tests.json": "should convert a TraceLoop OTel Span"}
TEXT_FIELDS = ("input", "output", "metadata")
_NODE = r"""
const fs = require("fs");
const [file, title] = process.argv.slice(1);
const lines = fs.readFileSync(file, "utf8").split("\n");
let i = lines.findIndex((l) => l.includes(title));
while (!lines[i].includes("const resourceSpan = {")) i++;
let j = i;
while (!/^      };\s*$/.test(lines[j])) j++;
const body = lines.slice(i, j + 1).join("\n").replace("const resourceSpan = ", "").replace(/;\s*$/, "");
process.stdout.write(JSON.stringify({resourceSpans: [eval("(" + body + ")")]}, null, 1));
"""


def langfuse_trace(path: Path) -> str:
    d = json.loads(path.read_text(encoding="utf-8"))
    d["trace"] = {k: v for k, v in d["trace"].items() if k not in TEXT_FIELDS}
    d["observations"] = [{k: v for k, v in o.items() if k not in TEXT_FIELDS} for o in d["observations"]]
    return json.dumps(d, indent=2, ensure_ascii=False)


def langfuse_span(test_file: Path, title: str) -> str:
    return subprocess.run(["node", "-e", _NODE, str(test_file), title], capture_output=True, text=True, check=True,
                          timeout=60).stdout


def vercel_spans(path: Path) -> str:
    spans = [s for s in json.loads(path.read_text(encoding="utf-8")) if not s["name"].startswith("ai.embed")]
    return json.dumps(spans, indent=2, ensure_ascii=False)


def build(langfuse: Path, openinference: Path) -> dict[str, str]:
    seeder = langfuse / "packages/shared/scripts/seeder/utils/framework-traces"
    otel_test = langfuse / "web/src/__tests__/server/api/otel/otelMapping.servertest.ts"
    out = {f"langfuse_trace_{name}.json": langfuse_trace(seeder / f"{name}.json") for name in LANGFUSE_TRACES}
    out.update({name: langfuse_span(otel_test, title) for name, title in LANGFUSE_SPAN_TESTS.items()})
    out["otel_vercel_ai_sdk_6_spans_openinference_capture.json"] = vercel_spans(
        openinference / "js/packages/openinference-vercel/test/__fixtures__/v6-spans/all-spans.json")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--langfuse", type=Path, required=True, help="a checkout of langfuse/langfuse")
    ap.add_argument("--openinference", type=Path, required=True, help="a checkout of Arize-ai/openinference")
    ap.add_argument("--check", action="store_true", help="compare with the committed files; write nothing")
    args = ap.parse_args(argv)
    differ = []
    for name, text in build(args.langfuse, args.openinference).items():
        if args.check:
            if (REAL / name).read_text(encoding="utf-8") != text:
                differ.append(name)
        else:
            (REAL / name).write_text(text, encoding="utf-8")
    for name in differ:
        print(f"differs from the committed file: {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
