"""The evaluation loop: every file through every codec and operating point, scored, in parallel.

1. Calibrate: the first ~30 s of readable clips, joined, go through each codec and point once;
   the delay found there (``ecc.eval.align``) is that codec point's delay for every file.
2. Evaluate: a worker pool over files; per file and point: encode, decode, remove the delay,
   score, and measure the bitrate from the payload bytes.
3. A file that fails anywhere (unreadable, a tool error, a metric that cannot score it) is
   reported in ``Evaluation.failures`` and left out of every row, so that all means and
   curves cover the same files.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .align import estimate_delay, remove_delay
from .audio import load_clip
from .codec import SAMPLE_RATE, Codec
from .metrics import check_metrics, score

CALIBRATION_SECONDS = 30.0

Delays = dict[tuple[str, str], int]  # (codec, point) -> samples


@dataclass
class Evaluation:
    """What ``evaluate`` found.

    rows: one dict per (file, codec, point) of the files that passed: ``file``, ``codec``,
        ``point``, ``seconds``, ``payload_bytes``, ``file_bytes``, ``kbps`` (payload),
        ``file_kbps``, ``delay_ms`` and one float per metric.
    failures: (file, error) for every file left out.
    """

    files: list[str]
    codecs: list[Codec]
    metrics: list[str]
    delays: Delays
    rows: list[dict]
    failures: list[tuple[str, str]]
    seconds: float


def calibrate(files: list[str], codecs: list[Codec], seconds: float = CALIBRATION_SECONDS) -> Delays:
    """Delay in samples of each codec point, measured on the first ``seconds`` of readable clips."""
    clips, total = [], 0
    for path in files:
        try:
            clips.append(load_clip(path))
        except ValueError:
            continue  # the evaluation reports it
        total += len(clips[-1])
        if total >= seconds * SAMPLE_RATE:
            break
    if not clips:
        raise ValueError(f"none of the {len(files)} input file(s) could be read as audio")
    signal = np.concatenate(clips)
    return {(codec.name, point): estimate_delay(signal, codec.encode_decode(signal, point).decoded)
            for codec in codecs for point in codec.points}


def evaluate_file(path: str, codecs: list[Codec], metrics: list[str], delays: Delays) -> list[dict]:
    """The rows of one file (see ``Evaluation.rows``); raises whatever stops it."""
    reference = load_clip(path)
    seconds = len(reference) / SAMPLE_RATE
    rows = []
    for codec in codecs:
        for point in codec.points:
            coded = codec.encode_decode(reference, point)
            delay = delays[codec.name, point]
            decoded = remove_delay(coded.decoded, delay, len(reference))
            rows.append({
                "file": path, "codec": codec.name, "point": point, "seconds": seconds,
                "payload_bytes": coded.payload_bytes, "file_bytes": coded.file_bytes,
                "kbps": 8 * coded.payload_bytes / seconds / 1000, "file_kbps": 8 * coded.file_bytes / seconds / 1000,
                "delay_ms": 1000 * delay / SAMPLE_RATE, **score(reference, decoded, metrics),
            })
    return rows


def _guarded(path: str, codecs: list[Codec], metrics: list[str], delays: Delays) -> tuple[list[dict], str | None]:
    try:
        return evaluate_file(path, codecs, metrics, delays), None
    except Exception as e:  # noqa: BLE001 -- any failure is the file's, reported by name
        return [], f"{type(e).__name__}: {e}"


_worker_args: tuple | None = None  # (codecs, metrics, delays), set once per worker process


def _init_worker(codecs: list[Codec], metrics: list[str], delays: Delays) -> None:
    global _worker_args
    _worker_args = (codecs, metrics, delays)


def _in_worker(path: str) -> tuple[list[dict], str | None]:
    return _guarded(path, *_worker_args)


def evaluate(files: list[str | Path], codecs: list[Codec], metrics: list[str], jobs: int = 1,
             progress: bool = False) -> Evaluation:
    """Evaluate ``codecs`` on ``files`` with ``metrics`` (names from ``ecc.eval.metrics.METRICS``).

    Args:
        jobs: worker processes (1: in this process).
        progress: show a progress bar over files on stderr.

    Raises:
        ValueError: a missing tool or package, no codec, no file, or no readable file.
    """
    start = time.perf_counter()
    files = [str(f) for f in files]
    if not files:
        raise ValueError("no input files")
    if not codecs:
        raise ValueError("no codecs to evaluate")
    for codec in codecs:
        codec.check()
    check_metrics(metrics)
    delays = calibrate(files, codecs)
    results: list[tuple[list[dict], str | None]] = [([], None)] * len(files)

    from tqdm import tqdm

    with tqdm(total=len(files), unit="file", desc="ecc eval", disable=not progress) as bar:
        if jobs <= 1:
            for i, path in enumerate(files):
                results[i] = _guarded(path, codecs, metrics, delays)
                bar.update()
        else:
            with concurrent.futures.ProcessPoolExecutor(
                    max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker, initargs=(codecs, metrics, delays)) as pool:
                futures = {pool.submit(_in_worker, path): i for i, path in enumerate(files)}
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
    rows = [row for file_rows, _ in results for row in file_rows]
    failures = [(path, error) for path, (_, error) in zip(files, results, strict=True) if error is not None]
    return Evaluation(files, codecs, metrics, delays, rows, failures, time.perf_counter() - start)
