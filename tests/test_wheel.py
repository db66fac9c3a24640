"""The built wheel holds everything kg reads at run time: installed alone, its ``kg`` builds, queries and validates.

The wheel is built from a copy of the package (so nothing outside ``kg/``, such as the checkout's
``ontology/`` link, can help), installed with ``--no-deps`` into a fresh venv that sees this test
venv's dependencies through a ``.pth`` line (no download), and run from a folder outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Meta launched Muse Spark in April. Meta competes with OpenAI, which is based in San Francisco.\n"


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a clean copy of the package sources."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copytree(ROOT / "kg", src / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", dist, src, cwd=src)
    (built,) = dist.glob("kg-*.whl")
    return built


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    sources = {path.relative_to(ROOT).as_posix() for path in (ROOT / "kg").rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    assert {"kg/data/kg.ttl", "kg/data/shapes.ttl", "kg/data/lexicon.json", "kg/data/queries/competitors.rq"} <= sources
    assert sources - shipped == set()


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, reusing this venv's dependencies."""
    home = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", home, cwd=home)
    python = home / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home).strip())
    # a plain path line: the test venv's packages are importable, its .pth files (the editable kg) are not run
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "kg-test-dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(dependencies)))
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel, cwd=home)
    return home


def test_the_installed_kg_builds_queries_and_validates_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    bin_dir = venv / "bin"
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    kg_file = _run(bin_dir / "python", "-c", "import kg; print(kg.__file__)", cwd=tmp_path, env=env).strip()
    assert Path(kg_file).is_relative_to(venv), kg_file  # the wheel's kg, not the editable checkout

    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    _run(bin_dir / "kg", "build", "a.txt", "-o", "out", cwd=tmp_path, env=env)
    assert (tmp_path / "out" / "graph.ttl").is_file() and (tmp_path / "out" / "graph.html").is_file()

    listed = _run(bin_dir / "kg", "query", "--list", cwd=tmp_path, env=env)
    assert "competitors" in listed
    mentions = _run(bin_dir / "kg", "query", "out/graph.ttl", "--named", "mentions", "--param", "entity=Meta",
                    "--format", "csv", cwd=tmp_path, env=env)
    assert "a.txt" in mentions
    organizations = _run(bin_dir / "kg", "query", "out/graph.ttl", "SELECT ?name WHERE { ?o a kg:Organization ; rdfs:label ?name }",
                  "--format", "csv", cwd=tmp_path, env=env)
    assert "Meta" in organizations
    _run(bin_dir / "kg", "validate", "out/graph.ttl", cwd=tmp_path, env=env)
