"""The image's Python side, built here as the Dockerfile builds it: a wheel of the build context."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.deployment import copy_context


@dataclass(frozen=True)
class Installed:
    wheel: Path
    site: Path  # the wheel unpacked: what `pip install` puts in site-packages
    app: Path  # the image's WORKDIR: worker.py links to the installed module


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`pip wheel .` on the files `docker build` would send, unpacked as `pip install` would.

    No network: the build backend is the one in the environment (setuptools, a dev dependency),
    and the dependencies are not built here (the environment already has them)."""
    base = tmp_path_factory.mktemp("image")
    context, wheels = base / "context", base / "wheels"
    copy_context(context)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(wheels),
            str(context),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = wheels.glob("outreach-*.whl")
    site, app = base / "site", base / "app"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    app.mkdir()
    os.symlink(site / "worker.py", app / "worker.py")  # as the Dockerfile's RUN does
    return Installed(wheel, site, app)
