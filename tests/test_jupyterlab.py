"""A notebook opened in JupyterLab (``make lab``) writes where ``genomenb run`` writes.

The test starts a Jupyter server from this environment with its root in ``notebooks/``, as ``make lab`` does,
opens chapter 00 through the server's REST API (a session with the environment's kernel, whose working
directory is then ``notebooks/``), executes the notebook's first code cells over the kernel's websocket, and
checks that the run's folder is ``<project>/results/00_data_tour/book`` and not ``notebooks/results``.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "00_data_tour.ipynb"
TOKEN = uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(port: int, path: str, payload: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if payload else "GET",
                                     data=json.dumps(payload).encode() if payload else None,
                                     headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def _execute(ws, code: str, timeout: float = 120) -> list[dict]:
    """Run ``code`` in the kernel; the messages it produced (error replies fail the test)."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                                   "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
                        "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
                        "content": {"code": code, "silent": False, "store_history": True,
                                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    seen, deadline = [], time.time() + timeout
    while time.time() < deadline:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if msg["msg_type"] == "execute_reply":
            assert msg["content"]["status"] == "ok", msg["content"]
            return seen
    raise TimeoutError(f"no reply within {timeout} s to {code[:60]!r}")


@pytest.mark.notebooks
def test_a_notebook_opened_in_jupyterlab_writes_to_the_project_results(tmp_path):
    websocket = pytest.importorskip("websocket")
    project = tmp_path / "project"  # a copy, so the test never touches the checkout's own results/
    (project / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "_toc.yml", project / "_toc.yml")
    shutil.copy2(ROOT / "notebooks" / NOTEBOOK, project / "notebooks" / NOTEBOOK)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
                               "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
                               f"--ServerApp.root_dir={project / 'notebooks'}",
                               *(["--allow-root"] if os.geteuid() == 0 else [])],
                              cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                _api(port, "/api/status")
                break
            except OSError:
                assert server.poll() is None and time.time() < deadline, server.stderr.read()[-3000:]
                time.sleep(0.5)
        specs = _api(port, "/api/kernelspecs")
        assert specs["default"] in specs["kernelspecs"]
        session = _api(port, "/api/sessions", {"path": NOTEBOOK, "type": "notebook", "name": NOTEBOOK,
                                               "kernel": {"name": specs["default"]}})
        kernel = session["kernel"]["id"]
        ws = websocket.create_connection(f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels?token={TOKEN}",
                                         timeout=120)
        try:
            cells = [c for c in json.loads((project / "notebooks" / NOTEBOOK).read_text())["cells"]
                     if c["cell_type"] == "code"]
            for cell in cells[:2]:  # the parameters, then the imports and start_run
                _execute(ws, "".join(cell["source"]))
            shown = _execute(ws, "import os; print(os.getcwd()); print(run.output_dir)")
        finally:
            ws.close()
        printed = "".join(m["content"].get("text", "") for m in shown if m["msg_type"] == "stream").split()
        assert Path(printed[0]).resolve() == (project / "notebooks").resolve()  # JupyterLab's working directory
        expected = (project / "results" / "00_data_tour" / "book").resolve()
        assert Path(printed[1]).resolve() == expected
        assert (expected / "parameters.json").is_file()
        assert not (project / "notebooks" / "results").exists()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
