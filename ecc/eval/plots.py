"""Rate-distortion curves as PNG: bitrate (log axis) against one metric, one line per codec."""

from __future__ import annotations

from pathlib import Path


def plot_rd(means: list[dict], metric: str, label: str, path: str | Path) -> None:
    """Draw the mean ``metric`` of each codec point against its mean payload kbps into ``path``.

    Args:
        means: rows of ``ecc.eval.report.means`` (keys ``codec``, ``point``, ``kbps``, ``metric``).
    """
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, safe in workers and CI
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for codec in dict.fromkeys(row["codec"] for row in means):
        points = sorted((row for row in means if row["codec"] == codec), key=lambda row: row["kbps"])
        rates, values = [p["kbps"] for p in points], [p[metric] for p in points]
        ax.plot(rates, values, marker="o", label=codec)
        for p in points:
            ax.annotate(p["point"], (p["kbps"], p[metric]), textcoords="offset points", xytext=(3, 3), fontsize=7)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_xlabel("bitrate (kbit/s, payload)")
    ax.set_ylabel(label)
    ax.set_title(f"{label} vs bitrate")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.savefig(path, dpi=120)
