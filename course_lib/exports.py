"""Read the usage exports teams already have into one table of calls (notebook ``06_your_own_bill``).

Each reader turns one documented export format into the *canonical* columns of
:data:`CANONICAL` (one row per call or per bucket of calls), which
:mod:`course_lib.logs` prices. A reader never stops at a bad row: it keeps a
row-by-row list of what it could not read (:class:`Export.errors`) and reads
the rest. A count the export does not give is left empty (``None``), never 0:
billing then says it was not reported.

Formats (see ``FORMATS``), each after the provider's own documentation:

* ``openai-usage``: OpenAI organisation Usage API, completions
  (https://platform.openai.com/docs/api-reference/usage/completions), and
  ``openai-costs``: its Costs API (https://platform.openai.com/docs/api-reference/usage/costs);
* ``anthropic-usage``: Anthropic Admin API usage report for messages, and
  ``anthropic-cost``: its cost report (https://docs.claude.com/en/api/admin-api/usage-cost/get-messages-usage-report,
  .../get-cost-report; amounts are in cents);
* ``openrouter``: OpenRouter's activity export, ``GET /api/v1/activity``
  (https://openrouter.ai/docs/api/api-reference/analytics/get-user-activity);
* ``litellm``: LiteLLM proxy spend logs, ``GET /spend/logs`` (https://docs.litellm.ai/docs/proxy/cost_tracking),
  or the StandardLoggingPayload its loggers write (https://docs.litellm.ai/docs/proxy/logging_spec);
* ``langfuse``: Langfuse observations, ``GET /api/public/observations`` (usageDetails, costDetails;
  https://langfuse.com/docs/observability/features/token-and-cost-tracking);
* ``otel``: OpenTelemetry GenAI spans (``gen_ai.usage.*``; OTLP JSON as the collector's file exporter
  writes it or protobuf.js decodes it, or the OpenTelemetry JS or Python SDK's finished spans as JSON), or the
  course meter's own table (:meth:`course_lib.meter.CostMeter.calls`);
* ``responses``: a JSON Lines file of raw response bodies, read by :func:`course_lib.usage.normalize`;
* ``csv``: a plain table (CSV, JSON Lines or Parquet) with the canonical column names.
"""
from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import usage as usage_mod
from .meter import OTEL_TOKEN_ATTRIBUTES

#: The canonical columns. ``timestamp``, ``model``, ``input_tokens`` and ``output_tokens`` are required;
#: ``input_tokens`` includes cached and audio input, ``output_tokens`` includes reasoning and audio output;
#: ``service_tier`` is the tier that served the call (empty, "default" or "auto": standard; "flex", "priority", ...).
CANONICAL = ("timestamp", "model", "requests", "input_tokens", "output_tokens", "cache_read_tokens",
             "cache_write_tokens", "cache_write_1h_tokens", "reasoning_tokens", "input_audio_tokens",
             "output_audio_tokens", "web_searches", "batch", "service_tier", "long_context", "project", "api_key",
             "feature", "reported_cost_usd", "reported_currency")
REQUIRED = CANONICAL[:2] + ("input_tokens", "output_tokens")
FORMATS = ("openai-usage", "openai-costs", "anthropic-usage", "anthropic-cost", "openrouter", "litellm",
           "langfuse", "otel", "responses", "csv")
#: The columns of a cost export once read (amounts in USD).
COST_COLUMNS = ["day", "model", "provider", "project", "item", "amount_usd"]
#: Exports that carry reported costs only (no tokens): they are reconciled against, not priced.
COST_FORMATS = ("openai-costs", "anthropic-cost")


@dataclass
class Export:
    """What a reader made of one file: the calls (canonical columns), the row errors, reported costs.

    Taught in notebook ``06_your_own_bill``."""

    path: str
    format: str
    rows: pd.DataFrame
    errors: list = field(default_factory=list)   # dicts: source, source_row, field, message
    costs: pd.DataFrame | None = None             # COST_COLUMNS
    notes: list = field(default_factory=list)

    def error_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.errors, columns=["source", "source_row", "field", "message"])


def _iso(ts) -> str | None:
    """An ISO-8601 UTC string from unix seconds or an ISO string; None when absent."""
    if ts is None or ts == "":
        return None
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(ts)


def _bucket_time(start, end) -> str | None:
    """A bucket's start; date only when the bucket is a day or longer (its time of day says nothing)."""
    s = _iso(start)
    if s is None:
        return None
    try:
        a = pd.Timestamp(s)
        b = pd.Timestamp(_iso(end)) if end not in (None, "") else None
    except ValueError:
        return s
    if b is not None and (b - a) > pd.Timedelta(hours=1):
        return s[:10]
    return s


