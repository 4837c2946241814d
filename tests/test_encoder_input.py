"""What SpeechCodec.compress accepts: float or int16/int32 PCM, mono or channels-first, numpy or
torch; non-finite samples, wrong dtypes and shapes, and peaks far beyond full scale are refused."""

import pytest
import torch

from ecc.model import ECC
from ecc.speech_codec import SpeechCodec

from test_codec import SMALL, speechlike


@pytest.fixture(scope="module")
def codec():
    torch.manual_seed(0)
    model = ECC(**SMALL).eval()
    model.update()
    return SpeechCodec(model)


@pytest.fixture(scope="module")
def wave():
    return speechlike(0.5, 30)


def as_kind(x: torch.Tensor, kind: str):
    return x.numpy() if kind == "numpy" else x


KINDS = ["numpy", "torch"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype,scale", [(torch.int16, 2**15), (torch.int32, 2**31)])
def test_integer_pcm_is_scaled_as_soundfile_reads_it(codec, wave, kind, dtype, scale):
    pcm = torch.round(wave * (scale // 2)).to(dtype)  # half scale: no clipping
    blob = codec.compress(as_kind(pcm, kind), 1.0)
    assert blob == codec.compress(pcm.double() / scale, 1.0)
    assert float(codec.decompress(blob).abs().max()) < 2


@pytest.mark.parametrize("kind", KINDS)
def test_other_float_dtypes_are_coded_as_float32(codec, wave, kind):
    assert codec.compress(as_kind(wave.double(), kind), 1.0) == codec.compress(wave, 1.0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [torch.uint8, torch.int64, torch.bool])
def test_other_dtypes_raise_type_error_naming_the_dtype(codec, wave, kind, dtype):
    bad = as_kind((wave > 0).to(dtype), kind)
    with pytest.raises(TypeError, match=f"dtype {str(bad.dtype)} is not audio"):
        codec.compress(bad, 1.0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_samples_are_refused_with_where(codec, wave, kind, value):
    bad = wave.clone()
    bad[4000], bad[5000] = value, value
    with pytest.raises(ValueError, match=r"audio has 2 non-finite samples .*first at sample 4000 \(0\.250 s\)"):
        codec.compress(as_kind(bad, kind), 1.0)
    with pytest.raises(ValueError, match=r"waves\[1\] has 2 non-finite"):
        codec.compress_many([wave, as_kind(bad, kind)], 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_channels_first_audio_is_mixed_down_as_the_cli_does(codec, wave, kind):
    stereo = torch.stack([wave, 0.5 * wave.flip(0)])
    with pytest.warns(UserWarning, match="audio: 2 channels mixed down to mono"):
        blob = codec.compress(as_kind(stereo, kind), 1.0)
    assert blob == codec.compress(stereo.mean(0), 1.0)
    assert codec.compress(as_kind(wave[None], kind), 1.0) == codec.compress(wave, 1.0)
    with pytest.raises(ValueError, match=r"shape \(8000, 2\) has more channels than samples.*\.T"):
        codec.compress(as_kind(stereo.T.contiguous(), kind), 1.0)
    with pytest.raises(ValueError, match=r"shape \(2, 1, 8000\)"):
        codec.compress(as_kind(stereo[:, None], kind), 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_peaks_far_beyond_full_scale_are_refused(codec, wave, kind):
    loud = wave / wave.abs().max()
    codec.compress(as_kind(1.5 * loud, kind), 1.0)  # over full scale, but plausibly audio: coded
    peak = int(loud.abs().argmax())
    with pytest.raises(ValueError, match=rf"peaks at -?32767 \(sample {peak}, .*far beyond full scale.*32768"):
        codec.compress(as_kind(32767 * loud, kind), 1.0)  # int16 PCM converted to float unscaled
