"""V3 of the review assistant: an agent loop whose tool calls run for real (notebook ``02_review_assistant``).

Every turn is a billed request (每轮 Loop = 计费单元) made of the system prompt,
the tool schemas, the **whole history** so far (every earlier action and tool
result) and the new tool result; the reply (and any thinking) is output. The
context grows every turn, so the cumulative bill grows quadratically.

The tools run in a temporary copy of the project with the change applied:
``list_files``, ``read_file``, ``run_tests`` (the project's own test suite, in a
subprocess with a timeout), ``edit_file`` and ``finish``; the real-size change
adds ``search`` (grep) and line ranges for ``read_file``, as real coding agents
have.

Two changes can be reviewed (:data:`CHANGES`): ``"shop"``, the course's small sample
project with one planted bug (the default in the lessons, easy to read), and
``"marshmallow-3.21.1"``, a real release of a real library (15,000 lines with its
tests) and the diff of its bug-fix release, the default of ``python -m course_lib review``.

The model's turns come from a :class:`LivePolicy` (a local OpenAI-compatible
server) when one is given, else from :class:`ScriptedPolicy`, a deterministic
policy labelled as scripted. A turn limit and a token budget stop the loop.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import tokens
from .data import DATA_DIR

SAMPLE_PROJECT = DATA_DIR / "sample_project"
CHANGE_DIFF = DATA_DIR / "review_change.diff"
MESSAGE_OVERHEAD_TOKENS = 4  # role markers and separators a chat template adds per message (approximate)

SYSTEM_PROMPT = (
    "You are a senior code reviewer for a Python web shop. Review the change below. "
    "Use the tools to read files and run the project's tests; fix bugs you can prove with a failing test, "
    "then finish with a short review: what the change does, the bugs found, and what you changed. "
    "Reply with exactly one JSON object per turn: {\"tool\": NAME, \"args\": {...}}."
)

TOOLS = [
    {"type": "function", "function": {"name": "list_files", "description": "List the project's files.",
                                      "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {"name": "read_file", "description": "Read one file of the project.",
                                      "parameters": {"type": "object", "properties": {
                                          "path": {"type": "string", "description": "path relative to the project root"}},
                                          "required": ["path"]}}},
    {"type": "function", "function": {"name": "run_tests", "description": "Run the project's unittest suite.",
                                      "parameters": {"type": "object", "properties": {}}}},
    {"type": "function", "function": {"name": "edit_file", "description": "Replace one exact snippet in a file.",
                                      "parameters": {"type": "object", "properties": {
                                          "path": {"type": "string"}, "old": {"type": "string"},
                                          "new": {"type": "string"}}, "required": ["path", "old", "new"]}}},
    {"type": "function", "function": {"name": "finish", "description": "End the review with its text.",
                                      "parameters": {"type": "object", "properties": {
                                          "review": {"type": "string"}}, "required": ["review"]}}},
]


_TEST_RESULTS: dict = {}


class Workspace:
    """A temporary copy of a project with the change applied (``git apply``). Taught in notebook ``02_review_assistant``."""

    def __init__(self, project: Path = SAMPLE_PROJECT, diff: Path = CHANGE_DIFF, test_command=None):
        self.test_command = test_command
        self.project, self.diff, self.edits = Path(project), Path(diff), []
        self.root = Path(tempfile.mkdtemp(prefix="review-ws-"))
        shutil.copytree(project, self.root, dirs_exist_ok=True)
        git = shutil.which("git")
        if git is None:
            raise RuntimeError("git is needed to apply the change under review (git apply)")
        subprocess.run([git, "apply", "--whitespace=nowarn", str(diff)], cwd=self.root, check=True,
                       capture_output=True, timeout=30)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _path(self, rel: str) -> Path:
        p = (self.root / rel).resolve()
        if self.root.resolve() not in p.parents:
            raise ValueError(f"path: {rel!r} is outside the project")
        return p

    def list_files(self) -> str:
        return "\n".join(sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.py")
                                if "__pycache__" not in p.parts))

    def read_file(self, path: str, start: int | None = None, end: int | None = None) -> str:
        p = self._path(path)
        if not p.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        text = p.read_text(encoding="utf-8")
        if start is None and end is None:
            return text
        lines = text.splitlines()
        lo, hi = max(1, int(start or 1)), min(len(lines), int(end or len(lines)))
        return "\n".join(f"{i:5d}  {lines[i - 1]}" for i in range(lo, hi + 1))

    def search(self, pattern: str, path: str = ".") -> str:
        """Lines matching a regular expression, as ``file:line: text`` (at most 50)."""
        try:
            rx = re.compile(pattern)
        except re.error as e:
            raise ValueError(f"pattern: not a regular expression ({e})") from None
        base = self._path(path) if path not in (".", "") else self.root
        hits = []
        root = self.root.resolve()
        for f in sorted(base.rglob("*") if base.is_dir() else [base]):
            if not f.is_file() or f.suffix not in (".py", ".rst", ".toml", ".txt", ".md") or "__pycache__" in f.parts:
                continue
            if root not in f.resolve().parents:  # a link the model's code planted to a file outside: not read
                continue
            for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if rx.search(line):
                    hits.append(f"{f.relative_to(self.root).as_posix()}:{i}: {line.strip()}")
        return "\n".join(hits[:50]) + (f"\n... {len(hits) - 50} more" if len(hits) > 50 else "") or "no match"

    def run_tests(self, timeout: float = 60, path: str | None = None) -> str:
        """The project's tests (or one file of them); remembered per project, change, edits made and path,
        since a scripted run repeats the same actions on every model."""
        key = (str(self.project), str(self.diff), tuple(self.edits), path)
        if key not in _TEST_RESULTS:
            _TEST_RESULTS[key] = self._run_tests(timeout, path)
        return _TEST_RESULTS[key]

    def _run_tests(self, timeout: float, path: str | None) -> str:
        from . import sandbox
        if self.test_command is None:
            cmd = [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-t", "."]
            env = {}
        else:
            cmd = [sys.executable, *self.test_command] + ([str(self._path(path).relative_to(self.root))] if path else [])
            # a fixed terminal width and no colour: pytest's progress lines must not depend on where it runs
            env = {"PYTHONPATH": str(self.root / "src"), "COLUMNS": "80", "PY_COLORS": "0", "NO_COLOR": "1"}
        # the tests run code the model may have edited: contained (course_lib.sandbox)
        r = sandbox.run(cmd, self.root, timeout=timeout, env={"PYTHONDONTWRITEBYTECODE": "1", **env})
        out = (r.stdout + r.stderr).strip()
        if r.timed_out:
            out += f"\n[stopped after {timeout:g} s]"
        # the temporary path and the elapsed time change every run; the token counts must not
        out = out.replace(str(self.root), "<project>")
        out = re.sub(r"(Ran \d+ tests?) in [\d.]+s", r"\1", out)
        return re.sub(r" in [\d.]+s(?: \(\d+:\d+:\d+\))?", "", out)

    def edit_file(self, path: str, old: str, new: str) -> str:
        p = self._path(path)
        text = p.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise ValueError(f"old: the snippet occurs {text.count(old)} times in {path}; it must occur once")
        p.write_text(text.replace(old, new), encoding="utf-8")
        self.edits.append((path, old, new))
        return f"edited {path}"

    def call(self, tool: str, args: dict) -> tuple[str, bool]:
        """Run one tool; returns (result text, ok)."""
        try:
            if tool == "list_files":
                return self.list_files(), True
            if tool == "read_file":
                return self.read_file(args["path"], args.get("start"), args.get("end")), True
            if tool == "search":
                return self.search(args["pattern"], args.get("path", ".")), True
            if tool == "run_tests":
                return self.run_tests(path=args.get("path")), True
            if tool == "edit_file":
                return self.edit_file(args["path"], args["old"], args["new"]), True
            if tool == "finish":
                return "", True
            return f"error: unknown tool {tool!r}", False
        except (KeyError, TypeError, ValueError, FileNotFoundError, subprocess.TimeoutExpired) as e:
            return f"error: {e}", False


# --- policies -------------------------------------------------------------------------
_FIX_OLD = "    tax = percent_of(taxable, tax_rate(region))"
_FIX_NEW = "    tax = percent_of(taxable - discount_cents(taxable, code), tax_rate(region))"

SCRIPT = [
    {"tool": "list_files", "args": {}},
    {"tool": "read_file", "args": {"path": "shop/discount.py"}},      # a wrong path: the retry below
    {"tool": "read_file", "args": {"path": "shop/discounts.py"}},
    {"tool": "read_file", "args": {"path": "shop/pricing.py"}},
    {"tool": "read_file", "args": {"path": "shop/cart.py"}},
    {"tool": "read_file", "args": {"path": "tests/test_discounts.py"}},
    {"tool": "run_tests", "args": {}},
    {"tool": "edit_file", "args": {"path": "shop/pricing.py", "old": _FIX_OLD, "new": _FIX_NEW}},
    {"tool": "run_tests", "args": {}},
    {"tool": "finish", "args": {"review": (
        "The change adds percentage discount codes (WELCOME10, STUDENT25) to the cart, pricing and API. "
        "Bug: tax was computed on the pre-discount taxable amount, so a discounted order was over-taxed "
        "(test_tax_is_charged_on_the_discounted_price failed: 4863 != 4826). Fixed in shop/pricing.py by "
        "taxing the discounted taxable amount; all 12 tests pass. Note: the discount applies to the whole "
        "subtotal, untaxed books included; confirm that is the intended policy.")}},
]


REAL_PROJECT = DATA_DIR / "review_project" / "marshmallow-3.21.0"
REAL_DIFF = DATA_DIR / "review_project" / "marshmallow-3.21.1.diff"

REAL_TOOLS = [
    TOOLS[0],
    {"type": "function", "function": {"name": "read_file", "description": "Read a file, or lines start..end of it.",
                                      "parameters": {"type": "object", "properties": {
                                          "path": {"type": "string", "description": "path relative to the project root"},
                                          "start": {"type": "integer"}, "end": {"type": "integer"}},
                                          "required": ["path"]}}},
    {"type": "function", "function": {"name": "search", "description": "Find lines matching a regular expression.",
                                      "parameters": {"type": "object", "properties": {
                                          "pattern": {"type": "string"}, "path": {"type": "string"}},
                                          "required": ["pattern"]}}},
    {"type": "function", "function": {"name": "run_tests", "description": "Run the test suite, or one test file.",
                                      "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}},
    TOOLS[3], TOOLS[4],
]

REAL_SYSTEM_PROMPT = (
    "You are a senior reviewer for marshmallow, an open-source Python library for (de)serialising objects. "
    "Review the change below. Use the tools to read and search files and to run the tests; check that the fix "
    "is right and complete, look for the same bug elsewhere, then finish with a short review. "
    "Reply with exactly one JSON object per turn: {\"tool\": NAME, \"args\": {...}}."
)

REAL_SCRIPT = [
    {"tool": "list_files", "args": {}},
    {"tool": "search", "args": {"pattern": "must be declared as a"}},
    {"tool": "read_file", "args": {"path": "src/marshmallow/schema.py"}},   # the changed file, whole
    {"tool": "read_file", "args": {"path": "tests/test_schema.py"}},        # the changed test file, whole
    {"tool": "search", "args": {"pattern": "def _bind_field|def _init_fields", "path": "src"}},
    {"tool": "read_file", "args": {"path": "src/marshmallow/fields.py", "start": 1, "end": 220}},
    {"tool": "run_tests", "args": {"path": "tests/test_schema.py"}},
    # the same bug class elsewhere: {placeholders} in strings that may lack their f prefix
    {"tool": "search", "args": {"pattern": r"\{[a-z_]+(\.[a-z_]+)*\}", "path": "src"}},
    {"tool": "read_file", "args": {"path": "CHANGELOG.rst", "start": 1, "end": 30}},
    {"tool": "finish", "args": {"review": (
        "The change fixes the TypeError raised when a schema declares a field as a class (fields.String) instead "
        "of an instance: the message lacked its f-string prefix, so users saw the literal '{field_name}' and "
        "'{field_obj.__name__}'. schema.py now formats both lines; the test now matches the field's name. "
        "test_schema.py passes (246 tests). A search for other strings with {placeholders} in src/ finds "
        "str.format templates (error messages formatted later with .format), not the same bug. The "
        "'# type: ignore' on the second line hides a real typing gap (field_obj is typed as Field); a cast would "
        "say why. Changelog entry present. Approve.")}},
]


@dataclass(frozen=True)
class Change:
    """A change the review assistant can review: the project, the diff, its tools and the scripted actions.

    Taught in notebook ``02_review_assistant``."""
    name: str
    description: str
    project: Path
    diff: Path
    system_prompt: str
    v1_system: str
    tools: tuple
    script: tuple
    test_command: tuple | None = None
    source: str = ""
    final_tests: str | None = None  # the test file the run's final check runs (None: the whole suite)
    token_budget: int = 200_000     # the run's default guard (a real repository needs more than the sample)


CHANGES = {
    "shop": Change(
        "shop", "the course's sample shop backend and a change adding discount codes (one planted bug)",
        SAMPLE_PROJECT, CHANGE_DIFF, SYSTEM_PROMPT,
        "You are a senior code reviewer for a Python web shop. Review the diff: say what it does, "
        "list bugs with file and line, and suggest fixes. Be concise.",
        tuple(TOOLS), tuple(SCRIPT), None, "written for the course"),
    "marshmallow-3.21.1": Change(
        "marshmallow-3.21.1", "marshmallow 3.21.0 (15,000 lines with its tests) and its bug-fix release 3.21.1",
        REAL_PROJECT, REAL_DIFF, REAL_SYSTEM_PROMPT,
        "You are a senior code reviewer for marshmallow, an open-source Python library. Review the diff: say what "
        "it does, list bugs with file and line, and suggest fixes. Be concise.",
        tuple(REAL_TOOLS), tuple(REAL_SCRIPT), ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "/dev/null"),
        "PyPI source distributions of marshmallow 3.21.0 and 3.21.1 (MIT), by scripts/fetch_review_project.py",
        "tests/test_schema.py", 1_000_000),
}
DEFAULT_CHANGE = "shop"


def get_change(change) -> Change:
    """A :class:`Change` by name (``"shop"``, ``"marshmallow-3.21.1"``) or as given. Taught in notebook ``02_review_assistant``."""
    if isinstance(change, Change):
        return change
    if change not in CHANGES:
        raise ValueError(f"change must be one of {sorted(CHANGES)}, got {change!r}")
    return CHANGES[change]


class ScriptedPolicy:
    """A deterministic reviewer: the same actions every run. Labelled as scripted wherever it is used. Taught in notebook ``02_review_assistant``."""

    label = "scripted policy (deterministic, no model)"

    def __init__(self, script=SCRIPT):
        self.script = list(script)

    def act(self, turn: int, messages: list[dict]) -> tuple[dict, dict | None]:
        """The next action, and the server's raw response (None: no model was called)."""
        return self.script[min(turn, len(self.script) - 1)], None