class _Rows:
    """Collects canonical rows and row errors for one file."""

    def __init__(self, path: str, fmt: str):
        self.path, self.fmt = path, fmt
        self.rows: list[dict] = []
        self.errors: list[dict] = []
        self.notes: list[str] = []

    def error(self, row: int, fld: str, message: str) -> None:
        self.errors.append({"source": Path(self.path).name, "source_row": row, "field": fld, "message": message})

    def add(self, row: int, **values) -> None:
        values["source_row"] = row
        self.rows.append(values)

    def export(self, costs: pd.DataFrame | None = None) -> Export:
        df = pd.DataFrame(self.rows)
        for c in CANONICAL:
            if c not in df:
                df[c] = None
        df = df[["source_row", *CANONICAL]] if len(df) else pd.DataFrame(columns=["source_row", *CANONICAL])
        return Export(self.path, self.fmt, df, self.errors, costs, self.notes)


def _records(text: str, path: str):
    """The JSON records of a file: a JSON document, or JSON Lines (one document per line)."""
    text = text.strip()
    if not text:
        raise ValueError(f"{path}: the file is empty")
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        out = []
        for i, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}: line {i} is not JSON ({e.msg})") from None
        return out


def _items(records, key: str = "data"):
    """Items of paged API responses (``{"data": [...]}``), of a bare list, or of JSON Lines of items."""
    for rec in records:
        if isinstance(rec, dict) and isinstance(rec.get(key), list):
            yield from rec[key]
        elif isinstance(rec, list):
            yield from rec
        else:
            yield rec


def _get(d, *keys, default=None):
    """First present key (several spellings: snake_case API, camelCase SDK)."""
    for k in keys:
        if isinstance(d, dict) and d.get(k) is not None:
            return d[k]
    return default


def _results(records, start: str, end: str):
    """(row number, bucket time, result) for every result of every time bucket of a usage or cost report."""
    n = 0
    for bucket in _items(records):
        when = _bucket_time(bucket.get(start), bucket.get(end))
        for r in bucket.get("results") or []:
            n += 1
            yield n, when, r


# --- OpenAI ----------------------------------------------------------------------------------------------
#: OpenAI's Usage API writes a batch call's tier as "batch"; every other tier (default, flex, priority, scale, ...)
#: goes into the row's ``service_tier`` and the price book prices it, or refuses it by name (scale: by contract).
_COUNTS_OPENAI = ("num_model_requests", "input_tokens", "output_tokens", "input_cached_tokens",
                  "input_uncached_tokens", "input_audio_tokens", "output_audio_tokens")


def _openai_usage(records, path) -> Export:
    out = _Rows(path, "openai-usage")
    empty = 0
    for n, when, r in _results(records, "start_time", "end_time"):
        if r.get("object") not in (None, "organization.usage.completions.result"):
            out.error(n, "object", f"expected organization.usage.completions.result, got {r.get('object')!r}")
            continue
        if all(r.get(k) in (None, "") for k in _COUNTS_OPENAI) and not r.get("model"):
            empty += 1   # the dashboard export writes a bucket with no usage as an empty row
            continue
        if not r.get("model"):
            out.error(n, "model", "null: query the Usage API with group_by=model so each bucket names its model")
            continue
        tier = r.get("service_tier")
        tier = tier.strip().lower() if isinstance(tier, str) else tier
        try:
            c = {k: _count(r.get(k)) for k in _COUNTS_OPENAI}
            audio_in, audio_out = c["input_audio_tokens"] or 0, c["output_audio_tokens"] or 0
            if c["input_tokens"] is None or c["output_tokens"] is None:
                raise KeyError("input_tokens" if c["input_tokens"] is None else "output_tokens")
            if c["input_uncached_tokens"] is not None and c["input_cached_tokens"] is not None and \
                    c["input_cached_tokens"] + c["input_uncached_tokens"] != c["input_tokens"]:
                out.error(n, "input_uncached_tokens", f"{c['input_uncached_tokens']} + input_cached_tokens "
                          f"{c['input_cached_tokens']} is not input_tokens {c['input_tokens']}")
                continue
            tier, by_tier = usage_mod.batch_or_tier(tier)
            batch = True if by_tier else _flag(r.get("batch"))
            out.add(n, timestamp=when, model=r["model"], requests=c["num_model_requests"], service_tier=tier,
                    input_tokens=c["input_tokens"] + audio_in, output_tokens=c["output_tokens"] + audio_out,
                    # OpenAI bills no cache write; the Usage API gives no reasoning split
                    cache_read_tokens=c["input_cached_tokens"], cache_write_tokens=0,
                    input_audio_tokens=audio_in, output_audio_tokens=audio_out,
                    batch=batch, project=r.get("project_id") or None, api_key=r.get("api_key_id") or None)
        except (KeyError, TypeError, ValueError) as e:
            out.error(n, str(e).strip("'"), "missing or not a whole number in this result")
    if empty:
        out.notes.append(f"{empty} bucket(s) with no usage (empty rows): nothing to price")
    if any(r["batch"] is None for r in out.rows):
        out.notes.append("batch not given (query with group_by=batch): those rows are priced as interactive")
    return out.export()


