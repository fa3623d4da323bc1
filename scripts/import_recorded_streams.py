"""Copy three real recorded streams from pydantic-ai's test cassettes into data/responses/.

The tests cut these streams short to check that a stream without its provider's final usage event is
refused (course_lib.usage.normalize_stream). Usage:

    python scripts/import_recorded_streams.py PATH_TO_PYDANTIC_AI_CHECKOUT COMMIT

Each cassette's response body is Server-Sent Events text; every ``data:`` line is kept, in order, as one
event (``[DONE]`` dropped). pydantic-ai is MIT-licensed (Copyright (c) Pydantic Services Inc.).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parent.parent / "data" / "responses"
REPO = "https://github.com/pydantic/pydantic-ai"

STREAMS = {
    "anthropic_stream_recorded": ("anthropic", "tests/models/cassettes/test_anthropic/"
                                  "test_anthropic_model_thinking_part_stream.yaml", 0),
    "gemini_stream_recorded": ("gemini", "tests/models/cassettes/test_google/"
                               "test_google_stream_usage_is_live_mid_stream.yaml", 0),
    "openai_chat_stream_recorded": ("openai-chat", "tests/models/cassettes/test_openai/"
                                    "test_run_stream_sync_streams_real_model.yaml", 1),
}


def events(sse: str) -> list[dict]:
    out = []
    for line in sse.replace("\r\n", "\n").split("\n"):
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            out.append(json.loads(line[5:]))
    return out


def main(checkout: str, commit: str) -> None:
    for name, (shape, path, interaction) in STREAMS.items():
        cassette = yaml.safe_load((Path(checkout) / path).read_text())
        item = cassette["interactions"][interaction]
        body = events(item["response"]["body"]["string"])
        record = {"shape": shape, "kind": "recorded (real traffic)",
                  "source": f"{REPO}/blob/{commit}/{path} (interaction {interaction}; request to "
                            f"{item['request']['uri']}); pydantic-ai test cassette, MIT licence",
                  "recorded": f"pydantic-ai commit {commit}", "body": body}
        (OUT / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{name}: {len(body)} events")


if __name__ == "__main__":
    main(*sys.argv[1:3])