class LivePolicy:
    """Turns from a live OpenAI-compatible server; its real ``usage`` is what gets billed.

    A reply that is not a valid action (a small base model rarely writes one) is
    replaced by the scripted action for that turn, and counted as such.
    Taught in notebook ``02_review_assistant``.
    """

    def __init__(self, chat, max_tokens: int = 64, fallback: ScriptedPolicy | None = None):
        self.chat = chat  # callable(messages, max_tokens) -> raw response body
        self.max_tokens = max_tokens
        self.fallback = fallback or ScriptedPolicy()
        self.fallbacks = 0
        self.label = "live model server (scripted fallback for replies that are not valid actions)"

    def act(self, turn: int, messages: list[dict]) -> tuple[dict, dict | None]:
        body = self.chat(messages, max_tokens=self.max_tokens)
        text = body["choices"][0]["message"].get("content") or ""
        action = parse_action(text)
        if action is None:
            self.fallbacks += 1
            action, _ = self.fallback.act(turn, messages)
        return action, body


def parse_action(text: str) -> dict | None:
    """The first JSON object in ``text`` that names a known tool, else None. Taught in notebook ``02_review_assistant``."""
    for m in re.finditer(r"\{.*\}", text, re.S):
        try:
            obj = json.loads(m.group(0))
        except json.JSONDecodeError:
            continue
        names = {t["function"]["name"] for t in TOOLS + REAL_TOOLS}
        if isinstance(obj, dict) and obj.get("tool") in names and isinstance(obj.get("args", {}), dict):
            return {"tool": obj["tool"], "args": obj.get("args", {})}
    return None