def _count(v):
    """A count as written by an API (int) or a spreadsheet export ("10.0"): an int, None when empty."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError(f"{v!r} is not a count")
    f = float(v)
    if f != int(f) or f < 0:
        raise ValueError(f"{v!r} is not a whole, non-negative count")
    return int(f)


def _flag(v):
    """true/false as JSON or a spreadsheet writes it ("FALSE"); None when not given."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    t = str(v).strip().lower()
    if t in ("true", "1", "yes"):
        return True
    if t in ("false", "0", "no"):
        return False
    raise ValueError(f"{v!r} is not true or false")


def _openai_costs(records, path) -> Export:
    out = _Rows(path, "openai-costs")
    costs, empty = [], 0
    for n, when, r in _results(records, "start_time", None):
        day = (when or "")[:10]
        amount = r.get("amount") or {}
        value, cur = amount.get("value"), amount.get("currency")
        if value in (None, "") and cur in (None, ""):
            empty += 1
            continue
        if str(cur or "").upper() != "USD":
            out.error(n, "amount.currency", f"{cur!r} not accepted; accepted: usd")
            continue
        costs.append({"day": day, "model": None, "provider": "openai", "project": r.get("project_id") or None,
                      "item": r.get("line_item") or "all", "amount_usd": float(value)})
    if empty:
        out.notes.append(f"{empty} day(s) with no cost (empty rows)")
    return out.export(pd.DataFrame(costs, columns=COST_COLUMNS))


