"""The training corpus and dev set, built reproducibly from Debian packages, and the training dataset.

``ecc data build OUT`` (``build``) decodes the speech of seven Debian packages (``SOURCES``) plus
optional espeak-ng sentences into OUT/train and OUT/dev (16 kHz mono 16-bit WAV), with
OUT/manifest.csv and OUT/summary.json; ``SpeechCrops`` serves augmented random crops of a split
and ``dev_files`` lists the dev set. See docs/data.md.
"""

from .build import build
from .dataset import SpeechCrops, dev_files
from .sources import SOURCES, Source

__all__ = ["SOURCES", "Source", "SpeechCrops", "build", "dev_files"]