# --- the loop -------------------------------------------------------------------------
@dataclass
class Turn:
    """One billed turn of the agent: its tokens, their parts, the tool it called. Taught in notebook ``02_review_assistant``."""
    turn: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    system_tokens: int
    schema_tokens: int
    history_tokens: int
    thinking_tokens: int
    tool: str
    ok: bool
    retry: bool
    source: str  # "counted" (tokenizer) or "server usage"


@dataclass
class AgentRun:
    """A whole agent run: its turns, why it stopped, the review, whether the tests pass. Taught in notebook ``02_review_assistant``."""
    turns: list[Turn] = field(default_factory=list)
    stop_reason: str = ""
    review: str = ""
    tests_pass: bool = False
    policy: str = ""
    family: str = ""

    def frame(self):
        import pandas as pd
        return pd.DataFrame([t.__dict__ for t in self.turns]).set_index("turn")

    @property
    def input_tokens(self) -> int:
        return sum(t.input_tokens for t in self.turns)

    @property
    def output_tokens(self) -> int:
        return sum(t.output_tokens for t in self.turns)

    @property
    def retries(self) -> int:
        return sum(t.retry for t in self.turns)


def _msg_tokens(messages: list[dict], family: str, server=None) -> list[int]:
    return [tokens.count(m["content"], family, server).tokens + MESSAGE_OVERHEAD_TOKENS for m in messages]


