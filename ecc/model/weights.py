"""Model files: a trained ECC network with its CDF tables, loadable with ``weights_only=True``.

A model file is a ``torch.save`` dict::

    {"format": "ecc-model", "version": 1, "model_id": str, "config": ECC kwargs,
     "meta": {"point_kbps": [...], "skip_below": int, ...}, "state_dict": {...}}

Floating-point weights are stored as float16 (halving the file) and widened to float32 on load;
the CDF tables are rebuilt from the widened weights before saving, so the tables in the file are
exactly the ones the loaded model codes with. The model hash (first 8 bytes of a SHA-256 over
the config and every tensor) goes into each ``.ecc`` file, so a stream is never decoded with
other weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from . import build_model
from .codec import ECC

FORMAT, VERSION = "ecc-model", 1
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "weights" / "ecc-default.pt"


def model_hash(model: ECC) -> bytes:
    """8 bytes identifying the weights and tables (SHA-256 of config + state_dict, truncated)."""
    digest = hashlib.sha256(json.dumps(model.config, sort_keys=True).encode())
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.digest()[:8]


def save_model(model: ECC, path: str | Path, model_id: str, meta: dict | None = None) -> bytes:
    """Write ``model`` (rounded to float16 weights, tables refreshed) to ``path``; returns its hash.

    The model is changed in place to exactly what the file holds (weights rounded, tables updated).
    """
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().float())
    model.update()
    state = {name: t.half() if t.is_floating_point() else t for name, t in model.state_dict().items()}
    meta = {"skip_below": model.skip_below, **(meta or {})}
    torch.save({"format": FORMAT, "version": VERSION, "model_id": model_id, "config": model.config,
                "meta": meta, "state_dict": state}, path)
    model.model_id, model.meta = model_id, meta
    return model_hash(model)


def load_model(path: str | Path | None = None, device: str | torch.device = "cpu") -> ECC:
    """The ECC model in ``path`` (default: the model shipped with ecc), in eval mode, tables ready.

    The returned model has ``model_id`` (str) and ``meta`` (dict: ``point_kbps`` per operating
    point when measured, ``skip_below``) attributes.

    Raises:
        ValueError: a missing file, or one that is not an ecc model file.
    """
    path = Path(path) if path is not None else DEFAULT_MODEL
    if not path.is_file():
        hint = " (the default model ships with ecc; reinstall the package)" if path == DEFAULT_MODEL else ""
        raise ValueError(f"no model file at {path}{hint}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for foreign files
        raise ValueError(f"{path} is not an ecc model file ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(f"{path} is not an ecc model file")
    if blob.get("version", 0) > VERSION:
        raise ValueError(f"{path} is a version {blob['version']} ecc model file; this ecc reads version "
                         f"{VERSION}: upgrade ecc")
    model = build_model(blob["config"])
    model.load_state_dict({name: t.float() if t.is_floating_point() else t for name, t in blob["state_dict"].items()})
    model.set_entropy_skip(blob["meta"].get("skip_below", 0))
    model.model_id, model.meta = blob["model_id"], blob["meta"]
    return model.eval().to(device)
