"""ecc compress / decompress / info / demo on real files, with a small random model."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile
import torch

from ecc import bitstream
from ecc.cli import main
from ecc.model import ECC
from ecc.model.weights import save_model

SMALL = dict(latent_channels=16, hyper_channels=8, hyper_features=32, widths=(32, 48, 64), slices=4,
             context_hidden=32, points=3)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "small.pt"
    save_model(ECC(**SMALL), path, "ecc-small", {"point_kbps": [0.8, 1.6, 3.2]})
    return str(path)


def _tone(path, seconds=1.0, rate=16000, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    soundfile.write(path, np.repeat(wave[:, None], channels, 1).astype(np.float32), rate)


def test_compress_info_decompress(tmp_path, model_file, capsys):
    _tone(tmp_path / "a.wav", 1.5, rate=44100, channels=2)
    assert main(["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc"), "--model", model_file,
                 "--bitrate", "1.5"]) == 0
    out, err = capsys.readouterr()
    assert "a.ecc" in out and "mixed down to mono" in err
    achieved = 8 * (tmp_path / "a.ecc").stat().st_size / 1.5 / 1000  # --bitrate: the file's own rate
    assert abs(achieved / 1.5 - 1) <= 0.10 and f"{achieved:.2f} kbps (quality " in out
    assert main(["info", str(tmp_path / "a.ecc")]) == 0
    info = capsys.readouterr().out
    size = (tmp_path / "a.ecc").stat().st_size
    header, _, payload = bitstream.read(tmp_path / "a.ecc")
    assert f"file        {size} bytes = {8 * size / 1.5 / 1000:.3f} kbps" in info  # bits over duration
    assert f"payload     {len(payload)} bytes" in info
    # version 3 stores no model id; ecc info names the shipped model only when the hash is its
    assert f"model       not the shipped model, hash {header.model_hash.hex()}\n" in info
    assert main(["decompress", str(tmp_path / "a.ecc"), str(tmp_path / "a.out.wav"), "--model", model_file]) == 0
    decoded, rate = soundfile.read(tmp_path / "a.out.wav")
    assert rate == 16000 and len(decoded) == 24000


def test_info_names_the_shipped_model(tmp_path, capsys):
    _tone(tmp_path / "a.wav", 0.5)
    assert main(["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc")]) == 0  # the shipped model
    capsys.readouterr()
    assert main(["info", str(tmp_path / "a.ecc")]) == 0
    header = bitstream.read(tmp_path / "a.ecc")[0]
    assert header.model_id == ""
    assert f"model       ecc-default (shipped with ecc) hash {header.model_hash.hex()}\n" in capsys.readouterr().out


def test_folders_and_many_files(tmp_path, model_file):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    _tone(tmp_path / "in" / "x.wav", 0.7)
    _tone(tmp_path / "in" / "sub" / "y.flac", 1.2)
    soundfile.write(tmp_path / "in" / "empty.wav", np.zeros(0, np.float32), 16000)
    assert main(["compress", str(tmp_path / "in"), str(tmp_path / "coded"), "--model", model_file, "--quality", "0.5"]) == 0
    coded = sorted(p.relative_to(tmp_path / "coded").as_posix() for p in (tmp_path / "coded").rglob("*.ecc"))
    assert coded == ["empty.ecc", "sub/y.ecc", "x.ecc"]
    assert main(["decompress", str(tmp_path / "coded"), str(tmp_path / "out"), "--model", model_file]) == 0
    assert soundfile.info(tmp_path / "out" / "sub" / "y.wav").frames == 19200
    assert soundfile.info(tmp_path / "out" / "empty.wav").frames == 0


def test_demo_prints_rate_and_quality(model_file, capsys):
    assert main(["demo", "--model", model_file, "--quality", "1"]) == 0
    out = capsys.readouterr().out
    assert "demo.wav" in out and "kbps" in out and "PESQ-WB" in out


@pytest.fixture(scope="module")
def files(tmp_path_factory, model_file):
    tmp = tmp_path_factory.mktemp("errors")
    _tone(tmp / "a.wav", 0.3)
    (tmp / "bad.ecc").write_bytes(b"RIFF....not ecc")
    torch.manual_seed(5)
    save_model(ECC(**SMALL), tmp / "other.pt", "ecc-other")
    main(["compress", str(tmp / "a.wav"), str(tmp / "a.ecc"), "--model", model_file])
    return {"bad": tmp / "bad.ecc", "ecc": tmp / "a.ecc", "other": tmp / "other.pt", "wav": tmp / "a.wav",
            "out": tmp / "out"}


@pytest.mark.parametrize("argv, message", [
    (["compress", "/no/such.wav", "{out}.ecc"], "does not exist"),
    (["decompress", "{bad}", "{out}.wav"], "not an .ecc file"),
    (["decompress", "{ecc}", "{out}.wav", "--model", "{other}"], "model"),
    (["compress", "{wav}", "{out}.ecc", "--quality", "9"], "quality must lie in"),
    (["compress", "{wav}", "{out}.ecc", "--device", "cuda"], "cuda"),
])
def test_user_errors_exit_2_with_one_line(files, model_file, argv, message, capsys):
    argv = [a.format(**files) for a in argv]
    if "--model" not in argv:
        argv += ["--model", model_file]
    if "cuda" in argv and torch.cuda.is_available():
        pytest.skip("CUDA present")
    capsys.readouterr()
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_errors_print_no_traceback(files, model_file):
    result = subprocess.run([sys.executable, "-m", "ecc", "decompress", str(files["bad"]), "x.wav", "--model",
                             model_file], capture_output=True, text=True, timeout=120, cwd=files["out"].parent)
    assert result.returncode == 2 and result.stderr.startswith("ecc decompress: error:")
    assert len(result.stderr.strip().splitlines()) == 1


def _one_error_line(capsys, *needles):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and all(n in lines[0] for n in needles), lines
    return lines[0]


@pytest.fixture
def loads_no_model(monkeypatch):
    """Fails a test whose command loads the model: its refusal must come before any work."""
    def fail(args):
        raise AssertionError("the model was loaded before the refusal")
    monkeypatch.setattr("ecc.codec_cli._codec", fail)


@pytest.mark.parametrize("force", [[], ["-f"]])
def test_an_input_is_never_overwritten(tmp_path, capsys, loads_no_model, force):
    _tone(tmp_path / "x.wav", 0.2)
    before = (tmp_path / "x.wav").read_bytes()
    (tmp_path / "link.ecc").symlink_to(tmp_path / "x.wav")
    for output in ("x.wav", "sub/../x.wav", "link.ecc"):
        assert main(["compress", str(tmp_path / "x.wav"), f"{tmp_path}/{output}", *force]) == 2
        _one_error_line(capsys, "is an input as well as an output")
    assert main(["decompress", str(tmp_path / "link.ecc"), str(tmp_path / "x.wav"), *force]) == 2
    _one_error_line(capsys, "is an input as well as an output")
    assert (tmp_path / "x.wav").read_bytes() == before


def test_existing_outputs_are_replaced_only_with_force(tmp_path, model_file, capsys):
    _tone(tmp_path / "a.wav", 0.3)
    (tmp_path / "a.ecc").write_bytes(b"keep me")
    argv = ["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc"), "--model", model_file]
    assert main(argv) == 2
    _one_error_line(capsys, "a.ecc already exists; pass -f/--force to replace")
    assert (tmp_path / "a.ecc").read_bytes() == b"keep me"
    assert main([*argv, "--force"]) == 0
    bitstream.read(tmp_path / "a.ecc")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.wav").write_bytes(b"keep me")  # folder mode: the same rule
    argv = ["decompress", str(tmp_path / "a.ecc"), str(tmp_path / "out"), "--model", model_file]
    assert main(argv) == 2
    _one_error_line(capsys, "out/a.wav already exists; pass -f/--force")
    assert main([*argv, "-f"]) == 0 and soundfile.info(tmp_path / "out" / "a.wav").frames == 4800
    assert main([*argv[:2], f"{tmp_path}/new/", *argv[3:]]) == 0  # a trailing slash: a folder
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == \
        ["a.ecc", "a.wav", "new", "new/a.wav", "out", "out/a.wav"]  # no leftovers


def test_folder_inputs_of_one_name_are_refused_before_any_work(tmp_path, capsys, loads_no_model):
    (tmp_path / "in").mkdir()
    for suffix in (".wav", ".flac", ".ogg"):
        _tone(tmp_path / "in" / f"speech{suffix}", 0.2)
    assert main(["compress", str(tmp_path / "in"), str(tmp_path / "coded")]) == 2
    _one_error_line(capsys, "3 inputs would write the same output", "coded/speech.ecc",
                    "speech.flac", "speech.ogg", "speech.wav")
    assert not (tmp_path / "coded").exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "1e400", "fast"])
def test_bitrate_must_be_positive_and_finite(value, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["compress", "a.wav", "a.ecc", f"--bitrate={value}"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == \
        f"ecc compress: error: argument --bitrate: must be a positive finite number of kbps, got '{value}'"


# the small model's points are 0.8, 1.6 and 3.2 kbps; untrained, it codes a 0.2 s tone at 2.92 kbps
# at every quality, so only requests near that rate can be met
@pytest.mark.parametrize("kbps, ok", [("0.7", False), ("2.9", True), ("3.0", True), ("3.21", False), ("100", False)])
def test_bitrate_outside_the_models_range_gives_the_range(tmp_path, model_file, capsys, kbps, ok):
    _tone(tmp_path / "a.wav", 0.2)
    assert main(["compress", str(tmp_path / "a.wav"), str(tmp_path / "a.ecc"), "--model", model_file,
                 "--bitrate", kbps]) == (0 if ok else 2)
    if not ok:
        _one_error_line(capsys, f"--bitrate {kbps}: model ecc-small codes 0.8 to 3.2 kbps; choose --bitrate in that range")
        assert not (tmp_path / "a.ecc").exists()


def test_a_codec_error_names_the_file(tmp_path, model_file, capsys, monkeypatch):
    from ecc.speech_codec import SpeechCodec

    compress_many = SpeechCodec.compress_many

    def picky(self, waves, *args, **kwargs):  # stands in for the codec's own input checks
        if any(len(w) == 4000 for w in waves):
            raise ValueError("the audio is not speech")
        return compress_many(self, waves, *args, **kwargs)

    monkeypatch.setattr(SpeechCodec, "compress_many", picky)
    (tmp_path / "in").mkdir()
    for name, seconds in (("a.wav", 0.2), ("b.wav", 0.25), ("c.wav", 0.3)):
        _tone(tmp_path / "in" / name, seconds)
    for inputs in ([tmp_path / "in" / "b.wav"], [tmp_path / "in"]):
        output = tmp_path / ("b.ecc" if len(inputs) == 1 else "coded")
        assert main(["compress", *map(str, inputs), str(output), "--model", model_file]) == 2
        assert _one_error_line(capsys).endswith(f"error: {tmp_path / 'in' / 'b.wav'}: the audio is not speech")
        assert not output.exists()


def test_unwritable_output_is_refused_before_decoding(files, capsys, loads_no_model):
    assert main(["decompress", str(files["ecc"]), str(files["wav"] / "x.wav")]) == 2
    _one_error_line(capsys, f"cannot write {files['wav'] / 'x.wav'}: {files['wav']} is a file, not a folder")
    assert main(["decompress", str(files["ecc"]), str(files["ecc"].parent)]) == 2  # a.wav is there
    _one_error_line(capsys, "a.wav already exists")


def test_info_reports_every_bad_file_and_goes_on(files, tmp_path, capsys):
    coded = tmp_path / "coded"
    (coded / "sub").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    good = files["ecc"].read_bytes()
    (coded / "a.ecc").write_bytes(good)
    (coded / "b.ecc").write_bytes(good[:-3])
    (coded / "sub" / "c.ecc").write_bytes(good)
    assert main(["info", str(coded), str(files["bad"]), str(tmp_path / "missing.ecc"), str(tmp_path / "empty")]) == 1
    out, err = capsys.readouterr()
    assert [line for line in out.splitlines() if not line.startswith(" ")] == \
        [f"{coded / 'a.ecc'}: ecc file, format version 3", f"{coded / 'sub' / 'c.ecc'}: ecc file, format version 3"]
    errors = err.splitlines()
    assert errors[0].startswith(f"ecc info: error: {coded / 'b.ecc'}: truncated .ecc file")
    assert errors[1].startswith(f"ecc info: error: {files['bad']}: not an .ecc file")
    assert errors[2:] == [
        f"ecc info: error: {tmp_path / 'missing.ecc'}: No such file or directory",
        f"ecc info: error: no .ecc files under {tmp_path / 'empty'}",
        "ecc info: 4 of 6 could not be read",
    ]


def test_out_of_memory_is_one_line(files, model_file, capsys, monkeypatch):
    from ecc.speech_codec import SpeechCodec

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(SpeechCodec, "decompress_many", no_memory)
    assert main(["decompress", str(files["ecc"]), str(files["out"] / "oom.wav"), "--model", model_file]) == 2
    _one_error_line(capsys, "ecc decompress: error: out of memory;")


@pytest.mark.parametrize("error, status", [(KeyboardInterrupt, 130), (OSError(28, "No space left on device"), 2)])
def test_an_interrupted_write_leaves_no_partial_file(tmp_path, files, model_file, capsys, monkeypatch, error, status):
    def half_then_fail(path, wave):
        path.write_bytes(b"RIFF half a file")
        raise error

    monkeypatch.setattr("ecc.codec_cli.write_audio", half_then_fail)
    (tmp_path / "old.wav").write_bytes(b"old")
    for output, force in (("new.wav", []), ("old.wav", ["-f"])):
        assert main(["decompress", str(files["ecc"]), str(tmp_path / output), "--model", model_file, *force]) == status
        expected = "ecc decompress: interrupted" if status == 130 else \
            f"ecc decompress: error: [Errno 28] cannot write {tmp_path / output}: No space left on device"
        assert _one_error_line(capsys) == expected
        assert sorted(p.name for p in tmp_path.iterdir()) == ["old.wav"] and (tmp_path / "old.wav").read_bytes() == b"old"
