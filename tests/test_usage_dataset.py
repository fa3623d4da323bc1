"""genai-prices' 1,577 real recorded usage bodies as an external test suite (see tests/usage_dataset.py).

Every body is read; every reading agrees with genai-prices' extraction for the provider that served it,
or falls under one documented rule in data/usage_dataset/disagreements.csv (with the provider document
that decides who is right); and every body both can price costs the same to 1e-9 USD.
"""
import csv
from collections import Counter
from datetime import date, datetime, timezone

import pytest
from genai_prices import Usage as GPUsage
from genai_prices import calc_price

from course_lib.billing import cost
from course_lib.prices import UnknownModelError
from course_lib.usage import normalize
from tests.usage_dataset import DATA, as_reference, entries, reference, reference_counts

AS_OF = date(2026, 6, 15)
TS = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)  # the price book's off-peak time of day


def _rules():
    with open(DATA / "disagreements.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _has(body: dict, dotted: str) -> bool:
    cur = body.get("usage", body)
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return bool(cur)


def _body(e):
    return {k: v for k, v in e["body"].items() if k != "file"}


@pytest.fixture(scope="module")
def readings():
    out = []
    for i, e in enumerate(entries()):
        out.append((i, e, normalize(_body(e)), reference(e)))
    return out


def test_the_dataset_is_the_one_documented():
    assert len(entries()) == 1577
    assert (DATA / "LICENSE").read_text().startswith("MIT License") or "MIT" in (DATA / "LICENSE").read_text()


def test_every_body_is_read(readings):
    """Bedrock Converse, Cohere and embeddings bodies included (240 were unreadable before)."""
    shapes = Counter(u.shape for _, _, u, _ in readings)
    assert shapes["bedrock-converse"] >= 200 and shapes["cohere"] >= 17 and shapes["openai-embeddings"] >= 3
    assert all(u.input_tokens >= 0 for _, _, u, _ in readings)


def test_counts_agree_or_fall_under_one_documented_rule(readings):
    rules = _rules()
    covered = Counter()
    undocumented = []
    tally = Counter()
    for i, e, u, ref in readings:
        if ref is None:
            tally["no reference"] += 1
            continue
        if as_reference(u) == reference_counts(ref[1]):
            tally["agree"] += 1
            continue
        tally["documented"] += 1
        hits = [r for r in rules if r["shape"] == u.shape and _has(e["body"], r["field"])]
        if len(hits) != 1:
            undocumented.append((i, e["body"].get("file"), u.shape, as_reference(u), reference_counts(ref[1])))
        else:
            covered[hits[0]["rule"]] += 1
    assert not undocumented, undocumented[:5]
    for r in rules:
        assert covered[r["rule"]] == int(r["bodies"]), (r["rule"], covered[r["rule"]])
        assert r["source"].startswith("https://") and r["right"] in ("course_lib", "genai-prices")
    assert tally == Counter({"agree": 1542, "documented": 34, "no reference": 1})


def test_prices_agree_with_genai_prices_calc_price(readings):
    tally = Counter()
    worst = 0.0
    for _i, _e, u, ref in readings:
        if ref is None or as_reference(u) != reference_counts(ref[1]) or not u.model:
            continue
        try:
            ours = cost(u, u.model, AS_OF).total_usd
        except UnknownModelError:
            tally["model not in the price book"] += 1  # a clear error, never $0
            continue
        theirs = None
        for name in (u.model, u.model.rsplit("/", 1)[-1]):  # the book reads "vendor/model" as "model" too
            try:
                theirs = float(calc_price(GPUsage(**ref[1]), name, genai_request_timestamp=TS).total_price)
                break
            except LookupError:
                continue
        assert theirs is not None, u.model
        worst = max(worst, abs(ours - theirs))
        tally["priced"] += 1
    assert worst <= 1e-9
    assert tally["priced"] >= 1100


def test_a_model_the_book_lacks_is_an_error_not_zero():
    body = {"model": "meta-llama/llama-4-maverick-17b-128e-instruct",
            "usage": {"prompt_tokens": 10, "completion_tokens": 2}}  # a Groq body of the dataset
    u = normalize(body, provider="groq")
    with pytest.raises(UnknownModelError, match="closest known models"):
        cost(u, u.model)
