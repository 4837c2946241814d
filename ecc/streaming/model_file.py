"""The streaming model: the shipped one, a model file, or a :class:`~ecc.model.CausalECC` in memory."""

from __future__ import annotations

from pathlib import Path

from ..model import CausalECC
from ..model.weights import load_model

DEFAULT_STREAM_MODEL = Path(__file__).resolve().parent.parent / "weights" / "ecc-stream.pt"


def streaming_model(model: CausalECC | str | Path | None) -> CausalECC:
    """``model`` as a ready streaming model (None: the shipped one; a path: that file).

    Raises:
        ValueError: a file that is not an ecc model, or a model that is not causal.
    """
    if not isinstance(model, CausalECC):
        if model is not None and not isinstance(model, (str, Path)):
            raise ValueError(f"model must be a CausalECC, a model file or None, got {type(model).__name__}")
        model = load_model(DEFAULT_STREAM_MODEL if model is None else model)
    if not model.causal:
        raise ValueError(f"model {model.model_id} is not a streaming model (train one with [model] causal = true)")
    return model.eval()
