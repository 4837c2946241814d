"""Running the baseline codecs' command-line tools (from Debian packages)."""

from __future__ import annotations

import shutil
import subprocess


def require_tools(package: str, *tools: str) -> None:
    """ValueError naming the Debian package to install if any of ``tools`` is not on PATH."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise ValueError(f"{', '.join(missing)} not found: install it with `apt-get install -y {package}`")


def run_tool(args: list[str]) -> str:
    """Run a tool; RuntimeError with the end of its stderr if it fails. Returns its stdout."""
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    return result.stdout
