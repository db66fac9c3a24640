"""Atomic writes: an interrupted write leaves the previous file whole and no temporary file behind."""

from __future__ import annotations

import ast
import errno
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.files import write_atomic

runner = CliRunner()
PACKAGE = Path(kg.__file__).parent


def test_write_atomic_replaces_the_file_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "graph.ttl"
    write_atomic(target, "old")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like open(), not mkstemp's 0600
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["graph.ttl"]


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("step", ["os.fsync", "os.replace"])
def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch, failure, step):
    target = tmp_path / "graph.ttl"
    target.write_text("previous content")

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(step, fail)
    with pytest.raises(type(failure)):
        write_atomic(target, "x" * 1_000_000)
    assert target.read_text() == "previous content"
    assert os.listdir(tmp_path) == ["graph.ttl"]


def test_export_that_fails_mid_way_leaves_the_old_file(example_ttl, tmp_path, monkeypatch):
    from kg import store

    target = tmp_path / "graph.nt"
    target.write_text("previous export\n")

    def broken(graph):
        raise RuntimeError("serializer died half way")

    monkeypatch.setitem(store.EXPORT_FORMATS, "nt", store.ExportFormat("nt", ".nt", broken))
    result = runner.invoke(app, ["export", str(example_ttl), "-o", str(target)])
    assert result.exit_code == 1 and "serializer died half way" in result.output and "Traceback" not in result.output
    assert target.read_text() == "previous export\n"
    assert os.listdir(tmp_path) == ["graph.nt"]


def test_build_that_fails_mid_way_leaves_every_old_output(example_build, tmp_path, monkeypatch):
    from kg import build, render

    build.write_outputs(example_build, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(render, "to_html", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("render failed")))
    with pytest.raises(RuntimeError):
        build.write_outputs(example_build, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _direct_writes(path: Path) -> list[str]:
    """Calls in a module that write a file without write_atomic: open(..., "w"/"a"/"x"), write_text, write_bytes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)] + \
                [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        if name in ("write_text", "write_bytes") or (name == "open" and any(set(str(m)) & set("wax+") for m in modes)):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_every_file_kg_writes_goes_through_write_atomic():
    modules = [p for p in PACKAGE.rglob("*.py") if p.name != "files.py"]
    assert [hit for module in modules for hit in _direct_writes(module)] == []
