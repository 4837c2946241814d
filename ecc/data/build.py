"""``ecc data build``: the corpus's wav files, ``manifest.csv`` and ``summary.json`` (see docs/data.md).

The pipeline, in one fixed order (so a rebuild writes the same bytes, whatever ``jobs``)::

    sources -> clips sorted by (split, source, language, speaker, seeded key)
            -> worker: read, decode, 16 kHz, trim, normalise  (ecc.data.audio.prepare)
            -> drop duplicates (same input bytes; dev comes first, so dev wins)
            -> short clips joined into <= 4 s crops (dev: only where the source is isolated words)
            -> train: + espeak-ng sentences (ecc.data.tts), joined the same way
"""

from __future__ import annotations

import collections
import contextlib
import csv
import functools
import hashlib
import io
import itertools
import json
import multiprocessing
import re
import time
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE
from ..output_files import writing
from .audio import decode, join_clips, prepare
from .sources import DEV, SOURCES, TRAIN, Clip, Source, ensure_installed, package_version
from .tts import VOICES, synthesize, utterances

MAX_CROP_SECONDS = 4.0
MANIFEST = "manifest.csv"
SUMMARY = "summary.json"
BUILDING = ".building"  # present while a build writes the folder: an interrupted one leaves it, and no manifest
MANIFEST_FIELDS = ("split", "path", "source", "language", "speaker", "seconds", "sha256", "origin")
_TTS_BATCH = 8


def _load(clip: Clip) -> tuple[np.ndarray | str, str]:
    """Worker: a clip -> (int16 (N,) 16-kHz audio, or why it is dropped; sha256 of the input bytes)."""
    if clip.tts is not None:
        data, suffix = synthesize(clip.tts), ".wav"
    else:
        data, suffix = Path(clip.path).read_bytes(), Path(clip.path).suffix
    digest = hashlib.sha256(data).hexdigest()
    try:
        samples, rate = decode(data, suffix)
    except ValueError:
        return "unreadable", digest
    return prepare(samples, rate), digest


