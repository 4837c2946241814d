"""``ecc train``: train an ECC codec from a TOML config (see docs/training.md).

``ecc.cli`` calls ``add_parser`` to add the subcommand; ``python -m ecc.train`` runs it alone.
Under ``torchrun --nproc_per_node=N python -m ecc.train ...`` every rank runs it.
"""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Handler of ``ecc train``. ValueError on user errors (bad config, occupied run dir)."""
    from .config import load_config
    from .trainer import train

    overrides = list(args.set or [])
    if args.max_minutes is not None:
        overrides.append(f"max_minutes={args.max_minutes}")
    config = load_config(args.config, overrides)
    train(config, args.run_dir, resume=args.resume)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``train`` subcommand to ``ecc``'s subparsers; returns its parser."""
    p = subparsers.add_parser(
        "train", help="train an ECC codec from a TOML config (stage 1, then the entropy-skip fine-tune)",
        description="Train an ECC codec: rate + lambda * (mel + adversarial + feature matching) over several "
                    "operating points, then fine-tune with entropy skip. Checkpoints, log.jsonl and the exported "
                    "model.pt go to the run dir. Also runs under torchrun --nproc_per_node=N.")
    p.add_argument("--config", required=True, help="TOML config (e.g. configs/default.toml)")
    p.add_argument("--run-dir", help="where checkpoints, logs and model.pt go (default: the config's run_dir)")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in the run dir")
    p.add_argument("--max-minutes", type=float, help="stop cleanly (checkpoint + export) after this wall time")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key with a TOML value, e.g. --set loss.w_adv=0.2 (repeatable)")
    p.set_defaults(func=run)
    return p
