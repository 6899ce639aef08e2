"""The papermill runner on small notebooks made for the test: success, failure, parameters, interrupts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from deepseek_shock import cli, runner
from deepseek_shock.errors import ParameterError

HEADLINE_CELL = """
from deepseek_shock.results import Headline, publish_headlines
publish_headlines([Headline("x_squared", "x squared <b>", x * x, str(x * x))], meta={"data_source": data_source})
"""


def make_notebook(
    path: Path, body: str, parameters: str = 'x = 2\nlabel = "a"\ndata_source = "snapshot"'
) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Test notebook"),
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def collection(tmp_path):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    make_notebook(nb_dir / "01_good.ipynb", "y = x + 1\nprint(label, y)\n" + HEADLINE_CELL)
    make_notebook(
        nb_dir / "02_bad.ipynb", "print('before')\nraise ValueError('boom in cell')\nprint('after')"
    )
    return nb_dir


def run(collection, tmp_path, **kwargs):
    kwargs.setdefault("jobs", 2)
    return runner.run_collection(
        notebooks_dir=collection, output=tmp_path / "reports", progress=None, **kwargs
    )


def test_failing_notebook_does_not_stop_the_others_and_latest_is_kept(collection, tmp_path):
    good = run(collection, tmp_path, only=["01_good"])
    assert (
        good.ok and (tmp_path / "reports" / "latest").resolve() == Path(good.output_dir).resolve()
    )

    mixed = run(collection, tmp_path)
    status = {nb.name: nb for nb in mixed.notebooks}
    assert mixed.status == "failed"
    assert status["01_good"].status == "ok"
    assert status["02_bad"].status == "failed"
    assert status["02_bad"].error == "ValueError: boom in cell"
    # The failed run is kept for inspection but 'latest' still points at the last good run.
    assert (tmp_path / "reports" / "latest").resolve() == Path(good.output_dir).resolve()
    out = Path(mixed.output_dir)
    index = (out / "index.html").read_text()
    assert "boom in cell" in index and "02_bad.html" in index and "01_good.html" in index
    assert (out / "02_bad.html").exists(), "the failed notebook's page shows where it stopped"
    summary = json.loads((out / "run.json").read_text())
    assert [nb["status"] for nb in summary["notebooks"]] == ["ok", "failed"]
    assert not list((tmp_path / "reports").glob(".*partial"))


def test_headlines_are_collected_and_escaped(collection, tmp_path):
    summary = run(collection, tmp_path, only=["good"])
    nb = summary.notebooks[0]
    assert nb.headlines == [
        {"key": "x_squared", "label": "x squared <b>", "value": 4, "display": "4"}
    ]
    assert nb.meta == {"data_source": "snapshot"}
    index = (Path(summary.output_dir) / "index.html").read_text()
    assert "x squared &lt;b&gt;" in index and "x squared <b>" not in index


def test_page_has_no_remote_scripts_and_hides_code(collection, tmp_path):
    summary = run(collection, tmp_path, only=["good"])
    page = (Path(summary.output_dir) / "01_good.html").read_text()
    assert "<script src=" not in page and "cdnjs" not in page
    assert "ds-hide-code" in page and "Show code" in page


def test_parameters_file_is_applied_and_validated(collection, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("good:\n  x: 5\n  label: changed\n")
    summary = run(collection, tmp_path, only=["good"], params_file=params)
    assert summary.notebooks[0].parameters == {"x": 5, "label": "changed"}
    assert summary.notebooks[0].headlines[0]["value"] == 25

    params.write_text("good:\n  nope: 1\n")
    with pytest.raises(
        ParameterError, match=r"Unknown parameter 'nope'.*Valid parameters: data_source, label, x"
    ):
        run(collection, tmp_path, only=["good"], params_file=params)

    params.write_text("good:\n  x: ten\n")
    with pytest.raises(ParameterError, match="must be int like its default 2; got str"):
        run(collection, tmp_path, only=["good"], params_file=params)

    params.write_text("elsewhere:\n  x: 1\n")
    with pytest.raises(ParameterError, match="names no notebook"):
        run(collection, tmp_path, params_file=params)


def test_yaml_dates_become_iso_strings():
    assert runner.validate_parameters(
        "nb", {"event_date": "2025-01-27"}, {"event_date": __import__("datetime").date(2025, 1, 28)}
    ) == {"event_date": "2025-01-28"}


def test_parameters_yaml_cannot_execute_code(tmp_path):
    params = tmp_path / "evil.yaml"
    params.write_text(
        "good: !!python/object/apply:os.system ['echo pwned > %s']\n" % (tmp_path / "pwned")
    )
    with pytest.raises(ParameterError, match="not valid YAML"):
        runner.load_params_file(params)
    assert not (tmp_path / "pwned").exists()


def test_source_flag_reaches_notebooks_that_declare_it(collection, tmp_path):
    summary = run(collection, tmp_path, only=["good"], source="auto")
    assert summary.notebooks[0].parameters == {"data_source": "auto"}
    assert summary.notebooks[0].meta == {"data_source": "auto"}


def test_cli_exit_codes_and_messages(collection, tmp_path, capsys):
    code = cli.main(
        ["run", "--notebooks", str(collection), "--output", str(tmp_path / "r"), "--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "failed: 1/2 notebooks ok" in out and "02_bad: failed ValueError: boom in cell" in out

    bad = tmp_path / "p.yaml"
    bad.write_text("good:\n  nope: 1\n")
    code = cli.main(
        [
            "run",
            "--notebooks",
            str(collection),
            "--output",
            str(tmp_path / "r"),
            "--params",
            str(bad),
        ]
    )
    err = capsys.readouterr().err
    assert (
        code == 2 and err.startswith("error: Unknown parameter 'nope'") and "Traceback" not in err
    )


def test_update_in_place_strips_metadata_and_keeps_failed_notebook(collection):
    before_bad = (collection / "02_bad.ipynb").read_bytes()
    outcomes = runner.update_committed_notebooks(notebooks_dir=collection)
    assert [(name, ok) for name, ok, _ in outcomes] == [("01_good", True), ("02_bad", False)]
    good = nbformat.read(collection / "01_good.ipynb", as_version=4)
    assert "papermill" not in good.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in good.cells)
    assert good.cells[2].outputs, "outputs are kept"
    assert (collection / "02_bad.ipynb").read_bytes() == before_bad
    assert not list(collection.glob(".*executing*"))


def test_sigterm_leaves_no_report_marked_good(tmp_path):
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    make_notebook(nb_dir / "01_slow.ipynb", "import time\ntime.sleep(60)")
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deepseek_shock.cli", "run", "--notebooks", str(nb_dir), "--output", str(reports)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.time() + 60
    while time.time() < deadline and not list(reports.glob(".*.partial/01_slow.ipynb")):
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, output
    assert not (reports / "latest").exists()
    runs = [p.name for p in reports.iterdir()]
    assert len(runs) == 1 and runs[0].endswith(".interrupted"), runs
    summary = json.loads((reports / runs[0] / "run.json").read_text())
    assert summary["status"] == "interrupted"
    assert "[interrupted]" in output


def test_notebook_without_parameters_cell_is_rejected(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "01_plain.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'"):
        runner.read_parameters(path)


def test_kernel_is_bound_to_this_interpreter():
    from jupyter_client.kernelspec import KernelSpecManager

    name = runner.ensure_kernel()
    spec = KernelSpecManager().get_kernel_spec(name)
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()
    assert os.path.exists(spec.resource_dir)


def test_styler_tables_escape_article_text():
    import pandas as pd

    from deepseek_shock.formatting import style_table
    from deepseek_shock.plotting import use_house_style

    use_house_style()
    frame = pd.DataFrame({"snippet": ["<script>alert('x')</script> & <b>bold</b>"], "n": [1.5]})
    rendered = style_table(frame, {"n": "{:.1f}"}).to_html()
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    assert "1.5" in rendered


def test_notebook_summary_and_key_figure():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 09 · A title\n\n**Question.** Why <this>?\n\nMore."),
        nbformat.v4.new_code_cell(
            "x", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "aGVsbG8="})]
        ),
    ]
    assert runner.notebook_summary(nb) == ("09 · A title", "Why <this>?")
    assert runner.key_figure_png(nb) == b"hello"
    nb.cells[0].source = "# Title only\n\nA first paragraph."
    assert runner.notebook_summary(nb) == ("Title only", "A first paragraph.")