def _dashboard_buckets(table: pd.DataFrame) -> list[dict]:
    """OpenAI's dashboard export (CSV or TSV: one row per bucket and group, unix ``start_time``) as the API's
    buckets, so one reader reads both. Cost rows (``amount_value``, ``amount_currency``) become ``amount``."""
    buckets = []
    for r in table.to_dict("records"):
        r = {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        if "amount_value" in r:
            r["amount"] = {"value": r.pop("amount_value"), "currency": r.pop("amount_currency", None)}
        start = _count(r.get("start_time"))
        end = _count(r.get("end_time"))
        buckets.append({"start_time": start, "end_time": end, "results": [r]})
    return buckets


# --- Anthropic ---------------------------------------------------------------------------------------------
_TIERS_ANTHROPIC = {"standard": False, "batch": True}


def _anthropic_usage(records, path) -> Export:
    out = _Rows(path, "anthropic-usage")
    for n, when, r in _results(records, "starting_at", "ending_at"):
        tier = r.get("service_tier") or "standard"
        if tier not in _TIERS_ANTHROPIC:
            out.error(n, "service_tier", f"{tier!r} has no price in the book; accepted: standard, batch")
            continue
        if not r.get("model"):
            out.error(n, "model", "null: query the usage report with group_by[]=model")
            continue
        cw = r.get("cache_creation") or {}
        try:
            w5, w1 = cw.get("ephemeral_5m_input_tokens") or 0, cw.get("ephemeral_1h_input_tokens") or 0
            read = r["cache_read_input_tokens"]
            window = r.get("context_window")
            out.add(n, timestamp=when, model=r["model"], requests=None,
                    input_tokens=r["uncached_input_tokens"] + read + w5 + w1, output_tokens=r["output_tokens"],
                    cache_read_tokens=read, cache_write_tokens=w5 + w1, cache_write_1h_tokens=w1,
                    web_searches=(r.get("server_tool_use") or {}).get("web_search_requests") or 0,
                    batch=_TIERS_ANTHROPIC[tier],
                    long_context=None if window is None else window != "0-200k",
                    project=r.get("workspace_id"), api_key=r.get("api_key_id"))
        except (KeyError, TypeError) as e:
            out.error(n, str(e).strip("'"), "missing or not a number in this result")
    return out.export()


def _anthropic_cost(records, path) -> Export:
    out = _Rows(path, "anthropic-cost")
    costs = []
    for n, when, r in _results(records, "starting_at", None):
        day = (when or "")[:10]
        if str(r.get("currency", "USD")).upper() != "USD":
            out.error(n, "currency", f"{r.get('currency')!r} not accepted; accepted: USD")
            continue
        try:
            cents = float(r["amount"])   # "lowest currency units (e.g. cents) as a decimal string"
        except (KeyError, TypeError, ValueError):
            out.error(n, "amount", f"expected a decimal string of cents, got {r.get('amount')!r}")
            continue
        costs.append({"day": day, "model": r.get("model"), "provider": "anthropic", "project": r.get("workspace_id"),
                      "item": r.get("token_type") or r.get("cost_type") or "all", "amount_usd": cents / 100})
    return out.export(pd.DataFrame(costs, columns=COST_COLUMNS))


# --- gateways and observability ------------------------------------------------------------------------------
def _openrouter(records, path) -> Export:
    out = _Rows(path, "openrouter")
    for n, r in enumerate(_items(records), 1):
        try:
            cost = float(_get(r, "usage", default=0)) + float(_get(r, "byok_usage_inference", "byokUsageInference",
                                                                    default=0))
            out.add(n, timestamp=r["date"], model=_get(r, "model_permaslug", "modelPermaslug", "model"),
                    requests=r["requests"], input_tokens=_get(r, "prompt_tokens", "promptTokens"),
                    output_tokens=_get(r, "completion_tokens", "completionTokens"),
                    reasoning_tokens=_get(r, "reasoning_tokens", "reasoningTokens"),
                    # the activity export gives no cache split: not reported, never 0
                    cache_read_tokens=None, cache_write_tokens=None,
                    api_key=_get(r, "api_key_hash"), feature=_get(r, "provider_name", "providerName"),
                    reported_cost_usd=cost, reported_currency="USD")
        except (KeyError, TypeError, ValueError) as e:
            out.error(n, str(e).strip("'"), "missing or not a number in this activity item")
    out.notes.append("OpenRouter's activity export gives no cache split: cache reads are billed as plain input")
    return out.export()


def _litellm(records, path) -> Export:
    out = _Rows(path, "litellm")
    for n, r in enumerate(_items(records), 1):
        meta = r.get("metadata") or {}
        if isinstance(meta, str):
            meta = json.loads(meta or "{}")
        read = write = None
        uo = meta.get("usage_object") if isinstance(meta, dict) else None
        if uo:
            try:
                u = usage_mod.normalize(uo)
                read, write = u.cache_read_tokens, u.cache_write_tokens
            except ValueError as e:
                out.error(n, "metadata.usage_object", str(e))
                continue
        if r.get("status") not in (None, "success"):
            out.error(n, "status", f"{r.get('status')!r}: a failed call (not billed by most providers) is not priced")
            continue
        tags = r.get("request_tags") or []
        if isinstance(tags, str):
            tags = json.loads(tags or "[]")
        usage = r.get("usage")   # older rows keep the tokens here (a JSON string in a CSV export)
        if isinstance(usage, str) and usage.strip().startswith("{"):
            usage = json.loads(usage)
        usage = usage if isinstance(usage, dict) else {}
        meta = meta if isinstance(meta, dict) else {}
        # a spend-log row, or the StandardLoggingPayload LiteLLM's loggers write (S3, GCS, Pub/Sub): its cost is
        # response_cost, its team and key are in metadata
        out.add(n, timestamp=r.get("startTime"), model=r.get("model"), requests=1,
                input_tokens=_get(r, "prompt_tokens", default=usage.get("prompt_tokens")),
                output_tokens=_get(r, "completion_tokens", default=usage.get("completion_tokens")),
                cache_read_tokens=read, cache_write_tokens=write,
                project=r.get("team_id") if "team_id" in r else meta.get("user_api_key_team_id"),
                api_key=r.get("api_key") if "api_key" in r else meta.get("user_api_key_hash"),
                feature=tags[0] if tags else None,
                reported_cost_usd=r.get("spend") if "spend" in r else r.get("response_cost"), reported_currency="USD")
    return out.export()


#: Langfuse usage keys: each is billed on its own and all are summed into ``total``, so they are disjoint. Keys
#: are the provider's own (OpenAI, Anthropic) or OpenInference's (``prompt_details.cache_read``,
#: ``completion_details.reasoning``, as OpenTelemetry instrumentations send them). Observations ingested over
#: OpenTelemetry before Langfuse subtracted the details (its #15415) keep them *inside* ``input`` and ``output``:
#: there ``total`` is ``input + output`` (a real Gemini trace: input 6, output 2,055 of which reasoning 1,104, total
#: 2,061), and the details are read as parts of their parent.
_LANGFUSE_READ = ("cache_read_input_tokens", "input_cached_tokens", "input_cache_read", "prompt_details.cache_read")
_LANGFUSE_WRITE = ("cache_creation_input_tokens", "input_cache_creation", "prompt_details.cache_write")
_LANGFUSE_REASONING = ("output_reasoning_tokens", "output_reasoning", "completion_details.reasoning")
_LANGFUSE_IN = ("input", "cache", "prompt")
_LANGFUSE_OUT = ("output", "completion")


def _langfuse(records, path) -> Export:
    out = _Rows(path, "langfuse")
    skipped: dict[str, int] = {}
    nested_rows = 0
    # the observations API's pages ({"data": [...]}), or a trace downloaded from Langfuse's UI ({"trace", "observations"})
    items = (o for rec in records for o in (rec["observations"] if isinstance(rec, dict) and isinstance(
        rec.get("observations"), list) else _items([rec])))
    for n, r in enumerate(items, 1):
        if r.get("type") != "GENERATION":
            skipped[str(r.get("type"))] = skipped.get(str(r.get("type")), 0) + 1
            continue
        ud = r.get("usageDetails") or {}
        try:
            parts = {k: int(v) for k, v in ud.items() if k != "total"}
        except (TypeError, ValueError):
            out.error(n, "usageDetails", f"expected whole token counts, got {ud!r}")
            continue
        # Langfuse bills each usageDetails key separately and sums them into total: the keys are disjoint; or the
        # details lie inside input and output, and total is input + output (see _LANGFUSE_READ)
        nested = False
        if "total" in ud and int(ud["total"]) != sum(parts.values()):
            whole = parts.get("input", 0) + parts.get("output", 0)
            if int(ud["total"]) != whole:
                out.error(n, "usageDetails.total", f"{ud['total']} is neither the sum of its parts "
                          f"({sum(parts.values())}) nor input + output ({whole})")
                continue
            nested = True
            nested_rows += 1
        unknown = [k for k in parts if not k.startswith(_LANGFUSE_IN + _LANGFUSE_OUT)]
        if unknown:
            out.error(n, "usageDetails", f"unknown key(s) {unknown}; accepted: input*, output*, cache_*, prompt*, "
                                         "completion*")
            continue
        read = sum(parts.get(k, 0) for k in _LANGFUSE_READ)
        write = sum(parts.get(k, 0) for k in _LANGFUSE_WRITE)
        inp = parts.get("input", 0) if nested else sum(v for k, v in parts.items() if k.startswith(_LANGFUSE_IN))
        outp = parts.get("output", 0) if nested else sum(v for k, v in parts.items() if k.startswith(_LANGFUSE_OUT))
        reasoning = [parts[k] for k in _LANGFUSE_REASONING if k in parts]
        cost = (r.get("costDetails") or {}).get("total", r.get("calculatedTotalCost"))
        has_cache_keys = any(k in parts for k in _LANGFUSE_READ + _LANGFUSE_WRITE)
        out.add(n, timestamp=r.get("startTime"), model=r.get("model"), requests=1, input_tokens=inp,
                output_tokens=outp, cache_read_tokens=read if has_cache_keys else None,
                cache_write_tokens=write if has_cache_keys else None,
                reasoning_tokens=sum(reasoning) if reasoning else None,
                project=r.get("projectId"), feature=r.get("name"),
                reported_cost_usd=cost, reported_currency="USD" if cost is not None else None)
    if nested_rows:
        out.notes.append(f"{nested_rows} generation(s) keep their usage details inside input and output (total = input "
                         "+ output, as Langfuse stored OpenTelemetry usage before it split them): read as parts of them")
    if skipped:
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(skipped.items()))
        out.notes.append(f"{sum(skipped.values())} observation(s) are not generations ({kinds}): not calls, not priced")
    return out.export()


