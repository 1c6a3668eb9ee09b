"""The NLU figures count what users meet: a low-confidence guess is a fallback."""

from assistant.nlu_eval import fallback_threshold, served_accuracy


def prediction(gold: str, predicted: str, confidence: float) -> dict:
    return {"intent": gold, "intent_prediction": {"name": predicted, "confidence": confidence}}


def test_a_low_confidence_guess_counts_as_the_fallback_it_becomes() -> None:
    predictions = [
        prediction("out_of_scope", "affirm", 0.30),  # falls back: the right outcome for out_of_scope
        prediction("affirm", "affirm", 0.30),  # falls back: the user is not understood
        prediction("greet", "greet", 0.99),
        prediction("out_of_scope", "affirm", 0.90),  # confidently wrong
    ]
    assert served_accuracy(predictions, 0.45) == 0.5


def test_the_threshold_comes_from_the_pipeline() -> None:
    assert 0 < fallback_threshold() < 1
