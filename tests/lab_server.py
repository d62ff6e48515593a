"""Starting a private JupyterLab for the browser tests (test_browser.py, test_screenshots.py,
test_step_layout.py).

`jupyterlab(root, home)` runs JupyterLab on localhost (a free port, a random token) serving the
notebooks in `root`, with its settings, workspaces and runtime files under `home`, and kernels that
import this checkout's admagic. `settings` are written as JupyterLab user settings first, e.g. the
dark theme: ``{"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}``.
`lab_with_notebook(folder, name, cells)` writes a notebook of those cells and yields its URL in a
JupyterLab serving `folder`, for a pytest fixture.
"""

import importlib.util
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing(*modules):
    """Why a browser test can't run here (what to install), or None."""
    if shutil.which("chromium") is None:
        return "chromium is not installed (apt-get install chromium)"
    for module in ("jupyterlab", "playwright") + modules:
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install jupyterlab playwright {' '.join(modules)})"
    if shutil.which("dot") is None:
        return "Graphviz's dot is not installed, so there is no graph to look at"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root, home, settings=None):
    """Run JupyterLab on `root`; yield ``(base_url, token)``. RuntimeError if it doesn't start."""
    root, home = Path(root), Path(home)
    # No "official Jupyter news?" toast over the outputs.
    settings = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
                **(settings or {})}
    for plugin, values in settings.items():
        package, name = plugin.split(":")
        folder = home / "settings" / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(home),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTER_PREFER_ENV_PATH="1",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    log = home / "lab.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + log.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.3)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def write_notebook(path, sources):
    """A notebook at `path` of unexecuted code cells with these `sources`, for the python3 kernel."""
    Path(path).write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
                   "outputs": [], "source": source} for i, source in enumerate(sources)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


@contextmanager
def lab_with_notebook(folder, name, sources, *modules):
    """Yield the URL of notebook `name` (made of `sources`) open in a JupyterLab serving `folder`.
    Skips the test when a browser test can't run here (`missing(*modules)`), fails it when
    JupyterLab doesn't start."""
    import pytest
    reason = missing(*modules)
    if reason:
        pytest.skip(reason)
    write_notebook(Path(folder) / name, sources)
    try:
        with jupyterlab(folder, Path(folder) / "home") as (base, token):
            yield f"{base}/lab/tree/{name}?token={token}"
    except RuntimeError as error:
        pytest.fail(str(error))
