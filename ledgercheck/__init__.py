"""Checking the ledger without the store: signed checkpoints, inclusion proofs of one
event, and consistency proofs between two checkpoints.

This package imports the standard library, ``cryptography`` and ``domain.merkle``
only, never the event store, so a proof file can be checked with no database.
"""