_OTEL = OTEL_TOKEN_ATTRIBUTES   # the course meter's names: the GenAI semantic conventions


def _otel_int(v):
    """An OTLP 64-bit integer as it is written: a JSON number, a decimal string (OTLP JSON), or a protobuf.js ``Long``
    ``{"low", "high", "unsigned"}`` of two 32-bit halves (spans as protobuf.js decodes them, e.g. Langfuse's OTLP
    endpoint). Anything else is returned as given, for the row check to refuse with its value quoted."""
    if isinstance(v, dict) and isinstance(v.get("low"), int) and isinstance(v.get("high"), int):
        n = ((v["high"] & 0xFFFFFFFF) << 32) | (v["low"] & 0xFFFFFFFF)
        return n if v.get("unsigned") or n < 2 ** 63 else n - 2 ** 64
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


def _otel_value(v: dict):
    for k in ("intValue", "doubleValue", "stringValue", "boolValue"):
        if k in v:
            return _otel_int(v[k]) if k == "intValue" else v[k]
    return None


def _otel_attributes(attrs) -> dict:
    """Span or resource attributes: OTLP's list of ``{"key", "value": {"intValue": ...}}``, or a flat mapping (the
    OpenTelemetry JS SDK's finished spans as JSON)."""
    if isinstance(attrs, dict):
        return dict(attrs)
    return {a["key"]: _otel_value(a.get("value") or {}) for a in attrs or []}


