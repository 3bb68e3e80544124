"""Every documented ``cargo test … --ignored`` command runs at least one test.

README.md and docs/*.md name measurements that are ignored tests (run with
``--ignored``). A command that matches no ignored test runs nothing and still exits 0,
so a renamed, removed or un-ignored test would leave the documentation promising a
measurement that never happens. This reads each such command from the Markdown (code
spans and fenced blocks), finds the test binaries it would run among the workspace's
already built test executables (``cargo test --workspace --locked --no-run
--message-format=json``, which builds nothing after ``cargo test --workspace``), and asks
each binary with ``--list --ignored`` and the command's own filters which tests it would
run.

    .venv/bin/python -m pytest tests/readme
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# cargo test's own flags that a documented command may use (anything else fails loudly,
# so a command this check cannot read is never passed by mistake).
CARGO_FLAGS_WITHOUT_VALUE = {"--workspace", "--locked", "--lib", "--bins", "--tests"}
CARGO_FLAGS_WITH_VALUE = {"-p", "--package", "--test", "--bin"}
HARNESS_FLAGS_WITHOUT_VALUE = {"--ignored", "--nocapture", "--exact", "--show-output", "--quiet", "-q"}
HARNESS_FLAGS_WITH_VALUE = {"--skip", "--test-threads"}


@dataclass
class Command:
    """One ``cargo test`` command as the selection it makes."""

    text: str
    packages: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)
    bins: set[str] = field(default_factory=set)
    lib: bool = False
    filters: list[str] = field(default_factory=list)
    harness: list[str] = field(default_factory=list)


def code_in(markdown: str) -> list[str]:
    """The text of every fenced block line (continuations joined) and every code span."""
    found = []
    fenced = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
    for block in fenced.findall(markdown):
        found += [line for line in re.sub(r"\\\n\s*", " ", block).splitlines()]
    outside = fenced.sub("", markdown)
    found += [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", outside)]
    return found


def ignored_test_commands(markdown: str) -> list[str]:
    """Each ``cargo test …`` command with ``--ignored`` in ``markdown``, from ``cargo test`` on.

    A span with an ellipsis (``cargo test … --ignored``) names the pattern, not a command.
    """
    commands = []
    for code in code_in(markdown):
        for match in re.finditer(r"cargo test\b[^#;&|]*", code):
            command = " ".join(match.group(0).split())
            if "--ignored" in command.split() and "…" not in command and "..." not in command:
                commands.append(command)
    return commands


def parse(text: str) -> Command:
    """What a ``cargo test`` command selects; AssertionError for anything it cannot read."""
    words = shlex.split(text)
    assert words[:2] == ["cargo", "test"], text
    words = words[2:]
    cargo, harness = (words[: words.index("--")], words[words.index("--") + 1 :]) if "--" in words else (words, [])
    command = Command(text)
    i = 0
    while i < len(cargo):
        word = cargo[i]
        name, _, inline = word.partition("=")
        if word in CARGO_FLAGS_WITHOUT_VALUE:
            command.lib |= word == "--lib"
        elif name in CARGO_FLAGS_WITH_VALUE:
            if not inline:
                i += 1
                assert i < len(cargo), f"{word} without a value in {text!r}"
            value = inline or cargo[i]
            {"-p": command.packages, "--package": command.packages, "--test": command.tests, "--bin": command.bins}[name].add(value)
        elif word.startswith("-"):
            raise AssertionError(f"cargo flag {word} in {text!r}: teach tests/readme what it selects")
        else:
            command.filters.append(word)  # cargo test [TESTNAME]: passed to every harness
        i += 1
    i = 0
    while i < len(harness):
        word = harness[i]
        name, _, inline = word.partition("=")
        if word in HARNESS_FLAGS_WITHOUT_VALUE:
            command.harness.append(word)
        elif name in HARNESS_FLAGS_WITH_VALUE:
            if not inline:
                i += 1
                assert i < len(harness), f"{word} without a value in {text!r}"
            command.harness += [name, inline or harness[i]]
        elif word.startswith("-"):
            raise AssertionError(f"test harness flag {word} in {text!r}: teach tests/readme what it does")
        else:
            command.filters.append(word)
        i += 1
    assert "--ignored" in command.harness, text
    return command


@dataclass(frozen=True)
class HarnessBinary:
    package: str
    kind: str
    target: str
    executable: str


def built_test_binaries() -> list[HarnessBinary]:
    """The workspace's test executables, as ``cargo test --workspace`` builds them."""
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    package_of = {package["id"]: package["name"] for package in metadata["packages"]}
    build = subprocess.run(
        ["cargo", "test", "--workspace", "--locked", "--no-run", "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert build.returncode == 0, f"cargo test --no-run failed:\n{build.stderr[-4000:]}"
    binaries = []
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        if not message["profile"]["test"] or message["package_id"] not in package_of:
            continue
        target = message["target"]
        binaries.append(HarnessBinary(package_of[message["package_id"]], target["kind"][0], target["name"], message["executable"]))
    assert binaries, "cargo built no test executables"
    return binaries


def selected(command: Command, binaries: list[HarnessBinary]) -> list[HarnessBinary]:
    """The test binaries ``command`` runs (doc tests aside)."""
    chosen = [b for b in binaries if not command.packages or b.package in command.packages]
    assert not command.packages - {b.package for b in binaries}, f"no such package in {command.text!r}"
    if command.tests or command.bins or command.lib:
        chosen = [
            b for b in chosen
            if (b.kind == "test" and b.target in command.tests)
            or (b.kind == "bin" and b.target in command.bins)
            or (command.lib and b.kind == "lib")
        ]
    return chosen


def ignored_tests_run(command: Command, binary: HarnessBinary) -> list[str]:
    """The ignored tests of ``binary`` that ``command``'s filters and flags select."""
    harness = [flag for flag in command.harness if flag not in ("--nocapture", "--show-output", "--quiet", "-q")]
    listed = subprocess.run(
        [binary.executable, "--list", *harness, *command.filters],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return [line.removesuffix(": test") for line in listed.splitlines() if line.endswith(": test")]


DOCUMENTED = [(document, text) for document in DOCUMENTS for text in ignored_test_commands(document.read_text())]


@pytest.fixture(scope="module")
def binaries() -> list[HarnessBinary]:
    return built_test_binaries()


def test_documented_ignored_command_runs_a_test(binaries):
    # One test over every documented command (none today: measurements run at their
    # documented size with COGNITO_BRIDGE_MEASURE=full), so that an empty list passes
    # instead of being skipped.
    for document, text in DOCUMENTED:
        command = parse(text)
        chosen = selected(command, binaries)
        assert chosen, f"{document.name}: {text!r} selects no test binary"
        run = {f"{b.package}/{b.target}": ignored_tests_run(command, b) for b in chosen}
        assert any(run.values()), f"{document.name}: {text!r} runs no test (ignored tests per binary: {run})"


def test_no_rust_test_is_ignored():
    """A measurement runs small in make test and at its documented size with
    COGNITO_BRIDGE_MEASURE=full (test_support::measurement): an ignored test would run
    nowhere."""
    ignored = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "crates").rglob("*.rs"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*#\[ignore\b", line)
    ]
    assert not ignored, f"ignored tests (use test_support::measurement::scaled instead): {ignored}"


# ------------------------------------------------ the reader itself, on known text


def test_commands_are_read_from_spans_blocks_and_continuations():
    markdown = (
        "Measure: `scripts/with-local-cognito.sh cargo test --workspace --locked --test\n"
        "pipeline -- --ignored --nocapture`, or `cargo test -p cli` (not ignored).\n\n"
        "```sh\n"
        "scripts/with-local-cognito.sh cargo test --workspace --locked \\\n"
        "  --test pipeline -- --ignored throughput  # a comment\n"
        "```\n"
    )
    assert ignored_test_commands(markdown) == [
        "cargo test --workspace --locked --test pipeline -- --ignored throughput",
        "cargo test --workspace --locked --test pipeline -- --ignored --nocapture",
    ]
    command = parse("cargo test -p object-owner --test=pipeline -- --ignored --exact a::b --nocapture")
    assert (command.packages, command.tests, command.filters) == ({"object-owner"}, {"pipeline"}, ["a::b"])
    assert command.harness == ["--ignored", "--exact", "--nocapture"]
    with pytest.raises(AssertionError):
        parse("cargo test --release -- --ignored")


def test_a_filter_that_matches_no_ignored_test_is_reported(binaries):
    # The same command with a filter no test name contains selects binaries but no test:
    # what the documented command did before its measurement was an ignored test.
    command = parse("cargo test --workspace --locked --test pipeline -- --ignored no_test_is_named_like_this")
    chosen = selected(command, binaries)
    assert chosen and not any(ignored_tests_run(command, b) for b in chosen)
