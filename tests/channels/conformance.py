"""Run the team's SDK conformance tool (../shared/tools/sdk_conformance.py) against a stand-in.

The tool drives the vendor's official SDK at our stand-in's URL. It lives beside the project in
the shared folder; `SDK_CONFORMANCE_TOOL` names it explicitly. A missing tool fails the test: a
stand-in that was never held against the real SDK has not been shown faithful.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def conformance_tool() -> Path:
    """Where sdk_conformance.py is: $SDK_CONFORMANCE_TOOL, or shared/tools in a parent folder."""
    named = os.environ.get("SDK_CONFORMANCE_TOOL")
    if named:
        return Path(named)
    for parent in [ROOT, *ROOT.parents, Path("/work")]:
        candidate = parent / "shared" / "tools" / "sdk_conformance.py"
        if candidate.is_file():
            return candidate
    raise AssertionError(
        "sdk_conformance.py not found: set SDK_CONFORMANCE_TOOL to its path "
        "(it lives in the team's shared/tools folder)"
    )


async def run_conformance(provider: str, url: str, *args: str) -> tuple[int, str]:
    """Run the tool for `provider` against `url`; return its exit status and combined output.

    The tool is synchronous and installs the SDK on first use, so it runs in a subprocess while
    the stand-in keeps serving on this event loop.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(conformance_tool()),
        "--provider",
        provider,
        "--url",
        url,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode("utf-8", "replace")