def _otel_spans(records):
    """(attributes, resource attributes, start in unix nanoseconds or as written) of every span of a file: OTLP JSON
    (``resourceSpans``, as the collector's file exporter writes it or protobuf.js decodes it), or finished spans
    written as JSON with flat attributes: the OpenTelemetry JS SDK's (``spanContext``, ``startTime`` as [seconds,
    nanoseconds]) or the Python SDK's (``context``, ``start_time`` in nanoseconds, or ISO as its console exporter
    writes it), alone, in a list, or under ``"spans"`` (any-agent's saved traces)."""
    for rec in records:
        if isinstance(rec, dict) and "resourceSpans" in rec:
            for rs in rec.get("resourceSpans") or []:
                res = _otel_attributes((rs.get("resource") or {}).get("attributes"))
                for ss in rs.get("scopeSpans") or []:
                    for span in ss.get("spans") or []:
                        ns = span.get("startTimeUnixNano")
                        yield _otel_attributes(span.get("attributes")), res, None if ns in (None, "") else _otel_int(ns)
            continue
        if isinstance(rec, list):
            spans = rec
        elif isinstance(rec, dict):
            spans = rec["spans"] if isinstance(rec.get("spans"), list) else [rec]
        else:
            spans = []
        for span in spans:
            if not isinstance(span, dict):
                continue
            t = span.get("startTime", span.get("start_time"))
            ns = t[0] * 10 ** 9 + t[1] if isinstance(t, list) and len(t) == 2 else t
            res = _otel_attributes((span.get("resource") or {}).get("attributes"))
            yield _otel_attributes(span.get("attributes")), res, ns


#: Older GenAI semantic-convention names (before semconv 1.27) that instrumentations such as OpenLLMetry and
#: OpenLIT still send: read as their current names.
_OTEL_OLD = {"gen_ai.usage.prompt_tokens": _OTEL["input_tokens"],
             "gen_ai.usage.completion_tokens": _OTEL["output_tokens"]}
#: The cost an instrumentation computed and attached to the span (OpenLIT, Langfuse's OTel ingestion): a reported
#: cost in USD, reconciled against, never used as the price. any-agent writes it in two parts (_OTEL_COST_PARTS).
_OTEL_COST = ("gen_ai.usage.cost", "gen_ai.usage.total_cost")
_OTEL_COST_PARTS = ("gen_ai.usage.input_cost", "gen_ai.usage.output_cost")


def _otel(records, path) -> Export:
    out = _Rows(path, "otel")
    n = 0
    for attrs, res, ns in _otel_spans(records):
        for old, new in _OTEL_OLD.items():
            if old in attrs and new not in attrs:
                attrs[new] = attrs[old]
        if _OTEL["input_tokens"] not in attrs and _OTEL["output_tokens"] not in attrs:
            continue   # not an LLM call span (a framework's outer span carries its own names, never gen_ai.usage.*)
        n += 1
        cost = next((attrs[k] for k in _OTEL_COST if attrs.get(k) is not None), None)
        if cost is None and all(isinstance(attrs.get(k), (int, float)) for k in _OTEL_COST_PARTS):
            cost = sum(attrs[k] for k in _OTEL_COST_PARTS)
        out.add(n, timestamp=_iso(ns / 1e9) if isinstance(ns, int) and not isinstance(ns, bool) else ns,
                model=attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model"),
                requests=1, **{k: attrs.get(a) for k, a in _OTEL.items()},
                project=attrs.get("service.name") or res.get("service.name"),
                feature=attrs.get("gen_ai.operation.name"),
                reported_cost_usd=cost, reported_currency="USD" if cost is not None else None)
    return out.export()


def _meter_table(df: pd.DataFrame, path) -> Export:
    """The course meter's calls (:meth:`CostMeter.calls`): OpenTelemetry attribute names as columns."""
    out = _Rows(path, "otel")
    for n, r in enumerate(df.to_dict("records"), 1):
        out.add(n, timestamp=r.get("day"), model=r.get("model"), requests=1,
                **{k: r.get(a) for k, a in _OTEL.items()}, feature=r.get("feature"),
                reported_cost_usd=r.get("cost_usd"), reported_currency="USD" if "cost_usd" in r else None)
    return out.export()