def run_agent(policy=None, model: str = "claude-sonnet-4-6", *, max_turns: int = 15, token_budget: int | None = None,
              caching: bool = True, thinking_tokens: int = 0, diff: Path | None = None,
              tokenizer_server=None, usd_budget: float | None = None, as_of=None,
              change: str | Change = DEFAULT_CHANGE) -> AgentRun:
    """Run the review agent; count every turn's tokens (notebook ``02_review_assistant``).

    ``token_budget`` caps input + output tokens over the whole run (default: the change's, 200,000 for the
    sample and 1,000,000 for the real-size change); ``max_turns``
    caps turns. With ``caching`` the unchanged prefix of each request (all of
    the previous request) is a cache read and the new part a cache write.
    ``thinking_tokens`` adds hidden reasoning output per turn. ``usd_budget``
    stops the loop before a turn would bring its bill (at ``model``'s price on
    ``as_of``) above that amount: the agent guard of lesson 03.
    """
    ch = get_change(change)
    token_budget = ch.token_budget if token_budget is None else token_budget
    for name, value in (("max_turns", max_turns), ("token_budget", token_budget), ("thinking_tokens", thinking_tokens)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    diff = Path(diff) if diff is not None else ch.diff
    policy = policy or ScriptedPolicy(ch.script)
    family = tokens.MODEL_FAMILY.get(model, model)
    run = AgentRun(policy=policy.label, family=family)
    schemas = json.dumps(list(ch.tools))
    system = {"role": "system", "content": ch.system_prompt + "\nTools: " + schemas}
    sys_tokens = tokens.count(ch.system_prompt, family, tokenizer_server).tokens
    schema_tokens = tokens.count("\nTools: " + schemas, family, tokenizer_server).tokens
    messages = [system, {"role": "user", "content": "Review this change:\n" + diff.read_text(encoding="utf-8")}]
    prev_input, spent, last_failed, spent_usd = 0, 0, None, 0.0
    with Workspace(ch.project, diff, ch.test_command) as ws:
        for turn in range(max_turns):
            action, body = policy.act(turn, messages)
            reply = json.dumps(action, ensure_ascii=False)
            counted = _msg_tokens(messages, family, tokenizer_server)
            n_in = sum(counted)
            n_out = tokens.count(reply, family, tokenizer_server).tokens + thinking_tokens
            read = prev_input if caching else 0
            source = "counted"
            if body is not None:  # a live server: its usage is the truth
                from .usage import normalize
                u = normalize(body)
                n_in, n_out, read, source = (u.input_tokens, u.output_tokens + thinking_tokens, u.cache_read_tokens or 0,
                                             "server usage")
            if usd_budget is not None:
                from .billing import cost
                from .usage import Usage
                turn_usd = cost(Usage(n_in, n_out, min(read, n_in), (n_in - min(read, n_in)) if caching else 0),
                                model, as_of).total_usd
                if spent_usd + turn_usd > usd_budget:
                    run.stop_reason = (f"USD budget: turn {turn + 1} would bring the run to ${spent_usd + turn_usd:.4f} "
                                       f"> ${usd_budget:.4f}")
                    break
                spent_usd += turn_usd
            if spent + n_in + n_out > token_budget:
                run.stop_reason = f"token budget: turn {turn + 1} would bring the run to {spent + n_in + n_out:,} > {token_budget:,} tokens"
                break
            spent += n_in + n_out
            result, ok = ws.call(action["tool"], action.get("args", {}))
            retry = last_failed is not None and action["tool"] == last_failed
            run.turns.append(Turn(turn + 1, n_in, n_out, min(read, n_in), (n_in - min(read, n_in)) if caching else 0,
                                  sys_tokens, schema_tokens, n_in - counted[0], thinking_tokens,
                                  action["tool"], ok, retry, source))
            last_failed = None if ok else action["tool"]
            prev_input = n_in + n_out  # the next request starts with this one and its reply
            if action["tool"] == "finish":
                run.review = action["args"].get("review", "")
                run.stop_reason = "finished"
                break
            messages = messages + [{"role": "assistant", "content": reply},
                                   {"role": "user", "content": f"Tool result ({action['tool']}):\n{result}"}]
        else:
            run.stop_reason = f"turn limit: {max_turns} turns"
        last = (ws.run_tests(path=ch.final_tests).strip().splitlines() or [""])[-1]
        run.tests_pass = last.endswith("OK") if ch.test_command is None else (
            " passed" in last and "failed" not in last and "error" not in last)
    return run
