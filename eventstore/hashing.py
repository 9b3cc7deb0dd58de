"""The hash chain, see ``domain/hashing.py``: pure, so ledgercheck can recompute it too."""

from domain.hashing import GENESIS_HASH, canonical_json, canonical_time, event_hash

__all__ = ["GENESIS_HASH", "canonical_json", "canonical_time", "event_hash"]