def _responses(records, path) -> Export:
    out = _Rows(path, "responses")
    for n, rec in enumerate(records, 1):
        wrapped = isinstance(rec, dict) and isinstance(rec.get("body"), (dict, list))
        body = rec["body"] if wrapped else rec
        meta = rec if wrapped else {}
        try:
            u = usage_mod.normalize(body, provider=meta.get("provider"))
        except ValueError as e:
            out.error(n, "body", str(e))
            continue
        when = meta.get("timestamp") or (_iso(_get(body, "created", "created_at")) if isinstance(body, dict) else None)
        if when is None:
            out.error(n, "timestamp", 'the body has no "created" time; wrap it as {"timestamp": ..., "body": ...}')
            continue
        tier, by_tier = usage_mod.batch_or_tier(usage_mod.service_tier_of(body))
        batch = True if by_tier else meta.get("batch", False)
        out.add(n, timestamp=_iso(when), model=meta.get("model") or u.model, requests=1, service_tier=tier,
                input_tokens=u.input_tokens, output_tokens=u.output_tokens, cache_read_tokens=u.cache_read_tokens,
                cache_write_tokens=u.cache_write_tokens, cache_write_1h_tokens=u.cache_write_1h_tokens,
                reasoning_tokens=u.reasoning_tokens, web_searches=u.web_searches or 0,
                batch=batch, project=meta.get("project"), api_key=meta.get("api_key"),
                feature=meta.get("feature"), reported_cost_usd=u.reported_cost_usd,
                reported_currency="USD" if u.reported_cost_usd is not None else None)
    return out.export()


# --- detection and the entry point -----------------------------------------------------------------------------
def _detect_json(records) -> str:
    first = records[0]
    if isinstance(first, dict) and "resourceSpans" in first:
        return "otel"
    span = first[0] if isinstance(first, list) and first else first
    if isinstance(span, dict) and isinstance(span.get("spans"), list) and span["spans"]:
        span = span["spans"][0]   # any-agent's saved trace: {"spans": [...], "final_output": ...}
    if isinstance(span, dict) and ("spanContext" in span or "context" in span) and \
            isinstance(span.get("attributes"), dict):
        return "otel"   # finished spans of the OpenTelemetry JS or Python SDK as JSON
    if isinstance(first, list) and first and isinstance(first[0], dict) and "results" in first[0]:
        records = [{"data": first}]   # a bare list of buckets, as a script prints the Usage API's data
    items = list(_items(records[:1]))
    item = items[0] if items else {}
    if isinstance(item, dict):
        res = (item.get("results") or [None])[0] if isinstance(item.get("results"), list) else None
        if isinstance(res, dict):
            if "num_model_requests" in res or res.get("object") == "organization.usage.completions.result":
                return "openai-usage"
            if res.get("object") == "organization.costs.result" or isinstance(res.get("amount"), dict):
                return "openai-costs"
            if "uncached_input_tokens" in res:
                return "anthropic-usage"
            if "amount" in res:
                return "anthropic-cost"
        if "usageDetails" in item or item.get("type") in ("GENERATION", "SPAN", "EVENT") or \
                isinstance(item.get("observations"), list):   # a trace downloaded from Langfuse's UI
            return "langfuse"
        if ("spend" in item or "response_cost" in item) and ("request_id" in item or "call_type" in item):
            return "litellm"   # a spend-log row, or the StandardLoggingPayload LiteLLM's loggers write
        if "date" in item and ("prompt_tokens" in item or "promptTokens" in item):
            return "openrouter"
        if {"timestamp", "model", "input_tokens", "output_tokens"} <= set(item):
            return "csv"
    return "responses"


def _detect_columns(header: list[str]) -> str:
    """The format of a table from its column names."""
    if "gen_ai.usage.input_tokens" in header:
        return "otel"
    if {"start_time", "num_model_requests", "input_tokens"} <= set(header):
        return "openai-usage"   # the usage dashboard's export
    if {"start_time", "amount_value"} <= set(header):
        return "openai-costs"   # the cost dashboard's export
    if "spend" in header and "request_id" in header:
        return "litellm"
    return "csv"


def detect_format(path: str | Path) -> str:
    """The export format of a file, from its name and first record. Taught in notebook ``06_your_own_bill``."""
    p = Path(path)
    kind = suffix(p)
    if kind == ".parquet":
        import duckdb
        header = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(p)}')").fetchall()]
        return _detect_columns(header)
    if kind in (".csv", ".tsv"):
        opener = gzip.open if p.suffix.lower() == ".gz" else open
        with opener(p, "rt", newline="", encoding="utf-8") as f:
            return _detect_columns(next(csv.reader(f, delimiter=_delimiter(p)), []))
    if kind in (".jsonl", ".ndjson"):   # the first record decides: a large export is not read to detect it
        opener = gzip.open if p.suffix.lower() == ".gz" else open
        with opener(p, "rt", encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), "")
        return _detect_json(_records(first, str(p)))
    return _detect_json(_records(_text_of(p), str(p)))


_JSON_READERS = {"openai-usage": _openai_usage, "openai-costs": _openai_costs, "anthropic-usage": _anthropic_usage,
                 "anthropic-cost": _anthropic_cost, "openrouter": _openrouter, "litellm": _litellm,
                 "langfuse": _langfuse, "otel": _otel, "responses": _responses}