def wav_bytes(pcm: np.ndarray) -> bytes:
    """int16 (N,) -> a 16-kHz mono 16-bit WAV file (44-byte header, no metadata)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def _order(seed: int, clip: Clip) -> tuple:
    """Dev before train; within a (source, language, speaker) group, train clips in a seeded order
    (so joined crops mix words) and dev clips by path."""
    key = clip.path if clip.split == DEV else hashlib.sha256(f"{seed}:{clip.path}".encode()).hexdigest()
    return clip.split, clip.source, clip.language, clip.speaker, key


def _group(clip: Clip) -> tuple[str, str, str, str]:
    return clip.split, clip.source, clip.language, clip.speaker


class _Corpus:
    """The output folder: writes wav files and collects their manifest rows and input counts."""

    def __init__(self, out: Path, seed: int, words: set[str]):
        self.out = out
        self.seed = seed
        self.words = words  # sources of isolated words, whose dev clips are joined too
        self.rows: list[dict[str, str]] = []
        self.used: collections.Counter[str] = collections.Counter()
        self.dropped: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self._seen: set[str] = set()
        self._count: collections.Counter[tuple[str, str, str]] = collections.Counter()

    def _keep(self, results: Iterable[tuple[Clip, tuple[np.ndarray | str, str]]], kept: list[Clip]
             ) -> Iterator[np.ndarray]:
        """The audio of the clips that are neither dropped nor duplicates (appended to ``kept``)."""
        for clip, (pcm, digest) in results:
            if isinstance(pcm, str) or digest in self._seen:
                self.dropped[clip.source]["duplicate" if digest in self._seen else pcm] += 1
                continue
            self._seen.add(digest)
            self.used[clip.source] += 1
            kept.append(clip)
            yield pcm

    def write_group(self, key: tuple[str, str, str, str],
                    results: Iterable[tuple[Clip, tuple[np.ndarray | str, str]]]) -> None:
        """One (split, source, language, speaker) group: train clips joined into crops, and dev clips
        too where they are isolated words (else one file per clip)."""
        kept: list[Clip] = []
        audio = self._keep(results, kept)
        if key[0] == DEV and key[1] not in self.words:
            for index, pcm in enumerate(audio):
                self._write(key, pcm, [kept[index]])
            return
        label = hashlib.sha256("\0".join(key).encode()).digest()
        rng = np.random.default_rng([self.seed, int.from_bytes(label[:8], "little")])
        for crop, members in join_clips(audio, round(MAX_CROP_SECONDS * SAMPLE_RATE), rng):
            self._write(key, crop, [kept[index] for index in members])

    def _write(self, key: tuple[str, str, str, str], pcm: np.ndarray, origins: list[Clip]) -> None:
        split, source, language, speaker = key
        tag = re.sub(r"[^A-Za-z0-9_]", "_", language)
        number = self._count[split, source, tag]
        self._count[split, source, tag] += 1
        relative = f"{split}/{source}-{tag}-{number:05d}.wav"
        data = wav_bytes(pcm)
        (self.out / relative).write_bytes(data)
        self.rows.append({"split": split, "path": relative, "source": source, "language": language,
                          "speaker": speaker, "seconds": f"{len(pcm) / SAMPLE_RATE:.4f}",
                          "sha256": hashlib.sha256(data).hexdigest(),
                          "origin": ";".join(clip.path for clip in origins)})

    def finish(self, meta: dict) -> dict:
        """Write summary.json, then manifest.csv (each atomically; the manifest last: it marks the
        build complete), and remove the building marker; returns the summary."""
        rows = sorted(self.rows, key=lambda row: (row["split"], row["path"]))
        inputs = {source: {"used": self.used[source], "dropped": dict(sorted(self.dropped[source].items()))}
                  for source in sorted(set(self.used) | set(self.dropped))}
        summary = {**meta, "splits": summarize(rows), "inputs": inputs}
        with writing(self.out / SUMMARY) as path:
            path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        with writing(self.out / MANIFEST) as path, open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, MANIFEST_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        (self.out / BUILDING).unlink()
        return summary


def _stats(rows: list[dict[str, str]]) -> dict:
    seconds = collections.Counter[str]()
    for row in rows:
        seconds[row["language"]] += float(row["seconds"])
    return {"hours": round(sum(seconds.values()) / 3600, 3), "files": len(rows),
            "inputs": sum(len(row["origin"].split(";")) for row in rows),
            "speakers": len({(row["source"], row["speaker"]) for row in rows if row["speaker"]}),
            "languages": {language: round(seconds[language] / 3600, 3) for language in sorted(seconds)}}


def summarize(rows: list[dict[str, str]]) -> dict:
    """Hours, files, input clips, known speakers and hours per language, per split and per source."""
    splits = {}
    for split in (TRAIN, DEV):
        mine = [row for row in rows if row["split"] == split]
        sources = sorted({row["source"] for row in mine})
        splits[split] = {**_stats(mine), "sources": {
            source: _stats([row for row in mine if row["source"] == source]) for source in sources}}
    return splits


def format_summary(summary: dict) -> str:
    """The summary as a table: one line per split and source, then the split's total."""
    lines = [f"{'split':6} {'source':13} {'hours':>6} {'files':>6} {'inputs':>6} {'speakers':>8}  languages"]
    for split, stats in summary["splits"].items():
        for source, row in [*stats["sources"].items(), ("all", stats)]:
            languages = row["languages"]
            lines.append(f"{split:6} {source:13} {row['hours']:6.2f} {row['files']:6d} {row['inputs']:6d} "
                         f"{row['speakers']:8d}  {len(languages)}: {' '.join(languages)}")
    for source, counts in summary["inputs"].items():
        if counts["dropped"]:
            dropped = ", ".join(f"{n} {reason}" for reason, n in counts["dropped"].items())
            lines.append(f"dropped from {source}: {dropped}")
    return "\n".join(lines)


@contextlib.contextmanager
def _mapper(jobs: int) -> Iterator[Callable]:
    """An ordered, lazy map over ``jobs`` worker processes (the plain ``map`` for one job)."""
    if jobs == 1:
        yield map
        return
    with multiprocessing.Pool(jobs) as pool:
        yield functools.partial(pool.imap, chunksize=4)


