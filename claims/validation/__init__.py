"""Parsers for the claim form's answers: each turns a colloquial reply into a
normalised value or says precisely why it cannot (the re-ask names the reason)."""