def read_table(path: str | Path) -> pd.DataFrame:
    """A canonical table (CSV, JSON Lines, Parquet) as text columns, as written (notebook ``06_your_own_bill``)."""
    p = Path(path)
    kind = suffix(p)
    if kind == ".parquet":
        import duckdb
        return duckdb.sql(f"SELECT * FROM read_parquet('{_sql_path(p)}')").df()
    if kind in (".jsonl", ".ndjson", ".json"):
        return pd.DataFrame(list(_items(_records(_text_of(p), str(p)))))
    return _read_delimited(p)


def _delimiter(p: Path) -> str:
    return "\t" if suffix(p) == ".tsv" else ","


def _read_delimited(p: Path) -> pd.DataFrame:
    """A CSV or TSV file as text columns. A row longer than the header is read when its extra cells are empty
    (spreadsheet exports pad empty rows so); with text in them it is an error naming the line."""
    opener = gzip.open if p.suffix.lower() == ".gz" else open
    with opener(p, "rt", newline="", encoding="utf-8") as f:
        rows = csv.reader(f, delimiter=_delimiter(p))
        header = next(rows, [])
        width, body = len(header), []
        for line, row in enumerate(rows, 2):
            if len(row) > width:
                if any(c.strip() for c in row[width:]):
                    raise ValueError(f"{p.name}: line {line} has {len(row)} cells, the header {width}; "
                                     f"is the file {'tab' if _delimiter(p) == chr(9) else 'comma'}-separated?")
                row = row[:width]
            body.append([c if c != "" else None for c in row] + [None] * (width - len(row)))
    return pd.DataFrame(body, columns=header, dtype=object)


def suffix(path: str | Path) -> str:
    """A file's kind by its name, a ``.gz`` compression set aside: ``usage.csv.gz`` -> ``.csv``. Taught in notebook
    ``06_your_own_bill``."""
    parts = [x.lower() for x in Path(path).suffixes]
    if parts and parts[-1] == ".gz":
        parts = parts[:-1]
    return parts[-1] if parts else ""


def _text_of(p: Path) -> str:
    if p.suffix.lower() == ".gz":
        with gzip.open(p, "rt", encoding="utf-8") as f:
            return f.read()
    return p.read_text(encoding="utf-8")


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def read(path: str | Path, format: str = "auto") -> Export:
    """Read one export file into canonical rows, with its row errors and any reported costs.

    ``format`` is one of :data:`FORMATS` or ``"auto"``. Raises ``ValueError`` for
    a file it cannot read at all (naming the file and the accepted formats);
    a bad row is listed in :attr:`Export.errors` and the rest is read.
    Taught in notebook ``06_your_own_bill``.
    """
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"path: no such file {str(p)!r}")
    if format not in ("auto", *FORMATS):
        raise ValueError(f"format must be 'auto' or one of {', '.join(FORMATS)}; got {format!r}")
    fmt = detect_format(p) if format == "auto" else format
    if fmt in ("openai-usage", "openai-costs") and suffix(p) in (".csv", ".tsv", ".parquet"):
        return _JSON_READERS[fmt]([{"data": _dashboard_buckets(read_table(p))}], str(p))
    if fmt in ("csv", "otel", "litellm") and suffix(p) in (".csv", ".tsv", ".parquet"):
        table = read_table(p)
        if fmt == "otel":
            return _meter_table(table, str(p))
        if fmt == "litellm":
            return _litellm([table.to_dict("records")], str(p))
        ex = Export(str(p), "csv", table)
        ex.rows.insert(0, "source_row", range(1, len(table) + 1))
        return ex
    records = _records(_text_of(p), str(p))
    if fmt == "csv":
        table = pd.DataFrame(list(_items(records)))
        table.insert(0, "source_row", range(1, len(table) + 1))
        return Export(str(p), "csv", table)
    return _JSON_READERS[fmt](records, str(p))


def read_text(text: str, name: str = "upload.json", format: str = "auto") -> Export:
    """:func:`read` for file contents held in memory (the lesson's upload control). Taught in notebook
    ``06_your_own_bill``."""
    return read_bytes(text.encode("utf-8"), name, format)


def read_bytes(data: bytes, name: str = "upload.json", format: str = "auto") -> Export:
    """:func:`read` for an uploaded file's bytes (CSV, JSON, JSON Lines or Parquet); nothing leaves the machine.
    Taught in notebook ``06_your_own_bill``."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / Path(name).name
        p.write_bytes(data)
        ex = read(p, format)   # every reader returns rows in memory: nothing refers to the file after this
        ex.path = name
        for e in ex.errors:
            e["source"] = Path(name).name
        return ex


__all__ = ["suffix", "CANONICAL", "REQUIRED", "FORMATS", "COST_FORMATS", "COST_COLUMNS", "Export", "detect_format", "read", "read_table",
           "read_text", "read_bytes"]
