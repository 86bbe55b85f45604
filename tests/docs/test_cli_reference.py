"""docs/cli.md documents every `typodesk` command and sub-command, and every option and argument
of each, as the parser defines them (typodesk.cli.commands walks it)."""

from __future__ import annotations

import re

from tests.conftest import REPO
from typodesk.cli import build_parser, commands

PAGE = REPO / "docs" / "cli.md"
HEADING = re.compile(r"^(#{2,4}) `(typodesk[^`]*)`$", re.MULTILINE)


def sections() -> dict[str, str]:
    """`typodesk site add` → the text under its heading, up to the next heading."""
    text = PAGE.read_text()
    found = list(HEADING.finditer(text))
    out = {}
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out[match.group(2)] = text[match.end() : end]
    return out


def test_the_walk_finds_nested_commands_and_their_arguments():
    walked = {" ".join(c.path): [name for name, _ in c.arguments] for c in commands(build_parser())}
    assert walked["typodesk site add"] == ["NAME", "--domain", "--owner"]
    assert "--with-worker" in walked["typodesk serve"]
    assert len(walked) > 15


def test_every_command_has_a_section():
    missing = [" ".join(c.path) for c in commands(build_parser()) if " ".join(c.path) not in sections()]
    assert not missing, f"docs/cli.md needs a heading (## `typodesk …`) for: {missing}"


def test_every_section_is_a_command():
    real = {" ".join(c.path) for c in commands(build_parser())}
    stale = sorted(set(sections()) - real)
    assert not stale, f"docs/cli.md describes commands typodesk does not have: {stale}"


def test_every_option_and_argument_is_described_in_its_commands_section():
    page = sections()
    missing = []
    for command in commands(build_parser()):
        text = page.get(" ".join(command.path), "")
        for name, _help in command.arguments:
            # In a list item of its own: "- `--domain DOMAIN`: …" or "- `EMAIL`: …".
            if not re.search(rf"^- `{re.escape(name)}[` ]", text, re.MULTILINE):
                missing.append(f"{' '.join(command.path)} {name}")
    assert not missing, f"describe these in docs/cli.md (a '- `NAME`: …' item each): {missing}"
