"""Run the notebook collection with papermill and render the HTML report.

``run_collection`` executes every notebook (in parallel, one kernel per notebook, each in
its own subprocess), writes the executed ``.ipynb`` and one HTML page per notebook, and
an ``index.html`` plus a machine-readable ``run.json`` summary.

Layout of a run (default ``reports/<YYYYmmdd-HHMMSS>/``)::

    reports/
      20250127-093000/            one finished run
        index.html  run.json
        01_market_selloff.ipynb  01_market_selloff.html  ...
      latest -> 20250127-093000   newest run in which every notebook succeeded

Decisions a newcomer may question
---------------------------------
* **A run is built in a hidden ``.<id>.partial`` folder** and renamed when it ends, so a
  crash or Ctrl-C never leaves a half-written folder that looks finished. ``latest`` moves
  (atomically, via ``os.replace`` of a symlink) only when every notebook succeeded, so a
  failed notebook never replaces the last good report.
* **Each notebook runs in a subprocess** (``python -m deepseek_shock.runner``) rather than
  a thread: kernels, event loops and matplotlib state stay isolated, and an interrupt can
  terminate every child cleanly.
* **Parameters are validated before anything runs**, against the names and literal
  defaults in each notebook's ``parameters`` cell. YAML files are read with
  ``yaml.safe_load`` (no code execution); unquoted YAML dates are turned into ISO strings
  because papermill cannot inject ``datetime.date`` objects.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import datetime as dt
import html
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import nbformat

from .errors import DeepseekShockError, ParameterError
from .results import read_headlines

DEFAULT_TIMEOUT_S = 900
KERNEL_NAME = "deepseek-shock"
REPORTED_PACKAGES = ("deepseek-shock", "pandas", "numpy", "scipy", "statsmodels", "matplotlib",
                     "seaborn", "yfinance", "papermill", "nbconvert", "nbval")  # fmt: skip
PAPERMILL_CELL_KEYS = ("papermill", "execution")


def repo_root() -> Path:
    """The checkout holding ``notebooks/`` (this package lives in ``<root>/lib/``)."""
    return Path(__file__).resolve().parents[2]


def default_notebooks_dir() -> Path:
    return repo_root() / "notebooks"


# --------------------------------------------------------------------------- notebooks and parameters


def discover_notebooks(notebooks_dir: Path) -> list[Path]:
    """Notebooks of the collection: ``NN_name.ipynb`` files, sorted by name."""
    found = sorted(p for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise DeepseekShockError(
            f"No notebooks (NN_name.ipynb) found in {notebooks_dir}. Run from the project checkout "
            "or pass --notebooks DIR."
        )
    return found


def read_parameters(notebook_path: Path) -> dict[str, Any]:
    """Names and default values from the notebook's cell tagged ``parameters``.

    Only plain ``name = <literal>`` assignments are allowed there (evaluated with
    ``ast.literal_eval``), which keeps parameters injectable and checkable.
    """
    nb = nbformat.read(notebook_path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ParameterError(
            f"{notebook_path.name} has no cell tagged 'parameters'. Tag the first code cell "
            "'parameters' (papermill needs it)."
        )
    defaults: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            try:
                defaults[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError as exc:
                raise ParameterError(
                    f"{notebook_path.name}: parameter {node.targets[0].id} is not a literal; "
                    "parameters must be plain literals (str, number, bool, list, dict)."
                ) from exc
    return defaults


def _type_ok(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def validate_parameters(
    notebook: str, defaults: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Check overrides against a notebook's parameters; return them with YAML dates as ISO strings.

    Raises :class:`ParameterError` for an unknown name (listing the valid ones) or a value
    whose type differs from the default's (ints are accepted where floats are expected).
    """
    clean: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in defaults:
            raise ParameterError(
                f"Unknown parameter {name!r} for {notebook}. Valid parameters: {', '.join(sorted(defaults))}."
            )
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not _type_ok(defaults[name], value):
            raise ParameterError(
                f"Parameter {name!r} of {notebook} must be {type(defaults[name]).__name__} like its "
                f"default {defaults[name]!r}; got {type(value).__name__} {value!r}."
            )
        clean[name] = value
    return clean


