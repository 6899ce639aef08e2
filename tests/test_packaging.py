"""The project's files agree with each other: dependencies, seeds, package data, CI entry point."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from deepseek_shock import reference

ROOT = Path(__file__).resolve().parents[1]


def _requirement_name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip_section, "environment.yml must install the project itself"
    env_specs = sorted(s for s in pip_section if s != "-e .")
    assert env_specs == sorted(project["dependencies"]), (
        "environment.yml and pyproject.toml drifted apart"
    )
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_lock_file_pins_every_declared_dependency():
    declared = {
        _requirement_name(d)
        for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pinned = {
        _requirement_name(line)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert declared <= pinned, (
        f"not pinned in requirements.lock: {sorted(declared - pinned)} (run make lock)"
    )


def _recorded_hashes() -> dict[str, str]:
    lines = (ROOT / "tests" / "seeds.sha256").read_text().splitlines()
    return {
        Path(name.strip()).name: digest for digest, name in (ln.split(maxsplit=1) for ln in lines)
    }


def test_seeds_are_byte_for_byte_the_given_articles():
    recorded = _recorded_hashes()
    present = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (ROOT / "seeds").glob("*.txt")
    }
    assert present == recorded


@pytest.mark.parametrize("name", sorted(_recorded_hashes()))
def test_seed_is_utf8_without_trailing_newline(name):
    raw = (ROOT / "seeds" / name).read_bytes()
    raw.decode("utf-8")
    assert not raw.endswith(b"\n")


def test_every_bundled_data_folder_has_provenance():
    for folder in sorted(p for p in reference.data_dir().iterdir() if p.is_dir()):
        assert (folder / "PROVENANCE.md").exists(), f"{folder} has no PROVENANCE.md"


def test_reference_tables_carry_source_for_every_row():
    for name in reference.REFERENCE_TABLES:
        table = reference.load_reference(name)
        assert "source" in table.columns, name
        assert table["source"].notna().all(), f"{name} has a row without a source"


def test_every_model_config_has_a_source_note():
    for name in reference.list_model_configs():
        assert (reference.model_configs_dir() / f"{name}.source.txt").exists(), name


def test_unknown_reference_table_error_lists_the_available_ones():
    with pytest.raises(Exception, match="Available: training_runs"):
        reference.load_reference("nope")


def test_ci_entry_point_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci
    assert "make test" in readme and "make report" in readme


def test_notebooks_have_parameters_cell_and_are_executed():
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        assert "parameters" in code[0].metadata.get("tags", []), (
            f"{path.name}: first code cell not tagged"
        )
        assert all(c.execution_count is not None for c in code), f"{path.name}: unexecuted cells"
        assert not any("papermill" in c.metadata for c in nb.cells), (
            f"{path.name}: papermill metadata left"
        )


def test_readme_headlines_match_the_committed_notebooks():
    from deepseek_shock import runner

    text = (ROOT / "README.md").read_text()
    block = text[
        text.index(runner.README_START) + len(runner.README_START) : text.index(runner.README_END)
    ]
    assert block.strip() == runner.headlines_markdown(ROOT / "notebooks").strip(), (
        "run `make notebooks`"
    )
