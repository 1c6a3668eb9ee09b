"""The few sentences the front end says on its own.

Everything else the user reads comes from Rasa's domain responses; these are
for when Rasa cannot be asked (it is down) or the message never reaches it.
"""

RASA_UNAVAILABLE = (
    "抱歉，助手暂时无法回复，你刚才的消息没有处理成功，请稍后再发一次🙏 紧急情况请拨打 12351 职工服务热线。"
)
UNSUPPORTED_MESSAGE = "我目前只能看懂文字消息😅 请直接打字提问，比如“求职补贴怎么申请”。"
EMPTY_REPLY = "（助手没有回复，请换个说法再试一次。）"
TERMINAL_WELCOME = "你好！直接输入问题（例如“骑手受伤了有保障吗”），选项可以输入编号，输入 /quit 退出。"
CHOSEN = "你选择了：{title}"
COMMANDS = {
    "start": "开始 / 我能做什么",
    "help": "使用帮助",
    "cancel": "取消当前操作",
    "status": "查询我的申请进度",
    "human": "转人工服务",
}