def _tts_results(imap: Callable, voice: int, seconds: float, seed: int, bar) -> Iterator:
    """(clip, worker result) of VOICES[voice]'s utterances until their audio reaches ``seconds``."""
    clips = utterances(voice, seed)
    total = 0.0
    while total < seconds:
        batch = list(itertools.islice(clips, _TTS_BATCH))
        before = total
        for clip, result in zip(batch, imap(_load, batch)):
            if total >= seconds:
                break
            if not isinstance(result[0], str):
                added = len(result[0]) / SAMPLE_RATE
                bar.update(min(added, seconds - total, bar.total - bar.n))
                total += added
            yield clip, result
        if total == before:
            raise ValueError(f"espeak-ng made no usable audio with voice {VOICES[voice][0]}")


def _clear(out: Path) -> Path:
    """Make out/train and out/dev, removing the wav files and manifest of an earlier (or interrupted)
    build; the building marker stays until :meth:`_Corpus.finish`, so until then the folder has no
    manifest (a reader refuses it) and a rebuild may clear it."""
    waves = [path for split in (TRAIN, DEV) for path in sorted((out / split).glob("*.wav"))]
    if waves and not ((out / MANIFEST).is_file() or (out / BUILDING).is_file()):
        raise ValueError(f"{waves[0].parent} holds .wav files but {out} has no {MANIFEST}: build into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / BUILDING).touch()
    for path in [out / MANIFEST, out / SUMMARY, *waves]:
        path.unlink(missing_ok=True)
    for split in (TRAIN, DEV):
        (out / split).mkdir(exist_ok=True)
    return out


def _versions(sources: Sequence[Source], tts: bool) -> dict:
    import soundfile
    import soxr

    packages = [source.package for source in sources] + (["espeak-ng"] if tts else [])
    return {"packages": {package: package_version(package) for package in packages},
            "libsndfile": soundfile.__libsndfile_version__, "soxr": soxr.__version__}


def build(out_dir: str | Path, *, sources: Sequence[Source] = SOURCES, tts_minutes: float = 20.0, jobs: int = 1,
          install: bool = False, seed: int = 0, progress: bool = True) -> dict:
    """Build the corpus into ``out_dir``: train/*.wav, dev/*.wav, manifest.csv, summary.json.

    Prints the summary table (and progress bars on stderr when ``progress``).

    Args:
        sources: the recorded sources (default: every Debian source, ecc.data.SOURCES).
        tts_minutes: minutes of espeak-ng sentences added to train (0: none).
        jobs: worker processes; the output does not depend on it.
        install: apt-get missing packages instead of failing.
        seed: the seed of the crop order, gaps and synthesized prosody.
    Returns:
        The summary (as written to summary.json).
    Raises:
        ValueError: missing packages (naming the apt-get command), bad arguments, a foreign out_dir.
    """
    from tqdm import tqdm

    if tts_minutes < 0 or jobs < 1:
        raise ValueError(f"need --tts-minutes >= 0 and --jobs >= 1, got {tts_minutes} and {jobs}")
    start = time.perf_counter()
    ensure_installed(sources, tts_minutes > 0, install)
    clips = sorted((clip for source in sources for clip in source.clips()), key=functools.partial(_order, seed))
    corpus = _Corpus(_clear(Path(out_dir)), seed, {source.name for source in sources if source.words})
    with _mapper(jobs) as imap:
        loaded = tqdm(imap(_load, clips), total=len(clips), unit="file", desc="recordings", disable=not progress)
        for key, group in itertools.groupby(zip(clips, loaded), key=lambda item: _group(item[0])):
            corpus.write_group(key, group)
        loaded.close()
        if tts_minutes > 0:
            share = 60 * tts_minutes / len(VOICES)
            with tqdm(total=round(60 * tts_minutes), unit="s", desc="espeak-ng", disable=not progress,
                      bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} s") as bar:
                for voice, (name, language) in enumerate(VOICES):
                    results = _tts_results(imap, voice, share, seed, bar)
                    corpus.write_group((TRAIN, "espeak-ng", language, name), results)
    meta = {"sample_rate": SAMPLE_RATE, "seed": seed, "tts_minutes": tts_minutes,
            "max_crop_seconds": MAX_CROP_SECONDS, **_versions(sources, tts_minutes > 0)}
    summary = corpus.finish(meta)
    print(format_summary(summary))
    print(f"built {Path(out_dir)} in {time.perf_counter() - start:.0f} s", flush=True)
    return summary
