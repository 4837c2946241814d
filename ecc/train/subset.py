"""A small copy of a built corpus to carry to a GPU machine (benchmarks/gpu_train.sh): every
k-th train file up to ``--minutes`` of audio and the first ``--dev`` dev files, as FLAC (about
60% of the WAV size), with a manifest that ``SpeechCrops`` and ``dev_files`` read as they read
the full corpus.

    python -m ecc.train.subset /work/data/corpus gpu_corpus --minutes 30
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from ..data.build import MANIFEST, MANIFEST_FIELDS
from ..data.sources import DEV, TRAIN


def subset(source: str | Path, target: str | Path, minutes: float, dev: int = 4) -> float:
    """Write the subset of corpus ``source`` into ``target``; returns its train minutes.

    Raises:
        ValueError: ``source`` is no built corpus, or ``target`` already holds one.
    """
    import soundfile

    source, target = Path(source), Path(target)
    if not (source / MANIFEST).is_file():
        raise ValueError(f"no {MANIFEST} in {source}: build the corpus with `ecc data build {source}`")
    if (target / MANIFEST).exists():
        raise ValueError(f"{target} already holds a corpus: choose another folder or delete it")
    with open(source / MANIFEST, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    train = [row for row in rows if row["split"] == TRAIN]
    total = sum(float(row["seconds"]) for row in train) / 60
    step = max(1, round(total / minutes)) if minutes > 0 else len(train) + 1
    chosen = [row for row in rows if row["split"] == DEV][:dev]
    taken = 0.0
    for row in train[::step]:
        if taken >= minutes:
            break
        chosen.append(row)
        taken += float(row["seconds"]) / 60
    written = []
    for row in chosen:
        path = Path(row["path"]).with_suffix(".flac")
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        pcm, rate = soundfile.read(source / row["path"], dtype="int16")
        soundfile.write(target / path, pcm, rate, format="FLAC")
        written.append({**row, "path": path.as_posix()})
    with open(target / MANIFEST, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, MANIFEST_FIELDS)
        writer.writeheader()
        writer.writerows(written)
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecc.train.subset", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a corpus built by `ecc data build`")
    parser.add_argument("target", help="the folder to write the subset to")
    parser.add_argument("--minutes", type=float, default=30.0, help="train audio to take (default 30)")
    parser.add_argument("--dev", type=int, default=4, help="dev files to take (default 4: the trainer's val_clips)")
    args = parser.parse_args(argv)
    try:
        minutes = subset(args.source, args.target, args.minutes, args.dev)
    except ValueError as e:
        parser.error(str(e))
    print(f"{args.target}: {minutes:.1f} min of train audio, {args.dev} dev files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
