"""Application services: one function per use case, a typed command in, a typed result out.

Each asks the access policy (domain.access) first; the API and the CLI are thin callers.
"""
