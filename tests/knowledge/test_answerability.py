"""A passage is the answer only when it says what was asked; otherwise the reply says so first."""

from __future__ import annotations

import pytest

from knowledge.answer import Answer, Decline, respond, short_answer
from knowledge.answerability import Need, judge, needs, subjects
from knowledge.index.lexical import tokenize
from knowledge.ingest.readers import read_document, split_front_matter

CORPUS = (
    "一次性求职补贴的具体标准由省级人社部门和财政部门确定。职业伤害保障由平台企业按单缴费，骑手本人不用缴费。"
    "12351是全国总工会的职工服务热线。职业伤害保障试点从2021年开始，在北京、上海等七个省市进行。"
)
STANDARD = "一次性求职补贴的具体标准由省级人社部门和财政部门确定，各省金额可能不一样。"


def verdict(question: str, passage: str, context: str = "求职补贴\n补贴标准由谁定"):
    return judge(question, tokenize(question), passage, context, CORPUS)


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("一次性求职补贴能领多少钱", Need.AMOUNT),
        ("求职补贴发多少由谁决定", Need.ORGANISATION),
        ("职业伤害保障待遇多久能到账", Need.PERIOD),
        ("12351电话几点有人接", Need.PHONE),
        ("申请的小程序叫啥 给我个链接", Need.LINK),
        ("求职补贴能领几次", Need.COUNT),
        ("职业伤害保障的钱谁来交", Need.SOURCE),
        ("职业伤害保障和工伤保险有什么区别", Need.OTHER),
        ("职伤保障跟工伤险到底差在哪", Need.OTHER),  # how they differ, not where
        ("毕业学年具体是从哪天算到哪天", Need.DATE),
        ("是不是今年年底就全国铺开", Need.DATE),
        ("求职补贴领过一回 换个省还能再领不", Need.COUNT),
    ],
)
def test_what_a_question_asks_for(question: str, asked: Need) -> None:
    assert asked in needs(question)
    if "哪" in question and asked is not Need.PLACE:
        assert Need.PLACE not in needs(question)  # 差在哪, 算到哪天: no place is asked for


def test_an_amount_the_documents_do_not_give_is_not_answered_by_who_sets_it() -> None:
    result = verdict("一次性求职补贴一般能领多少钱", STANDARD)
    assert not result.answers
    assert "金额" in (result.missing or "")


def test_who_sets_the_amount_is_answered_by_the_same_passage() -> None:
    assert verdict("一次性求职补贴发多少由谁决定", STANDARD).answers


def test_a_programme_the_documents_never_mention_is_named_in_the_decline() -> None:
    result = verdict("失业保险金一个月能领多少", STANDARD)
    assert not result.answers
    assert (result.missing or "").startswith("失业保险")
    question = "领了求职补贴还能领就业见习补贴吗"
    assert "就业见习补贴" in subjects(question, tokenize(question))
    fee = "有人说能帮我办职伤保障 先转两百手续费"
    assert "手续费" in subjects(fee, tokenize(fee)) and "续费" not in subjects(fee, tokenize(fee))


def test_one_city_is_answered_only_by_a_passage_about_that_city() -> None:
    result = verdict("深圳的求职补贴去哪个窗口办", STANDARD)
    assert not result.answers and "深圳" in (result.missing or "")


def test_a_national_rule_answers_a_yes_no_question_asked_from_one_city() -> None:
    passage = "职业伤害鉴定执行全国统一的鉴定规范，各地标准一致。"
    assert verdict("我在东莞受的伤回河南评残结果会不一样吗", passage, "职业伤害\n鉴定").answers


def test_words_the_documents_use_answer_even_when_typed_as_heard() -> None:
    passage = "职业伤害保障由平台企业按单缴费，骑手本人不用缴费。"
    assert verdict("职业商害保账要骑手自己交钱吗", passage, "职业伤害\n谁来缴费").answers


def test_short_answer_keeps_the_yes_and_the_sentence_that_answers() -> None:
    passage = (
        "可以。一次性求职补贴的对象包括残疾高校毕业生和获得国家助学贷款的高校毕业生。"
        "也就是说，有残疾的毕业生只要在毕业学年积极求职或创业，就可以按照当地规定申请。"
        "具体怎么办理，建议咨询当地人社部门。工会也会提供帮助。各地安排不同。请留意通知。"
        "这一段还有很多与问题无关的补充说明，用来让整段超过两百个字，看看短答案会不会只挑出回答问题的那几句话。"
    )
    text = short_answer("贷过国家助学贷款能领求职补贴吗", passage)
    assert text.startswith("可以。")
    assert "国家助学贷款" in text
    assert len(text) <= 200


