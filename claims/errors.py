"""What can go wrong with a claim, as the dialogue needs to tell it apart."""


class ClaimError(Exception):
    pass


class DraftNotFound(ClaimError):
    """The draft is gone (cancelled, erased, purged) or belongs to someone else."""


class ClaimNotFound(ClaimError):
    """No claim with that reference for this requester."""


class InvalidTransition(ClaimError):
    """Staff asked for a status change the workflow does not allow."""


class IncompleteClaim(ClaimError):
    """A required answer is missing; the form must ask for it before submitting."""
