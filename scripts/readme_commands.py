"""Print a command of the README's Quick start, exactly as written (for .ci/run).

    python3 scripts/readme_commands.py 1    # the first Quick start command
    python3 scripts/readme_commands.py 2    # the second

The Quick start section holds exactly two ```bash blocks of one command each; anything
else is an error, so CI runs what a new user reads and nothing else.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_commands(text: str) -> list[str]:
    """The commands of the ``## Quick start`` section, in order.

    Raises:
        ValueError: no such section, or not exactly two one-command bash blocks.
    """
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    if section is None:
        raise ValueError("README.md has no '## Quick start' section")
    blocks = [b.strip() for b in re.findall(r"^```bash\n(.*?)^```", section.group(1), re.S | re.M)]
    if len(blocks) != 2 or any("\n" in b for b in blocks):
        raise ValueError(f"the Quick start must hold exactly two one-line bash commands, "
                         f"found {len(blocks)} block(s)")
    return blocks


def main(argv: list[str]) -> int:
    """Print command number ``argv[0]`` (1 or 2)."""
    if len(argv) != 1 or argv[0] not in {"1", "2"}:
        print("usage: readme_commands.py 1|2", file=sys.stderr)
        return 2
    print(quick_start_commands(README.read_text(encoding="utf-8"))[int(argv[0]) - 1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