def load_params_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a YAML parameters file: one mapping per notebook (``01_market_selloff:`` or ``market_selloff:``)."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ParameterError(f"Parameters file {path} does not exist.") from exc
    except yaml.YAMLError as exc:
        raise ParameterError(f"Parameters file {path} is not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ParameterError(
            f"Parameters file {path} must map notebook names to mappings of parameters, e.g.\n"
            "01_market_selloff:\n  event_date: '2025-01-27'"
        )
    return {str(k): v for k, v in data.items()}


def _match_section(
    section: str, names: Sequence[str], context: str = "Parameters file section"
) -> str:
    """The notebook a name refers to: its full stem (``01_market_selloff``) or the part after ``NN_``."""
    for name in names:
        if section in (name, name.split("_", 1)[1]):
            return name
    raise ParameterError(f"{context} {section!r} names no notebook. Notebooks: {', '.join(names)}.")


def plan_parameters(
    notebooks: Sequence[Path], params_file: str | Path | None, source: str | None
) -> dict[str, dict[str, Any]]:
    """Validated parameters for each notebook (from a YAML file and ``--source``)."""
    names = [p.stem for p in notebooks]
    sections = load_params_file(params_file) if params_file else {}
    requested = {_match_section(s, names): v for s, v in sections.items()}
    plan: dict[str, dict[str, Any]] = {}
    for path in notebooks:
        defaults = read_parameters(path)
        overrides = dict(requested.get(path.stem, {}))
        if source is not None and "data_source" in defaults:
            overrides.setdefault("data_source", source)
        plan[path.stem] = validate_parameters(path.stem, defaults, overrides)
    return plan


# --------------------------------------------------------------------------- execution


