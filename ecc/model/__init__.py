"""The ECC codec network: STFT front end, CRM blocks, the codec and its discriminators."""

from .codec import ECC
from .crm import CRMBlock, TimeMixing
from .stft import SAMPLE_RATE, SpectralFrontEnd

__all__ = ["ECC", "CRMBlock", "SAMPLE_RATE", "SpectralFrontEnd", "TimeMixing"]
