"""rasa-sdk custom actions. Importing this package registers every action.

Each module holds one flow's actions; shared bases are abstract so rasa-sdk
does not register them as actions of their own.
"""

from actions import (  # noqa: F401
    claim_correction,
    claim_form,
    claim_status,
    claim_submit,
    claim_summary,
    consent_withdrawal,
    fallback,
    form_control,
    handoff,
    policy_answer,
    subsidy_check,
)
