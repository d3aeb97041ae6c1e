"""Async repositories: keyword-only functions over an AsyncSession; the caller owns the transaction."""