async def test_respond_declines_first_and_keeps_the_related_passage(tiny_knowledge) -> None:
    result = respond(
        "一次性求职补贴能领多少钱", tiny_knowledge.search("一次性求职补贴能领多少钱", 5), 0.8, tokenize, CORPUS
    )
    assert isinstance(result, Decline)
    assert result.related is not None and "省级" in result.related.text


async def test_respond_answers_with_the_documents_topic(tiny_knowledge) -> None:
    result = respond(
        "骑手自己要交职业伤害保障费吗", tiny_knowledge.search("骑手自己要交职业伤害保障费吗", 5), 0.8, tokenize, CORPUS
    )
    assert isinstance(result, Answer)
    assert result.topic == "injury"  # from the document's front matter, not its file name


def test_front_matter_names_the_topic_and_is_not_indexed(tmp_path) -> None:
    meta, body = split_front_matter("---\ntopic: union\n---\n# 标题\n\n正文。\n")
    assert meta == {"topic": "union"} and body.startswith("# 标题")
    path = tmp_path / "any-name.md"
    path.write_text("---\ntopic: Subsidy\n---\n# 补贴\n\n## 标准\n由省里定。\n", encoding="utf-8")
    document = read_document(path, tmp_path)
    assert document.topic == "subsidy"
    assert all("topic" not in p for s in document.sections for p in s.paragraphs)


INJURED = "外卖骑手、网约车司机等平台劳动者在接单、送单、载客过程中受伤，首先要及时就医，并通过平台报告受伤情况。"
INJURED_CONTEXT = "新就业形态职业伤害保障问答\n外卖骑手、网约车司机受伤了怎么办"


@pytest.mark.parametrize(
    "question",
    [
        "大夏天跑单中暑晕倒拉去医院 这个算不算职伤",
        "喝了两口酒跑单摔了 职伤认不认",
        "早上从家骑车去商圈等单的路上摔了 职伤管不管",
    ],
)
def test_whether_a_circumstance_counts_is_not_answered_by_what_to_do_after_an_injury(question: str) -> None:
    judgement = judge(question, tokenize(question), INJURED, INJURED_CONTEXT, CORPUS + INJURED)
    assert not judgement.answers
    assert judgement.missing == "什么情形算职业伤害"


def test_an_injury_on_the_way_to_an_order_is_answered_by_the_passage_about_injuries_at_work() -> None:
    question = "送单路上被车撞了算不算职伤"
    assert judge(question, tokenize(question), INJURED, INJURED_CONTEXT, CORPUS + INJURED).answers


def test_who_counts_as_a_graduate_beyond_what_the_documents_list_is_declined() -> None:
    passage = "申领一次性求职补贴的毕业生需要正处在毕业学年，来自低保家庭、零就业家庭的高校毕业生可以申领。"
    asked = (("我是专升本上来的 求职补贴能领不", "专升本"), ("毕业就去当兵了 一次性求职补贴还能领吗", "当兵"))
    for question, missing in asked:
        judgement = judge(question, tokenize(question), passage, "求职补贴\n哪些毕业生可以申领", CORPUS + passage)
        assert (judgement.answers, judgement.missing) == (False, missing)


def test_a_programme_named_in_full_is_not_taken_for_the_documents_shorter_one() -> None:
    corpus = CORPUS + "设立职工互助援助基金。推动职业过渡。"
    question = "职业过渡援助基金能领多少钱"
    assert "过渡援助基金" in subjects(question, tokenize(question))
    assert not judge(question, tokenize(question), "设立职工互助援助基金，帮助困难职工。", "工会\n互助", corpus).answers


def test_a_close_passage_whose_heading_asks_the_same_answers_when_the_best_only_talks_around_it() -> None:
    from knowledge.models import Hit

    who_pays = Hit(
        "injury",
        "职业伤害保障",
        "职业伤害保障的钱谁来交",
        "职业伤害保障的费用由平台企业按单缴费，骑手本人不用缴费。",
        1.02,
        0.92,
        18.0,
    )
    insured = Hit(
        "injury",
        "职业伤害保障",
        "职业伤害保障现在有多少人参保",
        "截至6月，职业伤害保障累计参保人数达到1234.57万人。",
        1.00,
        0.90,
        17.0,
    )
    question = "到目前全国一共有多少骑手司机参加了职业伤害保障"
    result = respond(question, [who_pays, insured], 0.85, tokenize, CORPUS + insured.text)
    assert isinstance(result, Answer) and "1234.57万" in result.text
    # A runner-up whose heading asks something else does not answer for the best passage.
    unrelated = Hit(
        "injury",
        "职业伤害保障",
        "试点从哪年开始",
        "职业伤害保障试点从2021年开始，在北京、上海等七个省市进行。",
        1.00,
        0.90,
        17.0,
    )
    assert isinstance(respond("职业伤害保障的钱到账一般要多久", [who_pays, unrelated], 0.85, tokenize, CORPUS), Decline)