def ensure_kernel() -> str:
    """Make sure a kernel spec bound to *this* interpreter exists; return its name.

    A bare ``python3`` spec may point at another Python (a user-level spec shadows the
    environment's), which is how ``NoSuchKernel`` and wrong-environment runs happen.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (deepseek-shock)", prefix=sys.prefix)
    return KERNEL_NAME


def strip_execution_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove papermill's per-cell timing and run metadata (keeps outputs), so commits do not churn."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in PAPERMILL_CELL_KEYS:
            cell.metadata.pop(key, None)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def execute_notebook(
    source: Path, destination: Path, parameters: Mapping[str, Any], cwd: Path, timeout: int
) -> None:
    """Execute one notebook with papermill in this process (used by the worker subprocess)."""
    import papermill as pm

    pm.execute_notebook(
        str(source),
        str(destination),
        parameters=dict(parameters),
        kernel_name=ensure_kernel(),
        cwd=str(cwd),
        execution_timeout=timeout,
        progress_bar=False,
        request_save_on_cell_execute=True,
    )


_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()


def _run_worker(
    source: Path, destination: Path, parameters: Mapping[str, Any], timeout: int
) -> tuple[bool, str]:
    """Run one notebook in a child Python; return (ok, error message)."""
    cmd = [sys.executable, "-m", "deepseek_shock.runner", "--execute", str(source), str(destination),
           json.dumps(dict(parameters)), str(source.parent), str(timeout)]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    with _children_lock:
        _children.add(proc)
    try:
        _out, err = proc.communicate()
    finally:
        with _children_lock:
            _children.discard(proc)
    if proc.returncode == 0:
        return True, ""
    return False, _error_from(destination, err, proc.returncode)


def _error_from(executed: Path, stderr: str, returncode: int) -> str:
    """The failing cell's exception (from the executed notebook), else the worker's last stderr lines."""
    if returncode < 0:
        return f"interrupted (signal {-returncode})"
    try:
        nb = nbformat.read(executed, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    return f"{out.get('ename')}: {out.get('evalue')}"
    except (OSError, ValueError):
        pass
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else f"worker exited with code {returncode}"


def _terminate_children() -> None:
    with _children_lock:
        for proc in list(_children):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass


# --------------------------------------------------------------------------- results


@dataclass
class NotebookResult:
    name: str
    status: str  # "ok" | "failed" | "interrupted" | "not run"
    duration_s: float
    parameters: dict[str, Any]
    error: str = ""
    html: str = ""
    notebook: str = ""
    headlines: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    question: str = ""
    thumbnail: str = ""
    effective_parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunSummary:
    run_id: str
    started: str
    finished: str
    status: str  # "ok" | "failed" | "interrupted"
    requested_source: str
    output_dir: str
    environment: dict[str, Any]
    notebooks: list[NotebookResult]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _environment() -> dict[str, Any]:
    from .market import snapshot_span

    versions = {}
    for pkg in REPORTED_PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    first, last = snapshot_span()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "snapshot_span": f"{first.date()} .. {last.date()}",
    }


# --------------------------------------------------------------------------- HTML


def notebook_summary(nb: nbformat.NotebookNode) -> tuple[str, str]:
    """Title (the first heading) and question of a notebook: the paragraph starting
    "**Question.**", else the first plain paragraph."""
    title, question, first_paragraph = "", "", ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for paragraph in cell.source.split("\n\n"):
            text = paragraph.strip()
            if not title and text.startswith("#"):
                title = text.splitlines()[0].lstrip("# ").strip()
            if not question and text.startswith("**Question.**"):
                question = " ".join(text.replace("**Question.**", "").split())
            elif not first_paragraph and text and not text.startswith(("#", "|", "-", "*", "`")):
                first_paragraph = " ".join(text.split())
        if title and question:
            break
    return _plain(title), _plain(question or first_paragraph)


def _plain(markdown_text: str) -> str:
    """Markdown emphasis and code marks removed, escaped dollars restored (for the index page)."""
    return re.sub(r"[*`]", "", markdown_text).replace("\\$", "$")


def key_figure_png(nb: nbformat.NotebookNode) -> bytes | None:
    """The notebook's key figure as PNG bytes: the first image of a cell tagged ``key-figure``,
    else the first image in the notebook; ``None`` if it has no figure."""
    import base64

    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in cells if "key-figure" in c.metadata.get("tags", [])]
    for cell in tagged + cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                return base64.b64decode(data["image/png"])
    return None


def write_thumbnail(png: bytes, destination: Path, size: tuple[int, int] = (420, 260)) -> None:
    """Downscale a PNG (keeping its aspect ratio) for the index page."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.thumbnail(size)
        destination.parent.mkdir(parents=True, exist_ok=True)
        image.save(destination, format="PNG", optimize=True)


def render_notebook_html(executed: Path, destination: Path) -> None:
    """Render an executed notebook to a self-contained HTML page (no CDN assets, code hidden by default)."""
    from nbconvert import HTMLExporter

    template_dir = Path(str(resources.files("deepseek_shock") / "templates"))
    exporter = HTMLExporter(template_name="deepseek", extra_template_basedirs=[str(template_dir)])
    exporter.embed_images = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb = nbformat.read(executed, as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem}})
    destination.write_text(body, encoding="utf-8")


def _fmt_params(params: Mapping[str, Any]) -> str:
    if not params:
        return "defaults"
    return "; ".join(f"{k}={v!r}" for k, v in sorted(params.items()))


INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 74rem; margin: 2rem auto;
  padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .lead { color: #444; font-size: 1.05rem; max-width: 60rem; }
.banner { padding: .5rem .8rem; border-radius: 4px; } .banner.ok { background: #e7f4ea; color: #1b5e20; }
.banner.failed { background: #fbe9e7; color: #b2182b; font-weight: bold; }
ul.findings { columns: 2 28rem; } ul.findings li { margin: .25rem 0; break-inside: avoid; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: 1rem; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .8rem; background: #fff; }
.card img { width: 100%; height: auto; border: 1px solid #eee; }
.card h3 { margin: .2rem 0 .4rem; font-size: 1.05rem; } .card p { margin: .3rem 0; font-size: .92rem; }
.status { font-weight: bold; } .status.ok { color: #1b7837; } .status.failed, .status.interrupted { color: #b2182b; }
.error { color: #b2182b; white-space: pre-wrap; font-family: monospace; font-size: .85rem; }
details { font-size: .85rem; } code { font-size: .82rem; } .meta { color: #555; font-size: .85rem; }
table.meta { border-collapse: collapse; } table.meta td { padding: .15rem .6rem .15rem 0; vertical-align: top; }
"""


def render_index(summary: RunSummary) -> str:
    """The landing page: the question, headline findings computed by the notebooks, one card per
    notebook (key-figure thumbnail, status, duration, data source, parameters, error) and run metadata.

    Every string that comes from a notebook or a parameter is HTML-escaped.
    """
    esc = html.escape
    findings, cards = [], []
    for nb in summary.notebooks:
        page = esc(nb.html)
        for h in nb.headlines:
            findings.append(
                f'<li data-key="{esc(h["key"])}">{esc(h["label"])}: <strong>{esc(str(h["display"]))}</strong> '
                f'<a href="{page}">({esc(nb.name)})</a></li>'
            )
        title = esc(nb.title or nb.name)
        heading = f'<a href="{page}">{title}</a>' if nb.html else title
        thumb = (
            f'<a href="{page}"><img src="{esc(nb.thumbnail)}" alt="key figure of {esc(nb.name)}"></a>'
            if nb.thumbnail
            else ""
        )
        error = f'<div class="error">{esc(nb.error)}</div>' if nb.error else ""
        source = nb.meta.get("data_source", "bundled reference data")
        params = "".join(
            f"<li><code>{esc(k)} = {esc(repr(v))}</code></li>"
            for k, v in sorted(nb.effective_parameters.items())
        )
        cards.append(
            f'<div class="card" id="nb-{esc(nb.name)}">{thumb}<h3>{heading}</h3>'
            f"<p>{esc(nb.question)}</p>"
            f'<p><span class="status {esc(nb.status)}">{esc(nb.status)}</span> · {nb.duration_s:.1f} s · '
            f"data: {esc(str(source))} · overrides: <code>{esc(_fmt_params(nb.parameters))}</code></p>{error}"
            f"<details><summary>All parameters</summary><ul>{params}</ul></details></div>"
        )
    env = summary.environment
    packages = ", ".join(f"{esc(k)} {esc(v)}" for k, v in env["packages"].items())
    n_ok = sum(nb.status == "ok" for nb in summary.notebooks)
    banner = (
        f'<p class="banner ok">All {n_ok} notebooks ran successfully.</p>'
        if summary.ok
        else f'<p class="banner failed">Run {esc(summary.status)}: {n_ok} of {len(summary.notebooks)} '
        "notebooks ran successfully. Failed notebooks show their error below.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>deepseek-shock report {esc(summary.run_id)}</title>
<style>{INDEX_CSS}</style></head>
<body>
<h1>deepseek-shock</h1>
<p class="lead">What did the DeepSeek-R1 news of January 2025 do to markets, and were the press's numbers right?
Checked, reproducible analyses of the 2025-01-27 selloff, the "$5.6M" training-cost claim, Mixture-of-Experts
efficiency, the media framing of five articles, and a scorecard of every checkable claim.</p>
{banner}
<h2>Headline findings</h2>
<p class="meta">Each figure is published by the notebook it links to, from its computed cells.</p>
<ul class="findings">{"".join(findings) or "<li>No headline results were published by the notebooks.</li>"}</ul>
<h2>Notebooks</h2>
<div class="cards">{"".join(cards)}</div>
<h2>Run</h2>
<table class="meta">
<tr><td>Run</td><td>{esc(summary.run_id)} · status {esc(summary.status)}</td></tr>
<tr><td>When (UTC)</td><td>{esc(summary.started)} to {esc(summary.finished)}</td></tr>
<tr><td>Data source requested</td><td>{esc(summary.requested_source)}</td></tr>
<tr><td>Bundled snapshot</td><td>{esc(env["snapshot_span"])}</td></tr>
<tr><td>Python</td><td>{esc(env["python"])} on {esc(env["platform"])}</td></tr>
<tr><td>Packages</td><td>{packages}</td></tr>
<tr><td>Machine-readable</td><td><a href="run.json">run.json</a></td></tr>
</table>
</body></html>
"""


# --------------------------------------------------------------------------- orchestration


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _point_latest(reports_dir: Path, run_dir: Path) -> None:
    link = reports_dir / "latest"
    tmp = reports_dir / f".latest-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, link)


def run_collection(
    *,
    only: Sequence[str] | None = None,
    params_file: str | Path | None = None,
    source: str | None = None,
    output: str | Path | None = None,
    jobs: int | None = None,
    notebooks_dir: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT_S,
    progress: Callable[[str], None] | None = print,
) -> RunSummary:
    """Execute the collection; see the module docstring for the layout and guarantees.

    ``output`` is the reports folder (default ``<repo>/reports``); each run gets its own
    ``<timestamp>`` sub-folder. Returns the :class:`RunSummary` (also written as ``run.json``).
    """
    report = progress or (lambda _msg: None)
    say_lock = threading.Lock()

    def say(message: str) -> None:  # one whole line at a time from the worker threads
        with say_lock:
            report(message)

    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    notebooks = discover_notebooks(nb_dir)
    if only:
        names = [p.stem for p in notebooks]
        wanted = {_match_section(n, names, "--only") for n in only}
        notebooks = [p for p in notebooks if p.stem in wanted]
    plan = plan_parameters(notebooks, params_file, source)
    ensure_kernel()

    reports_dir = Path(output) if output else repo_root() / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    started = _utc_now()
    run_id = started.strftime("%Y%m%d-%H%M%S")
    while (reports_dir / run_id).exists() or (reports_dir / f".{run_id}.partial").exists():
        run_id += "x"
    work = reports_dir / f".{run_id}.partial"
    work.mkdir()

    results: dict[str, NotebookResult] = {
        p.stem: NotebookResult(
            p.stem,
            "not run",
            0.0,
            plan[p.stem],
            effective_parameters={**read_parameters(p), **plan[p.stem]},
        )
        for p in notebooks
    }
    interrupted = threading.Event()

    def one(path: Path) -> None:
        if interrupted.is_set():
            return
        say(f"[start] {path.stem}")
        t0 = time.perf_counter()
        executed = work / path.name
        ok, error = _run_worker(path, executed, plan[path.stem], timeout)
        res = results[path.stem]
        res.duration_s = round(time.perf_counter() - t0, 1)
        res.status = "ok" if ok else ("interrupted" if interrupted.is_set() else "failed")
        res.error = error
        if executed.exists():
            res.notebook = executed.name
            try:
                nb = nbformat.read(executed, as_version=4)
                found = read_headlines(nb) or {}
                res.headlines, res.meta = found.get("headlines", []), found.get("meta", {})
                res.title, res.question = notebook_summary(nb)
                png = key_figure_png(nb) if ok else None
                if png is not None:
                    write_thumbnail(png, work / "thumbs" / f"{path.stem}.png")
                    res.thumbnail = f"thumbs/{path.stem}.png"
                render_notebook_html(executed, work / f"{path.stem}.html")
                res.html = f"{path.stem}.html"
            except Exception as exc:  # a broken page must not hide the other results
                res.error = (
                    res.error + "; " if res.error else ""
                ) + f"HTML rendering failed: {exc}"
                res.status = "failed"
        say(
            f"[{res.status}] {path.stem} ({res.duration_s:.1f} s){' - ' + res.error if res.error else ''}"
        )

    previous = {}

    def on_signal(signum, _frame):
        interrupted.set()
        _terminate_children()

    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        workers = max(1, jobs or os.cpu_count() or 1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, notebooks))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    if interrupted.is_set():
        status = "interrupted"
    elif all(r.status == "ok" for r in results.values()):
        status = "ok"
    else:
        status = "failed"
    summary = RunSummary(
        run_id=run_id,
        started=started.isoformat(),
        finished=_utc_now().isoformat(),
        status=status,
        requested_source=source or "notebook defaults (snapshot)",
        output_dir=str(reports_dir / run_id),
        environment=_environment(),
        notebooks=[results[p.stem] for p in notebooks],
    )
    (work / "run.json").write_text(summary.to_json(), encoding="utf-8")
    (work / "index.html").write_text(render_index(summary), encoding="utf-8")
    final = reports_dir / (run_id if status != "interrupted" else f"{run_id}.interrupted")
    os.replace(work, final)
    summary.output_dir = str(final)
    if summary.ok:
        _point_latest(reports_dir, final)
    say(f"[{status}] report: {final / 'index.html'}")
    return summary


def update_committed_notebooks(
    names: Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
    timeout: int = DEFAULT_TIMEOUT_S,
) -> list[tuple[str, bool, str]]:
    """Re-execute notebooks in place with their defaults and strip papermill metadata.

    A notebook is replaced only when its execution succeeded, so a failure never destroys
    the last good committed outputs. Returns (name, ok, error) per notebook.
    """
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    notebooks = discover_notebooks(nb_dir)
    if names:
        wanted = {_match_section(n, [p.stem for p in notebooks], "Notebook") for n in names}
        notebooks = [p for p in notebooks if p.stem in wanted]
    ensure_kernel()
    outcomes = []
    for path in notebooks:
        tmp = path.with_name(f".{path.stem}.executing.ipynb")
        ok, error = _run_worker(path, tmp, {}, timeout)
        if ok:
            nb = strip_execution_metadata(nbformat.read(tmp, as_version=4))
            nbformat.write(nb, tmp)
            os.replace(tmp, path)
        else:
            tmp.unlink(missing_ok=True)
        outcomes.append((path.stem, ok, error))
    return outcomes


def _worker_main(argv: Sequence[str]) -> int:
    source, destination, params_json, cwd, timeout = argv
    import papermill as pm

    try:
        execute_notebook(
            Path(source), Path(destination), json.loads(params_json), Path(cwd), int(timeout)
        )
    except pm.PapermillExecutionError as exc:
        print(f"{exc.ename}: {exc.evalue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="internal: execute one notebook (used by run_collection)"
    )
    parser.add_argument(
        "--execute", nargs=5, metavar=("SOURCE", "DEST", "PARAMS", "CWD", "TIMEOUT"), required=True
    )
    sys.exit(_worker_main(parser.parse_args().execute))


README_START = (
    "<!-- headlines:start (generated from the committed notebooks by `make notebooks`) -->"
)
README_END = "<!-- headlines:end -->"


def headlines_markdown(notebooks_dir: str | Path | None = None) -> str:
    """Markdown list of the headlines each committed notebook published (for the README)."""
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    lines = []
    for path in discover_notebooks(nb_dir):
        found = read_headlines(nbformat.read(path, as_version=4))
        for h in (found or {}).get("headlines", []):
            lines.append(
                f"- {h['label']}: **{h['display']}** ([{path.stem}](notebooks/{path.name}))"
            )
    return "\n".join(lines) if lines else "- (no notebook has published headlines yet)"


def update_readme_headlines(
    readme: str | Path | None = None, notebooks_dir: str | Path | None = None
) -> bool:
    """Rewrite the README's generated headline block; return True if it changed."""
    path = Path(readme) if readme else repo_root() / "README.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    new = text[:start] + "\n" + headlines_markdown(notebooks_dir) + "\n" + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
