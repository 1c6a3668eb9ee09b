"""The few sentences the front end says on its own.

Everything else the user reads comes from Rasa's domain responses; these are
for when Rasa cannot be asked (it is down) or the message never reaches it.
"""

RASA_UNAVAILABLE = (
    "抱歉，助手暂时无法回复，你刚才的消息没有处理成功，请稍后再发一次🙏 紧急情况请拨打 12351 职工服务热线。"
)
UNSUPPORTED_MESSAGE = (
    "语音、贴纸和位置我暂时看不懂😅 请直接打字提问，比如“求职补贴怎么申请”；登记工伤申请时可以发照片或PDF作为材料。"
)
EMPTY_REPLY = "抱歉，刚才这条消息没有处理成功，请再发一次🙏 如果一直这样，请拨打 12351 职工服务热线。"
TERMINAL_WELCOME = "你好！直接输入问题（例如“骑手受伤了有保障吗”），选项可以输入编号，输入 /quit 退出。"
CHOSEN = "你选择了：{title}"
COMMANDS = {
    "start": "开始 / 我能做什么",
    "help": "使用帮助",
    "cancel": "取消当前操作",
    "status": "查询我的申请进度",
    "human": "转人工服务",
}
UPLOAD_OUTSIDE_CLAIM = (
    "照片和文件是用来给职业伤害申请补充材料的。你现在没有正在登记或办理中的申请；"
    "需要登记请输入“我要报工伤”，填到材料这一步再发送。"
)
MATERIAL_ADDED = (
    "📎 已把这份材料补充到申请 {reference}（现在共{count}份材料），工作人员会尽快查看。"
    "还想写几句说明，可以发送“补充说明：……”。"
)
MATERIAL_NOTE_ADDED = "📝 已把你的说明补充到申请 {reference}，工作人员会看到。"
MATERIAL_CHOOSE = "你有几份申请正在办理，这份材料要补充到哪一份？请点一下受理编号👇"
MATERIAL_EXPIRED = "这份材料等得太久已经失效了，请重新发送一次🙏"
NOTE_PREFIX = "补充说明"
NOTE_EMPTY = "请在“补充说明”后面写上要补充的内容，比如“补充说明：医院诊断是左腿骨裂”。"
UPLOAD_WRONG_TYPE = "只能接收照片（JPG、PNG、WEBP）或PDF文件，其他格式请转换后再发。"
UPLOAD_TOO_LARGE = "文件太大了，单个文件不能超过10MB，请压缩或拍照后再发。"
UPLOAD_TOO_MANY = "每份申请最多上传10个材料，已经够了；还有重要材料可以在“转人工”后交给工作人员。"
UPLOAD_FAILED = "抱歉，文件没有保存成功，请稍后再发一次🙏"
PRIVATE_CHAT_ONLY = (
    "为了保护个人信息，政策咨询和工伤申请只在私聊中办理🙏 请点我的头像，和我单独聊天；群里的消息我不会处理。"
)
EDIT_NOT_TAKEN = (
    "修改过的消息不会当作新的回答。如果要改刚才的内容，请直接再发一条；改申请里的信息可以说“改一下手机号”。"
)
# A hand-off to staff is open: what the worker types goes to the staff console (bot/handoff_relay.py).
HANDOFF_RELAYED_FIRST = (
    "👩‍💼 你现在在和人工客服对话：你发的消息已转给工作人员，他们会在这里回复你（工作时间内一般很快）。"
    "在此期间智能助手不回答；输入“结束人工”可以回到智能助手。紧急情况请拨打 12351。"
)
HANDOFF_RELAYED = "✅ 已转给工作人员。输入“结束人工”可以回到智能助手。"
HANDOFF_ENDED = "人工服务已结束，接下来由智能助手为你解答。还需要人工可以再发“转人工”。"
HANDOFF_NONE_OPEN = "目前没有进行中的人工服务。有问题可以直接问我，需要人工请发“转人工”。"