PILOT = "职业伤害保障试点先在北京、上海等七个省市开展，并选择了部分平台企业参加。"


@pytest.mark.parametrize(
    "question",
    ["第一批参加职伤试点的是哪几家平台", "七个试点省市除了北京上海还有哪几个", "骑手受伤了应该去哪家医院"],
)
def test_a_list_of_named_companies_or_places_is_answered_only_by_a_passage_naming_others(question: str) -> None:
    result = verdict(question, PILOT, "职业伤害保障\n试点范围")
    assert not result.answers and result.missing == "具体名单或名称"


def test_a_passage_naming_places_the_question_did_not_answers_which_ones() -> None:
    passage = "试点在北京、上海、江苏、广东、海南、重庆、四川七个省市开展。"
    assert verdict("七个试点省市除了北京上海还有哪几个", passage, "职业伤害保障\n试点范围").answers
    assert verdict("除了技术安全还有哪些", "劳动安全还包括就业安全、伦理安全。", "人工智能\n劳动安全").answers


def test_whether_one_company_is_in_the_pilot_is_declined_when_the_documents_name_none() -> None:
    result = verdict("货拉拉进试点了吗", PILOT, "职业伤害保障\n试点范围")
    assert not result.answers and result.missing == "货拉拉是否参加试点"
    # Asked from a place, it is a question about the place.
    assert verdict("我在北京跑美团 北京是不是职伤保障试点地区", PILOT, "职业伤害保障\n试点范围").answers


def test_an_address_or_number_asked_for_is_the_only_thing_that_answers() -> None:
    passage = "12351是全国总工会的职工服务热线，职工遇到劳动权益问题可以拨打12351求助。"
    result = verdict("全总职工服务热线有没有微信公众号 叫啥名", passage, "工会服务\n12351热线")
    assert not result.answers and result.missing == "网址或入口名称"
    assert verdict("工会热线电话是多少", passage, "工会服务\n12351热线").answers


def test_a_figure_the_question_states_is_confirmed_only_by_a_passage_stating_it() -> None:
    passage = "工会经费由企业按规定拨缴，用于服务职工。"
    result = verdict("企业工会经费是按工资总额的2%拨吗", passage, "工会\n工会经费")
    assert not result.answers and result.missing == "2%的规定"
    assert verdict(
        "企业工会经费是按工资总额的2%拨吗", "企业按全部职工工资总额的2%向工会拨缴经费。", "工会\n工会经费"
    ).answers
    grades = "职业伤害保障要严格落实全国统一的职业伤害鉴定规范和伤残等级评估体系。"
    assert verdict("职伤保障的一级到十级伤残分别怎么划分", grades, "职伤\n鉴定").missing == "一级的规定"
    # A disability grade says who is asking: the passage about disabled graduates answers.
    disabled = "残疾高校毕业生和获得过国家助学贷款的高校毕业生，也在一次性求职补贴的申领范围内。"
    assert verdict("有二级肢体残疾证 26届应届生 一次性求职补贴我能申请吗", disabled).answers
    assert verdict("就业补助资金是哪一级政府设的", "就业补助资金是由县级以上人民政府设立的专项资金。").answers


def test_the_hotline_number_is_not_the_figure_asked_for() -> None:
    passage = "12351是全国总工会的职工服务热线，困难职工可以拨打12351求助。"
    assert not verdict("年收入低于多少才算工会认定的困难职工", passage, "工会服务\n12351热线").answers


INJURY = ("骑手在接单、送单过程中受伤，首先要及时就医，并保留订单记录等证据。", "职业伤害保障\n受伤了怎么办")
AI_DATA = ("单位在使用人工智能时，对个人信息和生物数据的使用必须合规。", "人工智能\n数据安全")
WHO_PAYS = (
    "职业伤害保障的费用由平台企业按单缴费，劳动者本人无需缴费。工会依托网上工会服务职工。",
    "职业伤害保障\n谁来交",
)


@pytest.mark.parametrize(
    ("question", "passage", "missing"),
    [
        # Laws, their articles and penalties: the documents quote none.
        ("个人信息保护法里违规收集员工信息怎么罚", AI_DATA, "个人信息保护法"),
        ("公司用AI监控员工 违反哪条法律", AI_DATA, "具体法律条文"),
        ("公司违规收集员工信息 怎么处罚", AI_DATA, "具体处罚规定"),
        # Age limits and illness from years of work.
        ("俺今年60了还在跑外卖 还能参加职伤保障不", INJURY, "年龄限制的规定"),
        ("长期送外卖得了腰椎间盘突出 算职业伤害吗", INJURY, "什么情形算职业伤害"),
        # Arrangements the documents never mention.
        ("我是劳务派遣过来的 能不能参加用工单位的工会", WHO_PAYS, "劳务派遣"),
        ("跑顺风车的私家车主能不能参加职业伤害保障", WHO_PAYS, "顺风车"),
        # Damage to the vehicle: the documents speak of injuries to people.
        ("电动车送单时摔坏了 修车的钱职伤能报不", INJURY, "修车的钱"),
    ],
)
def test_what_the_documents_do_not_cover_is_declined_and_named(
    question: str, passage: tuple[str, str], missing: str
) -> None:
    result = verdict(question, *passage)
    assert not result.answers and result.missing == missing


