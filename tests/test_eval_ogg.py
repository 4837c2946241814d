"""The Ogg packet parser and Opus payload counting: hand-built streams, errors, real opusenc files."""

import shutil
import struct

import numpy as np
import pytest

from ecc.eval.ogg import ogg_packets, opus_audio_bytes


def ogg_stream(packets, segments_per_page=4, serial=7):
    """Lace ``packets`` into Ogg pages of at most ``segments_per_page`` segments (RFC 3533)."""
    lacing = []  # segments, in order
    for packet in packets:
        for start in range(0, len(packet) + 1, 255):
            chunk = packet[start:start + 255]
            lacing.append(chunk)
            if len(chunk) < 255:
                break
    pages, continued = [], False
    for seq, first in enumerate(range(0, len(lacing), segments_per_page)):
        segs = lacing[first:first + segments_per_page]
        header = struct.pack("<4sBBqIIIB", b"OggS", 0, 1 if continued else 0, -1, serial, seq, 0, len(segs))
        pages.append(header + bytes(len(s) for s in segs) + b"".join(segs))
        continued = len(segs[-1]) == 255
    return b"".join(pages)


PACKETS = [b"OpusHead" + bytes(11), b"OpusTags" + bytes(300), b"\x01" * 255, b"", b"\x02" * 600, b"\x03" * 17]


@pytest.mark.parametrize("segments_per_page", [1, 2, 4, 255])
def test_packets_survive_any_paging(segments_per_page):
    assert ogg_packets(ogg_stream(PACKETS, segments_per_page)) == PACKETS


def test_opus_audio_bytes_leaves_out_the_two_header_packets():
    assert opus_audio_bytes(ogg_stream(PACKETS)) == 255 + 0 + 600 + 17


@pytest.mark.parametrize("mutate, message", [
    (lambda d: b"OggT" + d[4:], "not an Ogg page"),
    (lambda d: d[:-5], "truncated"),
    (lambda d: d[:10], "truncated"),
    (lambda d: d + ogg_stream([b"x"], serial=8), "several logical streams"),
])
def test_malformed_streams_are_refused(mutate, message):
    with pytest.raises(ValueError, match=message):
        ogg_packets(mutate(ogg_stream(PACKETS)))


def test_a_stream_ending_inside_a_packet_is_refused():
    data = ogg_stream([b"\x01" * 300], segments_per_page=1)
    first_page = data[:27 + 1 + 255]
    with pytest.raises(ValueError, match="ends inside a packet"):
        ogg_packets(first_page)


def test_a_missing_continuation_flag_is_refused():
    data = bytearray(ogg_stream([b"\x01" * 300], segments_per_page=1))
    data[27 + 1 + 255 + 5] = 0  # second page: clear "continued packet"
    with pytest.raises(ValueError, match="continuation flag"):
        ogg_packets(bytes(data))


def test_non_opus_streams_are_refused():
    with pytest.raises(ValueError, match="OpusHead and OpusTags"):
        opus_audio_bytes(ogg_stream([b"vorbis", b"x"]))


@pytest.mark.skipif(shutil.which("opusenc") is None, reason="needs opusenc: apt-get install -y opus-tools")
def test_real_opus_file(tmp_path):
    import soundfile

    from ecc.eval.synthetic import speech_like

    wave = speech_like(2.0)
    soundfile.write(tmp_path / "in.wav", wave, 16000, subtype="PCM_16")
    import subprocess

    subprocess.run(["opusenc", "--quiet", "--bitrate", "12", str(tmp_path / "in.wav"), str(tmp_path / "c.opus")],
                   check=True)
    data = (tmp_path / "c.opus").read_bytes()
    packets = ogg_packets(data)
    assert packets[0].startswith(b"OpusHead") and len(packets[0]) == 19  # mono, channel mapping family 0
    assert len(packets) - 2 == pytest.approx(2.0 / 0.020, abs=2)  # one packet per 20-ms frame
    payload = opus_audio_bytes(data)
    assert payload == sum(map(len, packets[2:])) < len(data)
    assert 8 * payload / 2.0 / 1000 == pytest.approx(12, rel=0.35)
    assert np.all([len(p) > 0 for p in packets[2:]])
