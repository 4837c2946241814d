"""The outputs of ``ecc eval``: scores.csv, report.json, rd_<metric>.png and report.md.

Means are over the files that passed (the same files for every codec point); BD-rates compare
the mean curves (payload kbps against each metric), each codec against each other one.
"""

from __future__ import annotations

import csv
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ..output_files import writing
from .bdrate import bd_rate, pareto_front
from .codec import SAMPLE_RATE
from .metrics import METRICS
from .plots import plot_rd
from .runner import Evaluation

_SIZE_COLUMNS = ("seconds", "payload_bytes", "file_bytes", "kbps", "file_kbps", "delay_ms")


def means(evaluation: Evaluation) -> list[dict]:
    """One row per codec point: ``codec``, ``point``, ``files`` and the mean of every number."""
    out = []
    for codec in evaluation.codecs:
        for point in codec.points:
            rows = [r for r in evaluation.rows if r["codec"] == codec.name and r["point"] == point]
            if rows:
                keys = ("kbps", "file_kbps", "delay_ms", *evaluation.metrics)
                out.append({"codec": codec.name, "point": point, "files": len(rows),
                            **{k: float(np.mean([r[k] for r in rows])) for k in keys}})
    return out


def bd_rates(mean_rows: list[dict], metrics: list[str]) -> dict[str, dict[str, dict[str, float | None]]]:
    """``[metric][test][anchor]``: BD-rate (%) of each codec against each other one over the
    pareto front of its mean points; None where it is undefined (fewer than two points on a
    front, or quality ranges that do not overlap)."""
    codecs = list(dict.fromkeys(r["codec"] for r in mean_rows))
    table: dict[str, dict[str, dict[str, float | None]]] = {}
    for metric in metrics:
        curves = {}
        for codec in codecs:
            rates = np.array([r["kbps"] for r in mean_rows if r["codec"] == codec])
            values = np.array([r[metric] for r in mean_rows if r["codec"] == codec])
            front = pareto_front(rates, values)
            curves[codec] = (rates[front], values[front])
        table[metric] = {}
        for test in codecs:
            table[metric][test] = {}
            for anchor in codecs:
                if anchor == test:
                    continue
                try:
                    table[metric][test][anchor] = bd_rate(*curves[anchor], *curves[test])
                except ValueError:
                    table[metric][test][anchor] = None
    return table


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def write_report(evaluation: Evaluation, out_dir: str | Path, command: str | None = None) -> Path:
    """Write every output into ``out_dir`` (created if needed; each file whole or not at all, see
    ecc.output_files.writing); returns the Markdown report's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = evaluation.metrics
    mean_rows = means(evaluation)
    bd = bd_rates(mean_rows, metrics)

    with writing(out / "scores.csv") as temporary, open(temporary, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["file", "codec", "point", *_SIZE_COLUMNS, *metrics])
        writer.writeheader()
        writer.writerows(evaluation.rows)

    codecs = [{"name": c.name, "version": c.version(), "points": list(c.points)} for c in evaluation.codecs]
    packages = {METRICS[m].distribution for m in metrics}
    summary = {
        "command": command,
        "seconds": evaluation.seconds,
        "files": evaluation.files,
        "failures": [{"file": f, "error": e} for f, e in evaluation.failures],
        "codecs": codecs,
        "packages": {p: _package_version(p) for p in sorted(packages)},
        "metrics": metrics,
        "delays_ms": {f"{c}@{p}": 1000 * d / SAMPLE_RATE for (c, p), d in evaluation.delays.items()},
        "means": mean_rows,
        "bd_rate": bd,
        "rows": evaluation.rows,
    }
    with writing(out / "report.json") as temporary:
        temporary.write_text(json.dumps(summary, indent=1) + "\n")

    if mean_rows:
        for m in metrics:
            with writing(out / f"rd_{m}.png") as temporary:
                plot_rd(mean_rows, m, METRICS[m].label, temporary)
    path = out / "report.md"
    with writing(path) as temporary:
        temporary.write_text(_markdown(evaluation, mean_rows, bd, summary))
    return path


def mean_table(mean_rows: list[dict], metrics: list[str]) -> list[str]:
    """The means as the lines of a Markdown table."""
    lines = ["| codec | point | files | kbps | file kbps | delay (ms) | "
             + " | ".join(METRICS[m].label for m in metrics) + " |",
             "|---|---|---:|---:|---:|---:|" + "---:|" * len(metrics)]
    for r in mean_rows:
        lines.append(f"| {r['codec']} | {r['point']} | {r['files']} | {r['kbps']:.3f} | {r['file_kbps']:.3f} | "
                     f"{r['delay_ms']:.1f} | " + " | ".join(f"{r[m]:.3f}" for m in metrics) + " |")
    return lines


def _markdown(evaluation: Evaluation, mean_rows: list[dict], bd: dict, summary: dict) -> str:
    metrics = evaluation.metrics
    labels = [METRICS[m].label for m in metrics]
    passed = len(evaluation.files) - len(evaluation.failures)
    lines = ["# ecc eval report", ""]
    if summary["command"]:
        lines += [f"Command: `{summary['command']}`", ""]
    lines += [
        f"{passed} of {len(evaluation.files)} file(s) evaluated in {evaluation.seconds:.1f} s; "
        f"{len(evaluation.failures)} failed and are left out of every mean (listed below).",
        "",
        "Codecs: " + "; ".join(f"{c['name']} ({c['version']})" for c in summary["codecs"]) + ".",
        "Metric packages: " + ", ".join(f"{p} {v}" for p, v in summary["packages"].items()) + ".",
        "Bitrate: payload bytes only (Opus audio packets without Ogg/Opus headers; Codec 2 frames). "
        "`file kbps` is the size on disk. Delay: removed before scoring, estimated per codec point.",
        "",
        "## Mean scores",
        "",
        *mean_table(mean_rows, metrics),
    ]
    if mean_rows:
        lines += ["", "## Rate-distortion curves", ""]
        lines += [f"![{label} vs bitrate](rd_{m}.png)" for m, label in zip(metrics, labels, strict=True)]
    codecs = list(dict.fromkeys(r["codec"] for r in mean_rows))
    if len(codecs) > 1:
        lines += ["", "## BD-rate", "",
                  "Bjontegaard delta rate (%, piecewise cubic) of the row codec against the column codec: "
                  "negative means the row codec needs fewer bits for the same score. Each curve is the codec's "
                  "pareto front of mean points; n/a: fewer than two points, or no common score range.", ""]
        for m, label in zip(metrics, labels, strict=True):
            lines += [f"**{label}**", "", "| test \\ anchor | " + " | ".join(codecs) + " |",
                      "|---|" + "---:|" * len(codecs)]
            for test in codecs:
                cells = ["–" if a == test else ("n/a" if bd[m][test][a] is None else f"{bd[m][test][a]:+.1f}")
                         for a in codecs]
                lines.append(f"| {test} | " + " | ".join(cells) + " |")
            lines.append("")
    lines += ["", "## Failed files", ""]
    lines += [f"- `{f}`: {e}" for f, e in evaluation.failures] or ["None."]
    return "\n".join(lines) + "\n"