def test_how_much_i_pay_is_answered_by_nothing_and_what_the_platform_pays_is_not() -> None:
    assert verdict("职伤保障要我自己出钱吗 一个月扣多少", *WHO_PAYS).answers
    result = verdict("美团每一单给骑手交几毛钱职伤保障费", *WHO_PAYS)
    assert not result.answers and "金额" in (result.missing or "")


def test_a_childs_age_is_not_an_age_limit_asked_about() -> None:
    childcare = ("工会推动在社区建设工会主导的托育机构，为职工提供价格实惠的普惠性服务。", "工会\n托育")
    assert verdict("双职工 娃三岁没人带 工会那边有没有便宜的托班", *childcare).answers
    assert verdict("俺今年60了还在跑外卖 还能参加职伤保障不", *INJURY).missing == "年龄限制的规定"


def test_a_phone_number_the_user_gives_is_not_a_phone_number_asked_for() -> None:
    assert needs("职业伤害保障试点哪年开始 我电话13812345678") == [Need.DATE]


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("货拉拉司机端申请职伤要点哪个按钮", Need.LINK),  # where in an app: the documents name no screen
        ("职伤申请在美团app里哪里点", Need.LINK),
        ("按单缴的保障费费率是百分之几", Need.AMOUNT),
        ("被辞退能赔几倍工资", Need.AMOUNT),
        ("受伤以后几个小时之内要报给平台", Need.PERIOD),
        ("工会热线打哪个号", Need.PHONE),
    ],
)
def test_more_ways_of_asking_for_a_specific_thing(question: str, asked: Need) -> None:
    assert asked in needs(question)


@pytest.mark.parametrize(
    ("question", "passage", "missing"),
    [
        ("职伤理赔要交身份证复印件吗", INJURY, "身份证"),
        ("申请求职补贴要学院盖章吗", (STANDARD, "求职补贴\n怎么领"), "盖章"),
        ("骑车被撞对方全责 职伤还赔不赔", INJURY, "全责"),
        ("领完补贴没找到工作 钱会被追回吗", (STANDARD, "求职补贴\n标准"), "追回"),
        # Two years the documents do not state; a bare amount they do not give.
        ("2030年职伤保障覆盖全国吗", ("职业伤害保障试点从2021年开始，分步骤扩大范围。", "职伤\n试点"), "2030年的规定"),
        ("求职补贴是发800吗", (STANDARD, "求职补贴\n标准"), "800的规定"),
    ],
)
def test_paperwork_third_parties_and_figures_the_documents_never_give_are_declined(
    question: str, passage: tuple[str, str], missing: str
) -> None:
    result = verdict(question, *passage)
    assert not result.answers and result.missing == missing


def test_whether_a_circumstance_counts_asked_with_a_trailing_no_is_still_that_question() -> None:
    question = "放假那天自己骑车去买菜摔了能算职业伤害不"
    judgement = judge(question, tokenize(question), INJURED, INJURED_CONTEXT, CORPUS + INJURED)
    assert judgement.missing == "什么情形算职业伤害"


def test_a_company_joining_the_scheme_is_declined_when_the_documents_name_none() -> None:
    result = verdict("闪送的跑腿员能参加职伤保障吗", *WHO_PAYS)
    assert not result.answers and result.missing == "闪送是否参加试点"


def test_places_with_their_own_social_insurance_are_not_answered_by_a_national_rule() -> None:
    national = ("职业伤害保障要严格落实全国统一的鉴定规范。", "职伤\n鉴定")
    assert not verdict("香港的骑手有职伤保障吗", *national).answers
    assert verdict("成都和北京的伤残等级标准一样吗", *national).answers


def test_the_right_hotline_answers_a_question_proposing_a_wrong_one() -> None:
    passage = "12351是全国总工会的职工服务热线，职工遇到劳动权益问题可以拨打12351求助。"
    assert verdict("工会投诉打哪个号 是12345吗", passage, "工会服务\n12351热线").answers


def test_clocking_in_is_not_a_card_the_documents_must_name() -> None:
    biometrics = ("单位收集人脸、指纹等生物信息，必须遵循合法、正当、必要的原则。", "人工智能\n数据")
    assert verdict("公司让录指纹打卡 这合规吗", *biometrics).answers
