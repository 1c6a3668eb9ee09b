"""The dialogue evaluation judges what the user saw, and says which answers came only after a decline."""

from assistant.dialogue_eval import Turn, summarise

CITE = "\n📄 出处：《问答》— 一节"


def test_a_decline_that_shows_the_right_passage_counts_only_in_the_lenient_figure() -> None:
    rows = [
        {"q": "钱谁出", "any": [["平台企业按单缴费"]]},
        {"q": "骑手要交钱吗", "any": [["平台企业按单缴费"]]},
        {"q": "误工费给多少", "any": []},
    ]
    turns = [
        Turn("钱谁出", ["平台企业按单缴费。" + CITE], ["utter_policy_answer"], 0.05),
        Turn("骑手要交钱吗", ["资料里没有找到…：平台企业按单缴费。" + CITE], ["utter_policy_not_covered"], 0.05),
        Turn("误工费给多少", ["资料里没有找到关于“误工费”的规定"], ["utter_policy_not_covered"], 0.05),
    ]
    report = summarise(rows, turns)
    assert report.questions["cited_and_right"] == 1.0
    assert report.questions["answered_and_right"] == 0.5
    assert report.questions["declined"] == 1.0
