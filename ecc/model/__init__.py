"""The ECC codec network: STFT front end, CRM blocks, the codec (and its streaming form) and its discriminators."""

from .causal_codec import CausalECC
from .codec import ECC
from .crm import CRMBlock, TimeMixing
from .stft import SAMPLE_RATE, SpectralFrontEnd

__all__ = ["ECC", "CRMBlock", "CausalECC", "SAMPLE_RATE", "SpectralFrontEnd", "TimeMixing", "build_model"]


def build_model(config: dict) -> ECC:
    """The model a config describes: :class:`CausalECC` when it has ``causal = true``, else :class:`ECC`
    (``config``: their keyword arguments, as a model file or a training config's [model] holds them)."""
    config = dict(config)
    return CausalECC(**config) if config.pop("causal", False) else ECC(**config)
