"""Synthetic continuous speech from espeak-ng: fixed sentences, several voices, seeded prosody.

The recorded sources are mostly isolated words; a few minutes of synthesized sentences add
continuous prosody (``ecc data build --tts-minutes N``, shared equally by ``VOICES``). espeak-ng
is deterministic, so the same seed gives the same audio. festival is not used: the only Festival
voice in Debian main built from recordings, msu_ru_nsh, is festvox-ru's speaker (dev data).
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sources import TRAIN, Clip

SOURCE = "espeak-ng"

# (espeak-ng voice + variant, language of the sentences it reads)
VOICES = (
    ("en-us+m1", "en"), ("en-us+f2", "en"), ("en-gb+m3", "en"), ("en-gb-x-rp+f4", "en"),
    ("en-gb-scotland+m7", "en"), ("en-029+f1", "en"), ("en-us+klatt2", "en"),
    ("de+m2", "de"), ("de+f3", "de"), ("fr-fr+m4", "fr"), ("fr-fr+f5", "fr"), ("it+m5", "it"),
    ("pt-br+f2", "pt"), ("nl+m6", "nl"), ("pl+f4", "pl"), ("fi+m3", "fi"),
)

SENTENCES = {
    "en": (
        "The birch canoe slid on the smooth planks.",
        "Glue the sheet to the dark blue background.",
        "It's easy to tell the depth of a well.",
        "These days a chicken leg is a rare dish.",
        "Rice is often served in round bowls.",
        "The juice of lemons makes fine punch.",
        "The box was thrown beside the parked truck.",
        "Four hours of steady work faced us.",
        "Did you remember to lock the back door before we left this morning?",
        "Please call Stella and ask her to bring these things with her from the store.",
        "On the third of March, nineteen eighty-two, the river rose by almost seven feet.",
        "Why would anyone leave a perfectly good bicycle out in the rain?",
        "The quick brown fox jumps over the lazy dog, again and again.",
        "We measured the signal twice, and both times the numbers disagreed.",
        "If the train is late, wait for me at the little cafe near the station.",
        "She sells sea shells by the sea shore, or so the story goes.",
        "Turn left at the second light, then keep going until you see the bridge.",
        "Honestly, I think the older recording sounds warmer than the new one.",
        "A large size in stockings is hard to sell.",
        "Oak is strong and also gives shade.",
        "Cats and dogs each hate the other.",
        "The pipe began to rust while new.",
        "Open the crate but don't break the glass.",
        "Add the sum to the product of these three.",
    ),
    "de": (
        "Der Zug nach Hamburg fährt heute etwas später ab.",
        "Kannst du mir bitte sagen, wie spät es ist?",
        "Im Sommer sitzen wir abends gern lange im Garten.",
        "Die Katze schläft auf dem warmen Fensterbrett.",
        "Wir haben das Paket gestern Nachmittag abgeschickt.",
        "Morgen soll es regnen, also nimm einen Schirm mit.",
    ),
    "fr": (
        "Le petit chat dort sur le canapé du salon.",
        "Pouvez-vous m'indiquer le chemin de la gare, s'il vous plaît?",
        "Nous partirons demain matin de très bonne heure.",
        "Il fait beau aujourd'hui, allons nous promener au bord de l'eau.",
        "J'ai oublié mes clés dans la voiture hier soir.",
        "La bibliothèque ferme à six heures le samedi.",
    ),
    "it": (
        "Domani mattina andiamo al mercato a comprare la frutta.",
        "Scusi, sa dirmi dov'è la fermata dell'autobus?",
        "Il treno per Roma parte dal binario numero tre.",
        "D'estate ci piace cenare all'aperto con gli amici.",
        "Ho letto un libro molto interessante la settimana scorsa.",
        "Questa sera piove, quindi restiamo a casa.",
    ),
    "pt": (
        "Amanhã vamos visitar os nossos avós no interior.",
        "Você sabe onde fica a padaria mais próxima?",
        "O café da manhã está servido na varanda.",
        "Choveu muito durante toda a noite passada.",
        "Ela toca violão desde os sete anos de idade.",
        "Precisamos terminar este trabalho até sexta-feira.",
    ),
    "nl": (
        "Morgen gaan we met de fiets naar het strand.",
        "Weet u misschien hoe laat de winkel opengaat?",
        "De kat ligt de hele dag in de zon te slapen.",
        "We hebben gisteren een lange wandeling gemaakt.",
        "Het regent al sinds vanochtend vroeg.",
        "Mijn zus woont in een klein huis aan de rivier.",
    ),
    "pl": (
        "Jutro rano pojedziemy pociągiem do Krakowa.",
        "Czy może mi pan powiedzieć, która jest godzina?",
        "Latem lubimy siedzieć wieczorem w ogrodzie.",
        "Kot śpi na ciepłym parapecie.",
        "Wczoraj wieczorem padał bardzo mocny deszcz.",
        "Moja siostra mieszka w małym domu nad rzeką.",
    ),
    "fi": (
        "Huomenna lähdemme junalla Helsinkiin.",
        "Voisitteko kertoa, mihin aikaan kauppa aukeaa?",
        "Kesäisin istumme mielellämme illalla puutarhassa.",
        "Kissa nukkuu lämpimällä ikkunalaudalla.",
        "Eilen satoi koko päivän.",
        "Siskoni asuu pienessä talossa joen rannalla.",
    ),
}


@dataclass(frozen=True)
class Utterance:
    """One espeak-ng call: voice (with variant), speed in words per minute, pitch 0..99, text."""

    voice: str
    speed: int
    pitch: int
    text: str


def utterances(voice: int, seed: int) -> Iterator[Clip]:
    """Endless utterances for ``VOICES[voice]``: its language's sentences in a seeded order,
    each with a seeded speed (130..190 wpm) and pitch (30..70)."""
    name, language = VOICES[voice]
    sentences = SENTENCES[language]
    rng = np.random.default_rng([seed, voice])
    index = 0
    while True:
        for sentence in rng.permutation(len(sentences)):
            utterance = Utterance(name, int(rng.integers(130, 191)), int(rng.integers(30, 71)),
                                  sentences[sentence])
            yield Clip(SOURCE, f"{SOURCE}:{name}:{index:05d}", language, name, TRAIN, tts=utterance)
            index += 1


def synthesize(utterance: Utterance) -> bytes:
    """The WAV file (22.05 kHz mono int16) that espeak-ng makes of ``utterance``.

    Raises:
        ValueError: espeak-ng is missing or fails.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "tts.wav")
        command = ["espeak-ng", "-b", "1", "-v", utterance.voice, "-s", str(utterance.speed),
                   "-p", str(utterance.pitch), "-w", str(path)]
        try:
            subprocess.run(command, input=utterance.text.encode(), capture_output=True, check=True)
            return path.read_bytes()
        except (OSError, subprocess.CalledProcessError) as e:
            raise ValueError(f"espeak-ng failed on {utterance}: {e}") from None
